// When discovery looks at single processes: the kernel's process events (the addon's
// watchProcesses, the proc connector) name every new process, exec and exit, and a targeted pass
// (namespaces.ts, Discovery.update) looks at just those pids. Events are gathered for a short
// window (COALESCE_MS) and handed over as one set, so pod churn of 50 a second costs about 20
// cheap passes a second, never one full /proc scan per event.
//
// Where the connector is not available (not root, a kernel without it, an engine outside the
// initial pid namespace, e.g. in a container) start() says why, and the engine keeps its periodic
// full rescan.
import type { NativeAddon, ProcEvents, ProcessWatch } from '../../native/types';

/** How long process events are gathered before a targeted pass runs. */
export const COALESCE_MS = 50;

export interface ProcTriggerHooks {
  /** Runs discovery (coalesced by the caller); take() gives the pids to look at. */
  targeted: () => void;
  /** Events were lost: everything must be looked at (a full pass). */
  lost: () => void;
  /** Whether `pid` holds a tun/tap open (its exit or fork changes the owners). */
  isTunHolder: (pid: number) => boolean;
  /** A tun/tap holder exited or forked. */
  tunHolderChanged: () => void;
}

export class ProcTriggers {
  private watch: ProcessWatch | null = null;
  private touched = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Why process events are not used (null while they are, or before start()). */
  unavailable: string | null = null;
  /** Event batches received (diagnostics, tests). */
  batches = 0;

  constructor(private readonly native: NativeAddon, private readonly hooks: ProcTriggerHooks) {}

  /** Whether process events drive discovery now. */
  get active(): boolean { return this.watch !== null; }

  /** Starts the watch (before the first full pass, so that nothing falls between the two).
   *  `nsPath`: the network namespace to open its socket in (null: the engine's own). Resolves
   *  false, with `unavailable` saying why, when the kernel's process events cannot be had. */
  async start(nsPath: string | null): Promise<boolean> {
    if (!this.native.watchProcesses) { this.unavailable = 'this addon has no process events'; return false; }
    try {
      const w = await this.native.watchProcesses((e) => this.onEvents(e), { nsPath });
      if (this.stopped) { w.close(); return false; }
      this.watch = w;
      this.unavailable = null;
      return true;
    } catch (err) {
      this.unavailable = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  /** The pids named since the last take (each once). */
  take(): number[] {
    const out = [...this.touched];
    this.touched.clear();
    return out;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watch?.close();
    this.watch = null;
  }

  private onEvents(e: ProcEvents): void {
    if (this.stopped) return;
    this.batches++;
    if (e.lost) { this.touched.clear(); this.hooks.lost(); }
    let holder = false;
    for (let i = 0; i < e.forks.length; i += 2) {
      this.touched.add(e.forks[i]);
      // A child of a holder inherits its descriptors, the tun's among them.
      if (!holder && this.hooks.isTunHolder(e.forks[i + 1])) holder = true;
    }
    for (const pid of e.execs) this.touched.add(pid);
    for (const pid of e.exits) {
      this.touched.add(pid);
      if (!holder && this.hooks.isTunHolder(pid)) holder = true;
    }
    if (holder) this.hooks.tunHolderChanged();
    if (this.touched.size && !this.timer) {
      this.timer = setTimeout(() => { this.timer = null; if (!this.stopped) this.hooks.targeted(); }, COALESCE_MS);
    }
  }
}
