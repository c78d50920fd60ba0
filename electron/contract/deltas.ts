// Deltas: what changed since the last snapshot or delta batch. Applied in `seq` order; a client
// that sees a gap asks for a new snapshot.
import type { FdbEntry, Interface, Namespace, Route } from './model';

export type Delta =
  | { op: 'namespace'; namespace: Omit<Namespace, 'interfaces' | 'routes'> }   // added or changed
  | { op: 'namespace-removed'; id: string }                                    // takes its interfaces with it
  | { op: 'interface'; namespaceId: string; iface: Interface }                  // added or changed (whole object)
  | { op: 'interface-removed'; id: string }
  | { op: 'routes'; namespaceId: string; routes: Route[] }                      // the namespace's whole route list
  /** A bridge's forwarding table changed: entries added or changed (`set`, whole entries) and
   *  entries gone (`removed`, by mac and vlan); apply with applyFdbDelta. Only the entries that
   *  changed travel; an `interface` delta for a bridge carries its whole table (`fdb`). */
  | { op: 'fdb'; bridge: string; set: FdbEntry[]; removed: FdbKey[] };

/** What tells FDB entries of one bridge apart. */
export interface FdbKey { mac: string; vlan: number | null }

export function fdbKey(e: FdbKey): string { return e.vlan === null ? e.mac : `${e.mac}/${e.vlan}`; }

/** The order of a bridge's entries in the model: by mac, then vlan (none first). */
export function compareFdb(a: FdbKey, b: FdbKey): number {
  if (a.mac !== b.mac) return a.mac < b.mac ? -1 : 1;
  return (a.vlan ?? -1) - (b.vlan ?? -1);
}

/** A bridge's table after an `fdb` delta (a new array; `entries` is left as it is). */
export function applyFdbDelta(entries: readonly FdbEntry[], d: { set: readonly FdbEntry[]; removed: readonly FdbKey[] }): FdbEntry[] {
  const byKey = new Map(entries.map((e) => [fdbKey(e), e]));
  for (const k of d.removed) byKey.delete(fdbKey(k));
  for (const e of d.set) byKey.set(fdbKey(e), e);
  return [...byKey.values()].sort(compareFdb);
}

export interface DeltaBatch { seq: number; deltas: Delta[] }
