// Counter frames from successive samples (pure: the unit tests drive it with made-up numbers).
// A frame lists the interfaces whose counters changed, or whose rate was non-zero last frame (so a
// client sees the rate fall to zero once), with stats (8 numbers, STATS_FIELDS order) and rates
// (4 numbers: rx pps, tx pps, rx B/s, tx B/s) — see CounterFrame in contract/.
// Built for 1,000s of interfaces at 10+ Hz: keyed by ifindex per namespace, one Float64Array per
// interface reused across frames, the id string made once, no allocation for an unchanged one.
import type { CounterFrame } from '../contract';

const N = 8;

interface Prev { values: Float64Array; busy: boolean; gen: number; id: string }

/** The frame being built by one sweep. */
export interface FrameParts { ids: string[]; stats: number[]; rates: number[] }

/** One namespace's (or any key space's) previous samples. It keeps its own clock: a namespace whose
 *  read failed or was skipped in a sweep is timed from its own last read, so the bytes of several
 *  intervals are never divided by one interval (that showed 10x rates under load). */
export class RateTracker<K = string> {
  private prev = new Map<K, Prev>();
  private gen = 0;
  private out: FrameParts | null = null;
  private lastT: number | null = null;
  private secs = 0;
  /** How many keys had a non-zero rate at their last add (each is listed once more, at zero). */
  private busyKeys = 0;

  /** `t`: the monotonic time (ms) at which this key space's counters were read. */
  begin(out: FrameParts, t: number): void {
    this.secs = this.lastT === null ? 0 : (t - this.lastT) / 1000;
    this.lastT = t;
    this.gen++; this.out = out;
  }

  /** Whether no key's rate is non-zero: a read that changed nothing would then list nothing. */
  get idle(): boolean { return this.busyKeys === 0; }

  /** The key space was read at `t` and every key is as it was (the caller checked), none busy:
   *  only the clock moves, with no per-key work (a dense host's slow sweep is mostly such reads). */
  unchanged(t: number): void { this.lastT = t; }

  /** One interface's 8 counters, `v[off .. off+7]`; `idOf` names it (called once per key).
   *  Returns whether the frame lists it (its counters changed, or its rate falls to zero). */
  add(key: K, v: ArrayLike<number>, off: number, idOf: (key: K) => string): boolean {
    const c = this.out!;
    let p = this.prev.get(key);
    let changed = false;
    let r0 = 0; let r1 = 0; let r2 = 0; let r3 = 0;
    let wasBusy = false;
    if (!p) {
      p = { values: new Float64Array(N), busy: false, gen: this.gen, id: idOf(key) };
      for (let k = 0; k < N; k++) p.values[k] = v[off + k];
      this.prev.set(key, p);
      changed = true;
    } else {
      wasBusy = p.busy;
      const pv = p.values;
      for (let k = 0; k < N; k++) if (pv[k] !== v[off + k]) { changed = true; break; }
      // A counter going backwards is a new device behind a reused ifindex: no rate this time.
      if (changed && this.secs > 0 && v[off] >= pv[0] && v[off + 1] >= pv[1] && v[off + 2] >= pv[2] && v[off + 3] >= pv[3]) {
        const secs = this.secs;
        r0 = (v[off] - pv[0]) / secs; r1 = (v[off + 1] - pv[1]) / secs;
        r2 = (v[off + 2] - pv[2]) / secs; r3 = (v[off + 3] - pv[3]) / secs;
      }
      if (changed) for (let k = 0; k < N; k++) pv[k] = v[off + k];
      p.gen = this.gen;
    }
    p.busy = r0 !== 0 || r1 !== 0 || r2 !== 0 || r3 !== 0;
    if (p.busy !== wasBusy) this.busyKeys += p.busy ? 1 : -1;
    if (!changed && !wasBusy) return false;
    c.ids.push(p.id);
    for (let k = 0; k < N; k++) c.stats.push(p.values[k]);
    c.rates.push(r0, r1, r2, r3);
    return true;
  }

  /** Keys not added since begin() are forgotten (they are gone). */
  end(): void {
    this.out = null;
    for (const [k, p] of this.prev) {
      if (p.gen === this.gen) continue;
      if (p.busy) this.busyKeys--;
      this.prev.delete(k);
    }
  }
}

/** The raw rows (keys and their 8 counters) of a key space's last read, to tell a read that
 *  changed nothing with one pass over typed arrays instead of a lookup per key. */
export class LastRows {
  private keys = new Int32Array(0);
  private values = new Float64Array(0);
  private held = false;

  /** Whether rows from .. to-1 of (keys, values[row*8 ..]) are the ones remembered. */
  same(keys: Int32Array, values: Float64Array, from: number, to: number): boolean {
    if (!this.held || to - from !== this.keys.length) return false;
    for (let i = from, j = 0; i < to; i++, j++) if (keys[i] !== this.keys[j]) return false;
    for (let i = from * N, j = 0; i < to * N; i++, j++) if (values[i] !== this.values[j]) return false;
    return true;
  }

  /** Remembers rows from .. to-1 (copied: the arrays are the sweep's). */
  remember(keys: Int32Array, values: Float64Array, from: number, to: number): void {
    if (this.keys.length !== to - from) { this.keys = new Int32Array(to - from); this.values = new Float64Array((to - from) * N); }
    this.keys.set(keys.subarray(from, to));
    this.values.set(values.subarray(from * N, to * N));
    this.held = true;
  }

  /** Nothing remembered: the next read is looked at key by key. */
  forget(): void { this.held = false; }
}

/** The interval bookkeeping of successive sweeps. */
export class FrameClock {
  private lastT: number | null = null;
  /** `t`: a monotonic time in ms. */
  begin(t: number): { parts: FrameParts; intervalMs: number } {
    const intervalMs = this.lastT === null ? 0 : t - this.lastT;
    this.lastT = t;
    return { parts: { ids: [], stats: [], rates: [] }, intervalMs };
  }
}

/** All in one, string-keyed (tests, simple callers): `samples` maps id → its 8 counters now. */
export class SimpleRates {
  private clock = new FrameClock();
  private tracker = new RateTracker<string>();
  frame(samples: ReadonlyMap<string, ArrayLike<number>>, t: number, wall: number): CounterFrame {
    const { parts, intervalMs } = this.clock.begin(t);
    this.tracker.begin(parts, t);
    for (const [id, v] of samples) this.tracker.add(id, v, 0, (k) => k);
    this.tracker.end();
    return { t: wall, intervalMs, ids: parts.ids, stats: parts.stats, rates: parts.rates };
  }
}
