import { describe, expect, it } from 'vitest';
import {
  flagNames, interfaceKind, linkState, resolvePeer, translateLink, translateRoutes, addressList,
  addressPeers, addrKey,
} from '../../electron/engine/translate';
import { addr, link, route, zeroStats } from './engine-fixtures';

describe('engine translate: kinds', () => {
  it('loopback by ARPHRD 772 or IFF_LOOPBACK', () => {
    expect(interfaceKind(link({ index: 1, name: 'lo', type: 772, flags: 0x49 }))).toBe('loopback');
    expect(interfaceKind(link({ index: 1, name: 'lo2', type: 1, flags: 0x8 }))).toBe('loopback');
  });
  it('tun by its IFLA_INFO_DATA mode, else by link type', () => {
    expect(interfaceKind(link({ index: 2, name: 't', kind: 'tun', type: 65534, tun: { type: 'tun', persist: true, owner: -1, group: -1 } }))).toBe('tun');
    expect(interfaceKind(link({ index: 2, name: 't', kind: 'tun', type: 1, tun: { type: 'tap', persist: false, owner: -1, group: -1 } }))).toBe('tap');
    expect(interfaceKind(link({ index: 2, name: 't', kind: 'tun', type: 1 }))).toBe('tap');
    expect(interfaceKind(link({ index: 2, name: 't', kind: 'tun', type: 65534 }))).toBe('tun');
  });
  it('no kind + ether = physical; no kind otherwise = other; known kinds; aliases; unknown = other', () => {
    expect(interfaceKind(link({ index: 3, name: 'eth0' }))).toBe('physical');
    expect(interfaceKind(link({ index: 3, name: 'x', type: 65534 }))).toBe('other');
    for (const k of ['veth', 'bridge', 'vxlan', 'dummy', 'vlan', 'macvlan', 'bond', 'wireguard', 'ipip', 'sit']) {
      expect(interfaceKind(link({ index: 3, name: 'x', kind: k }))).toBe(k);
    }
    expect(interfaceKind(link({ index: 3, name: 'x', kind: 'gretap' }))).toBe('gre');
    expect(interfaceKind(link({ index: 3, name: 'x', kind: 'geneve' }))).toBe('other');
  });
});

describe('engine translate: state and flags', () => {
  it('operstate 6 up, 0 unknown, others down', () => {
    expect(linkState(6)).toBe('up');
    expect(linkState(0)).toBe('unknown');
    for (const s of [1, 2, 3, 4, 5, 7]) expect(linkState(s)).toBe('down');
  });
  it('flag names in ip order, NO-CARRIER when up without RUNNING, RUNNING not listed', () => {
    expect(flagNames(0x1 | 0x2 | 0x1000 | 0x40 | 0x10000)).toEqual(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP']);
    expect(flagNames(0x1 | 0x2 | 0x1000)).toEqual(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP']);
    expect(flagNames(0x8 | 0x1 | 0x40 | 0x10000)).toEqual(['LOOPBACK', 'UP', 'LOWER_UP']);
    expect(flagNames(0x10 | 0x80 | 0x1000)).toEqual(['POINTOPOINT', 'MULTICAST', 'NOARP']);
    expect(flagNames(0)).toEqual([]);
  });
});

describe('engine translate: links', () => {
  const ctx = { nsId: 'ns:10', addresses: ['10.0.0.1/24'], peer: 'ns:20/if:2', owners: [], stats: zeroStats };
  it('a bridge port veth: master and peer as ids', () => {
    const i = translateLink(link({ index: 5, name: 'veth0', kind: 'veth', master: 3, link: 2, linkNetnsid: 0 }), ctx);
    expect(i).toMatchObject({
      id: 'ns:10/if:5', index: 5, name: 'veth0', kind: 'veth', linkKind: 'veth', mtu: 1500, state: 'up',
      master: 'ns:10/if:3', peer: 'ns:20/if:2', tun: null, addresses: ['10.0.0.1/24'],
    });
  });
  it('peer only for veths; tun info with owners', () => {
    const owners = [{ pid: 812, comm: 'qemu' }];
    const i = translateLink(link({ index: 6, name: 'tap0', kind: 'tun', link: 0, operstate: 2, flags: 0x1003,
      tun: { type: 'tap', persist: true, owner: -1, group: -1 } }), { ...ctx, owners });
    expect(i.peer).toBeNull();
    expect(i.state).toBe('down');
    expect(i.flags).toContain('UP');
    expect(i.tun).toEqual({ mode: 'tap', persistent: true, owners });
  });
  it('vxlan details, lower device as an interface id', () => {
    const i = translateLink(link({ index: 7, name: 'vx0', kind: 'vxlan',
      vxlan: { id: 42, group: '239.1.1.1', local: null, port: 4789, link: 3 } }), ctx);
    expect(i.vxlan).toEqual({ vni: 42, remote: '239.1.1.1', local: null, port: 4789, dev: 'ns:10/if:3' });
    expect(translateLink(link({ index: 8, name: 'v' }), ctx).vxlan).toBeUndefined();
  });
});

describe('engine translate: veth peer resolution', () => {
  it('same namespace when no netnsid; via the nsid map otherwise; null when unknown', () => {
    expect(resolvePeer({ link: 4, linkNetnsid: -1 }, 'ns:10', new Map())).toBe('ns:10/if:4');
    expect(resolvePeer({ link: 4, linkNetnsid: 1 }, 'ns:10', new Map([[1, 99]]))).toBe('ns:99/if:4');
    expect(resolvePeer({ link: 4, linkNetnsid: 2 }, 'ns:10', new Map([[1, 99]]))).toBeNull();
    expect(resolvePeer({ link: 0, linkNetnsid: -1 }, 'ns:10', new Map())).toBeNull();
  });
});

describe('engine translate: addresses and routes', () => {
  it('addresses: v4 before v6, kernel order within a family', () => {
    expect(addressList([addr(2, 'fe80::1', 64), addr(2, '10.0.0.2', 24), addr(2, '10.0.0.1', 24)]))
      .toEqual(['10.0.0.2/24', '10.0.0.1/24', 'fe80::1/64']);
  });
  it('point-to-point peers: keyed by the addresses entry, the prefix length with the peer, v4 and v6', () => {
    const ptp4 = { ...addr(4, '10.8.0.1', 32), peer: '10.8.0.2' };
    const ptp6 = { ...addr(4, 'fd00::1', 128), peer: 'fd00::2' };
    const list = [ptp6, addr(4, '10.0.0.1', 24), ptp4];
    expect(addressList(list)).toEqual(['10.0.0.1/24', '10.8.0.1/32', 'fd00::1/128']);
    expect(addressPeers(list)).toEqual({ '10.8.0.1/32': '10.8.0.2/32', 'fd00::1/128': 'fd00::2/128' });
    expect(addressPeers([addr(4, '10.0.0.1', 24)])).toBeUndefined();
    // Interface.peers is absent without a peer, present with one.
    const ctx = { nsId: 'ns:10', addresses: ['10.0.0.1/24'], peer: null, owners: [], stats: zeroStats };
    expect('peers' in translateLink(link({ index: 4, name: 'tun0', kind: 'tun', type: 65534 }), ctx)).toBe(false);
    const i = translateLink(link({ index: 4, name: 'tun0', kind: 'tun', type: 65534 }),
      { ...ctx, addresses: addressList(list), peers: addressPeers(list) });
    expect(i.peers).toEqual({ '10.8.0.1/32': '10.8.0.2/32', 'fd00::1/128': 'fd00::2/128' });
  });
  it('address identity: an IPv4 address includes its peer (two may share a local address), an IPv6 one does not (its peer changes in place)', () => {
    const v4 = (peer: string | null) => ({ ...addr(4, '10.8.0.1', 32), peer });
    expect(addrKey(v4('10.8.0.2'))).not.toBe(addrKey(v4('10.8.0.3')));
    expect(addrKey(v4(null))).not.toBe(addrKey(v4('10.8.0.2')));
    const v6 = (peer: string | null) => ({ ...addr(4, 'fd00::1', 128), peer });
    expect(addrKey(v6('fd00::2'))).toBe(addrKey(v6('fd00::3')));
    // two IPv4 peers of one local address: one entry, the first kept
    expect(addressPeers([v4('10.8.0.2'), v4('10.8.0.3')])).toEqual({ '10.8.0.1/32': '10.8.0.2/32' });
  });
  it('main table only, default for /0, dev as interface id, names for protocol/scope/type', () => {
    const r = translateRoutes([
      route({ family: 6, dst: 'fe80::', dstLen: 64, oif: 2, protocol: 2, scope: 0, priority: 256 }),
      route({ dst: null, dstLen: 0, gateway: '10.0.0.254', oif: 2, protocol: 4, scope: 0 }),
      route({ dst: '10.0.0.0', dstLen: 24, oif: 2, protocol: 2, scope: 253 }),
      route({ dst: '10.0.0.1', dstLen: 32, oif: 2, table: 255, type: 2, scope: 254 }),
    ], 'ns:10');
    expect(r).toEqual([
      { dst: 'default', gateway: '10.0.0.254', dev: 'ns:10/if:2', family: 4, table: 254, protocol: 'static', scope: 'universe', metric: null, type: 'unicast' },
      { dst: '10.0.0.0/24', gateway: null, dev: 'ns:10/if:2', family: 4, table: 254, protocol: 'kernel', scope: 'link', metric: null, type: 'unicast' },
      { dst: 'fe80::/64', gateway: null, dev: 'ns:10/if:2', family: 6, table: 254, protocol: 'kernel', scope: 'universe', metric: 256, type: 'unicast' },
    ]);
  });
});
