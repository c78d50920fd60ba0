// What a trace needs to know of a captured frame: its IP addresses, and whether it is an ICMP echo
// (identifier, sequence, payload), an ICMP error quoting an echo, or a neighbour question or
// answer (ARP, IPv6 neighbour solicitation/advertisement). Ethernet (with one VLAN tag) or raw IP
// (tun); anything else, or cut short, is `null` or partly filled.
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN, ipv4Text, ipv6Text, type CaptureLinkType } from '../contract';

export interface TraceFrame {
  family: 4 | 6 | null;
  src: string;
  dst: string;
  echo: { request: boolean; ident: number; seq: number; payload: Uint8Array } | null;
  /** An ICMP/ICMPv6 error (unreachable, time exceeded, ...) whose quoted packet is an echo request. */
  error: { type: number; code: number; ident: number; seq: number; payload: Uint8Array } | null;
  /** ARP or neighbour discovery: who asks for `target`, and whether this is the answer. */
  neighbour: { answer: boolean; target: string } | null;
}

const ICMP_ERRORS4 = new Set([3, 11, 12]);
const ICMP_ERRORS6 = new Set([1, 2, 3, 4]);

/** Where a frame's network header starts and what it is (an ethertype): past the Ethernet
 *  header and one VLAN tag, or at once for raw IP (a tun: the version nibble says which; 0 when it
 *  is neither). null when the frame is too short. */
export function networkStart(b: Uint8Array, link: CaptureLinkType): { type: number; at: number } | null {
  if (link === 'ethernet') {
    if (b.length < 14) return null;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const type = v.getUint16(12);
    if (type === ETHERTYPE_VLAN && b.length >= 18) return { type: v.getUint16(16), at: 18 };
    return { type, at: 14 };
  }
  if (!b.length) return null;
  return { type: b[0] >> 4 === 6 ? ETHERTYPE_IPV6 : b[0] >> 4 === 4 ? ETHERTYPE_IPV4 : 0, at: 0 };
}

export function parseFrame(b: Uint8Array, link: CaptureLinkType): TraceFrame | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const start = networkStart(b, link);
  if (!start) return null;
  const { type, at } = start;
  const out: TraceFrame = { family: null, src: '', dst: '', echo: null, error: null, neighbour: null };
  if (type === ETHERTYPE_ARP) {
    // Ethernet/IPv4 ARP: op at 6, sender IP at 14, target IP at 24.
    if (b.length < at + 28 || v.getUint16(at + 2) !== ETHERTYPE_IPV4) return out;
    const op = v.getUint16(at + 6);
    out.src = ipv4Text(b, at + 14); out.dst = ipv4Text(b, at + 24);
    // An answer names the asked-for address as its sender.
    if (op === 1) out.neighbour = { answer: false, target: out.dst };
    else if (op === 2) out.neighbour = { answer: true, target: out.src };
    return out;
  }
  if (type === ETHERTYPE_IPV4) {
    if (b.length < at + 20) return out;
    const ihl = (b[at] & 0x0f) * 4;
    out.family = 4; out.src = ipv4Text(b, at + 12); out.dst = ipv4Text(b, at + 16);
    if (b[at + 9] !== 1 || b.length < at + ihl + 8) return out;
    icmp(b, v, at + ihl, 4, out);
    return out;
  }
  if (type === ETHERTYPE_IPV6) {
    if (b.length < at + 40) return out;
    out.family = 6; out.src = ipv6Text(b, at + 8); out.dst = ipv6Text(b, at + 24);
    // Echoes and neighbour discovery carry no extension headers.
    if (b[at + 6] !== 58 || b.length < at + 48) return out;
    icmp(b, v, at + 40, 6, out);
    return out;
  }
  return out;
}

function icmp(b: Uint8Array, v: DataView, at: number, family: 4 | 6, out: TraceFrame): void {
  const type = b[at];
  const [request, reply] = family === 4 ? [8, 0] : [128, 129];
  if (type === request || type === reply) {
    out.echo = { request: type === request, ident: v.getUint16(at + 4), seq: v.getUint16(at + 6), payload: b.subarray(at + 8) };
    return;
  }
  if (family === 6 && (type === 135 || type === 136) && b.length >= at + 24) {
    out.neighbour = { answer: type === 136, target: ipv6Text(b, at + 8) };
    return;
  }
  if (!(family === 4 ? ICMP_ERRORS4 : ICMP_ERRORS6).has(type)) return;
  // The quoted packet: its IP header, then (ours) an echo request.
  const q = at + 8;
  let e: number;
  if (family === 4) {
    if (b.length < q + 20) return;
    const ihl = (b[q] & 0x0f) * 4;
    if (b[q + 9] !== 1) return;
    e = q + ihl;
  } else {
    if (b.length < q + 40 || b[q + 6] !== 58) return;
    e = q + 40;
  }
  if (b.length < e + 8 || b[e] !== request) return;
  out.error = { type, code: b[at + 1], ident: v.getUint16(e + 4), seq: v.getUint16(e + 6), payload: b.subarray(e + 8) };
}

/** `payload` starts with `token`. */
export function carries(payload: Uint8Array, token: Uint8Array): boolean {
  if (payload.length < token.length) return false;
  for (let i = 0; i < token.length; i++) if (payload[i] !== token[i]) return false;
  return true;
}

const ICMP4_WORDS: Record<number, string> = { 3: 'destination unreachable', 11: 'time exceeded', 12: 'parameter problem' };
const UNREACH4: Record<number, string> = {
  0: 'net unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable', 4: 'fragmentation needed',
  9: 'network administratively prohibited', 10: 'host administratively prohibited', 13: 'administratively prohibited',
};
const ICMP6_WORDS: Record<number, string> = { 1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem' };
const UNREACH6: Record<number, string> = { 0: 'no route', 1: 'administratively prohibited', 3: 'address unreachable', 4: 'port unreachable', 5: 'source address failed policy', 6: 'reject route' };

/** "destination unreachable (host unreachable)" for an ICMP or ICMPv6 error's type and code. */
export function icmpErrorWords(family: 4 | 6, type: number, code: number): string {
  const t = (family === 4 ? ICMP4_WORDS : ICMP6_WORDS)[type] ?? `ICMP${family === 6 ? 'v6' : ''} type ${type}`;
  const unreach = family === 4 ? type === 3 : type === 1;
  const c = unreach ? (family === 4 ? UNREACH4 : UNREACH6)[code] : undefined;
  return `${t} (${c ?? `code ${code}`})`;
}
