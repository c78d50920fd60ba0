// When each namespace gets its reconciliation pass (the re-dump that catches what the kernel never
// announces; the pass itself runs in the engine's per-namespace job loop). Kept apart from the
// engine because the turn-taking has its own rules: every `periodMs` each namespace gets one turn,
// turns spread evenly over the period so a hundred namespaces never dump at once; one being fully
// re-read (resync) skips its turn, one with events flowing right now waits (up to three turns in a
// row, since a dump then would mostly find what is still on its way), and no turn is taken while
// discovery runs.

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

export class ReconcileTurns<R extends ReconcileCandidate> {
  private timer: NodeJS.Timeout | null = null;
  private at = 0;
  private stopped = false;

  /**
   * @param periodMs the period (0 = never)
   * @param namespaces the namespaces, in a stable order
   * @param paused no turn now (discovery running, engine stopping)
   * @param due the namespace's turn: run its pass
   */
  constructor(private readonly periodMs: number, private readonly namespaces: () => R[],
    private readonly paused: () => boolean, private readonly due: (r: R) => void) {}

  start(): void {
    if (this.stopped || this.periodMs <= 0 || this.timer) return;
    const step = Math.max(10, this.periodMs / Math.max(1, this.namespaces().length));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.turn();
      this.start();
    }, step);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
  }

  private turn(): void {
    if (this.paused()) return;
    const recs = this.namespaces();
    if (!recs.length) return;
    const r = recs[this.at++ % recs.length];
    if (this.at >= recs.length) this.at = 0;
    if (r.closed || r.resyncing || r.needs.resync) return;
    if (Date.now() - r.lastEventAt < BUSY_MS && r.reconcileDeferred < MAX_DEFERRED) { r.reconcileDeferred++; return; }
    r.reconcileDeferred = 0;
    this.due(r);
  }
}
