// The capture slice: the capture panel's one capture (what it runs on, its counts, how it ended) and
// its live packets. Packets sit in a bounded ring (the newest CAPTURE_RING_SIZE; the pcapng keeps
// them all) that is mutated in place, with `tick` bumped once per batch, so a fast capture costs one
// commit per batch and nothing is copied. A row is decoded (packet-summary.ts) only when it is shown
// or matched against the list's text filter, then kept with the row.
import { createStore } from 'zustand/vanilla';
import {
  base64ToBytes, decodePacket, summarizePacket,
  type CaptureEnded, type CaptureInfo, type CaptureInterface, type CaptureLinkType, type CapturePacket, type CapturePacketsBatch,
  type CaptureStats, type DecodedPacket, type PacketSummary,
} from '../../../electron/contract';

/** Live packets the list keeps (older ones fall out of the list, not out of the file). */
export const CAPTURE_RING_SIZE = 20_000;

export interface PacketRow {
  /** Its place in the ring's sequence (every row ever pushed, 0-based): the list's key. */
  seq: number;
  p: CapturePacket;
  link: CaptureLinkType;
  /** Interface and namespace as the capture names them ("ns1:eth0"). */
  ifName: string;
  summary?: PacketSummary;
  /** Lower-case text of the whole row, for the list's text filter. */
  text?: string;
}

/** The row's bytes (none when its data is not base64: the row then says it cannot be decoded). */
export function rowBytes(row: PacketRow): Uint8Array {
  try { return base64ToBytes(row.p.data); } catch { return new Uint8Array(0); }
}

/** The row's one-line decode, computed once. */
export function rowSummary(row: PacketRow): PacketSummary {
  if (!row.summary) {
    try { row.summary = summarizePacket(base64ToBytes(row.p.data), row.link); }
    catch (e) { row.summary = { src: '', dst: '', protocol: '?', info: `cannot decode: ${(e as Error).message}` }; }
  }
  return row.summary;
}

export function rowDecoded(row: PacketRow): DecodedPacket {
  try { return decodePacket(base64ToBytes(row.p.data), row.link); }
  catch (e) {
    const message = `cannot decode: ${(e as Error).message}`;
    return { summary: rowSummary(row), layers: [{ name: 'Undecoded', fields: [{ name: 'error', value: message }] }] };
  }
}

export const dirText = (p: CapturePacket) => (p.dir === 'tx' ? '↑ tx' : '↓ rx');

/** What the list's text filter looks at: everything the row shows. */
export function rowText(row: PacketRow): string {
  if (row.text === undefined) {
    const s = rowSummary(row);
    row.text = `${row.p.n} ${row.ifName} ${dirText(row.p)} ${row.p.type} ${s.src} ${s.dst} ${s.protocol} ${row.p.len} ${s.info}`.toLowerCase();
  }
  return row.text;
}

/** A fixed-size ring of rows addressed by sequence number: the live ones are [start, total). */
export class PacketRing {
  private rows: (PacketRow | undefined)[];
  /** Rows ever pushed. */
  total = 0;
  /** The oldest row still held (a clear moves it to `total`). */
  start = 0;
  constructor(readonly capacity = CAPTURE_RING_SIZE) { this.rows = new Array(capacity); }
  get length(): number { return this.total - this.start; }
  push(row: Omit<PacketRow, 'seq'>): PacketRow {
    const r = row as PacketRow;
    r.seq = this.total;
    this.rows[this.total % this.capacity] = r;
    this.total++;
    if (this.total - this.start > this.capacity) this.start = this.total - this.capacity;
    return r;
  }
  /** The row of sequence number `seq`, or undefined when it fell out or was cleared. */
  get(seq: number): PacketRow | undefined {
    return seq >= this.start && seq < this.total ? this.rows[seq % this.capacity] : undefined;
  }
  clear(): void { this.start = this.total; this.rows = new Array(this.capacity); }
}

/** The list as shown: every live row, or those whose text has the filter in it. Matching is done
 *  once per row (new rows as they come, all of them when the filter changes). */
export class PacketView {
  private matches: number[] = [];
  private head = 0;
  private scanned = 0;
  private needle = '';
  constructor(private readonly ring: PacketRing) {}
  get filter(): string { return this.needle; }
  setFilter(text: string): void {
    const n = text.trim().toLowerCase();
    if (n === this.needle) return;
    this.needle = n;
    this.matches = []; this.head = 0; this.scanned = this.ring.start;
    this.sync();
  }
  /** Catches up with the ring: matches new rows, forgets rows that fell out. */
  sync(): void {
    if (!this.needle) { this.scanned = this.ring.total; return; }
    for (let s = Math.max(this.scanned, this.ring.start); s < this.ring.total; s++) {
      if (rowText(this.ring.get(s)!).includes(this.needle)) this.matches.push(s);
    }
    this.scanned = this.ring.total;
    while (this.head < this.matches.length && this.matches[this.head] < this.ring.start) this.head++;
    if (this.head > 4096 && this.head * 2 > this.matches.length) { this.matches = this.matches.slice(this.head); this.head = 0; }
  }
  get length(): number { return this.needle ? this.matches.length - this.head : this.ring.length; }
  /** The i-th row shown (0 the oldest). */
  at(i: number): PacketRow | undefined {
    return this.needle ? this.ring.get(this.matches[this.head + i]) : this.ring.get(this.ring.start + i);
  }
  /** Where a row is in the list, or -1. */
  indexOf(seq: number): number {
    if (!this.needle) return this.ring.get(seq) ? seq - this.ring.start : -1;
    let lo = this.head, hi = this.matches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, v = this.matches[mid];
      if (v === seq) return mid - this.head;
      if (v < seq) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }
}

export interface CaptureError {
  /** What failed: starting, stopping, saving. */
  action: string;
  message: string;
  /** The engine's JSON-RPC code (ErrorCodes), when it sent one. */
  code: number | null;
}

export interface CaptureState {
  /** Interfaces picked for the next capture ('all of this namespace'); empty: the canvas selection. */
  targets: string[];
  /** The pcap-filter expression for the next capture. */
  filter: string;
  /** The panel's capture as last heard of (null before the first start). */
  capture: CaptureInfo | null;
  /** Its interfaces by id. */
  ifaces: Record<string, CaptureInterface>;
  /** Interfaces of the running capture, marked on the canvas. Empty when none runs. */
  capturing: Record<string, true>;
  starting: boolean;
  error: CaptureError | null;
  stats: CaptureStats | null;
  /** Packets the engine left out of the live stream (sum of the batches' `skipped`). */
  skipped: number;
  /** Packets that came while the list was paused (not listed). */
  pausedOut: number;
  paused: boolean;
  follow: boolean;
  listFilter: string;
  /** The packet whose details are shown (kept when it falls out of the list). */
  selected: PacketRow | null;
  /** Bumps whenever the ring or the view changed (they are mutated in place). */
  tick: number;
  /** Bumps to ask for the panel to be shown. */
  showRequest: number;
  ring: PacketRing;
  view: PacketView;
}

export interface CaptureStore extends CaptureState {
  setTargets(ids: string[]): void;
  removeTarget(id: string): void;
  setFilter(text: string): void;
  show(): void;
  /** A start was asked for: batches that come before its answer wait for it. */
  beginStart(): void;
  /** The engine answered captureStart: the panel switches to this capture (its list starts empty). */
  started(info: CaptureInfo): void;
  /** A start, stop or save failed. */
  failed(err: CaptureError): void;
  clearError(): void;
  applyBatch(batch: CapturePacketsBatch): void;
  applyEnded(ended: CaptureEnded): void;
  /** A fresher description of the panel's capture (captureStop, captureList). */
  update(info: CaptureInfo): void;
  /** The engine's list of captures after a (re)connect: a running capture it no longer has ended
   *  with the engine. */
  reconcile(list: CaptureInfo[]): void;
  setPaused(paused: boolean): void;
  setFollow(follow: boolean): void;
  setListFilter(text: string): void;
  /** Empties the list (the capture and its file go on). */
  clearList(): void;
  select(row: PacketRow | null): void;
}

function capturingOf(info: CaptureInfo | null): Record<string, true> {
  const out: Record<string, true> = {};
  if (info?.state === 'running') for (const i of info.interfaces) out[i.id] = true;
  return out;
}

export function createCaptureStore(ringSize = CAPTURE_RING_SIZE) {
  // What came for a capture before captureStart answered (its id unknown until then).
  let early: CapturePacketsBatch[] = [];
  let earlyEnds: CaptureEnded[] = [];
  const ring = new PacketRing(ringSize);
  const view = new PacketView(ring);
  return createStore<CaptureStore>()((set, get) => {
    const push = (batch: CapturePacketsBatch) => {
      const s = get();
      const patch: Partial<CaptureState> = { stats: batch.stats, skipped: s.skipped + batch.skipped };
      if (s.paused) patch.pausedOut = s.pausedOut + batch.packets.length;
      else if (batch.packets.length) {
        for (const p of batch.packets) {
          const i = s.ifaces[p.iface];
          ring.push({ p, link: i?.linkType ?? 'ethernet', ifName: i?.name ?? p.iface });
        }
        view.sync();
        patch.tick = s.tick + 1;
      }
      set(patch);
    };
    const end = (info: CaptureInfo) => set({ capture: info, stats: info.stats, capturing: capturingOf(info) });
    return {
      targets: [], filter: '', capture: null, ifaces: {}, capturing: {}, starting: false, error: null, stats: null,
      skipped: 0, pausedOut: 0, paused: false, follow: true, listFilter: '', selected: null, tick: 0, showRequest: 0, ring, view,
      setTargets: (ids) => set({ targets: [...new Set(ids)] }),
      removeTarget: (id) => set({ targets: get().targets.filter((x) => x !== id) }),
      setFilter: (filter) => set({ filter }),
      show: () => set({ showRequest: get().showRequest + 1 }),
      beginStart: () => { early = []; earlyEnds = []; set({ starting: true, error: null }); },
      started: (info) => {
        ring.clear(); view.sync();
        const ifaces: Record<string, CaptureInterface> = {};
        for (const i of info.interfaces) ifaces[i.id] = i;
        set({
          capture: info, ifaces, capturing: capturingOf(info), starting: false, error: null, stats: info.stats,
          skipped: 0, pausedOut: 0, paused: false, selected: null, tick: get().tick + 1,
        });
        const mine = early.filter((b) => b.id === info.id);
        const ended = earlyEnds.find((e) => e.id === info.id);
        early = []; earlyEnds = [];
        for (const b of mine) push(b);
        if (ended) get().applyEnded(ended);
      },
      failed: (error) => { early = []; earlyEnds = []; set({ starting: false, error }); },
      clearError: () => set({ error: null }),
      applyBatch: (batch) => {
        const s = get();
        if (s.starting) { early.push(batch); return; }
        if (s.capture?.id !== batch.id) return;
        push(batch);
      },
      applyEnded: (e) => {
        if (get().starting) { earlyEnds.push(e); return; }
        const c = get().capture;
        if (c?.id !== e.id) return;
        end({ ...c, state: 'ended', reason: e.reason, message: e.message, stats: e.stats, endedAt: c.endedAt ?? Date.now() });
      },
      update: (info) => { if (get().capture?.id === info.id) end(info); },
      reconcile: (list) => {
        const c = get().capture;
        if (!c) return;
        const now = list.find((x) => x.id === c.id);
        if (now) end(now);
        else if (c.state === 'running') {
          end({ ...c, state: 'ended', reason: 'engine-stopped', message: 'the engine restarted: the capture and its file are gone', endedAt: Date.now() });
        }
      },
      setPaused: (paused) => set({ paused }),
      setFollow: (follow) => set({ follow }),
      setListFilter: (text) => { view.setFilter(text); set({ listFilter: text, tick: get().tick + 1 }); },
      clearList: () => { ring.clear(); view.sync(); set({ tick: get().tick + 1, pausedOut: 0 }); },
      select: (selected) => set({ selected }),
    };
  });
}
