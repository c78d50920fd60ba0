// A small picture for the editor tests: host (lo, eth0 physical, br0 app-made bridge with
// address, veth-red port of br0), red (lo, eth0 veth peer of veth-red, address, default route),
// blue (lo), and a process namespace with one veth whose peer is docker0's port.
import type { Interface, Model, Namespace, Route, Stats } from '../../electron/contract';
import { fromSnapshot, type TopologyState } from '../../renderer/src/store/topology';

const zero: Stats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };
export const MARK = 'vnet-studio:canvas';

export function iface(nsId: string, index: number, name: string, extra: Partial<Interface> = {}): Interface {
  return {
    id: `${nsId}/if:${index}`, index, name, kind: 'veth', linkKind: 'veth', mac: `02:00:00:00:0${nsId.slice(-1)}:${String(index).padStart(2, '0')}`, mtu: 1500, state: 'up', flags: ['UP', 'LOWER_UP'],
    master: null, peer: null, tun: null, alias: null, addresses: [], stats: { ...zero }, ...extra,
  };
}
export function route(dst: string, extra: Partial<Route> = {}): Route {
  return { dst, gateway: null, dev: null, family: 4, table: 254, protocol: 'static', scope: 'universe', metric: null, type: 'unicast', ...extra };
}
function ns(id: string, kind: Namespace['kind'], name: string | null, interfaces: Interface[], routes: Route[] = []): Namespace {
  return { id, inode: Number(id.slice(3)), kind, name, label: name ?? 'pid 9 (ctr)', pids: [], interfaces, routes };
}

export function picture(): TopologyState {
  const H = 'ns:1', R = 'ns:2', B = 'ns:3', P = 'ns:4';
  const model: Model = {
    namespaces: [
      ns(H, 'host', 'host', [
        iface(H, 1, 'lo', { kind: 'loopback', mac: null }),
        iface(H, 2, 'eth0', { kind: 'physical', addresses: ['192.168.1.5/24'] }),
        iface(H, 3, 'br0', { kind: 'bridge', alias: MARK, addresses: ['10.0.0.254/24', 'fe80::1/64'] }),
        iface(H, 4, 'red-eth0', { master: `${H}/if:3`, peer: `${R}/if:2`, alias: MARK }),
        iface(H, 5, 'docker0', { kind: 'bridge' }),
        iface(H, 6, 'vethabc', { master: `${H}/if:5`, peer: `${P}/if:2` }),
        iface(H, 7, 'tap0', { kind: 'tap', alias: MARK, master: `${H}/if:3`, flags: [], state: 'down' }),
      ], [route('default', { gateway: '192.168.1.1', dev: `${H}/if:2`, protocol: 'dhcp' })]),
      ns(R, 'named', 'red', [
        iface(R, 1, 'lo', { kind: 'loopback', mac: null, addresses: ['127.0.0.1/8'] }),
        iface(R, 2, 'eth0', { peer: `${H}/if:4`, alias: MARK, addresses: ['10.0.0.1/24'], mtu: 1400 }),
      ], [route('10.0.0.0/24', { dev: `${R}/if:2`, protocol: 'kernel', scope: 'link' }), route('default', { gateway: '10.0.0.254', dev: `${R}/if:2` })]),
      ns(B, 'named', 'blue', [iface(B, 1, 'lo', { kind: 'loopback', mac: null })]),
      ns(P, 'process', null, [iface(P, 1, 'lo', { kind: 'loopback', mac: null }), iface(P, 2, 'eth0', { peer: `${H}/if:6` })]),
    ],
  };
  return fromSnapshot(1, model);
}
