// Reading back a capture's own pcapng (little-endian, as pcapng.ts writes it): its Enhanced
// Packet Blocks one after the other, streamed from the file in chunks, each with its interface,
// its nanosecond time, its packet type (from epb_flags) and its bytes. Other blocks are passed over.
import * as fs from 'node:fs';

const EPB = 0x00000006;
const CHUNK = 1 << 20;

export interface FilePacket {
  /** Its number in the file, from 1 (the capture's packet number `n` while the file was not full). */
  n: number;
  iface: number;
  /** ns since the epoch (the writer's if_tsresol is 10^-9 s). */
  t: bigint;
  /** sll_pkttype as the capture socket gave it (4 outgoing, 0 host, 1 broadcast, 2 multicast, 3 otherhost). */
  pkttype: number;
  data: Uint8Array;
}

/** The packet type an epb_flags value says (the inverse of pcapng.ts's epbFlags). */
function pkttypeOf(flags: number): number {
  if ((flags & 3) === 2) return 4;
  return [0, 0, 2, 1, 3][(flags >> 2) & 7] ?? 0;
}

/** Calls `visit` for each packet of the first `size` bytes of `file`, in file order, until it
 *  returns false. Read a chunk at a time without blocking: a file of a gigabyte leaves the engine
 *  answering meanwhile. */
export async function readPackets(file: string, size: number, visit: (p: FilePacket) => boolean): Promise<void> {
  const fh = await fs.promises.open(file, 'r');
  try {
    let buf = Buffer.alloc(0);
    let pos = 0;
    let n = 0;
    for (;;) {
      // The next block's header, then the whole block, in `buf`.
      if (buf.length < 8 || buf.length < buf.readUInt32LE(4)) {
        if (pos >= size) return;
        const chunk = Buffer.alloc(Math.min(CHUNK, size - pos));
        const { bytesRead: got } = await fh.read(chunk, 0, chunk.length, pos);
        if (got <= 0) return;
        pos += got;
        buf = buf.length ? Buffer.concat([buf, chunk.subarray(0, got)]) : chunk.subarray(0, got);
        continue;
      }
      const type = buf.readUInt32LE(0), total = buf.readUInt32LE(4);
      if (total < 12 || total % 4) return; // not a file this writer made
      if (type === EPB && total >= 32) {
        const caplen = buf.readUInt32LE(20);
        const opts = 28 + ((caplen + 3) & ~3);
        let flags = 0;
        for (let at = opts; at + 4 <= total - 4;) {
          const code = buf.readUInt16LE(at), len = buf.readUInt16LE(at + 2);
          if (code === 0) break;
          if (code === 2 && len === 4) flags = buf.readUInt32LE(at + 4);
          at += 4 + ((len + 3) & ~3);
        }
        n++;
        const p: FilePacket = {
          n, iface: buf.readUInt32LE(8), t: (BigInt(buf.readUInt32LE(12)) << 32n) | BigInt(buf.readUInt32LE(16)),
          pkttype: pkttypeOf(flags), data: new Uint8Array(buf.subarray(28, 28 + caplen)),
        };
        if (!visit(p)) return;
      }
      buf = buf.subarray(total);
    }
  } finally { await fh.close(); }
}
