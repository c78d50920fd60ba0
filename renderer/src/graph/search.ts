// The toolbar's search over every interface the filters show, collapsed groups included (so a pod's
// interface is found though its box is folded into a group node): by interface name, address, or
// the namespace's label or pid (then its non-loopback interfaces match).
import type { TopologyState, IfaceEntry } from '../store/topology';
import type { Filters } from '../store/ui';
import { matchesSearch } from '../store/ui';

/** Does the text name this namespace (its label, e.g. "pid 812 (pause)", or one of its pids)? */
export function nsMatches(q: string, label: string, pids: readonly number[] = []): boolean {
  const s = q.trim().toLowerCase();
  if (!s) return false;
  if (label.toLowerCase().includes(s)) return true;
  return /^\d+$/.test(s) && pids.includes(Number(s));
}

/** An interface matches by its own name or address, or (not a loopback) by its namespace. */
export function ifaceMatches(q: string, ifc: Pick<IfaceEntry, 'name' | 'addresses' | 'kind'>, nsLabel: string, pids?: readonly number[]): boolean {
  return matchesSearch(q, ifc.name, ifc.addresses) || (ifc.kind !== 'loopback' && nsMatches(q, nsLabel, pids));
}

/** Ids of the matching interfaces, in namespace order then by ifindex. */
export function findMatches(t: TopologyState, f: Filters, q: string): string[] {
  if (!q.trim()) return [];
  const hidden = new Set(f.hiddenNs);
  const order = new Map(t.nsOrder.map((id, i) => [id, i]));
  return Object.values(t.interfaces)
    .filter((i) => {
      const ns = t.namespaces[i.namespaceId];
      if (!ns || hidden.has(i.namespaceId)) return false;
      if (f.hideLoopback && i.kind === 'loopback') return false;
      if (f.hidePhysical && i.kind === 'physical' && ns.kind === 'host') return false;
      return ifaceMatches(q, i, ns.label, ns.pids);
    })
    .sort((a, b) => (order.get(a.namespaceId) ?? 0) - (order.get(b.namespaceId) ?? 0) || a.index - b.index)
    .map((i) => i.id);
}
