// Topology → flow nodes and edges (no positions: layout.ts places them). Pure, so it is tested in
// node: veth peers across namespaces, bridge ports, tun/tap owners, the physical network, filters.
import type { NodeHandle, Position } from '@xyflow/react';
import type { TopologyState, IfaceEntry } from '../store/topology';
import type { Filters } from '../store/ui';
import { addressText, ALIAS_PREFIX, isLinkLocal6 } from '../../../electron/contract';
import { connectHandle } from '../editor/handles';
import { SIZE, ifaceHeight, type CloudNode, type EdgeKind, type FlowEdge, type FlowNode, type GroupNode, type IfaceNode, type NamespaceNode, type ProcessNode } from './types';
import { collapsedGroups, FOLD_PREFIX, groupTitle, hiddenBy, type NsGroup } from './groups';

export interface Graph { nodes: FlowNode[]; edges: FlowEdge[] }

export const nsNodeId = (nsId: string) => nsId;                       // "ns:4026531840"
export const ifNodeId = (ifId: string) => ifId;                       // "ns:…/if:7"
export const procNodeId = (nsId: string, pid: number) => `${nsId}/proc:${pid}`;
export const cloudNodeId = (ifId: string) => `${ifId}/cloud`;

/** Handles declared up front (one invisible centre handle per node; edges float between borders):
 *  xyflow then need not mount a node just to measure its handles, so only nodes in view render. */
function centreHandle(w: number, h: number): NodeHandle[] {
  return [{ id: 'c', type: 'source', position: 'top' as Position, x: w / 2, y: h / 2, width: 1, height: 1 }];
}

/** Every address of an interface as `ip address` writes it ("10.8.0.1 peer 10.8.0.2/32" for a
 *  point-to-point one). */
export function addressTexts(addresses: readonly string[], peers?: Record<string, string>): string[] {
  return addresses.map((a) => addressText(a, peers));
}

/** The addresses a node shows, as addressTexts: IPv6 link-local ones (fe80::/10, on every
 *  interface) only in the inspector, so the picture shows what people configured. */
export function nodeAddresses(addresses: readonly string[], peers?: Record<string, string>): string[] {
  return addressTexts(addresses.filter((a) => !isLinkLocal6(a)), peers);
}

function visibleIface(t: TopologyState, ifc: IfaceEntry, f: Filters): boolean {
  if (f.hiddenNs.includes(ifc.namespaceId)) return false;
  if (f.hideLoopback && ifc.kind === 'loopback') return false;
  if (f.hidePhysical && ifc.kind === 'physical' && t.namespaces[ifc.namespaceId]?.kind === 'host') return false;
  return true;
}

/** `groups` (graph/groups.ts): alike namespaces and namespaces folded one by one; those not in
 *  `expanded` are drawn as one node each, their members' boxes and the far ends of their veths left
 *  out. */
export function buildGraph(t: TopologyState, f: Filters, groups: readonly NsGroup[] = [], expanded: ReadonlySet<string> = new Set()): Graph {
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  const folded = hiddenBy(groups, expanded);
  const drawn = collapsedGroups(groups, expanded);
  const collapsedOfNs = new Map<string, string>();
  for (const g of drawn) for (const m of g.members) collapsedOfNs.set(m.nsId, g.id);
  // The group of alike namespaces a box belongs to (its header then offers to collapse it).
  const alikeOfNs = new Map<string, NsGroup>();
  for (const g of groups) if (!g.id.startsWith(FOLD_PREFIX)) for (const m of g.members) alikeOfNs.set(m.nsId, g);
  const byNs = new Map<string, IfaceEntry[]>();
  for (const ifc of Object.values(t.interfaces)) {
    if (!(ifc.namespaceId in t.namespaces) || !visibleIface(t, ifc, f) || folded.has(ifc.id)) continue;
    let list = byNs.get(ifc.namespaceId);
    if (!list) byNs.set(ifc.namespaceId, (list = []));
    list.push(ifc);
  }
  const shown = new Set<string>();
  const clouds: CloudNode[] = [];
  // Parents must precede their children in xyflow's node array.
  for (const nsId of t.nsOrder) {
    const ns = t.namespaces[nsId];
    if (!ns || f.hiddenNs.includes(nsId)) continue;
    if (collapsedOfNs.has(nsId)) continue;
    const group = alikeOfNs.get(nsId);
    const ifaces = (byNs.get(nsId) ?? []).sort((a, b) => a.index - b.index);
    const nsNode: NamespaceNode = {
      id: nsNodeId(nsId), type: 'namespace', position: { x: 0, y: 0 },
      data: { nsId, label: ns.label, nsKind: ns.kind, ifCount: ifaces.length, error: ns.error ?? null, group: group ? { id: group.id, count: group.members.length } : null },
      style: { width: 300, height: 200 }, selectable: true, dragHandle: '.ns-header',
      // The centre handle: a group's edge may end on a box (the far ends of its veths, on no bridge).
      handles: [...centreHandle(300, 200), ...(ns.kind === 'process' ? [] : [connectHandle('namespace', 300)])],
    };
    nodes.push(nsNode);
    const procs = new Map<number, ProcessNode>();
    for (const ifc of ifaces) {
      const shownAddresses = nodeAddresses(ifc.addresses, ifc.peers);
      const height = ifaceHeight(shownAddresses.length);
      const n: IfaceNode = {
        id: ifNodeId(ifc.id), type: 'iface', parentId: nsNode.id, extent: 'parent', position: { x: 0, y: 0 },
        width: SIZE.iface.w, height, handles: [...centreHandle(SIZE.iface.w, height), ...(ifc.kind === 'bridge' ? [connectHandle('bridge', SIZE.iface.w)] : [])],
        data: {
          ifId: ifc.id, nsId, nsLabel: ns.label, name: ifc.name, ifKind: ifc.kind, state: ifc.state,
          addresses: addressTexts(ifc.addresses, ifc.peers), shownAddresses,
          mac: ifc.mac, mtu: ifc.mtu, master: ifc.master, appOwned: ifc.alias != null && ifc.alias.startsWith(ALIAS_PREFIX),
        },
      };
      nodes.push(n);
      shown.add(ifc.id);
      for (const owner of ifc.tun?.owners ?? []) {
        const pid = procNodeId(nsId, owner.pid);
        if (!procs.has(owner.pid)) {
          const p: ProcessNode = {
            id: pid, type: 'process', parentId: nsNode.id, extent: 'parent', position: { x: 0, y: 0 },
            width: SIZE.process.w, height: SIZE.process.h, handles: centreHandle(SIZE.process.w, SIZE.process.h), data: { pid: owner.pid, comm: owner.comm, nsId },
          };
          procs.set(owner.pid, p);
          nodes.push(p);
        }
        edges.push(edge('tun-owner', pid, ifc.id, ifc.id, `tun:${ifc.id}:${owner.pid}`));
      }
      if (ifc.kind === 'physical') {
        const c: CloudNode = {
          id: cloudNodeId(ifc.id), type: 'cloud', position: { x: 0, y: 0 },
          width: SIZE.cloud.w, height: SIZE.cloud.h, handles: centreHandle(SIZE.cloud.w, SIZE.cloud.h), data: { label: 'physical network', uplinkOf: ifc.id },
        };
        clouds.push(c);
        edges.push(edge('uplink', ifc.id, c.id, ifc.id, `uplink:${ifc.id}`));
      }
    }
  }
  nodes.push(...clouds);
  // What shows a link's target (a bridge, a box, a far end): a collapsed group holding it, or itself.
  const showAt = (to: string) => folded.get(to) ?? collapsedOfNs.get(to) ?? collapsedOfNs.get(t.interfaces[to]?.namespaceId ?? '') ?? to;
  const groupNodes = new Set(drawn.map((g) => g.id));
  const groupEdges = new Set<string>();
  for (const g of drawn) {
    const { w, h } = g.id.startsWith(FOLD_PREFIX) ? SIZE.fold : SIZE.group;
    const n: GroupNode = {
      id: g.id, type: 'group', position: { x: 0, y: 0 }, width: w, height: h, handles: centreHandle(w, h), selectable: false,
      data: { groupId: g.id, title: groupTitle(g), nsKind: g.nsKind, count: g.members.length, shape: g.shape, members: g.members, single: g.id.startsWith(FOLD_PREFIX) },
    };
    nodes.push(n);
    for (const l of g.links) {
      // The target must be on the canvas: a shown interface (a bridge), a shown box, a collapsed group.
      const to = showAt(l.to);
      if (to === g.id) continue;
      if (!shown.has(to) && !groupNodes.has(to) && !nodes.some((x) => x.id === to && x.type === 'namespace')) continue;
      const id = `group:${[g.id, to].sort().join('|')}`;
      if (groupEdges.has(id)) continue; // two groups joined: one edge (the same veths from either side)
      groupEdges.add(id);
      const e = edge('group', g.id, to, l.ifIds[0], id);
      e.data!.rateOfAll = l.ifIds;
      edges.push(e);
    }
  }
  for (const ifc of Object.values(t.interfaces)) {
    if (!shown.has(ifc.id)) continue;
    if (ifc.peer && shown.has(ifc.peer) && ifc.kind === 'veth') {
      const [a, b] = vethOrder(t, ifc, t.interfaces[ifc.peer]);
      if (a.id === ifc.id) edges.push(edge('veth', a.id, b.id, a.id, `veth:${a.id}|${b.id}`));
    }
    if (ifc.master && shown.has(ifc.master)) {
      edges.push(edge('port', ifc.id, ifc.master, ifc.id, `port:${ifc.id}`));
    }
  }
  return { nodes, edges };
}

/** Which end of a veth pair is the edge's source: the end away from the host first (so the layout
 *  reads top-down from containers to the host's bridge, as in the article's figures), then by id. */
function vethOrder(t: TopologyState, x: IfaceEntry, y: IfaceEntry | undefined): [IfaceEntry, IfaceEntry] {
  if (!y) return [x, x];
  const hx = t.namespaces[x.namespaceId]?.kind === 'host', hy = t.namespaces[y.namespaceId]?.kind === 'host';
  if (hx !== hy) return hx ? [y, x] : [x, y];
  // Inside one namespace, or both away from the host: a bridge port goes last (nearer the bridge).
  if (!!x.master !== !!y.master) return x.master ? [y, x] : [x, y];
  return x.id < y.id ? [x, y] : [y, x];
}

function edge(kind: EdgeKind, source: string, target: string, rateOf: string, id: string): FlowEdge {
  return { id, source, target, type: 'traffic', sourceHandle: 'c', targetHandle: 'c', data: { edgeKind: kind, rateOf }, selectable: false };
}
