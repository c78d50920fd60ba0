// Pure checks and normal forms for the names and addresses a lab file holds (no Node imports: the
// renderer may use these too). Every function returns a reason string (what is wrong) or null.

/** Linux IFNAMSIZ is 16 including the NUL: an interface name has at most 15 characters. */
export const IFNAME_MAX = 15;
/** Labs name their namespaces; keep them short and free of ':' (our NAMESPACE:IFNAME separator). */
export const NSNAME_MAX = 64;
export const LABNAME_MAX = 40;
/** The engine's own namespace in a lab file. It is never created nor deleted by a lab. */
export const HOST_NS = 'host';

// Letters, digits, '_', '.', '-'; not starting with '.' or '-' (the kernel allows more, but `ip`
// parses '@' and ':' specially, and names with spaces or '/' break `ip` and sysfs).
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function ifnameError(name: string): string | null {
  if (name.length === 0) return 'an interface name cannot be empty';
  if (name.length > IFNAME_MAX) return `'${name}' is ${name.length} characters long; interface names have at most ${IFNAME_MAX} (IFNAMSIZ)`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid interface name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

export function nsnameError(name: string): string | null {
  if (name.length === 0) return 'a namespace name cannot be empty';
  if (name.length > NSNAME_MAX) return `'${name}' is ${name.length} characters long; namespace names have at most ${NSNAME_MAX}`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid namespace name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

export function labnameError(name: string): string | null {
  if (name.length === 0) return 'the lab name cannot be empty';
  if (name.length > LABNAME_MAX) return `'${name}' is ${name.length} characters long; lab names have at most ${LABNAME_MAX}`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid lab name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// IP addresses. Parsed by hand (no Node 'net') so the renderer can share them.

/** Parses an IPv4 dotted quad into 4 bytes, or null. Leading zeros are refused (ambiguous: octal?). */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Parses an IPv6 address (with :: and an optional trailing dotted quad) into 8 groups, or null. */
export function parseIPv6(s: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  let tail: number[] = [];
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = s.slice(0, lastColon + 1);
    // "::ffff:1.2.3.4" → head "::ffff"; "::1.2.3.4" → head "::"
    if (!head.endsWith('::') && head.endsWith(':')) head = head.slice(0, -1);
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return null;
  const groupsOf = (x: string): number[] | null => {
    if (x === '') return [];
    const out: number[] = [];
    for (const g of x.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const a = groupsOf(head.slice(0, dbl));
    const b = groupsOf(head.slice(dbl + 2));
    if (!a || !b) return null;
    const fill = 8 - a.length - b.length - tail.length;
    if (fill < 1) return null;
    groups = [...a, ...new Array(fill).fill(0), ...b, ...tail];
  } else {
    const a = groupsOf(head);
    if (!a) return null;
    groups = [...a, ...tail];
  }
  return groups.length === 8 ? groups : null;
}

/** RFC 5952 text of 8 groups (longest run of ≥2 zero groups as '::', lower case). */
export function formatIPv6(g: number[]): string {
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export interface ParsedIp { family: 4 | 6; bytes: number[]; text: string }

/** An IP address in its canonical text, or null when it is not one. */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4, text: v4.join('.') };
  const v6 = parseIPv6(s);
  if (v6) {
    const bytes: number[] = [];
    for (const x of v6) bytes.push(x >> 8, x & 255);
    return { family: 6, bytes, text: formatIPv6(v6) };
  }
  return null;
}

export interface ParsedCidr { family: 4 | 6; address: ParsedIp; prefix: number; text: string }

/** "10.0.0.1/24" → canonical form, or null. An address without a prefix is refused: labs say it. */
export function parseCidr(s: string): ParsedCidr | null {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(s);
  if (!m) return null;
  const address = parseIp(m[1]);
  if (!address) return null;
  if (!/^(0|[1-9][0-9]*)$/.test(m[2])) return null;
  const prefix = Number(m[2]);
  if (prefix > (address.family === 4 ? 32 : 128)) return null;
  return { family: address.family, address, prefix, text: `${address.text}/${prefix}` };
}

/** True when the bits after the prefix are all zero (a network, as `ip route` wants). */
export function isNetwork(c: ParsedCidr): boolean {
  const bits = c.address.bytes;
  for (let i = 0; i < bits.length * 8; i++) {
    if (i < c.prefix) continue;
    if (bits[i >> 3] & (0x80 >> (i & 7))) return false;
  }
  return true;
}

/** The canonical "addr/prefix" text of an address string, or the input when it does not parse. */
export function canonicalCidr(s: string): string {
  return parseCidr(s)?.text ?? s;
}

// ---------------------------------------------------------------------------------------------

export function macError(mac: string): string | null {
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac)) return `'${mac}' is not a MAC address (six hex pairs separated by ':')`;
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return `'${mac}' is a multicast MAC address; an interface needs a unicast one (first byte even)`;
  if (/^00(:00){5}$/.test(mac)) return `'${mac}' is the all-zero MAC address`;
  return null;
}

export const MTU_MIN = 68;
export const MTU_MAX = 65535;

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
  return `vnet-studio:${lab}`;
}
export const ALIAS_PREFIX = 'vnet-studio:';

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
