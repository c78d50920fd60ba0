// When each namespace gets its reconciliation pass (the re-dump that catches what the kernel never
// announces; the pass itself runs in the engine's per-namespace job loop). Kept apart from the
// engine because the turn-taking has its own rules:
//   - turns go round the namespaces one at a time, spread evenly over time, so a hundred
//     namespaces never dump at once;
//   - the pace is `periodMs` per round (every namespace once per period) but never more than
//     `perSecond` turns a second: the pass's cost is bounded by that budget whatever the number of
//     namespaces, and on a host with more than perSecond × periodMs / 1000 of them a round takes
//     longer instead, N / perSecond seconds (1,000 namespaces at 10 a second: 100 s). That round is
//     how long a change the kernel never announced can stay unseen; announced changes do not wait
//     for it (events);
//   - one being fully re-read (resync) skips its turn, one with events flowing right now waits (up
//     to three turns in a row, since a dump then would mostly find what is still on its way), and
//     no turn is taken while discovery runs.
// A turn costs the same whatever the number of namespaces (a cursor walks the engine's live map).

/** What a turn looks at in a namespace's record (the engine's NsRec). */
export interface ReconcileCandidate {
  closed: boolean;
  resyncing: boolean;
  needs: { resync: boolean };
  /** When its last kernel event arrived (Date.now()). */
  lastEventAt: number;
  /** Turns it let pass in a row because events were flowing. */
  reconcileDeferred: number;
}

/** How recent (ms) an event makes a namespace wait for a later turn. */
const BUSY_MS = 250;
const MAX_DEFERRED = 3;
/** The shortest time between two turns, ms. */
const MIN_STEP_MS = 10;

export class ReconcileTurns<R extends ReconcileCandidate> {
  private timer: NodeJS.Timeout | null = null;
  private cursor: Iterator<R> | null = null;
  private stopped = false;

  /**
   * @param periodMs a round's length when the budget allows it (0 = never)
   * @param perSecond the budget: turns a second at most (> 0)
   * @param namespaces the namespaces, in a stable order: a fresh iterator over the live collection
   *   (a Map's values(): entries added or removed meanwhile are seen or skipped by the walk)
   * @param count how many namespaces there are now
   * @param paused no turn now (discovery running, engine stopping)
   * @param due the namespace's turn: run its pass
   */
  constructor(private readonly periodMs: number, private readonly perSecond: number,
    private readonly namespaces: () => Iterator<R>, private readonly count: () => number,
    private readonly paused: () => boolean, private readonly due: (r: R) => void) {}

  /** The time between two turns with `n` namespaces, ms. */
  static stepMs(periodMs: number, perSecond: number, n: number): number {
    return Math.max(MIN_STEP_MS, periodMs / Math.max(1, n), 1000 / perSecond);
  }

  start(): void {
    if (this.stopped || this.periodMs <= 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.turn();
      this.start();
    }, ReconcileTurns.stepMs(this.periodMs, this.perSecond, this.count()));
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
  }

  /** The next namespace round the walk (starting again at the first after the last). */
  private next(): R | undefined {
    let it = this.cursor?.next();
    if (!it || it.done) { this.cursor = this.namespaces(); it = this.cursor.next(); }
    return it.done ? undefined : it.value;
  }

  private turn(): void {
    if (this.paused()) return;
    const r = this.next();
    if (!r) return;
    if (r.closed || r.resyncing || r.needs.resync) return;
    if (Date.now() - r.lastEventAt < BUSY_MS && r.reconcileDeferred < MAX_DEFERRED) { r.reconcileDeferred++; return; }
    r.reconcileDeferred = 0;
    this.due(r);
  }
}
