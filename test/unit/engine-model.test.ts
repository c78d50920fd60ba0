import { describe, expect, it } from 'vitest';
import { LiveModel } from '../../electron/engine/model';
import { applyDelta } from '../../electron/engine/apply';
import type { NsInfo } from '../../electron/engine/namespaces';
import type { Delta, Model } from '../../electron/contract';
import { addr, link, route } from './engine-fixtures';

const host: NsInfo = { id: 'ns:100', inode: 100, kind: 'host', name: 'host', label: 'host', pids: [1], openPath: null, refPath: '/proc/1/ns/net' };
const blue: NsInfo = { id: 'ns:200', inode: 200, kind: 'named', name: 'blue', label: 'blue', pids: [], openPath: '/run/netns/blue', refPath: '/run/netns/blue' };

function setup() {
  const m = new LiveModel();
  m.upsertNamespace(host); m.upsertNamespace(blue);
  m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
    link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 })]);
  m.replaceLinks('ns:200', [link({ index: 2, name: 'eth0', kind: 'veth', link: 5, linkNetnsid: 3 })]);
  m.replaceAddrs('ns:100', [addr(5, '10.0.0.1', 24)]);
  m.setRoutes('ns:100', [route({ dst: '10.0.0.0', dstLen: 24, oif: 5 })]);
  m.setNsidMap('ns:100', new Map([[0, 200]]));
  m.setNsidMap('ns:200', new Map([[3, 100]]));
  return m;
}

describe('engine model: snapshot and deltas', () => {
  it('first deltas describe everything, namespaces before interfaces; snapshot agrees', () => {
    const m = setup();
    const d = m.takeDeltas();
    expect(d.map((x) => x.op)).toEqual(['namespace', 'namespace', 'interface', 'interface', 'interface', 'routes']);
    const client: Model = { namespaces: [] };
    for (const x of d) applyDelta(client, x);
    expect(client).toEqual(m.snapshot());
    const snap = m.snapshot();
    const veth = snap.namespaces[0].interfaces.find((i) => i.name === 'veth0')!;
    expect(veth.peer).toBe('ns:200/if:2');
    expect(veth.addresses).toEqual(['10.0.0.1/24']);
    expect(snap.namespaces[1].interfaces[0].peer).toBe('ns:100/if:5');
    expect(m.takeDeltas()).toEqual([]);
  });

  it('events: rename, down, address, delete — each one delta, coalesced per interface', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 5, name: 'x', kind: 'veth', link: 2, linkNetnsid: 0 }) });
    m.applyEvent('ns:100', { type: 'newaddr', addr: addr(5, 'fe80::1', 64) });
    let d = m.takeDeltas();
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ op: 'interface', iface: { name: 'x', addresses: ['10.0.0.1/24', 'fe80::1/64'] } });
    expect(m.takeNeeds().perNs.get('ns:100')?.routes).toBe(true); // addresses move routes

    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 5, name: 'x', kind: 'veth', link: 2, linkNetnsid: 0, flags: 0x1002, operstate: 2 }) });
    d = m.takeDeltas();
    expect(d[0]).toMatchObject({ op: 'interface', iface: { state: 'down' } });
    // the link went down: IPv4 drops its routes without telling, so routes are re-read
    expect(m.takeNeeds().perNs.get('ns:100')?.routes).toBe(true);

    m.applyEvent('ns:100', { type: 'dellink', index: 5, name: 'x', newNetnsid: -1 });
    d = m.takeDeltas();
    expect(d).toEqual([{ op: 'interface-removed', id: 'ns:100/if:5' }]);
    const needs = m.takeNeeds();
    expect(needs.rescan).toBe(false); // deleted, not moved: nothing to discover
    // its peer lived in blue: blue's links are read again (a move leaves no event there)
    expect(needs.perNs.get('ns:200')?.links).toBe(true);
  });

  it('an unchanged newlink makes no delta; counters alone make no delta', () => {
    const m = setup(); m.takeDeltas();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 }) });
    m.setStats('ns:100', 5, { rxPackets: 9, txPackets: 0, rxBytes: 900, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 });
    expect(m.takeDeltas()).toEqual([]);
    expect(m.snapshot().namespaces[0].interfaces[1].stats.rxPackets).toBe(9);
  });

  it('a removed namespace takes its interfaces with it; peers elsewhere lose their peer', () => {
    const m = setup(); m.takeDeltas();
    m.removeNamespace('ns:200');
    const d = m.takeDeltas();
    expect(d.at(-1)).toEqual({ op: 'namespace-removed', id: 'ns:200' });
    expect(d.filter((x) => x.op === 'interface-removed')).toEqual([]);
    expect(m.snapshot().namespaces.map((n) => n.id)).toEqual(['ns:100']);
  });

  it('a peer in a namespace whose nsid is unknown resolves once the nsid map arrives', () => {
    const m = new LiveModel();
    m.upsertNamespace(host); m.upsertNamespace(blue);
    m.replaceLinks('ns:100', [link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 7 })]);
    m.takeDeltas();
    expect(m.takeNeeds().perNs.get('ns:100')?.nsids).toBe(true);
    expect(m.snapshot().namespaces[0].interfaces[0].peer).toBeNull();
    m.setNsidMap('ns:100', new Map([[7, 200]]));
    const d = m.takeDeltas();
    expect(d).toHaveLength(1);
    expect((d[0] as Extract<Delta, { op: 'interface' }>).iface.peer).toBe('ns:200/if:2');
  });

  it('a full re-dump emits only the differences (resync)', () => {
    const m = setup(); m.takeDeltas();
    m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
      link({ index: 9, name: 'br0', kind: 'bridge' })]);
    const d = m.takeDeltas();
    expect(d.map((x) => x.op === 'interface' ? `+${x.iface.name}` : x.op === 'interface-removed' ? `-${x.id}` : x.op))
      .toEqual(['-ns:100/if:5', '+br0']);
  });

  it('tun owners attach to tun/tap interfaces by namespace and name', () => {
    const m = setup(); m.takeDeltas();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 8, name: 'tun0', kind: 'tun', type: 65534, tun: { type: 'tun', persist: false, owner: -1, group: -1 } }) });
    expect(m.takeNeeds().tunScan).toBe(true);
    expect(m.tunNames()).toEqual(new Map([[100, new Set(['tun0'])]]));
    m.takeDeltas();
    m.setTunOwners(new Map([[100, new Map([['tun0', [{ pid: 42, comm: 'python3' }]]])]]));
    const d = m.takeDeltas();
    expect(d).toHaveLength(1);
    expect((d[0] as Extract<Delta, { op: 'interface' }>).iface.tun).toEqual({ mode: 'tun', persistent: false, owners: [{ pid: 42, comm: 'python3' }] });
  });

  it('namespace pid changes are namespace deltas; kind change (named → process) too', () => {
    const m = setup(); m.takeDeltas();
    m.upsertNamespace({ ...blue, kind: 'process', name: null, label: 'pid 7 (sleep)', pids: [7] });
    expect(m.takeDeltas()).toEqual([{ op: 'namespace', namespace: { id: 'ns:200', inode: 200, kind: 'process', name: null, label: 'pid 7 (sleep)', pids: [7] } }]);
  });
});

describe('engine model: bridge (AF_BRIDGE) notifications', () => {
  it('a kind-less record for a known veth is ignored; a port\'s dellink is confirmed by a re-dump', () => {
    const m = new LiveModel();
    m.upsertNamespace(host);
    m.replaceLinks('ns:100', [link({ index: 3, name: 'br0', kind: 'bridge' }),
      link({ index: 5, name: 'v0', kind: 'veth', slaveKind: 'bridge', master: 3, link: 6 }),
      link({ index: 6, name: 'v1', kind: 'veth', link: 5 })]);
    m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 5, name: 'v0', kind: '', master: 3, link: 6 }) });
    expect(m.takeDeltas()).toEqual([]);
    m.applyEvent('ns:100', { type: 'dellink', index: 5, name: 'v0', newNetnsid: -1 });
    expect(m.takeDeltas()).toEqual([]);
    expect(m.takeNeeds().perNs.get('ns:100')?.links).toBe(true);
    m.applyEvent('ns:100', { type: 'dellink', index: 6, name: 'v1', newNetnsid: -1 }); // not a port: deleted at once
    expect(m.takeDeltas()).toEqual([{ op: 'interface-removed', id: 'ns:100/if:6' }]);
  });
});

describe('engine model: re-dumps settle', () => {
  it('re-reading an unchanged namespace asks for nothing more (no ping-pong between peers)', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
      link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 })]);
    expect(m.takeNeeds().perNs.size).toBe(0);
    expect(m.takeDeltas()).toEqual([]);
    // a changed cross-namespace veth does ask for its peer's namespace once
    m.replaceLinks('ns:100', [link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0, mtu: 1400 })]);
    expect(m.takeNeeds().perNs.get('ns:200')?.links).toBe(true);
  });
});

describe('engine model: incomplete announcements are re-read', () => {
  it('a new tun and a new veth end without a peer ask for a re-read of their namespace', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 30, name: 'vnew', kind: 'veth', link: 0 }) });
    expect(m.takeNeeds().recheck).toEqual(['ns:100']);
    m.applyEvent('ns:200', { type: 'newlink', link: link({ index: 31, name: 't0', kind: 'tun', type: 65534 }) });
    expect(m.takeNeeds().recheck).toEqual(['ns:200']);
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 32, name: 'vok', kind: 'veth', link: 30 }) });
    expect(m.takeNeeds().recheck).toEqual([]);
  });
});

describe('engine model: nsid bookkeeping', () => {
  it('delnsid forgets the id and unresolves the peer; unresolved peers are reported', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    expect(m.hasUnresolvedPeers('ns:100')).toBe(false);
    m.applyEvent('ns:100', { type: 'delnsid', nsid: 0 });
    expect(m.nsidMap('ns:100').size).toBe(0);
    expect(m.hasUnresolvedPeers('ns:100')).toBe(true);
    const d = m.takeDeltas();
    expect((d[0] as Extract<Delta, { op: 'interface' }>).iface.peer).toBeNull();
  });
});

describe('engine model: veth peers are symmetric (the kernel announces only the end that changed)', () => {
  const peerOf = (m: LiveModel, ns: number, name: string) =>
    m.snapshot().namespaces.find((n) => n.inode === ns)!.interfaces.find((i) => i.name === name)?.peer;

  it('an end moved next to its peer points the peer back at its new place', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    // eth0 (blue #2) moves into the host as #7: dellink in blue, newlink here; veth0 gets no event.
    m.applyEvent('ns:200', { type: 'dellink', index: 2, name: 'eth0', newNetnsid: -1 });
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 7, name: 'eth0', kind: 'veth', link: 5 }) });
    m.takeDeltas();
    expect(peerOf(m, 100, 'veth0')).toBe('ns:100/if:7');
    expect(peerOf(m, 100, 'eth0')).toBe('ns:100/if:5');
  });

  it('the first end of a new pair (IFLA_LINK 0) gets its peer from the second end\'s announcement', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 30, name: 'vb', kind: 'veth', link: 0 }) });
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 31, name: 'va', kind: 'veth', link: 30 }) });
    m.takeDeltas();
    expect(peerOf(m, 100, 'vb')).toBe('ns:100/if:31');
    // ... and in another namespace, through that namespace's nsid for this one
    m.applyEvent('ns:200', { type: 'newlink', link: link({ index: 40, name: 'vc', kind: 'veth', link: 0 }) });
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 41, name: 'vd', kind: 'veth', link: 40, linkNetnsid: 0 }) });
    m.takeDeltas();
    expect(peerOf(m, 200, 'vc')).toBe('ns:100/if:41');
  });

  it('a veth record with IFLA_LINK 0 does not wipe a known peer (a replayed half-built announcement)', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
      link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 }),
      link({ index: 30, name: 'vb', kind: 'veth', link: 31 }), link({ index: 31, name: 'va', kind: 'veth', link: 30 })]);
    m.takeDeltas();
    m.applyEvent('ns:100', { type: 'newlink', link: link({ index: 30, name: 'vb', kind: 'veth', link: 0 }) });
    expect(m.takeDeltas()).toEqual([]);
    expect(peerOf(m, 100, 'vb')).toBe('ns:100/if:31');
  });

  it('a pair deleted in one batch asks for nothing; an end that left alone makes its namespace re-read', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
      link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 }),
      link({ index: 30, name: 'vb', kind: 'veth', link: 31 }), link({ index: 31, name: 'va', kind: 'veth', link: 30 })]);
    m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'dellink', index: 30, name: 'vb', newNetnsid: -1 });
    m.applyEvent('ns:100', { type: 'dellink', index: 31, name: 'va', newNetnsid: -1 });
    expect(m.takeNeeds().perNs.get('ns:100')?.links ?? false).toBe(false);
    expect(m.takeDeltas().map((d) => d.op)).toEqual(['interface-removed', 'interface-removed']);
    m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
      link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 }),
      link({ index: 30, name: 'vb', kind: 'veth', link: 31 }), link({ index: 31, name: 'va', kind: 'veth', link: 30 })]);
    m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'dellink', index: 31, name: 'va', newNetnsid: 9 }); // moved to a namespace we do not know
    const needs = m.takeNeeds();
    expect(needs.perNs.get('ns:100')?.links).toBe(true);
    expect(needs.rescan).toBe(true);
  });

  it('a link leaving asks discovery for a pass only when it moved into a namespace not read', () => {
    const m = setup(); m.takeDeltas(); m.takeNeeds();
    const more = (index: number, name: string) => m.replaceLinks('ns:100', [link({ index: 1, name: 'lo', type: 772, flags: 0x49, operstate: 0 }),
      link({ index: 5, name: 'veth0', kind: 'veth', link: 2, linkNetnsid: 0 }), link({ index, name, kind: 'macvlan' })]);
    more(40, 'mv0'); m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'dellink', index: 40, name: 'mv0', newNetnsid: -1 }); // deleted
    expect(m.takeNeeds().rescan).toBe(false);
    more(41, 'mv1'); m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'dellink', index: 41, name: 'mv1', newNetnsid: 0 }); // into blue (nsid 0 here), read
    expect(m.takeNeeds().rescan).toBe(false);
    more(42, 'mv2'); m.takeDeltas(); m.takeNeeds();
    m.applyEvent('ns:100', { type: 'dellink', index: 42, name: 'mv2', newNetnsid: 7 }); // into an nsid not known here
    expect(m.takeNeeds().rescan).toBe(true);
    m.applyEvent('ns:100', { type: 'delnsid', nsid: 7 }); // a namespace died: nothing to discover
    expect(m.takeNeeds().rescan).toBe(false);
  });
});
