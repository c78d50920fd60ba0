// Counter frames from successive samples (pure: the unit tests drive it with made-up numbers).
// A frame lists the interfaces whose counters changed, or whose rate was non-zero last frame (so a
// client sees the rate fall to zero once), with stats (8 numbers, STATS_FIELDS order) and rates
// (4 numbers: rx pps, tx pps, rx B/s, tx B/s) — see CounterFrame in protocol.ts.
// Built for 1,000s of interfaces at 10+ Hz: per interface one Float64Array reused across frames,
// no allocation for an unchanged interface.
import type { CounterFrame } from '../protocol';

const N = 8;

interface Prev { values: Float64Array; busy: boolean; gen: number }

export class RateTracker {
  private prev = new Map<string, Prev>();
  private lastT: number | null = null;
  private gen = 0;
  private cur: { t: number; wall: number; ids: string[]; stats: number[]; rates: number[]; secs: number; intervalMs: number } | null = null;

  /** Starts a frame: `t` a monotonic time in ms, `wall` the wall clock for the frame. */
  begin(t: number, wall: number): void {
    const intervalMs = this.lastT === null ? 0 : t - this.lastT;
    this.lastT = t;
    this.gen++;
    this.cur = { t, wall, ids: [], stats: [], rates: [], secs: intervalMs / 1000, intervalMs };
  }

  /** One interface's 8 counters, `v[off .. off+7]`. */
  add(id: string, v: ArrayLike<number>, off = 0): void {
    const c = this.cur!;
    let p = this.prev.get(id);
    let changed = false;
    let r0 = 0; let r1 = 0; let r2 = 0; let r3 = 0;
    let wasBusy = false;
    if (!p) {
      p = { values: new Float64Array(N), busy: false, gen: this.gen };
      for (let k = 0; k < N; k++) p.values[k] = v[off + k];
      this.prev.set(id, p);
      changed = true;
    } else {
      wasBusy = p.busy;
      const pv = p.values;
      for (let k = 0; k < N; k++) if (pv[k] !== v[off + k]) { changed = true; break; }
      // A counter going backwards is a new device behind a reused ifindex: no rate this time.
      if (changed && c.secs > 0 && v[off] >= pv[0] && v[off + 1] >= pv[1] && v[off + 2] >= pv[2] && v[off + 3] >= pv[3]) {
        r0 = (v[off] - pv[0]) / c.secs; r1 = (v[off + 1] - pv[1]) / c.secs;
        r2 = (v[off + 2] - pv[2]) / c.secs; r3 = (v[off + 3] - pv[3]) / c.secs;
      }
      if (changed) for (let k = 0; k < N; k++) pv[k] = v[off + k];
      p.gen = this.gen;
    }
    p.busy = r0 !== 0 || r1 !== 0 || r2 !== 0 || r3 !== 0;
    if (changed || wasBusy) {
      c.ids.push(id);
      for (let k = 0; k < N; k++) c.stats.push(p.values[k]);
      c.rates.push(r0, r1, r2, r3);
    }
  }

  /** Ends the frame. Interfaces not added since begin() are forgotten (they are gone). */
  end(): CounterFrame {
    const c = this.cur!;
    this.cur = null;
    for (const [id, p] of this.prev) if (p.gen !== this.gen) this.prev.delete(id);
    return { t: c.wall, intervalMs: c.intervalMs, ids: c.ids, stats: c.stats, rates: c.rates };
  }

  /** All in one: `samples` maps interface id → its 8 counters now. */
  frame(samples: ReadonlyMap<string, ArrayLike<number>>, t: number, wall: number): CounterFrame {
    this.begin(t, wall);
    for (const [id, v] of samples) this.add(id, v);
    return this.end();
  }

  reset(): void { this.prev.clear(); this.lastT = null; }
}
