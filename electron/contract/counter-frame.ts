// Counter frames: columnar, so that 1,000 interfaces at 10 Hz stay cheap. `ids[k]` has stats
// `stats[k*8 .. k*8+7]` (STATS_FIELDS order) and rates `rates[k*4 .. k*4+3]` (RATE_FIELDS order:
// packets/s and bytes/s over the last interval). A frame lists the interfaces whose counters changed
// or whose rate was non-zero in the previous frame; one not listed has unchanged stats, and rate 0
// when its namespace was read for this frame (`namespaces`): namespaces nobody looks at are read at
// a lower rate than the rest (interest.ts), and between two of their reads they keep their rates.
// decodeCounterFrame is the one reader of that layout.
import type { Stats } from './model';

export interface CounterFrame {
  t: number;               // engine wall clock, ms
  intervalMs: number;
  ids: string[];
  stats: number[];
  rates: number[];
  /** The namespaces read for this frame; absent: all of them. */
  namespaces?: string[];
}

/** Order of the 8 stats per interface in a frame. */
export const STATS_FIELDS = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
] as const satisfies readonly (keyof Stats)[];
type _StatsFieldsComplete = Exclude<keyof Stats, (typeof STATS_FIELDS)[number]> extends never ? true : never;
const _statsFieldsComplete: _StatsFieldsComplete = true; void _statsFieldsComplete;

/** Order of the 4 rates per interface in a frame. */
export const RATE_FIELDS = ['rxPps', 'txPps', 'rxBps', 'txBps'] as const;
export type Rates = Record<(typeof RATE_FIELDS)[number], number>;

export interface FrameEntry { id: string; stats: Stats; rates: Rates }

/** Every interface a frame lists, with its stats and rates (a rate the frame lacks counts as 0). */
export function decodeCounterFrame(frame: CounterFrame): FrameEntry[] {
  const out: FrameEntry[] = new Array(frame.ids.length);
  const nS = STATS_FIELDS.length, nR = RATE_FIELDS.length;
  for (let k = 0; k < frame.ids.length; k++) {
    const stats = {} as Stats;
    for (let j = 0; j < nS; j++) stats[STATS_FIELDS[j]] = frame.stats[k * nS + j];
    const rates = {} as Rates;
    for (let j = 0; j < nR; j++) rates[RATE_FIELDS[j]] = frame.rates[k * nR + j] ?? 0;
    out[k] = { id: frame.ids[k], stats, rates };
  }
  return out;
}
