// The engine: every network namespace of the machine read live from the kernel into one model.
//
//   const e = await Engine.start({ sampleHz: 10 });
//   e.on('delta', (b: DeltaBatch) => ...); e.on('counters', (f: CounterFrame) => ...);
//   e.snapshot();  await e.waitIdle();  await e.stop();
//
// One NamespaceReader (namespace-reader.ts) per namespace: the addon's handle bound to it, dumped
// once, then kept right by the kernel's events (event-driven, not polled). The follow-up reads the
// events call for run in the reader's job loop, one at a time, with the namespace's events held
// back while it is being dumped and replayed on top of the dump afterwards; that file explains why.
//
// The kernel is silent on a few changes (an alias set on a DOWN link sends no RTM_NEWLINK at all,
// a veth's far end is not told when its peer moves), and a dump cannot be ordered exactly against
// events. Events stay the primary path; the answers to that silence are: the model points veth
// peers back symmetrically (model.ts), a dump whose replayed events disagree with it is confirmed
// by one more read shortly after (namespace-reader.ts), and a low-rate reconciliation pass
// (`reconcileMs`, within a budget of `reconcilePerSec` namespaces a second) re-dumps each
// namespace's links, addresses and routes every few seconds (on a host with many namespaces, every
// N / budget seconds), staggered across namespaces, counting what it had to correct (`stats()`).
//
// Cost on a host with many namespaces: work follows what changed. Opening N namespaces costs
// O(N) (the namespaces a pass finds are opened in one native call and all subscribed before any
// is read; each resolves its veths' nsids with a query or two, not one per namespace: see
// refreshNsids; nothing is flushed before the first pass is in), a flush looks only at the namespaces touched since the last one (model.ts), and
// nothing periodic walks every namespace except the counter sweep (what clients look at at the
// sample rate, the rest at the low rate: interest.ts) and the backstop discovery pass. Discovery
// follows processes through the kernel's process events when it can (proc-triggers.ts: a fork, exec or exit makes a targeted pass over those pids, gathered
// for 50 ms), with a full /proc pass every 10 s as the backstop; without them (not root, outside
// the initial pid namespace) it rescans /proc once a second, reading the namespaces of new and
// young processes and of one known process in ten in turn (Discovery.pass). Who holds a tun/tap (tunowners.ts,
// every fd of every process) is scanned after full passes, when a tun/tap appears or its
// flags/carrier change (a program attaching turns the carrier on) and when a holder exits or forks.
//
// This file keeps the set of namespaces (discovery, opening, closing), hands out the follow-up
// work the model asks for, and emits deltas and status. The timing rules that decide when work
// runs each live in a file of their own: rescan-triggers.ts (when full discovery passes run),
// proc-triggers.ts (process events, targeted passes),
// reconcile-turns.ts (whose reconciliation turn it is), counter-sampler.ts (the counter clock; one
// sweep is counter-sweep.ts; interest.ts picks what a tick reads), coalesced.ts (discovery and tun-owner scans never overlap nor miss a
// request); options.ts holds the options and their limits.
import { EventEmitter } from 'node:events';
import type { CounterFrame, DeltaBatch, EngineStatus, Interest, Model } from '../contract';
import type { NamespaceHandle, NativeAddon, SubscribeOptions } from '../../native/types';
import { loadNative } from '../../native';
import { LiveModel } from './model';
import { Discovery, type NsInfo } from './namespaces';
import { NamespaceReader, type ReaderHost } from './namespace-reader';
import { NsidAsks } from './nsid-asks';
import { FrameClock } from './rates';
import { assignOwners, scanTunHolders } from './tunowners';
import { Coalesced } from './coalesced';
import { CounterSampler } from './counter-sampler';
import { sweepCounters } from './counter-sweep';
import { InterestPlan } from './interest';
import { ReconcileTurns } from './reconcile-turns';
import { RescanTriggers } from './rescan-triggers';
import { ProcTriggers } from './proc-triggers';
import {
  MAX_HZ, MAX_RECONCILE_PER_SEC, MIN_HZ, defaultLowSampleHz, defaultReconcileMs, defaultReconcilePerSec, defaultSampleHz,
  type EngineOptions,
} from './options';

// Re-exported for the engine's callers (the options and their limits live in options.ts).
export { MAX_HZ, MIN_HZ, defaultLowSampleHz, defaultSampleHz, type EngineOptions };

const ENGINE_VERSION = '0.1.0';
/** Without process events, a periodic discovery pass reads a known process's namespace once in
 *  this many passes (rescanMs 1 s: within 10 s, the bound of the backstop pass with process
 *  events); new processes, young ones and exits in every pass (Discovery.pass). */
const SWEEP_TURNS = 10;
/** How long after start the first counter sweep runs, ms (see init). */
const FIRST_SWEEP_DELAY_MS = 100;

/** What the engine did to stay equal to the kernel (diagnostics, status bars, tests). */
export interface EngineStats {
  /** Kernel signals that events were lost (ENOBUFS) or a dump was interrupted. */
  resyncSignals: number;
  /** Full re-dumps of a namespace after its first (answers to those signals, failed jobs, resync()). */
  resyncDumps: number;
  /** Reconciliation passes run (one namespace each). */
  reconcilePasses: number;
  /** Links/address lists/route tables a reconciliation pass found different from the model: what
   *  the kernel did not announce (or had not yet delivered when the pass read it). */
  reconcileFixes: number;
  /** Extra link reads because events replayed after a dump disagreed with it. */
  confirmDumps: number;
  /** Full discovery passes (all of /proc and /run/netns). */
  fullPasses: number;
  /** Targeted discovery passes (only the processes named by process events). */
  targetedPasses: number;
  /** tun/tap owner scans (every fd of every process). */
  tunScans: number;
}

function checkHz(hz: unknown): number {
  if (typeof hz !== 'number' || !Number.isFinite(hz) || hz < MIN_HZ || hz > MAX_HZ) {
    throw new RangeError(`hz must be a number from ${MIN_HZ} to ${MAX_HZ}, got ${JSON.stringify(hz)}`);
  }
  return hz;
}

function errText(e: unknown): string { return e instanceof Error ? e.message : String(e); }

export interface Engine {
  on(event: 'delta', l: (b: DeltaBatch) => void): this;
  on(event: 'counters', l: (f: CounterFrame) => void): this;
  on(event: 'status', l: (s: EngineStatus) => void): this;
  /** The kernel said a namespace's events were lost (ENOBUFS) or a dump was interrupted: it is re-read. */
  on(event: 'resync', l: (r: { nsId: string; reason: string }) => void): this;
  off(event: 'delta' | 'counters' | 'status' | 'resync', l: (...a: never[]) => void): this;
}

export class Engine extends EventEmitter {
  private readonly native: NativeAddon;
  private readonly m = new LiveModel();
  private readonly recs = new Map<string, NamespaceReader>();
  /** What the readers need from the engine (namespace-reader.ts). */
  private readonly host: ReaderHost;
  /** The readers' nsid queries, one native call per turn. */
  private readonly nsidAsks: NsidAsks;
  /** Namespaces we could not open, with the path we tried (retried only if the path changes). */
  private readonly failed = new Map<string, string | null>();
  private readonly opening = new Map<string, Promise<boolean>>();
  private readonly clock = new FrameClock();
  private readonly log: (msg: string) => void;
  private readonly netnsDir: string;
  /** Discovery passes (namespaces.ts), which keep what they found from one to the next. */
  private readonly discoveryPasses: Discovery;
  private readonly rescanTriggers: RescanTriggers;
  private readonly reconcileTurns: ReconcileTurns<NamespaceReader>;
  private readonly counters: EngineStats = {
    resyncSignals: 0, resyncDumps: 0, reconcilePasses: 0, reconcileFixes: 0, confirmDumps: 0, fullPasses: 0, targetedPasses: 0, tunScans: 0,
  };
  /** Process events (proc connector) and the targeted discovery passes they ask for. */
  private readonly procTriggers: ProcTriggers;
  private readonly procOpts: { enabled: boolean; netns: string | null; rescanMs: number; procRescanMs: number };
  /** The namespaces of the last discovery pass, as the model has them (a pass that finds the same
   *  list, or changes to it, has only those to apply). */
  private applied: NsInfo[] | null = null;
  /** The next discovery pass must be a full one (a rescan() or the periodic pass was asked for),
   *  and one that reads every process's namespace (a rescan(): see periodicRescan). */
  private fullWanted = true;
  private completeWanted = true;
  /** Pids that held a tun/tap at the last owner scan. */
  private tunHolders = new Set<number>();
  private readonly rcvbuf: number | undefined;
  private readonly maxQueuedBatches: number | undefined;
  private seq = 0;
  private hz: number;
  private readonly lowHz: number;
  private readonly interest = new InterestPlan();
  private privileged = false;
  private privilegeReason = '';
  private hostKnown = true;
  private unreadableProcs = 0;
  private stopped = false;
  /** init() is done (the first discovery pass and its reads are in). */
  private started = false;
  private flushQueued = false;
  /** The flush that sends FDB changes held back (LiveModel.fdbDueIn). */
  private fdbTimer: NodeJS.Timeout | null = null;
  /** Discovery passes: at most one running and one queued. */
  private readonly discovery: Coalesced;
  /** tun/tap owner scans: one at a time, one more if asked meanwhile. */
  private readonly tunScan: Coalesced;
  private readonly sampler: CounterSampler;
  private lastEventAt = 0;
  private statusKey = '';

  private constructor(opts: EngineOptions) {
    super();
    this.native = opts.native ?? loadNative();
    this.nsidAsks = new NsidAsks(this.native);
    this.log = opts.log ?? (() => {});
    this.netnsDir = opts.netnsDir ?? '/run/netns';
    this.discoveryPasses = new Discovery({ scan: (keep) => this.native.scanProcNet(keep), comm: (pid) => this.native.readComm(pid) }, this.netnsDir);
    this.rescanTriggers = new RescanTriggers(this.netnsDir, () => { void this.rescan(); }, () => { void this.periodicRescan(); });
    for (const [k, v] of [['rescanMs', opts.rescanMs], ['procRescanMs', opts.procRescanMs]] as const) {
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new RangeError(`${k} must be 0 or more, got ${v}`);
    }
    this.procOpts = {
      enabled: opts.procEvents ?? true, netns: opts.procEventsNetns ?? (process.env.VNET_PROC_EVENTS_NETNS || null),
      rescanMs: opts.rescanMs ?? 1000, procRescanMs: opts.procRescanMs ?? 10_000,
    };
    this.procTriggers = new ProcTriggers(this.native, {
      targeted: () => { void this.discovery.run(); },
      lost: () => this.rescanTriggers.soon(0),
      isTunHolder: (pid) => this.tunHolders.has(pid),
      tunHolderChanged: () => this.scanTunOwners(),
    });
    const reconcileMs = opts.reconcileMs ?? defaultReconcileMs();
    if (!Number.isFinite(reconcileMs) || reconcileMs < 0) throw new RangeError(`reconcileMs must be 0 or more, got ${reconcileMs}`);
    const reconcilePerSec = opts.reconcilePerSec ?? defaultReconcilePerSec();
    if (!Number.isFinite(reconcilePerSec) || reconcilePerSec <= 0 || reconcilePerSec > MAX_RECONCILE_PER_SEC) {
      throw new RangeError(`reconcilePerSec must be above 0 and at most ${MAX_RECONCILE_PER_SEC}, got ${reconcilePerSec}`);
    }
    this.rcvbuf = opts.rcvbuf;
    this.maxQueuedBatches = opts.maxQueuedBatches;
    const hz = opts.sampleHz ?? defaultSampleHz();
    if (hz !== 0) checkHz(hz);
    this.hz = hz;
    this.lowHz = checkHz(opts.lowSampleHz ?? defaultLowSampleHz());
    this.host = {
      model: this.m,
      stopped: () => this.stopped,
      log: (msg) => this.log(msg),
      count: (what, n = 1) => { this.counters[what] += n; },
      eventsArrived: (nsId, resyncs) => {
        this.lastEventAt = Date.now();
        for (const reason of resyncs) {
          this.counters.resyncSignals++;
          this.log(`${nsId}: ${reason}; re-reading the namespace`);
          this.emit('resync', { nsId, reason });
        }
      },
      afterApply: () => this.afterApply(),
      namespaces: () => (function* (recs) { for (const r of recs) yield r.info; })(this.recs.values()),
      namespace: (nsId) => this.recs.get(nsId)?.info,
      getNsids: (handle, paths) => this.nsidAsks.ask(handle, paths),
    };
    this.reconcileTurns = new ReconcileTurns<NamespaceReader>(reconcileMs, reconcilePerSec, () => this.recs.values(),
      () => this.recs.size, () => this.stopped || this.discovery.current !== null, (r) => r.requestReconcile());
    this.discovery = new Coalesced(() => this.rescanOnce(), () => !this.stopped, (err) => this.log(`rescan failed: ${errText(err)}`));
    this.tunScan = new Coalesced(() => this.scanTunOwnersOnce(), () => !this.stopped, () => { /* scanTunOwnersOnce logs */ });
    this.sampler = new CounterSampler(() => this.sampleTick(), this.log);
  }

  /** Starts the engine; resolves once every namespace it can read has been dumped. */
  static async start(opts: EngineOptions = {}): Promise<Engine> {
    const e = new Engine(opts);
    await e.init();
    return e;
  }

  private async init(): Promise<void> {
    // Privilege, checked by trying: entering a namespace by path needs CAP_SYS_ADMIN, which is
    // what reading other namespaces takes (plus CAP_NET_ADMIN for building).
    try {
      const h = await this.native.openNamespace(`/proc/${process.pid}/ns/net`);
      h.close();
      this.privileged = true;
    } catch (err) {
      this.privileged = false;
      this.privilegeReason = errText(err);
    }
    // Process events first, so that nothing falls between them and the first full pass.
    if (this.procOpts.enabled) await this.procTriggers.start(this.procOpts.netns);
    else this.procTriggers.unavailable = 'turned off (procEvents: false)';
    // Not logged: status().discovery says it (the engine process's "started" line includes it), and
    // the commands that run an engine in process would print it on every run.
    await this.rescan();
    this.started = true;
    // With process events, full passes are a backstop, and "soon" ones keep 250 ms from the last.
    if (this.procTriggers.active) this.rescanTriggers.start(this.procOpts.procRescanMs, 250);
    else this.rescanTriggers.start(this.procOpts.rescanMs);
    this.reconcileTurns.start();
    this.flushNow();
    // The first sweep a little later: the model has every interface's counters from its first
    // reads already, and the first requests (a snapshot) are answered before it (on a host of a
    // thousand namespaces a sweep is a few tens of ms of the engine's time).
    if (this.hz !== 0) this.sampler.setRate(this.tickRate(), FIRST_SWEEP_DELAY_MS);
    this.emitStatus();
  }

  // ---- public API -----------------------------------------------------------------------------

  /** The whole model (deltas so far applied). */
  model(): Model { this.flushNow(); return this.m.snapshot(); }
  /** The addon's handle the engine reads namespace `nsId` through (null when it has none open):
   *  captures open their packet sockets through it, so they enter the very namespace modelled. */
  namespaceHandle(nsId: string): NamespaceHandle | null { return this.recs.get(nsId)?.handle ?? null; }

  /** The model and the seq it corresponds to: deltas with a greater seq follow it. */
  snapshot(): { seq: number; model: Model } { this.flushNow(); return { seq: this.seq, model: this.m.snapshot() }; }

  /** How many times the kernel said events were lost (ENOBUFS) and a namespace was re-read. */
  get resyncs(): number { return this.counters.resyncSignals; }

  /** Counts of the engine's re-reads (see EngineStats). */
  stats(): EngineStats { return { ...this.counters }; }

  /** Changes the counter sample rate (0.5..50 Hz; 0 stops sampling). */
  setSampleRate(hz: number): number {
    if (hz !== 0) checkHz(hz);
    this.hz = hz;
    this.applyTickRate(true);
    this.emitStatus();
    return hz;
  }

  /** What one client looks at (`client`: any object standing for it; null: it left): those
   *  namespaces' counters are read at the sample rate, all others at the low rate. Returns how
   *  many of them exist now. Unknown ids are kept (a namespace may be about to appear). */
  setInterest(client: object, namespaces: Interest | null): number {
    this.interest.set(client, namespaces);
    this.applyTickRate(false);
    if (namespaces === null) return 0;
    return namespaces === 'all' ? this.recs.size : this.interest.countHot(namespaces.filter((id) => this.recs.has(id)));
  }

  /** The sampler ticks at the full rate while some namespace is wanted at it, else at the low rate
   *  (no wake-ups for nothing). `restart`: tick now even if the rate stays. */
  private applyTickRate(restart: boolean): void {
    if (!this.started && !restart) return;
    const rate = this.tickRate();
    if (restart || rate !== this.sampler.rate) this.sampler.setRate(rate);
  }

  private tickRate(): number {
    return this.hz === 0 ? 0 : this.interest.wantsFullRate() ? this.hz : Math.min(this.lowHz, this.hz);
  }

  status(): EngineStatus {
    const c = this.m.counts();
    return {
      version: ENGINE_VERSION, pid: process.pid, privileged: this.privileged,
      limitation: this.limitation(), sampleHz: this.hz, lowSampleHz: Math.min(this.lowHz, this.hz || this.lowHz), discovery: this.discoveryText(),
      namespaces: c.namespaces, interfaces: c.interfaces,
    };
  }

  /** What is in flight right now (empty when idle); for waitIdle and for diagnosing. */
  busy(): string[] {
    const out: string[] = [];
    if (this.discovery.current) out.push('rescan');
    if (this.tunScan.current) out.push('tun owners');
    for (const id of this.opening.keys()) out.push(`opening ${id}`);
    if (this.flushQueued) out.push('flush');
    if (this.fdbTimer) out.push('fdb flush');
    for (const r of this.recs.values()) out.push(...r.busy());
    return out;
  }

  /** Resolves when no work is in flight and no kernel event arrived for `quietMs`. (Events still
   *  inside the kernel's socket are invisible to us: tests wait for the delta they expect.) */
  async waitIdle(quietMs = 20, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const busy = this.busy();
      if (!busy.length && Date.now() - this.lastEventAt >= quietMs) return;
      if (Date.now() > until) {
        throw new Error(`waitIdle: still busy after ${timeoutMs} ms: ${busy.join(', ') || `kernel events keep coming (last ${Date.now() - this.lastEventAt} ms ago)`}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Resolves with the model once `pred(model)` holds (checked now and after every delta batch). */
  waitFor(pred: (m: Model) => boolean, timeoutMs = 10_000): Promise<Model> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.m.snapshot();
        if (!pred(m)) return false;
        this.off('delta', check); clearTimeout(timer); resolve(m); return true;
      };
      const timer = setTimeout(() => {
        this.off('delta', check);
        reject(new Error(`waitFor: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      this.flushNow();
      if (!check()) this.on('delta', check);
    });
  }

  /**
   * Re-reads the links of the namespaces that have a link that is not up, for the engine's own
   * changes (labs, canvas builds): the kernel announces an alias set on a DOWN link with no event
   * at all (on an UP link it does), and those changes mark their links with an alias. A namespace
   * whose links are all up cannot hide such a change, so on a host of a thousand pods a lab costs
   * the reads of its own namespaces, not a thousand. The change's own events (a link's creation,
   * without its alias yet) must be taken in first: one still on its way when a dump runs is held
   * and replayed over the dump. They are in the kernel's socket when the change returns, and the
   * addon delivers them in batches of at most a few ms: so read after 25 ms of calm, and once more
   * later for a busy machine. Resolves when the dumps are in.
   */
  async recheckLinks(): Promise<void> {
    for (const delay of [25, 250]) {
      await new Promise((res) => setTimeout(res, delay).unref?.());
      if (this.stopped) return;
      try { await this.waitIdle(10, 2_000); } catch { /* still busy: read anyway */ }
      for (const r of this.recs.values()) if (this.m.hasLinkDown(r.id)) r.request({ links: true });
      try { await this.waitIdle(0, 5_000); } catch { /* the jobs finish on their own */ }
    }
  }

  /** Re-reads every namespace from scratch (the model then equals the kernel's state). */
  async resync(): Promise<void> {
    await this.rescan();
    for (const r of this.recs.values()) r.request({ resync: true });
    await this.waitIdle(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.fdbTimer) { clearTimeout(this.fdbTimer); this.fdbTimer = null; }
    this.rescanTriggers.stop();
    this.procTriggers.stop();
    this.reconcileTurns.stop();
    const sweep = this.sampler.stop();
    await Promise.allSettled([this.discovery.current, sweep, ...this.opening.values()]);
    for (const r of this.recs.values()) r.close();
    this.recs.clear();
    this.removeAllListeners();
  }

  /** One full discovery pass (coalesced: at most one running and one queued). */
  rescan(): Promise<void> { this.fullWanted = true; this.completeWanted = true; return this.discovery.run(); }

  /** The periodic pass: with process events the backstop, a complete pass; without them (every
   *  `rescanMs`) a sweep that reads the namespaces of new and young processes and of one known
   *  process in SWEEP_TURNS (Discovery.pass), unless a complete one is wanted meanwhile. */
  private periodicRescan(): Promise<void> { this.fullWanted = true; return this.discovery.run(); }

  /** How discovery learns of processes: by the kernel's process events, or by rescanning /proc
   *  (and why process events are not used). */
  discoveryMode(): { procEvents: boolean; reason: string | null } {
    return { procEvents: this.procTriggers.active, reason: this.procTriggers.unavailable };
  }

  /** One counter sweep of every namespace now, one frame emitted if anything changed (benches,
   *  tests; the sampler's ticks are sampleTick). */
  async sampleOnce(): Promise<void> {
    const frame = await sweepCounters([...this.recs.values()], null, this.m, this.clock, () => this.stopped, this.native);
    if (frame) this.emit('counters', frame);
  }

  /** One tick of the sampler: what interest.ts says this tick reads. */
  private async sampleTick(): Promise<void> {
    const choice = this.interest.choose(performance.now(), this.hz, this.lowHz);
    if (!choice) return;
    if (choice.all) return this.sampleOnce();
    const readers: NamespaceReader[] = [];
    for (const id of choice.namespaces) { const r = this.recs.get(id); if (r) readers.push(r); }
    if (!readers.length) return;
    const frame = await sweepCounters(readers, readers.map((r) => r.id), this.m, this.clock, () => this.stopped, this.native);
    if (frame) this.emit('counters', frame);
  }

  // ---- namespaces -----------------------------------------------------------------------------

  private async rescanOnce(): Promise<void> {
    if (this.stopped) return;
    // Full when asked for (or without process events), else targeted at the pids events named.
    const full = this.fullWanted || !this.procTriggers.active;
    const pids = this.procTriggers.take(); // a full pass covers them too
    if (!full && !pids.length) return;
    this.fullWanted = false;
    this.counters[full ? 'fullPasses' : 'targetedPasses']++;
    const sweep = this.completeWanted || this.procTriggers.active ? 1 : SWEEP_TURNS;
    if (full) this.completeWanted = false;
    const d = full ? this.discoveryPasses.pass(sweep) : this.discoveryPasses.update(pids);
    this.hostKnown = d.hostKnown;
    this.unreadableProcs = d.unreadable;
    const opens: Promise<boolean>[] = [];
    const toOpen: NsInfo[] = [];
    const place = (info: NsInfo): void => {
      this.m.upsertNamespace(info);
      const r = this.recs.get(info.id);
      if (r) { r.info = info; return; }
      if (this.opening.has(info.id)) { opens.push(this.opening.get(info.id)!); return; }
      if (this.failed.has(info.id) && this.failed.get(info.id) === info.openPath) return;
      toOpen.push(info);
    };
    if (d.namespaces === this.applied) {
      // What the last pass found, found again (the usual full pass): the model has it already.
    } else if (d.changes && d.changes.base === this.applied) {
      // A targeted pass: only the namespaces it changed (on a dense host, a few of a thousand).
      for (const id of d.changes.removed) this.dropNamespace(id);
      for (const info of d.changes.changed) place(info);
      if (d.changes.moved) this.m.reorder(d.namespaces.map((n) => n.id));
    } else {
      const ids = new Set(d.namespaces.map((n) => n.id));
      for (const id of this.m.namespaceIds()) if (!ids.has(id)) this.dropNamespace(id);
      for (const info of d.namespaces) place(info);
      this.m.reorder(d.namespaces.map((n) => n.id));
    }
    // The namespaces new to this pass are opened in one native call (see openAll).
    if (toOpen.length) {
      const readers = this.openAll(toOpen.map((i) => i.openPath)).then((hs) => toOpen.map((info, k) => this.open(info, hs[k])));
      toOpen.forEach((info, k) => {
        const p = readers.then((rs) => this.read(rs[k])).finally(() => this.opening.delete(info.id));
        this.opening.set(info.id, p);
        opens.push(p);
      });
    }
    this.applied = d.namespaces;
    this.rescanTriggers.watch();
    if (full) this.rescanTriggers.pendingNamed(d.pending.length);
    if ((await Promise.all(opens)).some((opened) => opened)) {
      // Namespaces whose veths point at one just opened through an nsid unknown so far can
      // resolve it now (once for all the namespaces this pass opened, not once per namespace).
      const nudged: NamespaceReader[] = [];
      for (const r of this.recs.values()) {
        if (this.m.hasUnresolvedPeers(r.id)) { r.request({ nsids: true }); nudged.push(r); }
      }
      // The first pass waits for them, so that the first snapshot has every peer it can have.
      if (!this.started) await Promise.all(nudged.map((r) => r.settled()));
    }
    if (full) { this.rescanTriggers.passDone(); this.scanTunOwners(true); }
    this.scheduleFlush();
  }

  private dropNamespace(id: string): void {
    const r = this.recs.get(id);
    if (r) { r.close(); this.recs.delete(id); }
    this.failed.delete(id);
    this.m.removeNamespace(id);
  }

  /** Handles for `paths` (each the handle or why it failed): one native call for all of them (one
   *  helper thread entering them in turn), or one call each with an addon that lacks it. */
  private async openAll(paths: (string | null)[]): Promise<(NamespaceHandle | Error)[]> {
    const one = (p: string | null) => this.native.openNamespace(p).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (typeof this.native.openNamespaces !== 'function') return Promise.all(paths.map(one));
    try {
      return await this.native.openNamespaces(paths);
    } catch (err) {
      // Only bad arguments make the call itself fail: say so for every one of them.
      const e = err instanceof Error ? err : new Error(String(err));
      return paths.map(() => e);
    }
  }

  /** The reader of a namespace through the handle opened for it, subscribed to its events (or
   *  null, with why it could not be opened recorded). The readers of one pass are all made, and
   *  subscribed, before any of them reads (read): see NamespaceReader.subscribe. */
  private open(info: NsInfo, handle: NamespaceHandle | Error): NamespaceReader | null {
    if (handle instanceof Error) {
      this.failed.set(info.id, info.openPath);
      this.m.setError(info.id, this.privileged ? `cannot read this namespace: ${errText(handle)}`
        : 'cannot read this namespace: not privileged');
      this.scheduleFlush();
      return null;
    }
    if (handle.inode !== info.inode || this.stopped || !this.m.has(info.id)) {
      // The process we went through exited and its pid was reused, or the namespace went away.
      handle.close();
      if (!this.stopped && this.m.has(info.id)) this.rescanTriggers.soon(10);
      return null;
    }
    this.failed.delete(info.id);
    this.m.setError(info.id, undefined);
    const reader = new NamespaceReader(info, handle, this.host);
    this.recs.set(info.id, reader);
    reader.subscribe(this.subscribeOptions());
    return reader;
  }

  /** The first read of a namespace just opened; resolves true when it has a reader. */
  private async read(reader: NamespaceReader | null): Promise<boolean> {
    if (!reader) return false;
    // (Its nsid map is asked for only if one of its veths names a peer namespace by nsid.)
    if (!reader.closed) await reader.start(this.subscribeOptions());
    return true;
  }

  private subscribeOptions(): SubscribeOptions { return { rcvbuf: this.rcvbuf, maxQueuedBatches: this.maxQueuedBatches }; }

  // ---- the follow-up work the model asks for -------------------------------------------------

  private afterApply(): void {
    const needs = this.m.takeNeeds();
    for (const [id, n] of needs.perNs) this.recs.get(id)?.request(n);
    if (needs.rescan) this.rescanTriggers.soon(0);
    if (needs.tunScan) this.scanTunOwners();
    for (const id of needs.recheck) {
      const t = setTimeout(() => this.recs.get(id)?.request({ links: true }), 25);
      t.unref?.();
    }
    this.scheduleFlush();
  }

  /** Who holds each tun/tap (async, coalesced: one scan at a time, one more if asked meanwhile).
   *  Asked for when a tun/tap appears or its flags or carrier change (model.ts), when a holder
   *  exits or forks (process events), and after every full discovery pass: the backstop for what
   *  makes neither (a program attaching to a tun that is down: the kernel announces carrier
   *  changes of running devices only; a second one attaching to a multi-queue tun whose carrier
   *  is already on; a descriptor passed over a unix socket), and, without process events, how
   *  exits are seen.
   *  That call also re-reads the links of namespaces with a transient tun: its persist flag can
   *  be switched on without any event. */
  private scanTunOwners(periodic = false): void {
    if (this.stopped) return;
    if (!this.m.hasTuns()) return;
    if (periodic) {
      for (const id of this.m.namespacesWithTransientTuns()) this.recs.get(id)?.request({ links: true });
    }
    void this.tunScan.run();
  }

  private async scanTunOwnersOnce(): Promise<void> {
    if (!this.m.hasTuns()) return; // (a scan asked for meanwhile, and the tuns are gone)
    try {
      this.counters.tunScans++;
      const holds = await scanTunHolders();
      if (this.stopped) return;
      this.tunHolders = new Set(holds.map((h) => h.pid));
      this.m.setTunOwners(assignOwners(holds, this.m.tunNames()));
      this.scheduleFlush();
    } catch (err) {
      this.log(`tun owners: ${errText(err)}`);
    }
  }

  // ---- deltas and status --------------------------------------------------------------------

  private scheduleFlush(): void {
    // Before init is done nobody can listen yet: the model is built once, by init's own flush
    // (a flush per read of a thousand namespaces would build most interfaces twice or more,
    // first with their veth peers unresolved).
    if (this.flushQueued || this.stopped || !this.started) return;
    this.flushQueued = true;
    setImmediate(() => this.flushNow());
  }

  private flushNow(): void {
    this.flushQueued = false;
    if (this.stopped) return;
    const deltas = this.m.takeDeltas();
    if (deltas.length) {
      this.seq++;
      this.emit('delta', { seq: this.seq, deltas } satisfies DeltaBatch);
    }
    // FDB changes held back by the model's coalescing go out in a flush when they are due.
    const due = this.m.fdbDueIn();
    if (due !== null && !this.fdbTimer) {
      this.fdbTimer = setTimeout(() => { this.fdbTimer = null; this.scheduleFlush(); }, due);
      this.fdbTimer.unref?.();
    }
    this.emitStatus();
  }

  private emitStatus(): void {
    const s = this.status();
    // Interface counts alone do not make a status notification (they change with every delta).
    const key = JSON.stringify({ ...s, interfaces: 0 });
    if (key === this.statusKey) return;
    this.statusKey = key;
    this.emit('status', s);
  }

  private discoveryText(): string {
    const o = this.procOpts;
    if (this.procTriggers.active) return `process events (full /proc rescan every ${o.procRescanMs / 1000} s as a backstop)`;
    return `rescanning /proc every ${o.rescanMs / 1000} s; process events not used: ${this.procTriggers.unavailable ?? 'not started yet'}`;
  }

  private limitation(): string | null {
    const parts: string[] = [];
    if (!this.privileged) {
      parts.push('Not running as root: showing only this process\'s network namespace; run with sudo '
        + '(or grant CAP_NET_ADMIN+CAP_SYS_ADMIN) to see all namespaces'
        + (this.privilegeReason ? ` (entering a namespace failed: ${this.privilegeReason})` : ''));
      const unread = this.failed.size;
      if (unread) parts.push(`${unread} other namespace${unread > 1 ? 's are' : ' is'} listed but cannot be read`);
      if (this.unreadableProcs) parts.push(`${this.unreadableProcs} process${this.unreadableProcs > 1 ? 'es' : ''} of other users cannot be inspected, so namespaces only they use are not listed`);
      if (!this.hostKnown) parts.push('pid 1 cannot be inspected, so this namespace is assumed to be the host\'s');
    } else if (this.failed.size) {
      parts.push(`${this.failed.size} namespace(s) could not be read (see their error)`);
    }
    return parts.length ? parts.join('; ') : null;
  }
}
