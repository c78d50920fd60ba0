import { describe, expect, it } from 'vitest';
import { describeBatch, describeDelta, formatModel, summaryLine } from '../../electron/commands/inspect-format';
import { applyDelta, cloneModel } from '../../electron/engine/apply';
import type { Delta, Interface, Model } from '../../electron/contract';

const stats = { rxPackets: 5, txPackets: 3, rxBytes: 2048, txBytes: 100, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 1 };
const ifc = (p: Partial<Interface> & { id: string; index: number; name: string }): Interface => ({
  kind: 'veth', linkKind: 'veth', mac: '02:00:00:00:00:01', mtu: 1500, state: 'up', flags: ['UP'], master: null,
  peer: null, tun: null, alias: null, addresses: [], stats, ...p,
});
const model = (): Model => ({ namespaces: [
  { id: 'ns:1', inode: 1, kind: 'host', name: 'host', label: 'host', pids: [1], routes: [
    { dst: 'default', gateway: '10.0.0.254', dev: 'ns:1/if:2', family: 4, table: 254, protocol: 'boot', scope: 'universe', metric: null, type: 'unicast' }],
    interfaces: [
      ifc({ id: 'ns:1/if:2', index: 2, name: 'veth0', peer: 'ns:2/if:5', master: 'ns:1/if:3', addresses: ['10.0.0.1/24'] }),
      ifc({ id: 'ns:1/if:3', index: 3, name: 'br0', kind: 'bridge', linkKind: 'bridge' }),
      ifc({ id: 'ns:1/if:4', index: 4, name: 'tap0', kind: 'tap', linkKind: 'tun', state: 'down', tun: { mode: 'tap', persistent: true, owners: [{ pid: 812, comm: 'qemu' }] } }),
    ] },
  { id: 'ns:2', inode: 2, kind: 'named', name: 'blue', label: 'blue', pids: [], routes: [],
    interfaces: [ifc({ id: 'ns:2/if:5', index: 5, name: 'eth0', peer: 'ns:1/if:2' })] },
] });

describe('engine inspect text', () => {
  it('a tree with peers across namespaces, masters, holders, routes and counters', () => {
    const t = formatModel(model());
    expect(t).toContain('┌─ host  [host, ns:1]  pid 1\n');
    expect(t).toContain('peer → eth0 in ns blue');
    expect(t).toContain('peer → veth0 in host');
    expect(t).toContain('master br0');
    expect(t).toContain('tap, persistent, held by pid 812 (qemu)');
    expect(t).toContain('default via 10.0.0.254 dev veth0');
    expect(t).toContain('rx 5 pkts 2.0 KiB   tx 3 pkts 100 B   errors 0/0 dropped 0/1 (rx/tx)');
  });

  it('counts take the singular for one: pid, namespace, interface', () => {
    const m = model();
    m.namespaces[1].pids = [7, 8];
    expect(formatModel(m)).toContain('┌─ ns blue  [named, ns:2]  pids 7 8\n');
    m.namespaces[1].pids = Array.from({ length: 10 }, (_, i) => 100 + i);
    expect(formatModel(m)).toContain('pids 100 101 102 103 104 105 106 107 (+2)\n');
    expect(summaryLine({ namespaces: 1, interfaces: 1 })).toBe('1 namespace, 1 interface');
    expect(summaryLine({ namespaces: 2, interfaces: 0 })).toBe('2 namespaces, 0 interfaces');
    const before = model();
    before.namespaces[1].interfaces.push(ifc({ id: 'ns:2/if:6', index: 6, name: 'eth1' }));
    const after = cloneModel(before);
    const d: Delta = { op: 'namespace-removed', id: 'ns:2' };
    applyDelta(after, d);
    expect(describeDelta(before, after, d)).toBe('- namespace ns blue (with 2 interfaces: eth0, eth1)');
  });

  it('one line per delta', () => {
    const before = model();
    const line = (d: Delta) => { const b = cloneModel(before); const a = cloneModel(before); applyDelta(a, d); return describeDelta(b, a, d); };
    const v0 = before.namespaces[0].interfaces[0];
    expect(line({ op: 'interface', namespaceId: 'ns:1', iface: { ...v0, name: 'x' } })).toBe('~ veth0 (veth) in host: renamed to x');
    expect(line({ op: 'interface', namespaceId: 'ns:1', iface: { ...v0, state: 'down', flags: [] } })).toBe('~ veth0 (veth) in host: up → down, flags -UP');
    expect(line({ op: 'interface', namespaceId: 'ns:1', iface: ifc({ id: 'ns:1/if:9', index: 9, name: 'v9' }) })).toBe('+ v9 (veth) in host: up');
    expect(line({ op: 'interface-removed', id: 'ns:1/if:2' })).toBe('- veth0 (veth) in host');
    expect(line({ op: 'namespace-removed', id: 'ns:2' })).toBe('- namespace ns blue (with 1 interface: eth0)');
    expect(line({ op: 'namespace', namespace: { id: 'ns:2', inode: 2, kind: 'named', name: 'blue', label: 'blue', pids: [7] } })).toBeNull();
    expect(line({ op: 'interface', namespaceId: 'ns:1', iface: { ...v0, stats: { ...stats, rxPackets: 99 } } })).toBeNull();
  });

  it('a veth pair arriving in one batch: each end names its peer, also the end announced first', () => {
    const mirror = model();
    const a = ifc({ id: 'ns:1/if:7', index: 7, name: 'va', peer: 'ns:2/if:8' });
    const b = ifc({ id: 'ns:2/if:8', index: 8, name: 'vb', peer: 'ns:1/if:7' });
    const lines = describeBatch(mirror, [
      { op: 'interface', namespaceId: 'ns:1', iface: a },
      { op: 'interface', namespaceId: 'ns:2', iface: b },
    ]);
    expect(lines).toEqual(['+ va (veth) in host: up, peer → vb in ns blue', '+ vb (veth) in ns blue: up, peer → va in host']);
    // The batch is applied to the mirror.
    expect(mirror.namespaces[1].interfaces.map((i) => i.name)).toEqual(['eth0', 'vb']);
    // Old names still come from the model before each delta: a rename then a removal in one batch.
    const m2 = model();
    expect(describeBatch(m2, [
      { op: 'interface', namespaceId: 'ns:2', iface: { ...m2.namespaces[1].interfaces[0], name: 'eth1' } },
      { op: 'interface-removed', id: 'ns:2/if:5' },
    ])).toEqual(['~ eth0 (veth) in ns blue: renamed to eth1', '- eth1 (veth) in ns blue']);
  });

  it('a bridge lists its forwarding table (mac, port, state, age) and fdb deltas read as one line', () => {
    const m = model();
    const br = m.namespaces[0].interfaces[1];
    const now = Date.now();
    br.fdb = [
      { mac: '02:00:00:00:00:01', vlan: null, port: 'ns:1/if:2', state: 'local', ageSeconds: null, readAt: null },
      { mac: '0a:00:00:00:00:09', vlan: null, port: 'ns:1/if:2', state: 'learned', ageSeconds: 4, readAt: now - 3000 },
    ];
    const t = formatModel(m);
    expect(t).toContain('fdb mac                port   state      age\n');
    expect(t).toContain('    02:00:00:00:00:01  veth0  local      -\n');
    expect(t).toContain('    0a:00:00:00:00:09  veth0  learned    7 s\n');
    const lines = describeBatch(cloneModel(m), [{ op: 'fdb', bridge: 'ns:1/if:3', set: [
      { mac: '0a:00:00:00:00:0a', vlan: 1, port: 'ns:1/if:2', state: 'learned', ageSeconds: 0, readAt: now },
    ], removed: [{ mac: '0a:00:00:00:00:09', vlan: null }] }]);
    expect(lines).toEqual(['~ fdb of br0 in host: + 0a:00:00:00:00:0a vlan 1 on veth0 (learned); - 0a:00:00:00:00:09']);
  });
});
