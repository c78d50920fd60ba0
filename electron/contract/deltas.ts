// Deltas: what changed since the last snapshot or delta batch. Applied in `seq` order; a client
// that sees a gap asks for a new snapshot.
import type { Interface, Namespace, Route } from './model';

export type Delta =
  | { op: 'namespace'; namespace: Omit<Namespace, 'interfaces' | 'routes'> }   // added or changed
  | { op: 'namespace-removed'; id: string }                                    // takes its interfaces with it
  | { op: 'interface'; namespaceId: string; iface: Interface }                  // added or changed (whole object)
  | { op: 'interface-removed'; id: string }
  | { op: 'routes'; namespaceId: string; routes: Route[] };                     // the namespace's whole route list

export interface DeltaBatch { seq: number; deltas: Delta[] }
