// The packet decoder shared by the CLI (`vnet-studio capture`'s lines) and the renderer (the capture
// panel's list and details): one walk over a captured frame gives its layers (each with its fields,
// for a details view) and a one-line summary (source, destination, protocol, info) in tcpdump's
// spirit. Ethernet or raw IP, ARP, IPv4, IPv6 (with its extension headers), ICMP, ICMPv6 (echo,
// neighbour and router discovery), TCP, UDP, DHCP, DNS and VXLAN (with its inner frame).
// Pure: Uint8Array and DataView only. A frame cut short (snaplen, liveBytes) decodes as far as it goes.
import type { CaptureLinkType } from './capture';

export interface PacketField { name: string; value: string }
export interface PacketLayer { name: string; fields: PacketField[] }
export interface PacketSummary {
  /** Addresses of the innermost layer that has them (IP, else MAC). */
  src: string;
  dst: string;
  /** The innermost protocol understood ("ARP", "ICMP", "TCP", "DNS", "VXLAN", ...). */
  protocol: string;
  /** What the packet says, in words ("echo request id 7 seq 1", "41000 → 80 [SYN] ..."). */
  info: string;
}
export interface DecodedPacket { summary: PacketSummary; layers: PacketLayer[] }

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const VXLAN_PORT = 4789;

/** The one-line summary of a frame. */
export function summarizePacket(bytes: Uint8Array, link: CaptureLinkType): PacketSummary {
  return decodePacket(bytes, link).summary;
}

/** The layers and the summary of a frame. */
export function decodePacket(bytes: Uint8Array, link: CaptureLinkType): DecodedPacket {
  const d = new Decoder(bytes);
  if (link === 'ethernet') d.ethernet(0, 0);
  else d.rawIp(0, 0);
  return { summary: d.summary, layers: d.layers };
}

export function macText(b: Uint8Array, at: number): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(b[at + i].toString(16).padStart(2, '0'));
  return out.join(':');
}
export function ipv4Text(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}
/** RFC 5952 text (the longest run of zero groups, the first of equal runs, as `::`; lower case). */
export function ipv6Text(b: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  let bestAt = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i; while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

const TCP_FLAGS: [number, string][] = [[0x02, 'SYN'], [0x10, 'ACK'], [0x01, 'FIN'], [0x04, 'RST'], [0x08, 'PSH'], [0x20, 'URG'], [0x40, 'ECE'], [0x80, 'CWR']];
const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply', 3: 'destination unreachable', 5: 'redirect', 8: 'echo request', 11: 'time exceeded', 12: 'parameter problem', 13: 'timestamp request', 14: 'timestamp reply',
};
const ICMP_UNREACH: Record<number, string> = { 0: 'net unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable', 4: 'fragmentation needed', 13: 'administratively prohibited' };
const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem', 128: 'echo request', 129: 'echo reply',
  130: 'multicast listener query', 131: 'multicast listener report', 132: 'multicast listener done',
  133: 'router solicitation', 134: 'router advertisement', 135: 'neighbor solicitation', 136: 'neighbor advertisement', 137: 'redirect',
  143: 'multicast listener report v2',
};
const IP_PROTOS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 58: 'ICMPv6', 132: 'SCTP' };
const DHCP_TYPES: Record<number, string> = { 1: 'Discover', 2: 'Offer', 3: 'Request', 4: 'Decline', 5: 'ACK', 6: 'NAK', 7: 'Release', 8: 'Inform' };
const DNS_TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 41: 'OPT', 65: 'HTTPS', 255: 'ANY' };
const DNS_RCODES: Record<number, string> = { 0: 'No error', 1: 'Format error', 2: 'Server failure', 3: 'No such name', 4: 'Not implemented', 5: 'Refused' };

const hex16 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

class Decoder {
  readonly layers: PacketLayer[] = [];
  readonly summary: PacketSummary = { src: '', dst: '', protocol: '', info: '' };
  private quoting = false;
  private readonly v: DataView;
  constructor(private readonly b: Uint8Array) { this.v = new DataView(b.buffer, b.byteOffset, b.byteLength); }

  private layer(name: string): PacketField[] {
    const fields: PacketField[] = [];
    this.layers.push({ name, fields });
    return fields;
  }
  private has(at: number, n: number): boolean { return at + n <= this.b.length; }
  private u8(at: number): number { return this.b[at]; }
  private u16(at: number): number { return this.v.getUint16(at); }
  private u32(at: number): number { return this.v.getUint32(at); }
  private set(protocol: string, info: string): void { this.summary.protocol = protocol; this.summary.info = info; }
  private truncated(name: string): void {
    this.layer(name).push({ name: 'truncated', value: 'the captured bytes end here' });
    if (!this.summary.protocol) this.set(name, `${name} (truncated)`);
    else this.summary.info += ` [${name} truncated]`;
  }

  /** `depth` counts VXLAN nesting, so a frame of VXLAN in VXLAN in ... cannot recurse without end. */
  ethernet(at: number, depth: number): void {
    if (!this.has(at, 14)) return this.truncated('Ethernet');
    const dst = macText(this.b, at), src = macText(this.b, at + 6);
    let type = this.u16(at + 12), next = at + 14;
    const f = this.layer('Ethernet');
    f.push({ name: 'destination', value: dst }, { name: 'source', value: src });
    if (type === ETHERTYPE_VLAN && this.has(next, 4)) {
      f.push({ name: 'vlan', value: String(this.u16(next) & 0x0fff) });
      type = this.u16(next + 2); next += 4;
    }
    f.push({ name: 'type', value: hex16(type) });
    this.summary.src = src; this.summary.dst = dst;
    this.set('Ethernet', `ethertype ${hex16(type)}`);
    if (type === ETHERTYPE_ARP) this.arp(next);
    else if (type === ETHERTYPE_IPV4) this.ipv4(next, depth);
    else if (type === ETHERTYPE_IPV6) this.ipv6(next, depth);
    else if (type < 0x0600) this.set('LLC', `802.3 length ${type}`);
  }

  rawIp(at: number, depth: number): void {
    if (!this.has(at, 1)) return this.truncated('IP');
    const version = this.u8(at) >> 4;
    if (version === 4) this.ipv4(at, depth);
    else if (version === 6) this.ipv6(at, depth);
    else { this.layer('Raw').push({ name: 'version', value: String(version) }); this.set('Raw', `IP version ${version}`); }
  }

  private arp(at: number): void {
    if (!this.has(at, 8)) return this.truncated('ARP');
    const htype = this.u16(at), ptype = this.u16(at + 2), hlen = this.u8(at + 4), plen = this.u8(at + 5), op = this.u16(at + 6);
    const f = this.layer('ARP');
    f.push({ name: 'hardware type', value: String(htype) }, { name: 'protocol type', value: hex16(ptype) }, { name: 'opcode', value: String(op) });
    if (htype !== 1 || ptype !== ETHERTYPE_IPV4 || hlen !== 6 || plen !== 4) { this.set('ARP', `opcode ${op}`); return; }
    if (!this.has(at, 28)) return this.truncated('ARP');
    const sha = macText(this.b, at + 8), spa = ipv4Text(this.b, at + 14), tha = macText(this.b, at + 18), tpa = ipv4Text(this.b, at + 24);
    f.push({ name: 'sender MAC', value: sha }, { name: 'sender IP', value: spa }, { name: 'target MAC', value: tha }, { name: 'target IP', value: tpa });
    if (op === 1) this.set('ARP', spa === tpa ? `announce ${spa}` : `who-has ${tpa} tell ${spa}`);
    else if (op === 2) this.set('ARP', `${spa} is-at ${sha}`);
    else this.set('ARP', `opcode ${op}`);
  }

  private ipv4(at: number, depth: number): void {
    if (!this.has(at, 20)) return this.truncated('IPv4');
    const ihl = (this.u8(at) & 0x0f) * 4, total = this.u16(at + 2), id = this.u16(at + 4), frag = this.u16(at + 6);
    const ttl = this.u8(at + 8), proto = this.u8(at + 9);
    const src = ipv4Text(this.b, at + 12), dst = ipv4Text(this.b, at + 16);
    const f = this.layer('IPv4');
    f.push(
      { name: 'source', value: src }, { name: 'destination', value: dst }, { name: 'ttl', value: String(ttl) },
      { name: 'protocol', value: `${IP_PROTOS[proto] ?? 'unknown'} (${proto})` }, { name: 'id', value: hex16(id) },
      { name: 'total length', value: String(total) }, { name: 'header length', value: String(ihl) },
    );
    const offset = (frag & 0x1fff) * 8, more = (frag & 0x2000) !== 0;
    if (frag & 0x4000) f.push({ name: 'flags', value: 'DF' });
    if (offset || more) f.push({ name: 'fragment offset', value: String(offset) }, { name: 'more fragments', value: String(more) });
    this.summary.src = src; this.summary.dst = dst;
    this.set('IPv4', `${IP_PROTOS[proto] ?? `protocol ${proto}`}`);
    if (ihl < 20) return;
    if (offset) { this.set('IPv4', `fragment offset ${offset} of ${IP_PROTOS[proto] ?? `protocol ${proto}`} id ${hex16(id)}`); return; }
    // The payload ends where the IP packet says (Ethernet pads short frames).
    const end = Math.min(this.b.length, at + Math.max(total, ihl));
    this.transport(proto, at + ihl, end, depth, 4);
  }

  private ipv6(at: number, depth: number): void {
    if (!this.has(at, 40)) return this.truncated('IPv6');
    const plen = this.u16(at + 4), hop = this.u8(at + 7);
    let next = this.u8(at + 6);
    const src = ipv6Text(this.b, at + 8), dst = ipv6Text(this.b, at + 24);
    const f = this.layer('IPv6');
    f.push({ name: 'source', value: src }, { name: 'destination', value: dst }, { name: 'hop limit', value: String(hop) }, { name: 'payload length', value: String(plen) });
    this.summary.src = src; this.summary.dst = dst;
    const end = Math.min(this.b.length, at + 40 + plen);
    let p = at + 40;
    // Extension headers: hop-by-hop, routing, destination options (length in 8-byte units), fragment.
    for (let guard = 0; guard < 8; guard++) {
      if (next === 0 || next === 43 || next === 60) {
        if (!this.has(p, 2)) return this.truncated('IPv6');
        f.push({ name: 'extension header', value: next === 0 ? 'hop-by-hop options' : next === 43 ? 'routing' : 'destination options' });
        const len = (this.u8(p + 1) + 1) * 8;
        next = this.u8(p); p += len;
      } else if (next === 44) {
        if (!this.has(p, 8)) return this.truncated('IPv6');
        const offset = this.u16(p + 2) & 0xfff8;
        f.push({ name: 'extension header', value: `fragment offset ${offset}` });
        next = this.u8(p); p += 8;
        if (offset) { this.set('IPv6', `fragment offset ${offset}`); return; }
      } else break;
    }
    f.push({ name: 'next header', value: `${IP_PROTOS[next] ?? 'unknown'} (${next})` });
    this.set('IPv6', IP_PROTOS[next] ?? `next header ${next}`);
    this.transport(next, p, end, depth, 6);
  }

  private transport(proto: number, at: number, end: number, depth: number, family: 4 | 6): void {
    if (proto === 1 && family === 4) this.icmp(at, end);
    else if (proto === 2 && family === 4) this.igmp(at, end);
    else if (proto === 58) this.icmp6(at, end);
    else if (proto === 6) this.tcp(at, end);
    else if (proto === 17) this.udp(at, end, depth);
  }

  private icmp(at: number, end: number): void {
    if (!this.has(at, 4)) return this.truncated('ICMP');
    const type = this.u8(at), code = this.u8(at + 1);
    const f = this.layer('ICMP');
    f.push({ name: 'type', value: `${type} (${ICMP_TYPES[type] ?? 'unknown'})` }, { name: 'code', value: String(code) }, { name: 'checksum', value: hex16(this.u16(at + 2)) });
    if ((type === 0 || type === 8) && this.has(at, 8)) {
      const id = this.u16(at + 4), seq = this.u16(at + 6);
      f.push({ name: 'identifier', value: String(id) }, { name: 'sequence', value: String(seq) }, { name: 'data length', value: String(Math.max(0, end - at - 8)) });
      this.set('ICMP', `echo ${type === 8 ? 'request' : 'reply'} id ${id} seq ${seq}`);
      return;
    }
    const name = ICMP_TYPES[type] ?? `type ${type}`;
    this.set('ICMP', type === 3 ? `${name} (${ICMP_UNREACH[code] ?? `code ${code}`})` : code ? `${name} code ${code}` : name);
    if (type === 3 || type === 11 || type === 12) this.quoted(at + 8, end);
  }

  /** The packet an ICMP error quotes (its IP header and first bytes): its layers follow the
   *  error's (as Wireshark shows them), the summary staying the error's. */
  private quoted(at: number, end: number): void {
    if (at >= end || this.quoting) return;
    const outer = { ...this.summary };
    this.quoting = true;
    const sub = new Decoder(this.b.subarray(0, end));
    sub.quoting = true;
    sub.rawIp(at, 4);
    this.layers.push(...sub.layers);
    this.quoting = false;
    Object.assign(this.summary, outer);
  }

  private igmp(at: number, end: number): void {
    if (!this.has(at, 8)) return this.truncated('IGMP');
    const type = this.u8(at), group = ipv4Text(this.b, at + 4);
    // The version as RFC 3376 §7.1 tells it: by type, and a query's by its length and max response time.
    const version = type === 0x22 || (type === 0x11 && end - at >= 12) ? 3 : type === 0x16 || type === 0x17 || (type === 0x11 && this.u8(at + 1) !== 0) ? 2 : 1;
    const name = type === 0x11 ? 'membership query' : type === 0x17 ? 'leave group' : type === 0x12 || type === 0x16 || type === 0x22 ? 'membership report' : `type 0x${type.toString(16)}`;
    const f = this.layer(`IGMPv${version}`);
    f.push({ name: 'type', value: `0x${type.toString(16).padStart(2, '0')} (${name})` });
    if (type === 0x22 && this.has(at, 8)) {
      const n = this.u16(at + 6), groups: string[] = [];
      for (let p = at + 8, i = 0; i < n && i < 64 && this.has(p, 8); i++) {
        groups.push(ipv4Text(this.b, p + 4));
        p += 8 + this.u8(p + 1) * 4 + this.u16(p + 2) * 4;
      }
      for (const g of groups) f.push({ name: 'group', value: g });
      this.set(`IGMPv${version}`, `${name} ${groups.join(' ')}`.trimEnd());
      return;
    }
    f.push({ name: 'group', value: group });
    this.set(`IGMPv${version}`, `${name}${group !== '0.0.0.0' ? ` ${group}` : ''}`);
  }

  private icmp6(at: number, end: number): void {
    if (!this.has(at, 4)) return this.truncated('ICMPv6');
    const type = this.u8(at), code = this.u8(at + 1);
    const f = this.layer('ICMPv6');
    f.push({ name: 'type', value: `${type} (${ICMP6_TYPES[type] ?? 'unknown'})` }, { name: 'code', value: String(code) }, { name: 'checksum', value: hex16(this.u16(at + 2)) });
    const name = ICMP6_TYPES[type] ?? `type ${type}`;
    if ((type === 128 || type === 129) && this.has(at, 8)) {
      const id = this.u16(at + 4), seq = this.u16(at + 6);
      f.push({ name: 'identifier', value: String(id) }, { name: 'sequence', value: String(seq) }, { name: 'data length', value: String(Math.max(0, end - at - 8)) });
      this.set('ICMPv6', `echo ${type === 128 ? 'request' : 'reply'} id ${id} seq ${seq}`);
      return;
    }
    if ((type === 135 || type === 136) && this.has(at, 24)) {
      const target = ipv6Text(this.b, at + 8);
      f.push({ name: 'target', value: target });
      const mac = this.ndOption(at + 24, end, type === 135 ? 1 : 2, f);
      if (type === 135) this.set('ICMPv6', `neighbor solicitation who-has ${target}${mac ? ` from ${mac}` : ''}`);
      else {
        const flags = this.u8(at + 4);
        const fl = [flags & 0x80 ? 'router' : '', flags & 0x40 ? 'solicited' : '', flags & 0x20 ? 'override' : ''].filter(Boolean);
        f.push({ name: 'flags', value: fl.join(', ') || 'none' });
        this.set('ICMPv6', `neighbor advertisement ${target}${mac ? ` is-at ${mac}` : ''}${fl.length ? ` (${fl.join(', ')})` : ''}`);
      }
      return;
    }
    if (type === 133 && this.has(at, 8)) {
      const mac = this.ndOption(at + 8, end, 1, f);
      this.set('ICMPv6', `router solicitation${mac ? ` from ${mac}` : ''}`);
      return;
    }
    if (type === 134 && this.has(at, 16)) {
      const hopLimit = this.u8(at + 4), lifetime = this.u16(at + 6);
      f.push({ name: 'cur hop limit', value: String(hopLimit) }, { name: 'router lifetime', value: String(lifetime) });
      const prefixes: string[] = [];
      for (let p = at + 16; this.has(p, 2) && p < end;) {
        const t = this.u8(p), len = this.u8(p + 1) * 8;
        if (len === 0) break;
        if (t === 3 && this.has(p, 32)) prefixes.push(`${ipv6Text(this.b, p + 16)}/${this.u8(p + 2)}`);
        p += len;
      }
      for (const pr of prefixes) f.push({ name: 'prefix', value: pr });
      this.set('ICMPv6', `router advertisement lifetime ${lifetime}${prefixes.length ? ` prefix ${prefixes.join(' ')}` : ''}`);
      return;
    }
    this.set('ICMPv6', code ? `${name} code ${code}` : name);
    if (type >= 1 && type <= 4) this.quoted(at + 8, end);
  }

  /** The link-layer address option (1 source, 2 target) among neighbour discovery options. */
  private ndOption(at: number, end: number, want: number, f: PacketField[]): string | null {
    for (let p = at; this.has(p, 2) && p < end;) {
      const t = this.u8(p), len = this.u8(p + 1) * 8;
      if (len === 0) return null;
      if (t === want && len >= 8 && this.has(p, 8)) {
        const mac = macText(this.b, p + 2);
        f.push({ name: want === 1 ? 'source link-layer address' : 'target link-layer address', value: mac });
        return mac;
      }
      p += len;
    }
    return null;
  }

  private tcp(at: number, end: number): void {
    if (!this.has(at, 20)) return this.truncated('TCP');
    const sport = this.u16(at), dport = this.u16(at + 2), seq = this.u32(at + 4), ack = this.u32(at + 8);
    const off = (this.u8(at + 12) >> 4) * 4, flags = this.u8(at + 13), win = this.u16(at + 14);
    const names = TCP_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n);
    const len = Math.max(0, end - at - off);
    const f = this.layer('TCP');
    f.push(
      { name: 'source port', value: String(sport) }, { name: 'destination port', value: String(dport) },
      { name: 'sequence', value: String(seq) }, { name: 'acknowledgment', value: String(ack) },
      { name: 'flags', value: `${hex16(flags)} (${names.join(', ') || 'none'})` }, { name: 'window', value: String(win) },
      { name: 'header length', value: String(off) }, { name: 'payload length', value: String(len) },
    );
    this.set('TCP', `${sport} → ${dport} [${names.join(', ')}] seq ${seq}${flags & 0x10 ? ` ack ${ack}` : ''} win ${win} len ${len}`);
  }

  private udp(at: number, end: number, depth: number): void {
    if (!this.has(at, 8)) return this.truncated('UDP');
    const sport = this.u16(at), dport = this.u16(at + 2), ulen = this.u16(at + 4);
    const f = this.layer('UDP');
    f.push({ name: 'source port', value: String(sport) }, { name: 'destination port', value: String(dport) }, { name: 'length', value: String(ulen) }, { name: 'checksum', value: hex16(this.u16(at + 6)) });
    this.set('UDP', `${sport} → ${dport} len ${Math.max(0, ulen - 8)}`);
    const p = at + 8, stop = Math.min(end, at + Math.max(8, ulen));
    const either = (port: number) => sport === port || dport === port;
    if ((either(67) || either(68)) && this.has(p, 240)) this.dhcp(p, stop);
    else if ((either(53) || either(5353)) && this.has(p, 12)) this.dns(p, stop, either(5353) ? 'MDNS' : 'DNS');
    else if (dport === VXLAN_PORT && this.has(p, 8) && depth < 4) this.vxlan(p, depth);
  }

  private dhcp(at: number, end: number): void {
    const op = this.u8(at), xid = this.u32(at + 4);
    const f = this.layer('DHCP');
    const ciaddr = ipv4Text(this.b, at + 12), yiaddr = ipv4Text(this.b, at + 16), chaddr = macText(this.b, at + 28);
    f.push({ name: 'op', value: op === 1 ? 'request (1)' : op === 2 ? 'reply (2)' : String(op) }, { name: 'transaction id', value: hex32(xid) },
      { name: 'client IP', value: ciaddr }, { name: 'your IP', value: yiaddr }, { name: 'client MAC', value: chaddr });
    let type: number | null = null;
    if (this.u32(at + 236) === 0x63825363) {
      for (let p = at + 240; p < end && this.has(p, 1);) {
        const code = this.u8(p);
        if (code === 255) break;
        if (code === 0) { p++; continue; }
        if (!this.has(p, 2)) break;
        const len = this.u8(p + 1);
        if (!this.has(p + 2, len)) break;
        if (code === 53 && len >= 1) type = this.u8(p + 2);
        else if (code === 50 && len === 4) f.push({ name: 'requested IP', value: ipv4Text(this.b, p + 2) });
        else if (code === 54 && len === 4) f.push({ name: 'server identifier', value: ipv4Text(this.b, p + 2) });
        p += 2 + len;
      }
    }
    const name = type === null ? (op === 1 ? 'BOOTP request' : 'BOOTP reply') : (DHCP_TYPES[type] ?? `type ${type}`);
    if (type !== null) f.push({ name: 'message type', value: `${name} (${type})` });
    const addr = yiaddr !== '0.0.0.0' ? ` ${yiaddr}` : '';
    this.set('DHCP', `DHCP ${name}${addr} xid ${hex32(xid)}`);
  }

  private dns(at: number, end: number, proto: 'DNS' | 'MDNS'): void {
    const id = this.u16(at), flags = this.u16(at + 2), qd = this.u16(at + 4), an = this.u16(at + 6);
    const response = (flags & 0x8000) !== 0, rcode = flags & 0x000f;
    const f = this.layer(proto);
    f.push({ name: 'transaction id', value: hex16(id) }, { name: 'flags', value: `${hex16(flags)} (${response ? 'response' : 'query'})` },
      { name: 'questions', value: String(qd) }, { name: 'answers', value: String(an) });
    if (response) f.push({ name: 'rcode', value: DNS_RCODES[rcode] ?? String(rcode) });
    const questions: string[] = [];
    let p = at + 12;
    for (let i = 0; i < qd && i < 16; i++) {
      const name = this.dnsName(at, p, end);
      if (!name || !this.has(name.next, 4) || name.next + 4 > end) break;
      const qtype = this.u16(name.next);
      const t = DNS_TYPES[qtype] ?? `TYPE${qtype}`;
      f.push({ name: 'query', value: `${name.text} ${t}` });
      questions.push(`${t} ${name.text}`);
      p = name.next + 4;
    }
    const answers: string[] = [];
    for (let i = 0; response && i < an && i < 16; i++) {
      const name = this.dnsName(at, p, end);
      if (!name || name.next + 10 > end) break;
      const type = this.u16(name.next), rdlen = this.u16(name.next + 8), rd = name.next + 10;
      if (rd + rdlen > end) break;
      let value = `${DNS_TYPES[type] ?? `TYPE${type}`}`;
      if (type === 1 && rdlen === 4) value += ` ${ipv4Text(this.b, rd)}`;
      else if (type === 28 && rdlen === 16) value += ` ${ipv6Text(this.b, rd)}`;
      else if (type === 5 || type === 12 || type === 2) { const n = this.dnsName(at, rd, end); if (n) value += ` ${n.text}`; }
      f.push({ name: 'answer', value: `${name.text} ${value}` });
      answers.push(value);
      p = rd + rdlen;
    }
    const head = response ? `response ${hex16(id)}` : `query ${hex16(id)}`;
    const err = response && rcode ? ` ${DNS_RCODES[rcode] ?? `rcode ${rcode}`}` : '';
    this.set(proto, `${head}${err} ${questions.join(', ')}${answers.length ? ` → ${answers.join(' ')}` : ''}`.trimEnd());
  }

  /** A (possibly compressed) domain name at `p` of the DNS message at `msg`. */
  private dnsName(msg: number, p: number, end: number): { text: string; next: number } | null {
    const labels: string[] = [];
    let next = -1, jumps = 0;
    while (p < end && this.has(p, 1)) {
      const len = this.u8(p);
      if (len === 0) { if (next < 0) next = p + 1; return { text: labels.length ? labels.join('.') : '<root>', next }; }
      if ((len & 0xc0) === 0xc0) {
        if (!this.has(p, 2) || ++jumps > 16) return null;
        if (next < 0) next = p + 2;
        p = msg + (this.u16(p) & 0x3fff);
        continue;
      }
      if (len > 63 || p + 1 + len > end) return null;
      let s = '';
      for (let i = 0; i < len; i++) {
        const c = this.u8(p + 1 + i);
        s += c > 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
      }
      labels.push(s);
      p += 1 + len;
    }
    return null;
  }

  private vxlan(at: number, depth: number): void {
    const flags = this.u8(at), vni = this.u32(at + 4) >>> 8;
    const f = this.layer('VXLAN');
    f.push({ name: 'flags', value: `0x${flags.toString(16).padStart(2, '0')}` }, { name: 'vni', value: String(vni) });
    const outer = { ...this.summary };
    this.summary.info = ''; this.summary.protocol = '';
    this.ethernet(at + 8, depth + 1);
    const inner = this.summary.info;
    this.summary.info = `vni ${vni}: ${this.summary.src} → ${this.summary.dst} ${this.summary.protocol} ${inner}`.trimEnd();
    this.summary.protocol = 'VXLAN';
    this.summary.src = outer.src; this.summary.dst = outer.dst;
  }
}
