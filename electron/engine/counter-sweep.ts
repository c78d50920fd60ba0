// One counter sweep: every namespace's RTM_GETSTATS dump in parallel, turned into one counter
// frame (which interfaces are in it, and their rates: rates.ts), and the model's current counters
// updated (snapshots show them). When sweeps run is counter-sampler.ts's business.
import { decodeCounterFrame, ifaceId, parseIfaceId, type CounterFrame } from '../contract';
import type { LiveModel } from './model';
import type { NamespaceReader } from './namespace-reader';
import type { FrameClock } from './rates';

/** The frame of one sweep, or null when nothing changed (or the engine stopped meanwhile). */
export async function sweepCounters(readers: readonly NamespaceReader[], model: LiveModel, clock: FrameClock,
  stopped: () => boolean): Promise<CounterFrame | null> {
  const open = readers.filter((r) => !r.closed);
  const t = performance.now();
  const reads = await Promise.all(open.map((r) => r.handle.dumpStats().then((f) => ({ r, f }), () => null)));
  if (stopped()) return null;
  const { parts, intervalMs } = clock.begin(t);
  for (const x of reads) {
    if (!x || x.r.closed) continue;
    const { r, f: { ifindex, values } } = x;
    // Only interfaces the model knows (a brand-new one waits for its newlink to be applied).
    const known = model.linksOf(r.id);
    if (!known) continue;
    const idOf = (index: number) => ifaceId(r.id, index);
    r.rates.begin(parts, t);
    for (let i = 0; i < ifindex.length; i++) {
      if (known.has(ifindex[i])) r.rates.add(ifindex[i], values, i * 8, idOf);
    }
    r.rates.end();
  }
  const frame: CounterFrame = { t: Date.now(), intervalMs, ids: parts.ids, stats: parts.stats, rates: parts.rates };
  // Only changed counters are in the frame; the model keeps them all.
  for (const { id, stats } of decodeCounterFrame(frame)) {
    const { nsId, index } = parseIfaceId(id)!; // made by ifaceId above
    model.setStats(nsId, index, stats);
  }
  return frame.ids.length ? frame : null;
}
