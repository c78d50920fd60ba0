// Hand-built raw records for the engine's unit tests (shapes of native/types.ts).
import type { RawAddr, RawFdb, RawLink, RawRoute } from '../../native/types';

export const zeroStats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };

export function link(p: Partial<RawLink> & { index: number; name: string }): RawLink {
  return {
    kind: '', slaveKind: '', type: 1, flags: 0x1003 | 0x40 | 0x10000, operstate: 6, mtu: 1500,
    mac: '02:00:00:00:00:01', master: 0, link: 0, linkNetnsid: -1, alias: null, tun: null, vxlan: null,
    stats: { ...zeroStats }, ...p,
  };
}

export function addr(index: number, address: string, prefixlen: number): RawAddr {
  return { index, family: address.includes(':') ? 6 : 4, prefixlen, address, peer: null, scope: 0, flags: 0, label: null };
}

export function route(p: Partial<RawRoute>): RawRoute {
  return {
    family: 4, dst: null, dstLen: 0, gateway: null, oif: 0, table: 254, protocol: 2, scope: 253, type: 1,
    priority: null, prefsrc: null, ...p,
  };
}

/** An FDB record (NUD_REACHABLE: learned, unless `state` says otherwise). */
export function fdb(p: Partial<RawFdb> & { index: number; mac: string; master: number }): RawFdb {
  return { vlan: null, state: 0x02, flags: 0x02, updatedMs: 0, ...p };
}
