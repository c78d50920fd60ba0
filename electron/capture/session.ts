// One capture: a capture socket per interface (native/), their packets merged in time order (each
// socket delivers in order; across sockets a packet is held MERGE_MS so a slower ring's earlier
// packets can pass it), written to the capture's pcapng file up to its size limit, counted per
// interface, and queued for the live stream (bounded: past the queue's size packets are skipped
// and counted). Ends on stop, on its count, when an interface or namespace goes away, or on a
// socket error, and says why; the file then gets its statistics blocks.
// Cheap per packet: the sockets hand over their packets already framed as Enhanced Packet Blocks,
// the batches wait as they came (no object per packet), and the merge copies runs of blocks from
// them into one buffer per release; packet objects are made only for the live queue's bound and
// for listeners of 'packets'.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type {
  CaptureEndReason, CaptureIfaceStats, CaptureInfo, CaptureInterface, CapturePacket, CapturePacketType, CaptureStats,
} from '../contract';
import type { CaptureBatch, CaptureSocket } from '../../native/types';
import { EPB_HEAD, epbLength, interfaceDescription, interfaceStatistics, LINKTYPE_ETHERNET, LINKTYPE_RAW, sectionHeader } from './pcapng';

/** How long a packet waits, after it reached JS, for earlier ones from the other interfaces' rings
 *  (a ring hands over a block at most 10 ms after its first packet). Counted from arrival, not
 *  from the packet's own time: after the JS thread was busy, every ring's backlog arrives in one
 *  burst and is merged as one. */
export const MERGE_MS = 50;

/** How long a socket's "interface gone" waits for the engine's delta to tell the reason. */
const GONE_GRACE_MS = 300;

const PKTTYPES: CapturePacketType[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing'];

/** One packet between its socket and the file. */
export interface HeldPacket {
  iface: number;      // index in the session's interfaces (the pcapng interface id)
  sec: number; nsec: number;
  len: number; pkttype: number;
  data: Buffer;       // the captured bytes (a copy)
}

export interface SessionInterface extends CaptureInterface { ifindex: number; socket: CaptureSocket | null }

export interface SessionOptions {
  id: string;
  interfaces: CaptureInterface[];
  filter: string;
  kernelFilter: string;
  snaplen: number;
  count: number | null;
  liveBytes: number;
  maxFileBytes: number;
  file: string;
  /** Instead of the file: every block handed to this (the CLI's `-w -`, or nothing when it only
   *  prints); read() then has nothing to give. */
  sink?: (b: Buffer) => void;
  /** The file is the caller's (the CLI's -w FILE): discard() leaves it. */
  keepFile?: boolean;
  /** Live packets kept for the next batch at most (the rest are skipped and counted). */
  maxLiveQueue: number;
  /** Whether anyone follows the live stream now (when not, its packets are not made, only counted
   *  as skipped). Default: always. */
  liveWanted?: () => boolean;
}

export interface SessionEvents {
  ended: [CaptureInfo];
  /** Packets released in time order (the CLI prints them); made only while someone listens. */
  packets: [HeldPacket[]];
  /** How many packets one release wrote out and counted (the manager flushes the live stream). */
  released: [number];
}

/** A socket's batch, waiting: its packets from `next` on are not released yet. `words`: its data
 *  as 32-bit words (blocks are whole words) when aligned so, for copying short runs. */
interface Queued { b: CaptureBatch; next: number; words: Uint32Array | null }

const queued = (b: CaptureBatch): Queued => ({ b, next: 0, words: b.data.byteOffset % 4 ? null : new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length >>> 2) });

/** Runs up to this many words are copied word by word: cheaper than a view and a set(). */
const SHORT_RUN_WORDS = 96;

/** Whether packet i of a is later than packet j of b. */
const later = (a: CaptureBatch, i: number, b: CaptureBatch, j: number) => a.sec[i] > b.sec[j] || (a.sec[i] === b.sec[j] && a.nsec[i] > b.nsec[j]);

/** The not yet released packets of `parts` as one batch in time order (equal times keep their
 *  order): for the rare socket whose packets come out of order. */
function sortedBatch(parts: Queued[]): CaptureBatch {
  const at: { b: CaptureBatch; i: number }[] = [];
  for (const q of parts) for (let i = q.next; i < q.b.count; i++) at.push({ b: q.b, i });
  at.sort((x, y) => x.b.sec[x.i] - y.b.sec[y.i] || x.b.nsec[x.i] - y.b.nsec[y.i]);
  const n = at.length;
  const out: CaptureBatch = {
    count: n, sec: new Float64Array(n), nsec: new Uint32Array(n), len: new Uint32Array(n), caplen: new Uint32Array(n),
    offset: new Uint32Array(n), pkttype: new Uint8Array(n), data: new Uint8Array(at.reduce((t, p) => t + epbLength(p.b.caplen[p.i]), 0)),
    appDropped: parts[parts.length - 1].b.appDropped,
  };
  let used = 0;
  at.forEach(({ b, i }, k) => {
    out.sec[k] = b.sec[i]; out.nsec[k] = b.nsec[i]; out.len[k] = b.len[i]; out.caplen[k] = b.caplen[i]; out.pkttype[k] = b.pkttype[i];
    const start = b.offset[i] - EPB_HEAD, bytes = epbLength(b.caplen[i]);
    out.data.set(b.data.subarray(start, start + bytes), used);
    out.offset[k] = used + EPB_HEAD;
    used += bytes;
  });
  return out;
}

export class CaptureSession extends EventEmitter<SessionEvents> {
  readonly id: string;
  readonly interfaces: SessionInterface[];
  readonly file: string;
  private readonly o: SessionOptions;
  private readonly startedAt = Date.now();
  private readonly startNs = BigInt(Date.now()) * 1_000_000n;
  private endedAt: number | null = null;
  private reason: CaptureEndReason | null = null;
  private message: string | null = null;
  private fd: number | null;
  private fileBytes = 0;
  private fileFull = false;
  private n = 0;
  /** Per interface, its socket's batches not yet released, in the order they came. */
  private readonly queues: Queued[][];
  private live: CapturePacket[] = [];
  private liveSkipped = 0;
  private skippedSinceBatch = 0;
  private readonly ifStats: CaptureIfaceStats[];
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastRelease = 0;
  /** Per batch received: when, and the time of its last (latest) packet. */
  private arrivals: { at: number; sec: number; nsec: number }[] = [];

  constructor(o: SessionOptions) {
    super();
    this.o = o;
    this.id = o.id;
    this.file = o.file;
    this.interfaces = o.interfaces.map((i) => ({ ...i, ifindex: Number(i.id.slice(i.id.lastIndexOf(':') + 1)), socket: null }));
    this.ifStats = o.interfaces.map((i) => ({ id: i.id, received: 0, kernelDropped: 0, appDropped: 0, saved: 0, bytes: 0 }));
    this.queues = o.interfaces.map(() => []);
    this.fd = o.sink ? null : fs.openSync(o.file, 'wx', 0o600);
    this.write(sectionHeader('vnet-studio'));
    for (const i of o.interfaces) {
      this.write(interfaceDescription({ name: i.name, description: `${i.name} in namespace ${i.nsLabel}`, comment: `namespace ${i.nsLabel}`, linkType: i.linkType === 'raw' ? LINKTYPE_RAW : LINKTYPE_ETHERNET, snaplen: o.snaplen }));
    }
  }

  get running(): boolean { return this.reason === null; }

  /** Starts releasing held packets on a timer (after the sockets are attached). */
  run(): void {
    this.timer = setInterval(() => this.release(false), MERGE_MS / 2);
    this.timer.unref?.();
  }

  /** A batch from interface k's socket (opened with epbInterface k: its packets come framed as
   *  Enhanced Packet Blocks of interface k). */
  onBatch(k: number, b: CaptureBatch): void {
    if (!this.running) return;
    if (b.count) {
      const q = this.queues[k];
      let inOrder = !q.length || !later(q[q.length - 1].b, q[q.length - 1].b.count - 1, b, 0);
      for (let i = 1; inOrder && i < b.count; i++) inOrder = !later(b, i - 1, b, i);
      if (inOrder) q.push(queued(b));
      else q.splice(0, q.length, queued(sortedBatch([...q, queued(b)])));
      const last = q[q.length - 1].b;
      this.arrivals.push({ at: Date.now(), sec: last.sec[last.count - 1], nsec: last.nsec[last.count - 1] });
    }
    this.ifStats[k].appDropped = b.appDropped;
    if (b.count) this.arrivals.push({ at: Date.now(), sec: b.sec[b.count - 1], nsec: b.nsec[b.count - 1] });
    // Under a flood the callbacks may keep the event loop busy past the timer: release from here too.
    if (Date.now() - this.lastRelease >= MERGE_MS / 2) this.release(false);
    if (b.error) {
      const i = this.interfaces[k];
      // (An interface going down is no error: the native side captures on when it comes back up.)
      if (b.error.code !== 'ENODEV') { this.end('error', b.error.message); return; }
      // The engine's model says why (the interface, or its whole namespace) a moment later; this
      // is the answer if it does not.
      const t = setTimeout(() => this.end('interface-gone', `${i.name} went away (deleted, or moved to another namespace)`), GONE_GRACE_MS);
      t.unref?.();
    }
  }

  /** Writes out, in time order, the held packets older than MERGE_MS (all of them when `all`). */
  private release(all: boolean): void {
    this.lastRelease = Date.now();
    let limitSec = Infinity, limitNsec = 0;
    if (all) this.arrivals = [];
    else {
      // Released: what is no later than the latest packet of the batches that arrived MERGE_MS ago.
      const settledBefore = Date.now() - MERGE_MS;
      limitSec = -1;
      let k = 0;
      for (; k < this.arrivals.length && this.arrivals[k].at <= settledBefore; k++) {
        const a = this.arrivals[k];
        if (a.sec > limitSec || (a.sec === limitSec && a.nsec > limitNsec)) { limitSec = a.sec; limitNsec = a.nsec; }
      }
      if (!k) return;
      this.arrivals = this.arrivals.slice(k);
    }
    const queues = this.queues, K = queues.length, count = this.o.count;
    // One buffer for the blocks of this release: at most every waiting batch's remaining bytes.
    let room = 0;
    if (!this.fileFull) for (const q of queues) for (const e of q) room += e.b.data.length - (e.b.offset[e.next] - EPB_HEAD);
    const out = room ? Buffer.allocUnsafe(room) : null;
    const outWords = out && out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, room >>> 2) : null;
    const statsRoom = 100 * K; // kept for the statistics blocks at the end
    const held: HeldPacket[] | null = this.listenerCount('packets') ? [] : null;
    const liveWanted = this.o.liveWanted?.() ?? true;
    let used = 0, released = 0;
    for (;;) {
      // The earliest waiting packet, and the earliest of the other interfaces' (its run ends there).
      let best = -1, bs = 0, bn = 0, os = limitSec, on = limitNsec;
      for (let k = 0; k < K; k++) {
        const q = queues[k];
        if (!q.length) continue;
        const e = q[0], s = e.b.sec[e.next], ns = e.b.nsec[e.next];
        if (best < 0 || s < bs || (s === bs && ns < bn)) {
          if (best >= 0 && (bs < os || (bs === os && bn < on))) { os = bs; on = bn; }
          best = k; bs = s; bn = ns;
        } else if (s < os || (s === os && ns < on)) { os = s; on = ns; }
      }
      if (best < 0 || bs > limitSec || (bs === limitSec && bn > limitNsec)) break;
      const e = queues[best][0], b = e.b, st = this.ifStats[best];
      const from = e.next;
      let i = from, runBytes = 0, done = false;
      while (i < b.count && (b.sec[i] < os || (b.sec[i] === os && b.nsec[i] <= on))) {
        const caplen = b.caplen[i];
        this.n++; released++;
        // counted here, in time order: with a count, what comes after the last one is not captured
        st.received++;
        st.bytes += b.len[i];
        if (!this.fileFull) {
          const bytes = epbLength(caplen);
          if (this.fileBytes + used + runBytes + bytes + statsRoom > this.o.maxFileBytes) this.fileFull = true;
          else { runBytes += bytes; st.saved++; }
        }
        if (held || (liveWanted && this.live.length < this.o.maxLiveQueue)) {
          // a view, not a copy: the batch's buffer is the addon's copy, ours alone
          const data = Buffer.from(b.data.buffer, b.data.byteOffset + b.offset[i], caplen);
          const p: HeldPacket = { iface: best, sec: b.sec[i], nsec: b.nsec[i], len: b.len[i], pkttype: b.pkttype[i], data };
          held?.push(p);
          if (liveWanted && this.live.length < this.o.maxLiveQueue) this.live.push(this.livePacket(p));
          else { this.liveSkipped++; this.skippedSinceBatch++; }
        } else { this.liveSkipped++; this.skippedSinceBatch++; }
        i++;
        if (count !== null && this.n >= count) { done = true; break; }
      }
      if (runBytes) {
        // the run's blocks follow each other in the batch: one copy
        const start = b.offset[from] - EPB_HEAD;
        if (outWords && e.words && runBytes <= SHORT_RUN_WORDS * 4) {
          const w = e.words;
          for (let s = start >>> 2, d = used >>> 2, end = s + (runBytes >>> 2); s < end;) outWords[d++] = w[s++];
        } else out!.set(b.data.subarray(start, start + runBytes), used);
        used += runBytes;
      }
      e.next = i;
      if (i === b.count) queues[best].shift();
      if (done) { for (const q of queues) q.length = 0; break; }
    }
    if (used) this.write(out!.subarray(0, used));
    if (!released) return;
    if (held) this.emit('packets', held);
    this.emit('released', released);
    if (count !== null && this.n >= count) this.end('count', null);
  }

  private livePacket(p: HeldPacket): CapturePacket {
    return {
      n: this.n, iface: this.interfaces[p.iface].id, t: p.sec * 1000 + p.nsec / 1e6,
      dir: p.pkttype === 4 ? 'tx' : 'rx', type: PKTTYPES[p.pkttype] ?? 'host',
      len: p.len, caplen: p.data.length, data: p.data.subarray(0, this.o.liveBytes).toString('base64'),
    };
  }

  /** The live packets since the last call, and how many were skipped. */
  takeLive(): { packets: CapturePacket[]; skipped: number } {
    const out = { packets: this.live, skipped: this.skippedSinceBatch };
    this.live = []; this.skippedSinceBatch = 0;
    return out;
  }
  /** Counts packets the live stream left out after takeLive (the connection's rate limit). */
  skipLive(n: number): void { this.liveSkipped += n; }

  private write(b: Buffer): void {
    if (this.o.sink) this.o.sink(b);
    else if (this.fd !== null) fs.writeSync(this.fd, b);
    else return;
    this.fileBytes += b.length;
  }

  stats(): CaptureStats {
    for (let k = 0; k < this.interfaces.length; k++) {
      const s = this.interfaces[k].socket?.stats();
      if (s) { this.ifStats[k].kernelDropped = s.kernelDrops; this.ifStats[k].appDropped = s.appDropped; }
    }
    const sum = (f: keyof Omit<CaptureIfaceStats, 'id'>) => this.ifStats.reduce((n, s) => n + s[f], 0);
    return {
      received: sum('received'), kernelDropped: sum('kernelDropped'), appDropped: sum('appDropped'), saved: sum('saved'),
      liveSkipped: this.liveSkipped, fileBytes: this.fileBytes, fileFull: this.fileFull, interfaces: this.ifStats.map((s) => ({ ...s })),
    };
  }

  info(): CaptureInfo {
    const o = this.o;
    return {
      id: this.id, state: this.running ? 'running' : 'ended',
      interfaces: o.interfaces.map((i) => ({ ...i })), filter: o.filter, kernelFilter: o.kernelFilter, snaplen: o.snaplen,
      count: o.count, liveBytes: o.liveBytes, maxFileBytes: o.maxFileBytes, startedAt: this.startedAt, endedAt: this.endedAt,
      reason: this.reason, message: this.message, stats: this.stats(),
    };
  }

  /** Ends the capture (idempotent): sockets closed, what is held written, statistics appended. */
  end(reason: CaptureEndReason, message: string | null): CaptureInfo {
    if (!this.running) return this.info();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Closing stops delivery at once; the sockets' last counts stay readable.
    for (const i of this.interfaces) i.socket?.close();
    // Ended before the last release: a count it reaches does not end the capture a second time.
    this.reason = reason;
    this.message = message;
    this.release(true);
    this.endedAt = Date.now();
    const st = this.stats();
    const endNs = BigInt(this.endedAt) * 1_000_000n;
    this.write(Buffer.concat(st.interfaces.map((s, k) => interfaceStatistics({
      iface: k, ns: endNs, start: this.startNs, end: endNs, received: s.received, kernelDropped: s.kernelDropped, appDropped: s.appDropped,
    }))));
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    const info = this.info();
    this.emit('ended', info);
    return info;
  }

  /** Reads the file: up to `length` bytes from `offset`. */
  read(offset: number, length: number): Buffer {
    const size = this.fileBytes;
    if (offset >= size || this.o.sink) return Buffer.alloc(0);
    const fd = fs.openSync(this.file, 'r');
    try {
      const b = Buffer.alloc(Math.min(length, size - offset));
      const n = fs.readSync(fd, b, 0, b.length, offset);
      return b.subarray(0, n);
    } finally { fs.closeSync(fd); }
  }

  get size(): number { return this.fileBytes; }

  /** Whether the packets are in a file read() and readers can open (not when handed to a sink). */
  get hasFile(): boolean { return !this.o.sink; }

  discard(): void {
    if (this.running) this.end('stopped', null);
    if (!this.o.sink && !this.o.keepFile) fs.rmSync(this.file, { force: true });
  }
}
