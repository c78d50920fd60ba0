// When /proc discovery runs again. Namespaces come and go without any netlink event in the
// namespaces we already watch, so discovery is triggered from outside: an inotify watch on the
// `ip netns` directory, a periodic rescan (process namespaces appear with processes), "soon"
// requests from the engine (nsid events, links leaving, a pid reused while opening), and short
// retries while a named namespace's file exists but is not mounted yet.
import * as fs from 'node:fs';

/** Retries (25 ms apart) for a named namespace whose bind mount has not appeared yet. */
const PENDING_TRIES = 20;

export class RescanTriggers {
  private periodic: NodeJS.Timeout | null = null;
  private quick: NodeJS.Timeout | null = null;
  private watcher: fs.FSWatcher | null = null;
  private pendingTries = 0;
  private stopped = false;

  /**
   * @param netnsDir where `ip netns` keeps names (watched)
   * @param periodMs the periodic rescan (0 = none: events only)
   * @param rescan runs discovery (coalesced by the caller)
   */
  constructor(private readonly netnsDir: string, private readonly periodMs: number, private readonly rescan: () => void) {}

  start(): void {
    this.watch();
    if (this.periodMs > 0) {
      this.periodic = setInterval(() => this.rescan(), this.periodMs);
      this.periodic.unref?.();
    }
  }

  /** Watches the netns directory, if not yet (it may not exist until the first `ip netns add`:
   *  each discovery pass tries again). */
  watch(): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = fs.watch(this.netnsDir, () => this.soon(0));
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = null; });
    } catch { /* no /run/netns yet: the periodic rescan tries again */ }
  }

  /** A rescan after `delayMs` (one at a time: a request while one is waiting joins it). */
  soon(delayMs: number): void {
    if (this.stopped || this.quick) return;
    this.quick = setTimeout(() => { this.quick = null; this.rescan(); }, delayMs);
  }

  /** After a discovery pass: how many named namespaces were not mounted yet. `ip netns add` mounts
   *  onto the file after creating it, and the mount makes no inotify event: look again shortly. */
  pendingNamed(count: number): void {
    if (count && this.pendingTries < PENDING_TRIES) { this.pendingTries++; this.soon(25); }
    else if (!count) this.pendingTries = 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.periodic) clearInterval(this.periodic);
    if (this.quick) clearTimeout(this.quick);
    this.watcher?.close();
  }
}
