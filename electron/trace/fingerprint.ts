// Recognising one packet at every hop it passes, and its answer. A packet keeps, across the
// bridges, veths and routers of this machine (and through NAT, which rewrites addresses, ports and
// ICMP identifiers but nothing else), what its sender put in it: the IPv4 identification or the
// IPv6 flow label, the protocol, TCP's sequence and acknowledgement numbers and flags, ICMP's type,
// code and sequence number, the length of what the transport carries and those bytes themselves
// (hashed). That is its `key`: equal keys on two interfaces within a moment are the same packet.
// Its answer is seen where the packet was, going the other way: the reversed addresses and ports
// as they were at that hop, and what the protocol answers (an echo reply of the same identifier
// and sequence; a SYN/ACK or RST acknowledging a SYN; a TCP segment acknowledging it; a UDP
// datagram of the reversed 5-tuple; an ICMP error quoting it).
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ipv4Text, ipv6Text, type CaptureLinkType } from '../contract';
import { networkStart } from './frames';

/** Bytes of the transport's payload hashed: every hop captures at least this much of it. */
export const HASHED_BYTES = 256;
/** Bytes a capture keeps of each packet for this: headers (Ethernet, VLAN, IP, options, TCP
 *  options) and HASHED_BYTES of payload fit. */
export const FINGERPRINT_SNAPLEN = 512;

const TCP = 6, UDP = 17, ICMP = 1, ICMP6 = 58, SCTP = 132;
const FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

export interface Dissected {
  family: 4 | 6;
  src: string;
  dst: string;
  proto: number;
  /** IPv4 identification; IPv6: null. */
  ipId: number | null;
  /** IPv6 flow label; IPv4: null. */
  flow: number | null;
  /** TCP, UDP, SCTP ports; null for others. */
  sport: number | null;
  dport: number | null;
  tcp: { seq: number; ack: number; flags: number } | null;
  icmp: { type: number; code: number; ident: number; seq: number } | null;
  /** An ICMP error's quoted packet (as it was at this hop). */
  quoted: { src: string; dst: string; proto: number; ipId: number | null; sport: number | null; dport: number | null } | null;
  /** Bytes the transport carries (from the IP lengths, not what was captured). */
  payloadLen: number;
  /** The same packet at every hop has the same key. */
  key: string;
}

/** FNV-1a, 32 bits: enough to tell packets of one moment apart; not a security measure. */
function fnv1a(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
  return h;
}

const isEcho = (family: 4 | 6, type: number) => (family === 4 ? type === 8 || type === 0 : type === 128 || type === 129);
const isError = (family: 4 | 6, type: number) => (family === 4 ? type === 3 || type === 11 || type === 12 : type >= 1 && type <= 4);

/** The network and transport headers of a frame, or null when it is not IP (or cut short). */
export function dissect(b: Uint8Array, link: CaptureLinkType): Dissected | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const start = networkStart(b, link);
  if (!start) return null;
  const { type, at } = start;
  let family: 4 | 6, src: string, dst: string, proto: number, l4: number, end: number, ipId: number | null = null, flow: number | null = null;
  if (type === ETHERTYPE_IPV4) {
    if (b.length < at + 20) return null;
    const ihl = (b[at] & 0x0f) * 4;
    family = 4; src = ipv4Text(b, at + 12); dst = ipv4Text(b, at + 16); proto = b[at + 9];
    ipId = v.getUint16(at + 4);
    l4 = at + ihl; end = at + v.getUint16(at + 2);
    // A fragment after the first carries no transport header.
    if (v.getUint16(at + 6) & 0x1fff) return finish({ family, src, dst, proto, ipId, flow, sport: null, dport: null, tcp: null, icmp: null, quoted: null, payloadLen: end - l4 }, b, l4, end, false);
  } else if (type === ETHERTYPE_IPV6) {
    if (b.length < at + 40) return null;
    family = 6; src = ipv6Text(b, at + 8); dst = ipv6Text(b, at + 24); proto = b[at + 6];
    flow = v.getUint32(at) & 0xfffff;
    l4 = at + 40; end = l4 + v.getUint16(at + 4);
  } else return null;
  const d: Omit<Dissected, 'key'> = { family, src, dst, proto, ipId, flow, sport: null, dport: null, tcp: null, icmp: null, quoted: null, payloadLen: Math.max(0, end - l4) };
  let data = l4;
  if ((proto === TCP || proto === UDP || proto === SCTP) && b.length >= l4 + 4) { d.sport = v.getUint16(l4); d.dport = v.getUint16(l4 + 2); }
  if (proto === TCP && b.length >= l4 + 20) {
    d.tcp = { seq: v.getUint32(l4 + 4), ack: v.getUint32(l4 + 8), flags: b[l4 + 13] };
    data = l4 + (b[l4 + 12] >> 4) * 4;
  } else if (proto === UDP) data = l4 + 8;
  else if ((proto === ICMP || proto === ICMP6) && b.length >= l4 + 8) {
    d.icmp = { type: b[l4], code: b[l4 + 1], ident: v.getUint16(l4 + 4), seq: v.getUint16(l4 + 6) };
    data = l4 + 8;
    if (isError(family, b[l4])) d.quoted = quotedOf(b, v, data, family);
  }
  d.payloadLen = Math.max(0, end - data);
  // An ICMP error's quote is rewritten by NAT with the packet it quotes: only its own fields count.
  return finish(d, b, data, end, d.quoted !== null || (d.icmp !== null && isError(family, d.icmp.type)));
}

function quotedOf(b: Uint8Array, v: DataView, q: number, family: 4 | 6): Dissected['quoted'] {
  let l4: number, out: NonNullable<Dissected['quoted']>;
  if (family === 4) {
    if (b.length < q + 20) return null;
    out = { src: ipv4Text(b, q + 12), dst: ipv4Text(b, q + 16), proto: b[q + 9], ipId: v.getUint16(q + 4), sport: null, dport: null };
    l4 = q + (b[q] & 0x0f) * 4;
  } else {
    if (b.length < q + 40) return null;
    out = { src: ipv6Text(b, q + 8), dst: ipv6Text(b, q + 24), proto: b[q + 6], ipId: null, sport: null, dport: null };
    l4 = q + 40;
  }
  if ((out.proto === TCP || out.proto === UDP || out.proto === SCTP) && b.length >= l4 + 4) { out.sport = v.getUint16(l4); out.dport = v.getUint16(l4 + 2); }
  return out;
}

function finish(d: Omit<Dissected, 'key'>, b: Uint8Array, data: number, end: number, noHash: boolean): Dissected {
  const upto = Math.min(b.length, end, data + HASHED_BYTES);
  const hash = noHash || upto <= data ? 0 : fnv1a(b, data, upto);
  const parts: (string | number)[] = [d.family, d.proto, d.ipId ?? d.flow ?? '', d.payloadLen, hash];
  if (d.tcp) parts.push(d.tcp.seq, d.tcp.ack, d.tcp.flags);
  // The identifier is left out: NAT gives echoes an identifier of its own, as it does ports.
  if (d.icmp) parts.push(d.icmp.type, d.icmp.code, isEcho(d.family, d.icmp.type) ? d.icmp.seq : '');
  return { ...d, key: parts.join('/') };
}

/** Does `c`, seen at the same interface as `req`, answer it? */
export function answers(req: Dissected, c: Dissected): boolean {
  if (c.family !== req.family) return false;
  if (c.quoted) {
    // An ICMP error quoting the packet as it was here.
    const q = c.quoted;
    return c.dst === req.src && q.src === req.src && q.dst === req.dst && q.proto === req.proto
      && (req.ipId === null || q.ipId === req.ipId) && (req.sport === null || (q.sport === req.sport && q.dport === req.dport));
  }
  if (c.src !== req.dst || c.dst !== req.src || c.proto !== req.proto) return false;
  if (req.sport !== null && (c.sport !== req.dport || c.dport !== req.sport)) return false;
  if (req.icmp && isEcho(req.family, req.icmp.type)) {
    const reply = req.family === 4 ? 0 : 129;
    return !!c.icmp && c.icmp.type === reply && c.icmp.ident === req.icmp.ident && c.icmp.seq === req.icmp.seq;
  }
  if (req.tcp) {
    if (!c.tcp) return false;
    const t = req.tcp;
    // What a segment takes of the sequence space: its bytes, and one each for SYN and FIN.
    const next = (t.seq + req.payloadLen + (t.flags & SYN ? 1 : 0) + (t.flags & FIN ? 1 : 0)) >>> 0;
    if (c.tcp.flags & RST) return (c.tcp.flags & ACK) === 0 || c.tcp.ack === next;
    if (!(c.tcp.flags & ACK)) return false;
    if (t.flags & SYN && !(t.flags & ACK)) return (c.tcp.flags & SYN) !== 0 && c.tcp.ack === next;
    // acknowledges all of it (sequence numbers wrap: compared as a 32-bit difference)
    return ((c.tcp.ack - next) | 0) >= 0;
  }
  if (req.icmp) return false;
  return true;
}

const PROTO_NAMES: Record<number, string> = { [TCP]: 'TCP', [UDP]: 'UDP', [ICMP]: 'ICMP', [ICMP6]: 'ICMPv6', [SCTP]: 'SCTP' };

/** One line naming the packet: "TCP 10.0.0.1:40000 → 10.0.0.2:80 [SYN]", "ICMP echo request 10.0.0.1 → 10.0.0.2 id 7 seq 1". */
export function describe(d: Dissected): string {
  const name = PROTO_NAMES[d.proto] ?? `IP protocol ${d.proto}`;
  const host = (a: string, p: number | null) => (p === null ? a : d.family === 6 ? `[${a}]:${p}` : `${a}:${p}`);
  let what = `${name} ${host(d.src, d.sport)} → ${host(d.dst, d.dport)}`;
  if (d.tcp) {
    const f = d.tcp.flags;
    const flags = [[SYN, 'SYN'], [FIN, 'FIN'], [RST, 'RST'], [0x08, 'PSH'], [ACK, 'ACK']].filter(([bit]) => f & (bit as number)).map(([, n]) => n);
    what += ` [${flags.join(', ')}] seq ${d.tcp.seq}${f & ACK ? ` ack ${d.tcp.ack}` : ''}${d.payloadLen ? ` len ${d.payloadLen}` : ''}`;
  } else if (d.icmp) {
    const echo = isEcho(d.family, d.icmp.type);
    const req = d.family === 4 ? d.icmp.type === 8 : d.icmp.type === 128;
    what = echo ? `${name} echo ${req ? 'request' : 'reply'} ${d.src} → ${d.dst} id ${d.icmp.ident} seq ${d.icmp.seq}`
      : `${name} type ${d.icmp.type} code ${d.icmp.code} ${d.src} → ${d.dst}`;
  } else if (d.payloadLen) what += ` len ${d.payloadLen}`;
  return what;
}
