// Feeds counter frames into the counters store in step with the screen: every frame is merged at
// once into a shadow state (so rates and the 60 s history stay exact), and the changed entries are
// committed to the store on the next animation frame — all at once, or spread over a few frames when
// many mounted nodes would re-render (FlowCanvas picks: 3 slices for 120-300 nodes on screen), or at
// most once a second while a huge picture is seen from afar. A frame that arrives before the last is
// committed just updates the shadow: the newest values win.
import type { StoreApi } from 'zustand/vanilla';
import type { CounterFrame, Stats } from '../../../electron/contract';
import { addMissing, applyFrame, seedCounters, type CountersState, type CountersStore } from './counters';

export interface CounterPump {
  push(frame: CounterFrame): void;
  seed(stats: Record<string, Stats>): void;
  addMissing(stats: Record<string, Stats>): void;
  /** Ids changed but not yet committed to the store. */
  pending(): number;
  /** Commit at most once per `ms` (all at once), e.g. while a huge picture is zoomed out and every
   *  paint re-layers a thousand nodes; 0 = every animation frame, in slices. */
  setMinInterval(ms: number): void;
  /** Spread a round of changes over this many animation frames (1 = all at once). */
  setSlices(n: number): void;
}

export function createCounterPump(
  store: StoreApi<CountersStore>,
  opts: { schedule?: (cb: () => void) => void; slices?: number; minSlice?: number; now?: () => number } = {},
): CounterPump {
  const now = opts.now ?? (() => performance.now());
  let minInterval = 0, lastRound = -Infinity;
  const schedule = opts.schedule ?? ((cb) => { requestAnimationFrame(() => cb()); });
  let slices = opts.slices ?? 1; const minSlice = opts.minSlice ?? 150;
  const pick = (s: CountersState): CountersState => ({ byId: s.byId, lastT: s.lastT, intervalMs: s.intervalMs, history: s.history, historyTick: s.historyTick });
  let shadow = pick(store.getState());
  const dirty = new Set<string>();
  let scheduled = false, inRound = false;

  const commitAll = () => { dirty.clear(); store.setState(pick(shadow)); };

  const kick = () => {
    if (scheduled) return;
    scheduled = true;
    const wait = minInterval - (now() - lastRound);
    if (wait > 0) setTimeout(() => schedule(commitSlice), wait);
    else schedule(commitSlice);
  };

  const commitSlice = () => {
    scheduled = false;
    if (!dirty.size) return;
    if (!inRound) { inRound = true; lastRound = now(); }
    const n = minInterval > 0 ? dirty.size : Math.max(minSlice, Math.ceil(dirty.size / slices));
    if (n >= dirty.size) { inRound = false; commitAll(); return; } // the whole round at once: no copy
    const cur = store.getState();
    const byId = { ...cur.byId };
    let k = 0;
    for (const id of dirty) {
      if (k++ >= n) break;
      dirty.delete(id);
      const e = shadow.byId[id];
      if (e) byId[id] = e; else delete byId[id];
    }
    store.setState({ byId, lastT: shadow.lastT, intervalMs: shadow.intervalMs, history: shadow.history, historyTick: shadow.historyTick });
    if (dirty.size) { scheduled = true; schedule(commitSlice); } else inRound = false;
  };

  return {
    push(frame) {
      const before = shadow.byId;
      shadow = applyFrame(shadow, frame);
      for (const id in shadow.byId) if (shadow.byId[id] !== before[id]) dirty.add(id);
      kick();
    },
    seed(stats) { shadow = seedCounters(shadow, stats); commitAll(); },
    addMissing(stats) {
      const next = addMissing(shadow, stats);
      if (next === shadow) return;
      shadow = next;
      commitAll();
    },
    pending: () => dirty.size,
    setMinInterval(ms) { minInterval = Math.max(0, ms); },
    setSlices(n) { slices = Math.max(1, Math.floor(n)); },
  };
}
