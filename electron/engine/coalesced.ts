// A piece of background work that must never run twice at once, yet must not miss a request made
// while it runs: /proc discovery and the tun/tap owner scan are asked for by bursts of kernel
// events, and each run reads the whole state anew, so a burst costs one run plus at most one more.
export class Coalesced {
  private running: Promise<void> | null = null;
  private again = false;

  /**
   * @param task one run; it reads everything anew, so runs asked for meanwhile fold into one
   * @param repeat whether a run asked for during the last one still should happen (e.g. not stopped)
   * @param onError a run's failure (ends this series of runs; the next request starts a new one)
   */
  constructor(private readonly task: () => Promise<void>, private readonly repeat: () => boolean,
    private readonly onError: (err: unknown) => void) {}

  /** The series of runs in progress, or null. */
  get current(): Promise<void> | null { return this.running; }

  /** Runs the task now, or once more after the run in progress; resolves when no run is left. */
  run(): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      try {
        do { this.again = false; await this.task(); } while (this.again && this.repeat());
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
