// One capture: a capture socket per interface (native/), their packets merged in time order (each
// socket delivers in order; across sockets a packet is held MERGE_MS so a slower ring's earlier
// packets can pass it), written to the capture's pcapng file up to its size limit, counted per
// interface, and queued for the live stream (bounded: past the queue's size packets are skipped
// and counted). Ends on stop, on its count, when an interface or namespace goes away, or on a
// socket error, and says why; the file then gets its statistics blocks.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type {
  CaptureEndReason, CaptureIfaceStats, CaptureInfo, CaptureInterface, CapturePacket, CapturePacketType, CaptureStats,
} from '../contract';
import type { CaptureBatch, CaptureSocket } from '../../native/types';
import { enhancedPacket, interfaceDescription, interfaceStatistics, LINKTYPE_ETHERNET, LINKTYPE_RAW, nanos, sectionHeader } from './pcapng';

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
}

export interface SessionEvents {
  ended: [CaptureInfo];
  /** Packets released in time order (the CLI prints them). */
  packets: [HeldPacket[]];
}

const earlier = (a: HeldPacket, b: HeldPacket) => a.sec - b.sec || a.nsec - b.nsec;

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
  private held: HeldPacket[] = [];
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

  /** A batch from interface k's socket. */
  onBatch(k: number, b: CaptureBatch): void {
    if (!this.running) return;
    for (let i = 0; i < b.count; i++) {
      const off = b.offset[i];
      // a view, not a copy: the batch's buffer is the addon's copy, ours alone
      this.held.push({ iface: k, sec: b.sec[i], nsec: b.nsec[i], len: b.len[i], pkttype: b.pkttype[i], data: Buffer.from(b.data.buffer, b.data.byteOffset + off, b.caplen[i]) });
    }
    this.ifStats[k].appDropped = b.appDropped;
    if (b.count) this.arrivals.push({ at: Date.now(), sec: b.sec[b.count - 1], nsec: b.nsec[b.count - 1] });
    // Under a flood the callbacks may keep the event loop busy past the timer: release from here too.
    if (Date.now() - this.lastRelease >= MERGE_MS / 2) this.release(false);
    if (b.error) {
      const i = this.interfaces[k];
      const gone = b.error.code === 'ENETDOWN' || b.error.code === 'ENODEV';
      if (!gone) { this.end('error', b.error.message); return; }
      // The engine's model says why (the interface, or its whole namespace) a moment later; this
      // is the answer if it does not.
      const t = setTimeout(() => this.end('interface-gone', `${i.name} went away (deleted, or moved to another namespace)`), GONE_GRACE_MS);
      t.unref?.();
    }
  }

  /** Writes out, in time order, the held packets older than MERGE_MS (all of them when `all`). */
  private release(all: boolean): void {
    this.lastRelease = Date.now();
    if (!this.held.length) return;
    this.held.sort(earlier);
    let cut = this.held.length;
    if (all) this.arrivals = [];
    else {
      // Released: what is no later than the latest packet of the batches that arrived MERGE_MS ago.
      const settledBefore = Date.now() - MERGE_MS;
      let limitSec = -1, limitNsec = 0, k = 0;
      for (; k < this.arrivals.length && this.arrivals[k].at <= settledBefore; k++) {
        const a = this.arrivals[k];
        if (a.sec > limitSec || (a.sec === limitSec && a.nsec > limitNsec)) { limitSec = a.sec; limitNsec = a.nsec; }
      }
      this.arrivals = this.arrivals.slice(k);
      cut = 0;
      while (cut < this.held.length && (this.held[cut].sec < limitSec || (this.held[cut].sec === limitSec && this.held[cut].nsec <= limitNsec))) cut++;
    }
    if (!cut) return;
    let out = this.held.slice(0, cut);
    this.held = this.held.slice(cut);
    if (this.o.count !== null && this.n + out.length >= this.o.count) {
      out = out.slice(0, this.o.count - this.n);
      this.held = [];
    }
    const blocks: Buffer[] = [];
    let pending = 0;
    for (const p of out) {
      this.n++;
      // counted here, in time order: with a count, what comes after the last one is not captured
      this.ifStats[p.iface].received++;
      this.ifStats[p.iface].bytes += p.len;
      if (!this.fileFull) {
        const epb = enhancedPacket({ iface: p.iface, ns: nanos(p.sec, p.nsec), len: p.len, data: p.data, pkttype: p.pkttype });
        // room kept for the statistics blocks at the end
        if (this.fileBytes + pending + epb.length + 100 * this.interfaces.length > this.o.maxFileBytes) this.fileFull = true;
        else { blocks.push(epb); pending += epb.length; this.ifStats[p.iface].saved++; }
      }
      if (this.live.length < this.o.maxLiveQueue) {
        this.live.push({
          n: this.n, iface: this.interfaces[p.iface].id, t: p.sec * 1000 + p.nsec / 1e6,
          dir: p.pkttype === 4 ? 'tx' : 'rx', type: PKTTYPES[p.pkttype] ?? 'host',
          len: p.len, caplen: p.data.length, data: p.data.subarray(0, this.o.liveBytes).toString('base64'),
        });
      } else { this.liveSkipped++; this.skippedSinceBatch++; }
    }
    if (blocks.length) this.write(Buffer.concat(blocks));
    this.emit('packets', out);
    if (this.o.count !== null && this.n >= this.o.count) this.end('count', null);
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
    this.release(true);
    this.reason = reason;
    this.message = message;
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

  discard(): void {
    if (this.running) this.end('stopped', null);
    if (!this.o.sink && !this.o.keepFile) fs.rmSync(this.file, { force: true });
  }
}
