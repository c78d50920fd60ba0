// NS:IFNAME, as the capture command takes it and the pcapng names interfaces: host, ip netns
// names, pid:PID (two colons), ns:INODE; what is unknown is named in the error.
import { describe, expect, it } from 'vitest';
import { captureName, resolveCaptureName, splitCaptureName } from '../../electron/capture/names';
import type { Interface, Model, Namespace } from '../../electron/contract';

const ifc = (nsId: string, index: number, name: string): Interface => ({
  id: `${nsId}/if:${index}`, index, name, kind: 'veth', linkKind: 'veth', mac: null, mtu: 1500, state: 'up', flags: [], master: null, peer: null,
  tun: null, alias: null, addresses: [], stats: { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 },
});
const ns = (inode: number, kind: Namespace['kind'], name: string | null, pids: number[], ifs: string[]): Namespace => ({
  id: `ns:${inode}`, inode, kind, name, label: name ?? `pid ${pids[0]}`, pids, routes: [], interfaces: ifs.map((n, i) => ifc(`ns:${inode}`, i + 1, n)),
});
const model: Model = { namespaces: [
  ns(1, 'host', 'host', [1], ['lo', 'docker0']),
  ns(2, 'named', 'blue', [], ['veth0']),
  ns(3, 'process', null, [900, 812], ['eth0']),
  ns(4, 'process', null, [], ['eth0']),
] };

describe('capture names', () => {
  it('split at the last colon: pid:PID:IFNAME has two', () => {
    expect(splitCaptureName('pid:812:eth0')).toEqual({ ns: 'pid:812', ifname: 'eth0' });
    expect(splitCaptureName('host:docker0')).toEqual({ ns: 'host', ifname: 'docker0' });
    for (const bad of ['eth0', ':eth0', 'host:']) expect(() => splitCaptureName(bad), bad).toThrow(/is not NS:IFNAME/);
  });

  it('resolve every spelling in the model', () => {
    expect(resolveCaptureName(model, 'host:docker0').iface.id).toBe('ns:1/if:2');
    expect(resolveCaptureName(model, 'blue:veth0').iface.id).toBe('ns:2/if:1');
    expect(resolveCaptureName(model, 'pid:900:eth0').iface.id).toBe('ns:3/if:1');
    expect(resolveCaptureName(model, 'ns:4:eth0').iface.id).toBe('ns:4/if:1');
    // a pid the model does not list, found through its namespace's inode
    expect(resolveCaptureName(model, 'pid:4242:eth0', (pid) => (pid === 4242 ? 4 : null)).iface.id).toBe('ns:4/if:1');
  });

  it('name what is unknown', () => {
    expect(() => resolveCaptureName(model, 'green:veth0')).toThrow('green:veth0: no namespace "green"');
    expect(() => resolveCaptureName(model, 'pid:77:eth0')).toThrow('no namespace "pid:77"');
    expect(() => resolveCaptureName(model, 'blue:eth9')).toThrow('blue:eth9: no interface "eth9" in namespace blue');
  });

  it('write the name back the same way (the lowest pid for a process namespace)', () => {
    const [host, blue, proc, bare] = model.namespaces;
    expect(captureName(host, host.interfaces[1])).toBe('host:docker0');
    expect(captureName(blue, blue.interfaces[0])).toBe('blue:veth0');
    expect(captureName(proc, proc.interfaces[0])).toBe('pid:812:eth0');
    expect(captureName(bare, bare.interfaces[0])).toBe('ns:4:eth0');
  });
});
