// Sampling by interest: a client says which namespaces it looks at (what is in view, the selection,
// an open chart) and the engine reads their counters at the full sample rate; every other
// namespace is read at the low rate (1 Hz by default). A client that has said nothing (a script
// that only asked for a snapshot) gets everything at the low rate. The engine samples the union of
// what its clients asked for; a host relaying many clients sends that union (hosts/relay.ts).
import { isObject } from './rpc';

/** Every namespace at the full rate, or these namespace ids ("ns:4026531840"). */
export type Interest = 'all' | string[];

export interface SetInterestParams { namespaces: Interest }
export interface SetInterestResult {
  /** How many of the namespaces asked for exist now (they are read at the full rate). */
  namespaces: number;
  sampleHz: number;
  lowSampleHz: number;
}

/** Namespace ids one client may name (a dense host has thousands; more means "all"). */
export const MAX_INTEREST_NAMESPACES = 20_000;
const NS_ID = /^ns:[0-9]+$/;

/** Checks setInterest's params; returns them or a message naming what is wrong. Shared by the
 *  engine (which enforces it) and the relay (which unions clients' interests). */
export function checkInterestParams(params: unknown): SetInterestParams | string {
  if (!isObject(params)) return 'setInterest: params must be an object {"namespaces": "all" | [namespace id, ...]}';
  for (const k of Object.keys(params)) if (k !== 'namespaces') return `setInterest: unknown param "${k}"`;
  if (!('namespaces' in params)) return 'setInterest: missing param "namespaces"';
  const ns = params.namespaces;
  if (ns === 'all') return { namespaces: 'all' };
  if (!Array.isArray(ns)) return `setInterest: "namespaces" must be "all" or an array of namespace ids, got ${JSON.stringify(ns) ?? String(ns)}`;
  if (ns.length > MAX_INTEREST_NAMESPACES) return `setInterest: "namespaces" has ${ns.length} ids, at most ${MAX_INTEREST_NAMESPACES} (use "all")`;
  for (let i = 0; i < ns.length; i++) {
    const id = ns[i];
    if (typeof id !== 'string' || !NS_ID.test(id)) return `setInterest: "namespaces[${i}]" is not a namespace id ("ns:<inode>"): ${JSON.stringify(id) ?? String(id)}`;
  }
  return { namespaces: [...new Set(ns as string[])] };
}

/** The union of several clients' interests. */
export function unionInterest(interests: Iterable<Interest>): Interest {
  const out = new Set<string>();
  for (const i of interests) {
    if (i === 'all') return 'all';
    for (const id of i) out.add(id);
  }
  return [...out].sort();
}
