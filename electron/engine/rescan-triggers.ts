// When a full discovery pass (all of /proc and /run/netns) runs. Namespaces come and go without
// any netlink event in the namespaces we already watch, so discovery is triggered from outside:
// an inotify watch on the `ip netns` directory, "soon" requests from the engine (nsid events,
// links leaving, a pid reused while opening, lost process events), short retries while a named
// namespace's file exists but is not mounted yet, and a periodic pass. Processes are followed
// through the kernel's process events when it gives them (proc-triggers.ts: targeted passes);
// then the periodic pass is only a backstop for what makes no process event (unshare(CLONE_NEWNET)
// and setns in a process that does not exec or fork afterwards), every `procRescanMs` (default
// 10 s), and "soon" passes keep a minimum gap so that churn cannot make them run back to back.
// Without process events the periodic pass is how new processes are seen: every `rescanMs`
// (default 1 s).
import * as fs from 'node:fs';

/** Retries (25 ms apart) for a named namespace whose bind mount has not appeared yet. */
const PENDING_TRIES = 20;

export class RescanTriggers {
  private periodic: NodeJS.Timeout | null = null;
  private quick: NodeJS.Timeout | null = null;
  private watcher: fs.FSWatcher | null = null;
  private pendingTries = 0;
  private stopped = false;
  private minGapMs = 0;
  private lastQuickAt = -Infinity;

  /**
   * @param netnsDir where `ip netns` keeps names (watched)
   * @param rescan runs a full discovery pass (coalesced by the caller)
   * @param periodicPass runs the periodic pass (default: `rescan`; the engine's may read less)
   */
  constructor(private readonly netnsDir: string, private readonly rescan: () => void,
    private readonly periodicPass: () => void = rescan) {}

  /**
   * @param periodMs the periodic pass (0 = none: triggers only)
   * @param minGapMs the least time between two "soon" passes (0 = none)
   */
  start(periodMs: number, minGapMs = 0): void {
    this.minGapMs = minGapMs;
    this.watch();
    if (periodMs > 0) {
      this.periodic = setInterval(() => this.periodicPass(), periodMs);
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

  /** A rescan after `delayMs`, or later to keep the minimum gap after the last full pass (one at
   *  a time: a request while one is waiting joins it). */
  soon(delayMs: number): void {
    if (this.stopped || this.quick) return;
    const wait = Math.max(delayMs, this.lastQuickAt + this.minGapMs - Date.now());
    this.quick = setTimeout(() => { this.quick = null; this.rescan(); }, wait);
  }

  /** A full pass ended: the next "soon" one keeps the minimum gap from now. */
  passDone(): void { this.lastQuickAt = Date.now(); }

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
