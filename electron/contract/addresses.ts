// IP addresses and CIDRs: parsing into canonical text (the forms iproute2 prints: dotted quads,
// RFC 5952 IPv6), the checks the engine applies to every address a client sends and the renderer
// shows inline, and how an interface's address reads. Parsing and formatting are ipaddr.js's; the
// input is held to the strict forms first (four decimal parts without leading zeros, hex groups
// without a zone index), since ipaddr.js also reads octal, hex and shortened IPv4.
import ipaddr from 'ipaddr.js';

/** An IPv4 dotted quad as 4 bytes, or null. Leading zeros are refused (ambiguous: octal?). */
export function parseIPv4(s: string): number[] | null {
  if (!/^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/.test(s) || !ipaddr.IPv4.isValid(s)) return null;
  return ipaddr.IPv4.parse(s).octets;
}

/** An IPv6 address (with :: and an optional trailing dotted quad) as 8 groups, or null. */
export function parseIPv6(s: string): number[] | null {
  let hex = s;
  if (s.includes('.')) {
    // The dotted quad becomes its two groups first: ipaddr.js would read a leading "::a.b.c.d" as
    // the IPv4-mapped ::ffff:a.b.c.d, a different address.
    const cut = s.lastIndexOf(':');
    const quad = cut < 0 ? null : parseIPv4(s.slice(cut + 1));
    if (!quad) return null;
    hex = `${s.slice(0, cut + 1)}${((quad[0] << 8) | quad[1]).toString(16)}:${((quad[2] << 8) | quad[3]).toString(16)}`;
  }
  if (!/^[0-9A-Fa-f:]+$/.test(hex) || !ipaddr.IPv6.isValid(hex)) return null;
  return ipaddr.IPv6.parse(hex).parts;
}

/** RFC 5952 text of 8 groups (the longest run of ≥2 zero groups as '::', lower case). */
export function formatIPv6(groups: number[]): string {
  return new ipaddr.IPv6(groups).toRFC5952String();
}

export interface ParsedIp { family: 4 | 6; bytes: number[]; text: string }

/** An IP address in its canonical text, or null when it is not one. */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4, text: v4.join('.') };
  const v6 = parseIPv6(s);
  if (v6) {
    const addr = new ipaddr.IPv6(v6);
    return { family: 6, bytes: addr.toByteArray(), text: addr.toRFC5952String() };
  }
  return null;
}

export interface ParsedCidr { family: 4 | 6; address: ParsedIp; prefix: number; text: string }

const CIDR_RE = /^([^/]+)\/([0-9]{1,3})$/;
const maxPrefix = (family: 4 | 6) => (family === 4 ? 32 : 128);

/** "10.0.0.1/24" → canonical form, or null. An address without a prefix is refused: labs say it. */
export function parseCidr(s: string): ParsedCidr | null {
  const m = CIDR_RE.exec(s);
  if (!m) return null;
  const address = parseIp(m[1]);
  if (!address) return null;
  if (!/^(0|[1-9][0-9]*)$/.test(m[2])) return null;
  const prefix = Number(m[2]);
  if (prefix > maxPrefix(address.family)) return null;
  return { family: address.family, address, prefix, text: `${address.text}/${prefix}` };
}

/** The network a CIDR is in: its address with the bits after the prefix cleared. */
export function networkOf(c: ParsedCidr): ParsedCidr {
  const net = c.family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(c.text) : ipaddr.IPv6.networkAddressFromCIDR(c.text);
  return parseCidr(`${net.toString()}/${c.prefix}`)!;
}

/** True when the bits after the prefix are all zero (a network, as `ip route` wants). */
export function isNetwork(c: ParsedCidr): boolean {
  return networkOf(c).text === c.text;
}

/** The canonical "addr/prefix" text of an address string, or the input when it does not parse. */
export function canonicalCidr(s: string): string {
  return parseCidr(s)?.text ?? s;
}

/** Is this address (with or without its prefix) IPv6 link-local, fe80::/10? The kernel puts one on
 *  every interface that has IPv6, so pictures, lab exports and plans leave them out. */
export function isLinkLocal6(address: string): boolean {
  const slash = address.indexOf('/');
  const ip = parseIp(slash < 0 ? address : address.slice(0, slash));
  return ip?.family === 6 && new ipaddr.IPv6(ip.bytes).range() === 'linkLocal';
}

/** What is wrong with an interface address ("10.0.0.1/24"), or null. */
export function cidrError(s: string): string | null {
  const m = CIDR_RE.exec(s);
  if (!m) return `'${s}' is not a CIDR (an address with a prefix length, e.g. 10.0.0.1/24)`;
  const ip = parseIp(m[1]);
  if (!ip) return `'${m[1]}' is not an IPv4 or IPv6 address`;
  if (!/^(0|[1-9][0-9]*)$/.test(m[2])) return `/${m[2]} is not a prefix length (write it without leading zeros)`;
  const prefix = Number(m[2]), max = maxPrefix(ip.family);
  if (prefix > max) return `/${prefix} is too long for an IPv${ip.family} address (at most /${max})`;
  return null;
}

/** What is wrong with a route destination ('default' or a network, "10.1.0.0/16"), or null. */
export function routeToError(s: string): string | null {
  if (s === 'default') return null;
  const e = cidrError(s);
  if (e) return e.replace('is not a CIDR', "is neither 'default' nor a network");
  const c = parseCidr(s)!;
  if (!isNetwork(c)) return `'${s}' has host bits set (a route goes to a network, e.g. ${networkOf(c).text})`;
  return null;
}

/** One entry of Interface.addresses as `ip address` writes it: "10.0.0.1/24", or for a
 *  point-to-point address its local end and its peer, "10.8.0.1 peer 10.8.0.2/32". */
export function addressText(entry: string, peers?: Record<string, string>): string {
  const peer = peers && Object.hasOwn(peers, entry) ? peers[entry] : undefined;
  if (!peer) return entry;
  const slash = entry.indexOf('/');
  return `${slash < 0 ? entry : entry.slice(0, slash)} peer ${peer}`;
}
