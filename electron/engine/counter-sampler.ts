// The counter sampler's clock: sweeps at the sample rate, one at a time. Kept apart from the
// engine because its timing rules are its own: the period is held from one sweep's start to the
// next (a slow sweep does not push every later one back), a sweep slower than a period is followed
// by the next one right away (never two at once), and a rate change takes effect immediately.
export class CounterSampler {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private hz = 0;
  private stopped = false;

  constructor(private readonly sweep: () => Promise<void>, private readonly log: (msg: string) => void) {}

  /** The current rate (Hz; 0 = not sampling). */
  get rate(): number { return this.hz; }

  /** Samples at `hz` from now on (0 = no sampling); the first sweep runs right away, or after
   *  `firstDelayMs`. */
  setRate(hz: number, firstDelayMs = 0): void {
    this.hz = hz;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (hz > 0 && !this.stopped) this.schedule(firstDelayMs);
  }

  /** Stops sampling; resolves when a sweep in progress has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    return this.sweeping ?? Promise.resolve();
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.hz <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = performance.now();
      this.sweeping = this.sweep().catch((err) => this.log(`counters: ${err instanceof Error ? err.message : String(err)}`)).finally(() => {
        this.sweeping = null;
        // Keep the period; if a sweep took longer than a period, the next one starts right away.
        const period = 1000 / this.hz;
        if (!this.timer) this.schedule(Math.max(0, period - (performance.now() - started)));
      });
    }, delayMs);
  }
}
