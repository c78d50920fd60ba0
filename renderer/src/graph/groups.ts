// Grouping alike namespaces. On a Kubernetes node or a CI runner hundreds of namespaces look the
// same (a process namespace holding `lo` and an `eth0` whose veth peer is a port of `cni0`): drawn
// one box each the picture is unreadable and slow, so namespaces with the same shape are drawn as
// one node once there are at least `minMembers` of them. Pure, so it is tested in node.
import type { TopologyState, IfaceEntry } from '../store/topology';
import type { Filters } from '../store/ui';
import type { IfCounters } from '../store/counters';
import type { NamespaceKind } from '../../../electron/contract';
import type { GroupMember } from './types';

export interface GroupingPrefs { enabled: boolean; minMembers: number }
export const DEFAULT_GROUPING: GroupingPrefs = { enabled: true, minMembers: 8 };

export interface NsGroup {
  /** Stable while members come and go: made from the shape, not from the members. */
  id: string;
  nsKind: NamespaceKind;
  /** Members in the order their namespaces appeared. */
  members: GroupMember[];
  /** Every interface the collapsed group hides: the members' own and the far ends of their veths
   *  (e.g. the host's bridge ports), with the group each belongs to. */
  hidden: string[];
  /** Where the members' veths lead: a bridge's interface id, or the namespace holding the far ends
   *  (when they are on no bridge); each with the members' interfaces that lead there (the
   *  aggregated edge sums their rates). buildGraph draws it to whatever shows that target. */
  links: { to: string; ifIds: string[] }[];
  shape: string;
}

const LOOPBACK = 'loopback';

/** Where a member's veth leads (as part of its shape): the bridge its far end is a port of, else the
 *  namespace that far end lives in. Null when it has no far end we know. */
function vethTarget(t: TopologyState, ifc: IfaceEntry): string | null {
  const p = ifc.peer ? t.interfaces[ifc.peer] : undefined;
  if (!p) return null;
  return p.master ?? p.namespaceId;
}

/** A namespace's shape: its kind and the multiset of (kind, name, where its veth leads) of its
 *  non-loopback interfaces. Null for namespaces never grouped (the host's, unreadable ones). */
export function shapeKey(t: TopologyState, nsId: string, ifaces: IfaceEntry[]): string | null {
  const ns = t.namespaces[nsId];
  if (!ns || ns.kind === 'host' || ns.error) return null;
  const parts = ifaces.filter((i) => i.kind !== LOOPBACK)
    .map((i) => `${i.kind}:${i.name}${i.kind === 'veth' ? `>${vethTarget(t, i) ?? '-'}` : ''}`)
    .sort();
  return `${ns.kind}|${parts.join(',')}`;
}

function interfacesByNs(t: TopologyState): Map<string, IfaceEntry[]> {
  const byNs = new Map<string, IfaceEntry[]>();
  for (const ifc of Object.values(t.interfaces)) {
    let l = byNs.get(ifc.namespaceId);
    if (!l) byNs.set(ifc.namespaceId, (l = []));
    l.push(ifc);
  }
  return byNs;
}

/** The groups of alike namespaces (at least `minMembers` each) among those the filters show. */
export function findGroups(t: TopologyState, f: Filters, prefs: GroupingPrefs): NsGroup[] {
  if (!prefs.enabled) return [];
  const byNs = interfacesByNs(t);
  const hiddenNs = new Set(f.hiddenNs);
  const byKey = new Map<string, string[]>();
  for (const nsId of t.nsOrder) {
    if (hiddenNs.has(nsId)) continue;
    const key = shapeKey(t, nsId, byNs.get(nsId) ?? []);
    if (key === null) continue;
    let l = byKey.get(key);
    if (!l) byKey.set(key, (l = []));
    l.push(nsId);
  }
  const min = Math.max(2, Math.floor(prefs.minMembers));
  const groups: NsGroup[] = [];
  for (const [key, nsIds] of byKey) if (nsIds.length >= min) groups.push(makeGroup(t, byNs, `group:${key}`, nsIds));
  return groups;
}

/** Namespaces the user folded one by one (each drawn as a small node, a group of one). */
export const FOLD_PREFIX = 'fold:';
export function foldedNamespaces(t: TopologyState, f: Filters, nsIds: readonly string[]): NsGroup[] {
  const byNs = interfacesByNs(t);
  return nsIds.filter((id) => id in t.namespaces && t.namespaces[id].kind !== 'host' && !f.hiddenNs.includes(id))
    .map((id) => makeGroup(t, byNs, `${FOLD_PREFIX}${id}`, [id], false));
}

/** A group of `nsIds`. The far ends of its veths are folded in when they are bridge ports (the edge
 *  then goes to the bridge); far ends on no bridge too when `foldLoose` (a group's hundreds of host
 *  ends; the edge goes to their box), else they stay and the edge goes to each. */
function makeGroup(t: TopologyState, byNs: Map<string, IfaceEntry[]>, id: string, nsIds: string[], foldLoose = true): NsGroup {
  const memberSet = new Set(nsIds);
  const members: GroupMember[] = [];
  const hidden: string[] = [];
  const links = new Map<string, string[]>();
  for (const nsId of nsIds) {
    const ifaces = (byNs.get(nsId) ?? []).slice().sort((a, b) => a.index - b.index);
    const own = ifaces.filter((i) => i.kind !== LOOPBACK);
    members.push({ nsId, label: t.namespaces[nsId].label, ifIds: own.map((i) => i.id) });
    for (const i of ifaces) hidden.push(i.id);
    for (const i of own) {
      const p = i.kind === 'veth' && i.peer ? t.interfaces[i.peer] : undefined;
      if (!p || memberSet.has(p.namespaceId)) continue; // a veth between two members stays inside
      const to = p.master ?? (foldLoose ? p.namespaceId : p.id);
      if (to !== p.id) hidden.push(p.id);
      let l = links.get(to);
      if (!l) links.set(to, (l = []));
      l.push(i.id);
    }
  }
  return {
    id, nsKind: t.namespaces[nsIds[0]].kind, members, hidden,
    links: [...links].map(([to, ifIds]) => ({ to, ifIds })), shape: shapeText(t, byNs.get(nsIds[0]) ?? []),
  };
}

/** "eth0 (veth) → cni0" for the first member: what every member holds. */
function shapeText(t: TopologyState, ifaces: IfaceEntry[]): string {
  const own = ifaces.filter((i) => i.kind !== LOOPBACK).sort((a, b) => a.index - b.index);
  if (!own.length) return 'no interfaces but lo';
  return own.map((i) => {
    const to = i.kind === 'veth' ? vethTarget(t, i) : null;
    const where = to ? t.interfaces[to]?.name ?? t.namespaces[to]?.label ?? null : null;
    return `${i.name} (${i.kind})${where ? ` → ${where}` : ''}`;
  }).join(', ');
}

export function groupTitle(g: Pick<NsGroup, 'nsKind' | 'members'>): string {
  if (g.members.length === 1) return g.members[0].label;
  const what = g.nsKind === 'process' ? 'pods' : 'namespaces';
  return `${g.members.length.toLocaleString('en-US')} ${what} like ${g.members[0]?.label ?? '?'}`;
}

/** The groups drawn as nodes: those not expanded, less a namespace's own fold while it is inside a
 *  collapsed group of alike ones (the group already draws it). */
export function collapsedGroups(groups: readonly NsGroup[], expanded: ReadonlySet<string>): NsGroup[] {
  const inAlike = new Set<string>();
  for (const g of groups) if (!g.id.startsWith(FOLD_PREFIX) && !expanded.has(g.id)) for (const m of g.members) inAlike.add(m.nsId);
  return groups.filter((g) => !expanded.has(g.id) && !(g.id.startsWith(FOLD_PREFIX) && inAlike.has(g.members[0].nsId)));
}

/** For each interface a collapsed group hides, that group's id. */
export function hiddenBy(groups: readonly NsGroup[], expanded: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of collapsedGroups(groups, expanded)) for (const id of g.hidden) out.set(id, g.id);
  return out;
}

// One-entry cache: the canvas and the toolbar ask for the same groups on the same state.
let cache: { ifs: unknown; nss: unknown; order: unknown; f: Filters; p: GroupingPrefs; folded: readonly string[]; out: NsGroup[] } | null = null;
/** The groups of alike namespaces, then the namespaces folded one by one. */
export function groupsOf(t: TopologyState, f: Filters, p: GroupingPrefs, folded: readonly string[] = []): NsGroup[] {
  const c = cache;
  if (c && c.ifs === t.interfaces && c.nss === t.namespaces && c.order === t.nsOrder && c.f === f && c.p === p && c.folded === folded) return c.out;
  const out = [...findGroups(t, f, p), ...foldedNamespaces(t, f, folded)];
  cache = { ifs: t.interfaces, nss: t.namespaces, order: t.nsOrder, f, p, folded, out };
  return out;
}

// ---- live rates of a group ----------------------------------------------------------------

export interface Talker { nsId: string; label: string; ifId: string; bps: number; pps: number }
export interface GroupRates { rxPps: number; txPps: number; rxBps: number; txBps: number; top: Talker[] }

/** The sum of the members' rates, and the busiest `topN` members by bytes/s (rx + tx; idle ones
 *  are not listed). A member's own rate is the sum over its non-loopback interfaces. */
export function groupRates(byId: Record<string, IfCounters>, members: readonly GroupMember[], topN = 3): GroupRates {
  let rxPps = 0, txPps = 0, rxBps = 0, txBps = 0;
  const top: Talker[] = [];
  for (const m of members) {
    let bps = 0, pps = 0;
    for (const id of m.ifIds) {
      const c = byId[id];
      if (!c) continue;
      rxPps += c.rxPps; txPps += c.txPps; rxBps += c.rxBps; txBps += c.txBps;
      bps += c.rxBps + c.txBps; pps += c.rxPps + c.txPps;
    }
    if (!(bps > 0 || pps > 0)) continue;
    // Keep the top list sorted and short as we go (members can be a thousand).
    if (top.length === topN && bps <= top[topN - 1].bps) continue;
    top.push({ nsId: m.nsId, label: m.label, ifId: m.ifIds[0], bps, pps });
    top.sort((a, b) => b.bps - a.bps || b.pps - a.pps);
    if (top.length > topN) top.pop();
  }
  return { rxPps, txPps, rxBps, txBps, top };
}

export function sameRates(a: GroupRates, b: GroupRates): boolean {
  if (a.rxPps !== b.rxPps || a.txPps !== b.txPps || a.rxBps !== b.rxBps || a.txBps !== b.txBps || a.top.length !== b.top.length) return false;
  return a.top.every((x, i) => x.ifId === b.top[i].ifId && x.bps === b.top[i].bps && x.pps === b.top[i].pps);
}
