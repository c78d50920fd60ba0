// The flow's node and edge types: one `Node<Data, 'kind'>` per kind of box on the canvas. Data holds
// only what changes with the topology; live counters live in the counters slice, keyed by id.
import type { Edge, Node } from '@xyflow/react';
import type { InterfaceKind, LinkState, NamespaceKind } from '../../../electron/contract';

export type NamespaceNode = Node<{ nsId: string; label: string; nsKind: NamespaceKind; ifCount: number; error: string | null }, 'namespace'>;
export type IfaceNode = Node<{
  ifId: string; nsId: string; nsLabel: string; name: string; ifKind: InterfaceKind; state: LinkState;
  /** Every address as `ip address` writes it (searched); shownAddresses: those the node shows. */
  addresses: string[]; shownAddresses: string[]; mac: string | null; mtu: number; master: string | null; appOwned: boolean;
}, 'iface'>;
export type ProcessNode = Node<{ pid: number; comm: string; nsId: string }, 'process'>;
export type CloudNode = Node<{ label: string; uplinkOf: string }, 'cloud'>;
export type FlowNode = NamespaceNode | IfaceNode | ProcessNode | CloudNode;

export type EdgeKind = 'veth' | 'port' | 'tun-owner' | 'uplink';
/** `rateOf`: the interface whose counters show the traffic on this edge. */
export type TrafficEdge = Edge<{ edgeKind: EdgeKind; rateOf: string }, 'traffic'>;
export type FlowEdge = TrafficEdge;

/** Fixed sizes, so ELK can lay out before the DOM measures anything. */
export const SIZE = {
  iface: { w: 196, h: 92, perExtraAddress: 14 },
  process: { w: 170, h: 44 },
  cloud: { w: 150, h: 56 },
  nsPadding: { top: 44, side: 20, bottom: 20 },
} as const;

/** Nodes show at most this many addresses (then "+N more"). */
export const MAX_SHOWN_ADDRESSES = 3;

export function ifaceHeight(addresses: number): number {
  const lines = Math.min(addresses, MAX_SHOWN_ADDRESSES) + (addresses > MAX_SHOWN_ADDRESSES ? 1 : 0);
  return SIZE.iface.h + Math.max(0, lines - 1) * SIZE.iface.perExtraAddress;
}
