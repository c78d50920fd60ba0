// The counters slice: live stats and rates per interface id, kept OUTSIDE the graph's node data so a
// counter frame re-renders only the nodes/edges whose own entry changed (each subscribes with a
// selector on its id). Entries not touched by a frame keep their object identity.
import { createStore } from 'zustand/vanilla';
import { decodeCounterFrame, nsOfIface, STATS_FIELDS, type CounterFrame, type Stats } from '../../../electron/contract';

export interface IfCounters {
  stats: Stats;
  rxPps: number; txPps: number; rxBps: number; txBps: number;
  /** Sum of error and drop counters (to flag an interface that ever saw one). */
  faults: number;
}

export const HISTORY_MS = 60_000;
const HISTORY_MAX_SAMPLES = 3_001; // 60 s at 50 Hz (the engine's highest rate), both ends included

/** A fixed-size ring of (t, rxBps, txBps, rxPps, txPps) samples covering the last 60 s. */
export class HistoryRing {
  readonly capacity: number;
  // Float32 keeps 1,000 rings small; times are stored relative to the first sample.
  private buf: Float32Array;
  private base: number | null = null;
  private start = 0;
  length = 0;
  constructor(capacity: number) {
    this.capacity = capacity;
    this.buf = new Float32Array(capacity * 5);
  }
  push(t: number, rxBps: number, txBps: number, rxPps: number, txPps: number): void {
    const slot = (this.start + this.length) % this.capacity;
    if (this.length === this.capacity) this.start = (this.start + 1) % this.capacity;
    else this.length++;
    const o = slot * 5;
    if (this.base === null) this.base = t;
    this.buf[o] = t - this.base; this.buf[o + 1] = rxBps; this.buf[o + 2] = txBps; this.buf[o + 3] = rxPps; this.buf[o + 4] = txPps;
  }
  /** Samples oldest first, only those within `windowMs` of `now`. */
  samples(now: number, windowMs = HISTORY_MS): { t: number; rxBps: number; txBps: number; rxPps: number; txPps: number }[] {
    const out = [];
    for (let i = 0; i < this.length; i++) {
      const o = ((this.start + i) % this.capacity) * 5;
      const t = this.buf[o] + (this.base ?? 0);
      if (t < now - windowMs) continue;
      out.push({ t, rxBps: this.buf[o + 1], txBps: this.buf[o + 2], rxPps: this.buf[o + 3], txPps: this.buf[o + 4] });
    }
    return out;
  }
  /** Calls fn for each sample within `windowMs` of `now`, oldest first, without allocating. */
  forEach(now: number, windowMs: number, fn: (t: number, rxBps: number, txBps: number, rxPps: number, txPps: number) => void): void {
    const base = this.base ?? 0;
    for (let i = 0; i < this.length; i++) {
      const o = ((this.start + i) % this.capacity) * 5;
      const t = this.buf[o] + base;
      if (t < now - windowMs) continue;
      fn(t, this.buf[o + 1], this.buf[o + 2], this.buf[o + 3], this.buf[o + 4]);
    }
  }
  /** A ring of another capacity holding the newest samples of this one. */
  resized(capacity: number): HistoryRing {
    const r = new HistoryRing(capacity);
    const skip = Math.max(0, this.length - capacity);
    for (let i = skip; i < this.length; i++) {
      const o = ((this.start + i) % this.capacity) * 5;
      r.push(this.buf[o] + (this.base ?? 0), this.buf[o + 1], this.buf[o + 2], this.buf[o + 3], this.buf[o + 4]);
    }
    return r;
  }
}

export function historyCapacity(intervalMs: number): number {
  const n = Math.ceil(HISTORY_MS / Math.max(1, intervalMs)) + 1;
  return Math.min(HISTORY_MAX_SAMPLES, Math.max(2, n));
}

export interface CountersState {
  byId: Record<string, IfCounters>;
  /** Engine time of the last frame (ms), or null. */
  lastT: number | null;
  intervalMs: number;
  /** Mutable rings (not part of render identity); `historyTick` bumps when they gain a sample. */
  history: Map<string, HistoryRing>;
  historyTick: number;
}

export function emptyCounters(): CountersState {
  return { byId: {}, lastT: null, intervalMs: 100, history: new Map(), historyTick: 0 };
}

const ZERO_STATS: Stats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };
const faultsOf = (s: Stats) => s.rxErrors + s.txErrors + s.rxDropped + s.txDropped;

/** Seeds totals from a snapshot's stats (rates 0), so totals show before the first frame. Keeps
 *  entries for ids still present (and their rates); drops entries and history for ids gone. */
export function seedCounters(state: CountersState, stats: Record<string, Stats>): CountersState {
  const byId: Record<string, IfCounters> = {};
  for (const [id, s] of Object.entries(stats)) {
    const prev = state.byId[id];
    byId[id] = prev && sameStats(prev.stats, s) ? prev
      : { stats: s, rxPps: prev?.rxPps ?? 0, txPps: prev?.txPps ?? 0, rxBps: prev?.rxBps ?? 0, txBps: prev?.txBps ?? 0, faults: faultsOf(s) };
  }
  for (const id of [...state.history.keys()]) if (!(id in byId)) state.history.delete(id);
  return { ...state, byId };
}

function sameStats(a: Stats, b: Stats): boolean {
  for (const f of STATS_FIELDS) if (a[f] !== b[f]) return false;
  return true;
}

/** Merges one columnar frame: listed ids get their stats and rates; ids absent from the frame get
 *  rate 0 (stats unchanged) when their namespace was read for it (a namespace read at the low rate
 *  keeps its rates between reads). Every interface with a history ring gains a sample. */
export function applyFrame(state: CountersState, frame: CounterFrame): CountersState {
  const byId = { ...state.byId };
  const listed = new Set<string>();
  let history = state.history;
  const cap = historyCapacity(frame.intervalMs);
  const read = frame.namespaces ? new Set(frame.namespaces) : null;
  for (const { id, stats, rates } of decodeCounterFrame(frame)) {
    listed.add(id);
    byId[id] = { stats, ...rates, faults: faultsOf(stats) };
  }
  // One pass over every interface we know of (a dense host has thousands): unlisted ones go quiet,
  // and each ring gains a sample.
  for (const id in byId) {
    let c = byId[id];
    if (!listed.has(id) && (!read || read.has(nsOfIface(id))) && (c.rxPps || c.txPps || c.rxBps || c.txBps)) byId[id] = c = { ...c, rxPps: 0, txPps: 0, rxBps: 0, txBps: 0 };
    let ring = history.get(id);
    if (!ring) { ring = new HistoryRing(cap); history.set(id, ring); }
    // Rings only grow: frames come at irregular intervals (only when something changed; namespaces
    // nobody looks at are read at a lower rate), and resizing thousands of rings back and forth on
    // every frame once froze the page of a 1,000-pod host.
    else if (ring.capacity < cap) { ring = ring.resized(cap); history.set(id, ring); }
    ring.push(frame.t, c.rxBps, c.txBps, c.rxPps, c.txPps);
  }
  return { byId, lastT: frame.t, intervalMs: frame.intervalMs, history, historyTick: state.historyTick + 1 };
}

/** Adds entries (rates 0) for ids not known yet, e.g. interfaces that arrived in a delta. */
export function addMissing(state: CountersState, stats: Record<string, Stats>): CountersState {
  let byId: Record<string, IfCounters> | null = null;
  for (const [id, s] of Object.entries(stats)) {
    if (id in state.byId) continue;
    byId ??= { ...state.byId };
    byId[id] = { stats: s, rxPps: 0, txPps: 0, rxBps: 0, txBps: 0, faults: faultsOf(s) };
  }
  return byId ? { ...state, byId } : state;
}

export { ZERO_STATS };

export interface CountersStore extends CountersState {
  seed(stats: Record<string, Stats>): void;
  addMissing(stats: Record<string, Stats>): void;
  applyFrame(frame: CounterFrame): void;
}

export function createCountersStore() {
  return createStore<CountersStore>()((set, get) => ({
    ...emptyCounters(),
    seed: (stats) => set(seedCounters(get(), stats)),
    addMissing: (stats) => { const next = addMissing(get(), stats); if (next !== get()) set(next); },
    applyFrame: (frame) => set(applyFrame(get(), frame)),
  }));
}
