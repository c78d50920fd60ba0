// One counter sweep: every namespace's RTM_GETSTATS dump in one native call (one worker round trip
// for all of them: a dense host has 1,000s), turned into one counter frame (which interfaces are in
// it, and their rates: rates.ts), and the model's current counters updated (snapshots show them).
// When sweeps run is counter-sampler.ts's business.
import type { StatsSweeper } from '../../native/types';
import { STATS_FIELDS, type CounterFrame, type Stats } from '../contract';
import type { LiveModel } from './model';
import type { NamespaceReader } from './namespace-reader';
import type { FrameClock } from './rates';

/** The frame of one sweep, or null when nothing changed (or the engine stopped meanwhile).
 *  `namespaces`: the ids of `readers` when they are not every namespace (the frame says so: its
 *  unlisted interfaces elsewhere keep their rates), null when they are.
 *  `stats`: the addon that reads the handles (the one that opened them). */
export async function sweepCounters(readers: readonly NamespaceReader[], namespaces: string[] | null, model: LiveModel, clock: FrameClock,
  stopped: () => boolean, stats: StatsSweeper): Promise<CounterFrame | null> {
  const open = readers.filter((r) => !r.closed);
  const t = performance.now();
  const sweep = await stats.dumpStatsMany(open.map((r) => r.handle));
  if (stopped()) return null;
  const { parts, intervalMs } = clock.begin(t);
  const { ifindex, values, start } = sweep;
  for (let n = 0; n < open.length; n++) {
    const r = open[n];
    // A failed read (t NaN: the namespace went away, its handle closed) leaves that namespace out
    // of this frame; its rates are then timed from its last good read.
    if (Number.isNaN(sweep.t[n]) || r.closed) continue;
    // Only interfaces the model knows (a brand-new one waits for its newlink to be applied).
    const known = model.linksOf(r.id);
    if (!known) continue;
    // The same rows as the last read looked at, every one known then and none busy: nothing to
    // list and nothing to store (most namespaces of a dense host, every slow sweep).
    const from = start[n]; const to = start[n + 1];
    if (r.rates.idle && r.lastRows.same(ifindex, values, from, to)) { r.rates.unchanged(sweep.t[n]); continue; }
    // Timed from this namespace's own read (the reads of one sweep follow each other).
    r.rates.begin(parts, sweep.t[n]);
    let allKnown = true;
    for (let i = from; i < to; i++) {
      if (!known.has(ifindex[i])) { allKnown = false; continue; }
      // Only what the frame lists changed; the model keeps every interface's counters.
      if (r.rates.add(ifindex[i], values, i * 8, r.idOf)) model.setStats(r.id, ifindex[i], statsAt(values, i * 8));
    }
    r.rates.end();
    // A row the model did not know yet is looked at again next time (it may be known by then).
    if (allKnown) r.lastRows.remember(ifindex, values, from, to); else r.lastRows.forget();
  }
  const frame: CounterFrame = { t: Date.now(), intervalMs, ids: parts.ids, stats: parts.stats, rates: parts.rates };
  if (namespaces) frame.namespaces = namespaces;
  return frame.ids.length ? frame : null;
}

/** The 8 counters at `v[off ..]` (STATS_FIELDS order) as the model keeps them. */
function statsAt(v: Float64Array, off: number): Stats {
  const s = {} as Stats;
  for (let k = 0; k < STATS_FIELDS.length; k++) s[STATS_FIELDS[k]] = v[off + k];
  return s;
}
