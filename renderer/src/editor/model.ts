// Pure helpers for building on the canvas: how the engine names a namespace in a BuildAction
// ('host' or the `ip netns` name), a light view of the links the inverse logic and lab export
// need, default names that do not collide, and the input checks the inspector and dialogs show
// inline (the engine checks everything again: it is the boundary).
import type { TopologyState, IfaceEntry } from '../store/topology';
import { ALIAS_PREFIX, MTU_MAX, MTU_MIN, nsnameError as protocolNsnameError, parseIp, parseIPv4 } from '../../../electron/contract';

export const HOST = 'host';

/** The BuildAction name of a namespace: 'host', the netns name, or null (a process namespace
 *  has no name the engine could address). */
export function nsKey(t: Pick<TopologyState, 'namespaces'>, nsId: string): string | null {
  const ns = t.namespaces[nsId];
  if (!ns) return null;
  if (ns.kind === 'host') return HOST;
  if (ns.kind === 'named' && ns.name) return ns.name;
  return null;
}

/** The topology id of a namespace given its BuildAction name. */
export function nsIdOf(t: Pick<TopologyState, 'namespaces'>, key: string): string | null {
  for (const ns of Object.values(t.namespaces)) {
    if (key === HOST ? ns.kind === 'host' : ns.kind === 'named' && ns.name === key) return ns.id;
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
export function uniqueName(taken: Set<string>, base: string, plain = false, max = 15): string {
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
  out.add(HOST);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Input checks: the engine's own rules (electron/contract/index.ts); messages name the value.

export { ifnameError, labnameError, macError } from '../../../electron/contract';

export function nsnameError(s: string): string | null {
  return protocolNsnameError(s) ?? (s === HOST ? `'host' is the name of the engine's own namespace` : null);
}

export function ipFamily(s: string): 4 | 6 | null {
  return parseIp(s)?.family ?? null;
}

export function cidrError(s: string): string | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) return `'${s}' is not a CIDR (an address with a prefix length, e.g. 10.0.0.1/24)`;
  const fam = ipFamily(m[1]);
  if (!fam) return `'${m[1]}' is not an IPv4 or IPv6 address`;
  const len = Number(m[2]);
  if (len > (fam === 4 ? 32 : 128)) return `/${len} is too long for an IPv${fam} address (at most /${fam === 4 ? 32 : 128})`;
  return null;
}

/** A route destination: 'default' or a network (no host bits set, for IPv4). */
export function routeToError(s: string): string | null {
  if (s === 'default') return null;
  const e = cidrError(s);
  if (e) return e.replace('is not a CIDR', "is neither 'default' nor a network");
  const [addr, len] = s.split('/');
  const b = parseIPv4(addr);
  if (b) {
    const n = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    const mask = Number(len) === 0 ? 0 : (0xffffffff << (32 - Number(len))) >>> 0;
    if ((n & ~mask) >>> 0 !== 0) return `'${s}' has host bits set (a route goes to a network, e.g. ${[(n & mask) >>> 24, ((n & mask) >>> 16) & 255, ((n & mask) >>> 8) & 255, (n & mask) & 255].join('.')}/${len})`;
  }
  return null;
}

export function mtuError(s: string): string | null {
  if (!/^\d+$/.test(s.trim())) return `'${s}' is not a number`;
  const n = Number(s);
  if (n < MTU_MIN || n > MTU_MAX) return `MTU ${n} is out of range (${MTU_MIN} to ${MTU_MAX})`;
  return null;
}
