// The flow's node and edge types: one `Node<Data, 'kind'>` per kind of box on the canvas. Data holds
// only what changes with the topology; live counters live in the counters slice, keyed by id.
import type { Edge, Node } from '@xyflow/react';
import type { InterfaceKind, LinkState, NamespaceKind } from '../../../electron/contract';

/** `group`: set when this box is a member of an expanded group of alike namespaces (it can be
 *  collapsed back into one node). */
export type NamespaceNode = Node<{
  nsId: string; label: string; nsKind: NamespaceKind; ifCount: number; error: string | null;
  group: { id: string; count: number } | null;
}, 'namespace'>;
export type IfaceNode = Node<{
  ifId: string; nsId: string; nsLabel: string; name: string; ifKind: InterfaceKind; state: LinkState;
  /** Every address as `ip address` writes it (searched); shownAddresses: those the node shows. */
  addresses: string[]; shownAddresses: string[]; mac: string | null; mtu: number; master: string | null; appOwned: boolean;
}, 'iface'>;
export type ProcessNode = Node<{ pid: number; comm: string; nsId: string }, 'process'>;
export type CloudNode = Node<{ label: string; uplinkOf: string }, 'cloud'>;
/** One member of a group: its namespace and its non-loopback interfaces (whose rates it sums). */
export interface GroupMember { nsId: string; label: string; ifIds: string[] }
/** Many alike namespaces drawn as one node (graph/groups.ts decides which are alike). */
export type GroupNode = Node<{
  groupId: string; title: string; nsKind: NamespaceKind; count: number;
  /** What each member holds, e.g. "eth0 (veth) → cni0". */
  shape: string;
  members: GroupMember[];
  /** One namespace the user folded (not a group of alike ones). */
  single: boolean;
}, 'group'>;
export type FlowNode = NamespaceNode | IfaceNode | ProcessNode | CloudNode | GroupNode;

export type EdgeKind = 'veth' | 'port' | 'tun-owner' | 'uplink' | 'group';
/** `rateOf`: the interface whose counters show the traffic on this edge; `rateOfAll` (a group's
 *  edge): the interfaces whose packet rates add up to it. */
export type TrafficEdge = Edge<{ edgeKind: EdgeKind; rateOf: string; rateOfAll?: string[] }, 'traffic'>;
export type FlowEdge = TrafficEdge;

/** Fixed sizes, so ELK can lay out before the DOM measures anything. */
export const SIZE = {
  iface: { w: 196, h: 92, perExtraAddress: 14 },
  process: { w: 170, h: 44 },
  cloud: { w: 150, h: 56 },
  group: { w: 340, h: 156 },
  fold: { w: 240, h: 84 },
  nsPadding: { top: 44, side: 20, bottom: 20 },
} as const;

/** Nodes show at most this many addresses (then "+N more"). */
export const MAX_SHOWN_ADDRESSES = 3;

export function ifaceHeight(addresses: number): number {
  const lines = Math.min(addresses, MAX_SHOWN_ADDRESSES) + (addresses > MAX_SHOWN_ADDRESSES ? 1 : 0);
  return SIZE.iface.h + Math.max(0, lines - 1) * SIZE.iface.perExtraAddress;
}
