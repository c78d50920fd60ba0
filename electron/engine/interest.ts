// Which namespaces a counter tick reads. Clients' interests (contract/interest.ts) make the hot set,
// read at every tick of the full rate; every namespace is read once per low-rate period. So one
// client looking at one namespace of a thousand costs one namespace at 10 Hz plus a thousand at
// 1 Hz, not a thousand at 10 Hz. Pure: the engine gives it the clock.
import { unionInterest, type Interest } from '../contract';

export type SweepChoice = { all: true } | { all: false; namespaces: ReadonlySet<string> } | null;

export class InterestPlan {
  private readonly byClient = new Map<object, Interest>();
  private hot: 'all' | Set<string> = new Set();
  private lastFullAt = -Infinity;

  /** `client`: any object standing for one client (a connection); `interest` null when it left. */
  set(client: object, interest: Interest | null): void {
    if (interest === null) this.byClient.delete(client); else this.byClient.set(client, interest);
    const u = unionInterest(this.byClient.values());
    this.hot = u === 'all' ? 'all' : new Set(u);
  }

  /** Whether some namespace is wanted at the full rate (else ticking at the low rate is enough). */
  wantsFullRate(): boolean { return this.hot === 'all' || this.hot.size > 0; }

  /** How many of `ids` are hot. */
  countHot(ids: Iterable<string>): number {
    if (this.hot === 'all') { let n = 0; for (const _ of ids) n++; return n; }
    let n = 0; for (const id of ids) if (this.hot.has(id)) n++;
    return n;
  }

  /** What the tick at `now` (ms, monotonic) reads: everything when the low-rate period is up (a
   *  tick early by less than half a full-rate period counts as on time, so 10 Hz ticks give 1 Hz
   *  full reads, not one every 1.1 s) or when all is hot; else the hot namespaces; null: nothing. */
  choose(now: number, fullHz: number, lowHz: number): SweepChoice {
    const lowPeriod = 1000 / Math.min(lowHz, fullHz);
    const slack = 500 / fullHz;
    if (this.hot === 'all' || now - this.lastFullAt >= lowPeriod - slack) {
      this.lastFullAt = now;
      return { all: true };
    }
    return this.hot.size ? { all: false, namespaces: this.hot } : null;
  }
}
