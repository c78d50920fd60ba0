// Pure helpers for editing on the canvas: how the engine names a namespace in a BuildAction
// (HOST_NS or the `ip netns` name), a light view of the links the inverse logic and lab export
// need, default names that do not collide, and the input checks the inspector and dialogs show
// inline (the engine checks everything again: it is the boundary).
import type { TopologyState, IfaceEntry } from '../store/topology';
import { ALIAS_PREFIX, HOST_NS, IFNAME_MAX, MTU_MAX, MTU_MIN, nsnameError as protocolNsnameError, parseIp } from '../../../electron/contract';

/** The BuildAction name of a namespace: 'host', the netns name, or null (a process namespace
 *  has no name the engine could address). */
export function nsKey(t: Pick<TopologyState, 'namespaces'>, nsId: string): string | null {
  const ns = t.namespaces[nsId];
  if (!ns) return null;
  if (ns.kind === 'host') return HOST_NS;
  if (ns.kind === 'named' && ns.name) return ns.name;
  return null;
}

/** The topology id of a namespace given its BuildAction name. */
export function nsIdOf(t: Pick<TopologyState, 'namespaces'>, key: string): string | null {
  for (const ns of Object.values(t.namespaces)) {
    if (key === HOST_NS ? ns.kind === 'host' : ns.kind === 'named' && ns.name === key) return ns.id;
  }
  return null;
}

export const isAppMade = (i: Pick<IfaceEntry, 'alias'>): boolean => !!i.alias && i.alias.startsWith(ALIAS_PREFIX);
export const isAdminUp = (i: Pick<IfaceEntry, 'flags' | 'state'>): boolean => i.flags.includes('UP') || (i.flags.length === 0 && i.state === 'up');

/** Link names in one namespace (by BuildAction name). */
export function namesIn(t: TopologyState, key: string): Set<string> {
  const id = nsIdOf(t, key);
  const out = new Set<string>();
  if (!id) return out;
  for (const i of Object.values(t.interfaces)) if (i.namespaceId === id) out.add(i.name);
  return out;
}

/** `base` + the first number not taken (br0, br1, …), or `base` itself when `plain` and free. */
export function uniqueName(taken: Set<string>, base: string, plain = false, max = IFNAME_MAX): string {
  if (plain && !taken.has(base) && base.length <= max) return base;
  for (let n = 0; ; n++) {
    const suffix = String(n);
    const name = base.slice(0, max - suffix.length) + suffix;
    if (!taken.has(name)) return name;
  }
}

export function namespaceNames(t: TopologyState): Set<string> {
  const out = new Set<string>();
  for (const ns of Object.values(t.namespaces)) if (ns.name) out.add(ns.name);
  out.add(HOST_NS);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Input checks: the engine's own rules (electron/contract/); messages name the value.

export { cidrError, ifnameError, labnameError, macError, routeToError } from '../../../electron/contract';

/** A namespace name the canvas may create: the contract's rules, and not the host's own name. */
export function nsnameError(s: string): string | null {
  return protocolNsnameError(s) ?? (s === HOST_NS ? `'${HOST_NS}' is the name of the engine's own namespace` : null);
}

export function ipFamily(s: string): 4 | 6 | null {
  return parseIp(s)?.family ?? null;
}

export function mtuError(s: string): string | null {
  if (!/^\d+$/.test(s.trim())) return `'${s}' is not a number`;
  const n = Number(s);
  if (n < MTU_MIN || n > MTU_MAX) return `MTU ${n} is out of range (${MTU_MIN} to ${MTU_MAX})`;
  return null;
}
