// Counter frames from successive samples (pure: the unit tests drive it with made-up numbers).
// A frame lists the interfaces whose counters changed, or whose rate was non-zero last frame (so a
// client sees the rate fall to zero once), with stats (8 numbers, STATS_FIELDS order) and rates
// (4 numbers: rx pps, tx pps, rx B/s, tx B/s) — see CounterFrame in protocol.ts.
import type { CounterFrame } from '../protocol';

const N = 8;

interface Prev { values: Float64Array; busy: boolean }

export class RateTracker {
  private prev = new Map<string, Prev>();
  private lastT: number | null = null;

  /** `samples`: interface id → its 8 counters now. `t`: a monotonic time in ms; `wall`: wall
   *  clock for the frame. Interfaces absent from `samples` are forgotten (they are gone). */
  frame(samples: ReadonlyMap<string, ArrayLike<number>>, t: number, wall: number): CounterFrame {
    const intervalMs = this.lastT === null ? 0 : t - this.lastT;
    this.lastT = t;
    const ids: string[] = []; const stats: number[] = []; const rates: number[] = [];
    const next = new Map<string, Prev>();
    const secs = intervalMs / 1000;
    for (const [id, v] of samples) {
      const p = this.prev.get(id);
      let changed = !p;
      const r = [0, 0, 0, 0];
      if (p) {
        for (let k = 0; k < N; k++) if (p.values[k] !== v[k]) { changed = true; break; }
        // A counter going backwards is a new device behind a reused ifindex: no rate this time.
        if (changed && secs > 0 && v[0] >= p.values[0] && v[1] >= p.values[1] && v[2] >= p.values[2] && v[3] >= p.values[3]) {
          r[0] = (v[0] - p.values[0]) / secs; r[1] = (v[1] - p.values[1]) / secs;
          r[2] = (v[2] - p.values[2]) / secs; r[3] = (v[3] - p.values[3]) / secs;
        }
      }
      const busy = r[0] !== 0 || r[1] !== 0 || r[2] !== 0 || r[3] !== 0;
      const values = Float64Array.from({ length: N }, (_, k) => v[k]);
      next.set(id, { values, busy });
      if (changed || p?.busy) {
        ids.push(id);
        for (let k = 0; k < N; k++) stats.push(values[k]);
        rates.push(r[0], r[1], r[2], r[3]);
      }
    }
    this.prev = next;
    return { t: wall, intervalMs, ids, stats, rates };
  }

  reset(): void { this.prev.clear(); this.lastT = null; }
}
