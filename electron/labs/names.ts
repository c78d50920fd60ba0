// Names the lab makes up itself (bridge ports, the ownership mark and netdev group), and the
// checks and normal forms of names and addresses a lab file holds. The checks live in
// electron/contract/ (pure, so the renderer's inline checks use the very same rules) and are
// re-exported here for the lab code.
import { ALIAS_PREFIX, HOST_NS, IFNAME_MAX, ifnameError } from '../contract';

export {
  ALIAS_PREFIX, HOST_NS, IFNAME_MAX, NSNAME_MAX, LABNAME_MAX, ifnameError, nsnameError, labnameError,
  parseIPv4, parseIPv6, formatIPv6, parseIp, parseCidr, isNetwork, networkOf, canonicalCidr, isLinkLocal6, macError, MTU_MIN, MTU_MAX,
  type ParsedIp, type ParsedCidr,
} from '../contract';

// ---------------------------------------------------------------------------------------------
// Names the lab makes up itself.

/** FNV-1a 32-bit, as 8 hex digits: a short, stable fingerprint for generated names. */
export function fnv8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * The name of the bridge-side end of a veth whose other end is `other` ("red:eth0" or a bridge):
 * readable when it fits ("red-eth0"), else "vs" + a hash of the lab and both ends. Deterministic,
 * so applying the same lab again finds the same interface, and always ≤ 15 characters.
 */
export function bridgePortName(lab: string, bridge: string, other: { namespace: string; name: string } | string): string {
  const readable = typeof other === 'string' ? `${bridge}-${other}` : `${other.namespace === HOST_NS ? 'h' : other.namespace}-${other.name}`;
  if (readable.length <= IFNAME_MAX && ifnameError(readable) === null) return readable;
  const key = typeof other === 'string' ? `${lab}|${bridge}|${other}` : `${lab}|${bridge}|${other.namespace}:${other.name}`;
  return `vs${fnv8(key)}`;
}

/** The mark every interface a lab makes carries (IFLA_IFALIAS). */
export function labAlias(lab: string): string {
  return `${ALIAS_PREFIX}${lab}`;
}

/**
 * The lab's netdev group (IFLA_GROUP). Unlike the alias, which the kernel applies only in a
 * request after the create, a group is set in the very request that creates a bridge or a veth
 * pair (both ends): a crash between a create and its alias leaves a link whose group, with the
 * journal listing it, still says whose it is. Derived from the name (FNV-1a), in 0x40000000..0x7fffffff,
 * far from the small numbers people give groups by hand.
 */
export function labGroup(lab: string): number {
  let h = 0x811c9dc5;
  const text = labAlias(lab);   // lab names are ASCII (labnameError)
  for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i) & 0xff; h = Math.imul(h, 0x01000193) >>> 0; }
  return 0x40000000 + (h % 0x40000000);
}

/** Text a client or a journal supplied (a lab file's path), made safe to print: control characters
 *  (C0, DEL, C1 — terminal escape sequences start with them), line/paragraph separators and
 *  bidirectional overrides become '?', so it cannot move the cursor, recolour or rewrite what a
 *  terminal shows, nor break a line of a script comment. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}
