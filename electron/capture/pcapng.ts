// pcapng (the format Wireshark and tshark read natively), little-endian: a Section Header Block,
// one Interface Description Block per captured interface (its name, a comment, its link type,
// nanosecond timestamps), Enhanced Packet Blocks with the direction and packet type in epb_flags,
// and an Interface Statistics Block per interface at the end (received, dropped by the kernel,
// dropped by the app). Each function returns one whole block. Under a capture, the Enhanced Packet
// Blocks come framed by the capture sockets (native/); enhancedPacket is the same block, built here.

const SHB = 0x0a0d0d0a, IDB = 0x00000001, EPB = 0x00000006, ISB = 0x00000005;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

type Option = { code: number; value: Buffer };

const text = (code: number, s: string): Option => ({ code, value: Buffer.from(s, 'utf8') });
const u32 = (code: number, n: number): Option => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return { code, value: b }; };
const u64 = (code: number, n: bigint): Option => { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return { code, value: b }; };

/** A timestamp option: upper 32 bits, then lower 32 bits (as in an EPB), each little-endian. */
const ts = (code: number, n: bigint): Option => {
  const b = Buffer.alloc(8); b.writeUInt32LE(Number(n >> 32n), 0); b.writeUInt32LE(Number(n & 0xffffffffn), 4); return { code, value: b };
};

const pad4 = (n: number) => (n + 3) & ~3;

function optionsLength(opts: Option[]): number {
  if (!opts.length) return 0;
  return opts.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + 4; // + opt_endofopt
}

function writeOptions(b: Buffer, at: number, opts: Option[]): number {
  if (!opts.length) return at;
  for (const o of opts) {
    b.writeUInt16LE(o.code, at); b.writeUInt16LE(o.value.length, at + 2);
    o.value.copy(b, at + 4);
    at += 4 + pad4(o.value.length);
  }
  b.writeUInt32LE(0, at); // opt_endofopt (code 0, length 0)
  return at + 4;
}

/** A block of `type` with a body of `bodyLength` bytes written by `body` (after the type and
 *  length words), then options, then the trailing length. */
function block(type: number, bodyLength: number, opts: Option[], body: (b: Buffer, at: number) => void): Buffer {
  const total = 12 + bodyLength + optionsLength(opts);
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0); b.writeUInt32LE(total, 4);
  body(b, 8);
  writeOptions(b, 8 + bodyLength, opts);
  b.writeUInt32LE(total, total - 4);
  return b;
}

export function sectionHeader(application: string): Buffer {
  return block(SHB, 16, [text(4, application)], (b, at) => {
    b.writeUInt32LE(BYTE_ORDER_MAGIC, at);
    b.writeUInt16LE(1, at + 4); b.writeUInt16LE(0, at + 6); // version 1.0
    b.writeBigInt64LE(-1n, at + 8);                            // section length: not given
  });
}

export interface IdbFields { name: string; description: string; comment: string; linkType: number; snaplen: number }

export function interfaceDescription(f: IdbFields): Buffer {
  const tsresol = { code: 9, value: Buffer.from([9]) }; // 10^-9 s
  return block(IDB, 8, [text(2, f.name), text(3, f.description), text(1, f.comment), tsresol], (b, at) => {
    b.writeUInt16LE(f.linkType, at); b.writeUInt16LE(0, at + 2);
    b.writeUInt32LE(f.snaplen, at + 4);
  });
}

/** epb_flags: bits 0-1 direction (1 inbound, 2 outbound), bits 2-4 reception type (1 unicast,
 *  2 multicast, 3 broadcast, 4 promiscuous). `pkttype` is the packet socket's sll_pkttype. */
export function epbFlags(pkttype: number): number {
  const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3, PACKET_OUTGOING = 4;
  if (pkttype === PACKET_OUTGOING) return 2;
  const reception = pkttype === PACKET_HOST ? 1 : pkttype === PACKET_MULTICAST ? 2 : pkttype === PACKET_BROADCAST ? 3 : pkttype === PACKET_OTHERHOST ? 4 : 0;
  return 1 | (reception << 2);
}

/** The bytes an Enhanced Packet Block (as enhancedPacket writes it, and as the capture sockets
 *  frame packets with CaptureOptions.epbInterface) has before its packet's bytes, and after them
 *  once they are padded to 4 (epb_flags, opt_endofopt, the trailing length). */
export const EPB_HEAD = 28;
export const EPB_TAIL = 16;

/** The length of the Enhanced Packet Block of a packet of `caplen` captured bytes. */
export const epbLength = (caplen: number): number => EPB_HEAD + pad4(caplen) + EPB_TAIL;

/** Nanoseconds since the epoch of a kernel timestamp. */
export function nanos(sec: number, nsec: number): bigint { return BigInt(sec) * 1_000_000_000n + BigInt(nsec); }

export interface EpbFields { iface: number; ns: bigint; len: number; data: Uint8Array; pkttype: number }

export function enhancedPacket(f: EpbFields): Buffer {
  const dataLen = pad4(f.data.length);
  return block(EPB, 20 + dataLen, [u32(2, epbFlags(f.pkttype))], (b, at) => {
    b.writeUInt32LE(f.iface, at);
    b.writeUInt32LE(Number(f.ns >> 32n), at + 4); b.writeUInt32LE(Number(f.ns & 0xffffffffn), at + 8);
    b.writeUInt32LE(f.data.length, at + 12); b.writeUInt32LE(f.len, at + 16);
    b.set(f.data, at + 20);
  });
}

export interface IsbFields { iface: number; ns: bigint; start: bigint; end: bigint; received: number; kernelDropped: number; appDropped: number }

export function interfaceStatistics(f: IsbFields): Buffer {
  const opts = [ts(2, f.start), ts(3, f.end), u64(4, BigInt(f.received)), u64(5, BigInt(f.kernelDropped)), u64(7, BigInt(f.appDropped))];
  return block(ISB, 12, opts, (b, at) => {
    b.writeUInt32LE(f.iface, at);
    b.writeUInt32LE(Number(f.ns >> 32n), at + 4); b.writeUInt32LE(Number(f.ns & 0xffffffffn), at + 8);
  });
}
