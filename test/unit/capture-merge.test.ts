// The session's merge across interfaces, on batches laid out as the capture sockets lay them out
// (each packet an Enhanced Packet Block, pcapng.ts's own): what comes out is in time order however
// the batches arrive, also from a socket whose packets are out of order (the kernel does not
// promise order across CPUs; a real flood cannot be made to show it on demand), each packet once,
// and a count stops exactly. The kernel suites capture real floods (test/kernel/capture.test.ts).
import { describe, expect, it } from 'vitest';
import { CaptureSession, type HeldPacket } from '../../electron/capture/session';
import { EPB_HEAD, enhancedPacket, nanos } from '../../electron/capture/pcapng';
import type { CaptureBatch } from '../../native';

/** A batch of interface `iface` with packets at these times (s, ns); each packet's first byte
 *  says its place in the list, its length varies (the blocks' padding too). */
function batch(iface: number, times: [number, number][], first = 0): CaptureBatch {
  const blocks = times.map(([sec, nsec], k) => {
    const data = Buffer.alloc(60 + ((first + k) % 4), first + k);
    return enhancedPacket({ iface, ns: nanos(sec, nsec), len: data.length + 100, data, pkttype: k % 5 });
  });
  const n = times.length;
  const b: CaptureBatch = {
    count: n, sec: Float64Array.from(times.map((t) => t[0])), nsec: Uint32Array.from(times.map((t) => t[1])),
    len: new Uint32Array(n), caplen: new Uint32Array(n), offset: new Uint32Array(n), pkttype: new Uint8Array(n),
    data: new Uint8Array(Buffer.concat(blocks)), appDropped: 0,
  };
  let at = 0;
  blocks.forEach((blk, k) => {
    b.caplen[k] = blk.readUInt32LE(20); b.len[k] = blk.readUInt32LE(24); b.pkttype[k] = k % 5;
    b.offset[k] = at + EPB_HEAD;
    at += blk.length;
  });
  return b;
}

/** The Enhanced Packet Blocks of a pcapng stream: interface, time (ns), first data byte; each
 *  block checked whole against what pcapng.ts builds of it. */
function packetsOf(stream: Buffer): { iface: number; ns: bigint; tag: number }[] {
  const out = [];
  for (let at = 0; at < stream.length;) {
    const type = stream.readUInt32LE(at), len = stream.readUInt32LE(at + 4);
    expect(stream.readUInt32LE(at + len - 4)).toBe(len);
    if (type === 6) {
      const iface = stream.readUInt32LE(at + 8);
      const ns = (BigInt(stream.readUInt32LE(at + 12)) << 32n) | BigInt(stream.readUInt32LE(at + 16));
      const caplen = stream.readUInt32LE(at + 20);
      const data = stream.subarray(at + 28, at + 28 + caplen);
      const flags = stream.readUInt32LE(at + 28 + ((caplen + 3) & ~3) + 4);
      const pkttype = [0, 1, 2, 3, 4].find((p) => enhancedPacket({ iface, ns, len: 0, data, pkttype: p }).readUInt32LE(28 + ((caplen + 3) & ~3) + 4) === flags)!;
      expect(stream.subarray(at, at + len).equals(enhancedPacket({ iface, ns, len: stream.readUInt32LE(at + 24), data, pkttype }))).toBe(true);
      out.push({ iface, ns, tag: data[0] });
    }
    at += len;
  }
  return out;
}

function session(count: number | null = null) {
  const chunks: Buffer[] = [];
  const s = new CaptureSession({
    id: 'c1', interfaces: [0, 1, 2].map((k) => ({ id: `ns:1/if:${k + 2}`, nsId: 'ns:1', name: `host:e${k}`, nsLabel: 'host', linkType: 'ethernet' as const, kernelFilter: '' })),
    filter: '', kernelFilter: '', snaplen: 262144, count, liveBytes: 64, maxFileBytes: Number.MAX_SAFE_INTEGER, file: '/nonexistent',
    sink: (b) => chunks.push(Buffer.from(b)), maxLiveQueue: 1000,
  });
  const held: HeldPacket[] = [];
  s.on('packets', (ps) => held.push(...ps));
  return { s, held, stream: () => Buffer.concat(chunks) };
}

const inOrder = (ps: { ns: bigint }[]) => ps.every((p, k) => !k || p.ns >= ps[k - 1].ns);

describe('capture session merge', () => {
  it('interleaves three interfaces in time order, whatever order their batches came in', () => {
    const { s, held, stream } = session();
    s.onBatch(1, batch(1, [[10, 5], [10, 15], [10, 25]], 10));
    s.onBatch(0, batch(0, [[10, 0], [10, 10], [10, 20], [10, 30]], 0));
    s.onBatch(2, batch(2, [[9, 999_999_999], [10, 15], [11, 0]], 20));
    s.onBatch(1, batch(1, [[10, 35], [12, 0]], 13));
    const info = s.end('stopped', null);
    const ps = packetsOf(stream());
    expect(ps.map((p) => `${p.iface}:${p.tag}`)).toEqual(['2:20', '0:0', '1:10', '0:1', '1:11', '2:21', '0:2', '1:12', '0:3', '1:13', '2:22', '1:14']);
    expect(inOrder(ps)).toBe(true);
    expect(held.map((p) => `${p.iface}:${p.data[0]}`)).toEqual(ps.map((p) => `${p.iface}:${p.tag}`));
    expect(info.stats.interfaces.map((x) => [x.received, x.saved])).toEqual([[4, 4], [5, 5], [3, 3]]);
    expect(info.stats.fileBytes).toBe(stream().length);
  });

  it('puts a socket\'s out-of-order packets in order, within a batch and across its waiting batches', () => {
    const { s, stream } = session();
    s.onBatch(0, batch(0, [[5, 100], [5, 300], [5, 200]], 0));
    s.onBatch(1, batch(1, [[5, 150], [5, 250]], 10));
    s.onBatch(0, batch(0, [[5, 50], [5, 400]], 3));
    const ps = packetsOf((s.end('stopped', null), stream()));
    expect(ps.map((p) => `${p.iface}:${p.tag}`)).toEqual(['0:3', '0:0', '1:10', '0:2', '1:11', '0:1', '0:4']);
    expect(inOrder(ps)).toBe(true);
  });

  it('stops at its count exactly, in time order across interfaces', () => {
    const { s, held, stream } = session(3);
    s.onBatch(0, batch(0, [[1, 0], [1, 20], [1, 40]], 0));
    s.onBatch(1, batch(1, [[1, 10], [1, 30]], 10));
    s.end('stopped', null);
    expect(packetsOf(stream()).map((p) => `${p.iface}:${p.tag}`)).toEqual(['0:0', '1:10', '0:1']);
    expect(held.length).toBe(3);
  });
});
