// The engine: every network namespace of the machine read live from the kernel into one model.
//
//   const e = await Engine.start({ sampleHz: 10 });
//   e.on('delta', (b: DeltaBatch) => ...); e.on('counters', (f: CounterFrame) => ...);
//   e.snapshot();  await e.waitIdle();  await e.stop();
//
// One NamespaceHandle (a netlink socket bound to the namespace) per namespace: dumped once, then
// kept right by the kernel's events (event-driven, not polled). Follow-up work that the events
// call for (routes IPv4 drops silently, a moved veth's far end, nsid maps, a full re-dump after
// ENOBUFS) runs per namespace, one job at a time, with the namespace's events held back while its
// links/addresses are being re-dumped and replayed on top of the dump afterwards, so the model
// never goes back in time.
//
// The kernel is silent on a few changes (an alias set on a DOWN link sends no RTM_NEWLINK at all,
// a veth's far end is not told when its peer moves), and a dump cannot be ordered exactly against
// events (they carry nlmsg_seq 0 and no generation). Events stay the primary path; the answers
// to that silence are: the model points veth peers back symmetrically (model.ts), a re-dump whose
// replayed events disagree with it is confirmed by one more read shortly after, and a low-rate
// reconciliation pass (`reconcileMs`) re-dumps each namespace's links, addresses and routes every
// few seconds, staggered across namespaces, counting what it had to correct (`stats()`).
//
// This file keeps the model's bookkeeping (namespaces, per-namespace job loop, deltas, status); the
// timing rules that decide when work runs each live in a file of their own: rescan-triggers.ts
// (when discovery runs), reconcile-turns.ts (whose reconciliation turn it is), counter-sampler.ts
// (the counter clock), coalesced.ts (discovery and tun-owner scans never overlap nor miss a
// request); options.ts holds the options and their limits.
import { EventEmitter } from 'node:events';
import type { CounterFrame, DeltaBatch, EngineStatus, Model } from '../contract';
import type { NamespaceHandle, NativeAddon, RawEvent, RawLink } from '../../native/types';
import { loadNative } from '../../native';
import { LiveModel, sameLinkState, type NsNeeds } from './model';
import { discover, type NsInfo } from './namespaces';
import { FrameClock, RateTracker } from './rates';
import { assignOwners, scanTunHolders } from './tunowners';
import { Coalesced } from './coalesced';
import { CounterSampler } from './counter-sampler';
import { ReconcileTurns } from './reconcile-turns';
import { RescanTriggers } from './rescan-triggers';
import { MAX_HZ, MIN_HZ, defaultReconcileMs, defaultSampleHz, type EngineOptions } from './options';
import { ifaceId } from './translate';
import { STATS_FIELDS } from '../contract';

// The options and their limits live in options.ts; these were always importable from here.
export { MAX_HZ, MIN_HZ, defaultSampleHz, type EngineOptions };

const ENGINE_VERSION = '0.1.0';

interface NsRec {
  id: string;
  info: NsInfo;
  handle: NamespaceHandle;
  /** Events held back while links/addresses are being dumped. */
  held: RawEvent[] | null;
  needs: NsNeeds;
  /** A reconciliation pass is due (links + addresses + routes, counted). */
  reconcile: boolean;
  /** The next links dump confirms an earlier one (and asks for no further confirmation). */
  confirm: boolean;
  confirmTimer: NodeJS.Timeout | null;
  /** A full re-dump (resync) is running. */
  resyncing: boolean;
  /** The first full dump is done (later ones count as re-reads). */
  dumpedOnce: boolean;
  /** When this namespace's last kernel event arrived, and reconciliation turns it let pass since. */
  lastEventAt: number;
  reconcileDeferred: number;
  /** The last links dump, for a short while after it: events arriving then may still predate it. */
  lastDump: { at: number; byIndex: Map<number, RawLink>; confirming: boolean } | null;
  running: boolean;
  closed: boolean;
  /** Previous counter samples, by ifindex. */
  rates: RateTracker<number>;
}

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
}

/** How long after a links dump arriving events are still suspected of predating it, ms. The addon
 *  delivers what was in the socket within a few ms; this leaves room for a busy machine. */
const LATE_EVENT_MS = 250;

/** Whether any link record among `evs` says something else than the dump (`byIndex`) about that
 *  link. Kind-less AF_BRIDGE port notices are partial records, not a disagreement. */
function disagrees(byIndex: ReadonlyMap<number, RawLink>, evs: readonly RawEvent[]): boolean {
  for (const e of evs) {
    if (e.type !== 'newlink' || e.link.kind === '') continue;
    const d = byIndex.get(e.link.index);
    if (d && !sameLinkState(d, e.link)) return true;
  }
  return false;
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
  private readonly recs = new Map<string, NsRec>();
  /** Namespaces we could not open, with the path we tried (retried only if the path changes). */
  private readonly failed = new Map<string, string | null>();
  private readonly opening = new Map<string, Promise<void>>();
  private readonly clock = new FrameClock();
  private readonly log: (msg: string) => void;
  private readonly netnsDir: string;
  private readonly rescanTriggers: RescanTriggers;
  private readonly reconcileTurns: ReconcileTurns<NsRec>;
  private readonly counters: EngineStats = { resyncSignals: 0, resyncDumps: 0, reconcilePasses: 0, reconcileFixes: 0, confirmDumps: 0 };
  private readonly rcvbuf: number | undefined;
  private readonly maxQueuedBatches: number | undefined;
  private seq = 0;
  private hz: number;
  private privileged = false;
  private privilegeReason = '';
  private hostKnown = true;
  private unreadableProcs = 0;
  private stopped = false;
  private flushQueued = false;
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
    this.log = opts.log ?? (() => {});
    this.netnsDir = opts.netnsDir ?? '/run/netns';
    this.rescanTriggers = new RescanTriggers(this.netnsDir, opts.rescanMs ?? 1000, () => { void this.rescan(); });
    const reconcileMs = opts.reconcileMs ?? defaultReconcileMs();
    if (!Number.isFinite(reconcileMs) || reconcileMs < 0) throw new RangeError(`reconcileMs must be 0 or more, got ${reconcileMs}`);
    this.rcvbuf = opts.rcvbuf;
    this.maxQueuedBatches = opts.maxQueuedBatches;
    const hz = opts.sampleHz ?? defaultSampleHz();
    if (hz !== 0) Engine.checkHz(hz);
    this.hz = hz;
    this.reconcileTurns = new ReconcileTurns<NsRec>(reconcileMs, () => [...this.recs.values()],
      () => this.stopped || this.discovery.current !== null, (r) => { r.reconcile = true; this.kick(r, {}); });
    this.discovery = new Coalesced(() => this.rescanOnce(), () => !this.stopped, (err) => this.log(`rescan failed: ${errText(err)}`));
    this.tunScan = new Coalesced(() => this.scanTunOwnersOnce(), () => !this.stopped, () => { /* scanTunOwnersOnce logs */ });
    this.sampler = new CounterSampler(() => this.sampleOnce(), this.log);
  }

  static checkHz(hz: unknown): number {
    if (typeof hz !== 'number' || !Number.isFinite(hz) || hz < MIN_HZ || hz > MAX_HZ) {
      throw new RangeError(`hz must be a number from ${MIN_HZ} to ${MAX_HZ}, got ${JSON.stringify(hz)}`);
    }
    return hz;
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
    await this.rescan();
    this.rescanTriggers.start();
    this.reconcileTurns.start();
    this.flushNow();
    this.setSampleRate(this.hz);
    this.emitStatus();
  }

  // ---- public API -----------------------------------------------------------------------------

  /** The whole model (deltas so far applied). */
  model(): Model { this.flushNow(); return this.m.snapshot(); }

  /** The model and the seq it corresponds to: deltas with a greater seq follow it. */
  snapshot(): { seq: number; model: Model } { this.flushNow(); return { seq: this.seq, model: this.m.snapshot() }; }

  get sampleHz(): number { return this.hz; }

  /** The engine's handle bound to a namespace (for callers that act on it, e.g. labs), or null
   *  when the namespace is unknown or could not be opened. The engine owns it: do not close it. */
  handleFor(nsId: string): NamespaceHandle | null {
    const r = this.recs.get(nsId);
    return r && !r.closed ? r.handle : null;
  }

  /** How many times the kernel said events were lost (ENOBUFS) and a namespace was re-read. */
  get resyncs(): number { return this.counters.resyncSignals; }

  /** Counts of the engine's re-reads (see EngineStats). */
  stats(): EngineStats { return { ...this.counters }; }

  /** Changes the counter sample rate (0.5..50 Hz; 0 stops sampling). */
  setSampleRate(hz: number): number {
    if (hz !== 0) Engine.checkHz(hz);
    this.hz = hz;
    this.sampler.setRate(hz);
    this.emitStatus();
    return hz;
  }

  status(): EngineStatus {
    const c = this.m.counts();
    return {
      version: ENGINE_VERSION, pid: process.pid, privileged: this.privileged,
      limitation: this.limitation(), sampleHz: this.hz, namespaces: c.namespaces, interfaces: c.interfaces,
    };
  }

  /** What is in flight right now (empty when idle); for waitIdle and for diagnosing. */
  busy(): string[] {
    const out: string[] = [];
    if (this.discovery.current) out.push('rescan');
    if (this.tunScan.current) out.push('tun owners');
    for (const id of this.opening.keys()) out.push(`opening ${id}`);
    if (this.flushQueued) out.push('flush');
    for (const r of this.recs.values()) {
      if (r.running) out.push(`jobs ${r.id}`);
      if (r.held) out.push(`dump ${r.id}`);
      if (r.confirmTimer) out.push(`confirm ${r.id}`);
    }
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
   * Re-reads the links of every namespace, for the engine's own changes (labs, canvas builds): the
   * kernel announces an alias set on a DOWN link with no event at all (notes/bugs.md #2), and those
   * changes mark their links with an alias. The change's own events (a link's creation, without
   * its alias yet) must be taken in first: one still on its way when a dump runs is held and
   * replayed over the dump. They are in the kernel's socket when the change returns, and the addon
   * delivers them in batches of at most a few ms: so read after 25 ms of calm, and once more
   * later for a busy machine. Resolves when the dumps are in.
   */
  async recheckLinks(): Promise<void> {
    for (const delay of [25, 250]) {
      await new Promise((res) => setTimeout(res, delay).unref?.());
      if (this.stopped) return;
      try { await this.waitIdle(10, 2_000); } catch { /* still busy: read anyway */ }
      for (const r of this.recs.values()) this.kick(r, { links: true });
      try { await this.waitIdle(0, 5_000); } catch { /* the jobs finish on their own */ }
    }
  }

  /** Re-reads every namespace from scratch (the model then equals the kernel's state). */
  async resync(): Promise<void> {
    await this.rescan();
    for (const r of this.recs.values()) this.kick(r, { resync: true });
    await this.waitIdle(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.rescanTriggers.stop();
    this.reconcileTurns.stop();
    const sweep = this.sampler.stop();
    await Promise.allSettled([this.discovery.current, sweep, ...this.opening.values()]);
    for (const r of this.recs.values()) this.closeRec(r);
    this.recs.clear();
    this.removeAllListeners();
  }

  // ---- namespaces -----------------------------------------------------------------------------

  /** One discovery pass (coalesced: at most one running and one queued). */
  rescan(): Promise<void> { return this.discovery.run(); }

  private async rescanOnce(): Promise<void> {
    if (this.stopped) return;
    const d = discover(this.netnsDir);
    this.hostKnown = d.hostKnown;
    this.unreadableProcs = d.unreadable;
    const ids = new Set(d.namespaces.map((n) => n.id));
    for (const id of this.m.namespaceIds()) {
      if (ids.has(id)) continue;
      const r = this.recs.get(id);
      if (r) { this.closeRec(r); this.recs.delete(id); }
      this.failed.delete(id);
      this.m.removeNamespace(id);
    }
    const opens: Promise<void>[] = [];
    for (const info of d.namespaces) {
      this.m.upsertNamespace(info);
      const r = this.recs.get(info.id);
      if (r) { r.info = info; continue; }
      if (this.opening.has(info.id)) { opens.push(this.opening.get(info.id)!); continue; }
      if (this.failed.has(info.id) && this.failed.get(info.id) === info.openPath) continue;
      const p = this.open(info).finally(() => this.opening.delete(info.id));
      this.opening.set(info.id, p);
      opens.push(p);
    }
    this.m.reorder(d.namespaces.map((n) => n.id));
    this.rescanTriggers.watch();
    this.rescanTriggers.pendingNamed(d.pending.length);
    await Promise.all(opens);
    this.scanTunOwners(true);
    this.scheduleFlush();
  }

  private async open(info: NsInfo): Promise<void> {
    let handle: NamespaceHandle;
    try {
      handle = await this.native.openNamespace(info.openPath);
    } catch (err) {
      this.failed.set(info.id, info.openPath);
      this.m.setError(info.id, this.privileged ? `cannot read this namespace: ${errText(err)}`
        : 'cannot read this namespace: not privileged');
      this.scheduleFlush();
      return;
    }
    if (handle.inode !== info.inode || this.stopped || !this.m.has(info.id)) {
      // The process we went through exited and its pid was reused, or the namespace went away.
      handle.close();
      if (!this.stopped && this.m.has(info.id)) this.rescanTriggers.soon(10);
      return;
    }
    this.failed.delete(info.id);
    this.m.setError(info.id, undefined);
    const rec: NsRec = {
      id: info.id, info, handle, held: null, closed: false, running: false, rates: new RateTracker<number>(),
      reconcile: false, confirm: false, confirmTimer: null, resyncing: false, dumpedOnce: false,
      lastEventAt: 0, reconcileDeferred: 0, lastDump: null,
      needs: { links: false, routes: false, nsids: false, resync: false },
    };
    this.recs.set(info.id, rec);
    try {
      handle.subscribe((evs) => this.onEvents(rec, evs), { rcvbuf: this.rcvbuf, maxQueuedBatches: this.maxQueuedBatches });
    } catch (err) {
      this.log(`subscribe ${info.id}: ${errText(err)}`);
    }
    // The first dump runs like a resync: events held meanwhile are replayed on top of it.
    // (Its nsid map is asked for only if one of its veths names a peer namespace by nsid.)
    await this.runJobs(rec, { links: false, routes: false, nsids: false, resync: true });
    // A namespace whose veth points at this one through a yet unknown nsid can resolve it now.
    for (const other of this.recs.values()) {
      if (other !== rec && this.m.hasUnresolvedPeers(other.id)) this.kick(other, { nsids: true });
    }
  }

  private closeRec(r: NsRec): void {
    if (r.closed) return;
    r.closed = true;
    if (r.confirmTimer) { clearTimeout(r.confirmTimer); r.confirmTimer = null; }
    try { r.handle.unsubscribe(); } catch { /* already */ }
    try { r.handle.close(); } catch { /* already */ }
  }

  // ---- events and follow-up jobs --------------------------------------------------------------

  private onEvents(r: NsRec, evs: RawEvent[]): void {
    if (r.closed || this.stopped) return;
    this.lastEventAt = Date.now();
    r.lastEventAt = this.lastEventAt;
    for (const e of evs) {
      if (e.type !== 'resync') continue;
      this.counters.resyncSignals++;
      this.log(`${r.id}: ${e.reason}; re-reading the namespace`);
      this.emit('resync', { nsId: r.id, reason: e.reason });
    }
    if (r.held) { for (const e of evs) r.held.push(e); return; }
    // Events just after a dump may have been sent before it (still in the socket or the addon's
    // queue when the dump read the kernel): treated like the held ones (see replay).
    if (r.lastDump) {
      if (Date.now() - r.lastDump.at > LATE_EVENT_MS) r.lastDump = null;
      else if (disagrees(r.lastDump.byIndex, evs)) {
        if (!r.lastDump.confirming) this.scheduleConfirm(r);
        r.lastDump = null;
      }
    }
    for (const e of evs) this.m.applyEvent(r.id, e);
    this.afterApply();
  }

  private afterApply(): void {
    const needs = this.m.takeNeeds();
    for (const [id, n] of needs.perNs) {
      const r = this.recs.get(id);
      if (r) this.kick(r, n);
    }
    if (needs.rescan) this.rescanTriggers.soon(0);
    if (needs.tunScan) this.scanTunOwners();
    for (const id of needs.recheck) {
      const t = setTimeout(() => { const r = this.recs.get(id); if (r) this.kick(r, { links: true }); }, 25);
      t.unref?.();
    }
    this.scheduleFlush();
  }

  private kick(r: NsRec, n: Partial<NsNeeds>): void {
    if (r.closed) return;
    r.needs.links ||= !!n.links; r.needs.routes ||= !!n.routes;
    r.needs.nsids ||= !!n.nsids; r.needs.resync ||= !!n.resync;
    if (!r.running) void this.runJobs(r, { links: false, routes: false, nsids: false, resync: false });
  }

  /** Runs a namespace's pending jobs one after the other until none is left. */
  private async runJobs(r: NsRec, extra: NsNeeds): Promise<void> {
    r.needs.links ||= extra.links; r.needs.routes ||= extra.routes;
    r.needs.nsids ||= extra.nsids; r.needs.resync ||= extra.resync;
    if (r.running) return;
    r.running = true;
    try {
      while (!r.closed && !this.stopped) {
        const n = r.needs;
        const reconcile = r.reconcile && !n.resync;
        if (!n.links && !n.routes && !n.nsids && !n.resync && !reconcile) break;
        r.needs = { links: false, routes: false, nsids: false, resync: false };
        r.reconcile = false;
        const confirming = r.confirm; r.confirm = false;
        try {
          if (n.resync || n.links || reconcile) {
            r.held = [];
            r.resyncing = n.resync;
            let dumped: RawLink[] = [];
            try {
              if (n.resync || reconcile) {
                const [links, addrs, routes] = await Promise.all([
                  r.handle.dumpLinks(), r.handle.dumpAddrs(), r.handle.dumpRoutes(),
                ]);
                dumped = links;
                const changed = this.m.replaceLinks(r.id, links) + this.m.replaceAddrs(r.id, addrs)
                  + (this.m.setRoutes(r.id, routes) ? 1 : 0);
                if (n.resync) {
                  if (r.dumpedOnce) this.counters.resyncDumps++;
                  r.dumpedOnce = true;
                } else {
                  this.counters.reconcilePasses++;
                  if (changed) {
                    this.counters.reconcileFixes += changed;
                    this.log(`${r.id}: reconciliation found ${changed} change(s) no event had brought`);
                  }
                }
              } else {
                dumped = await r.handle.dumpLinks();
                this.m.replaceLinks(r.id, dumped);
              }
            } finally {
              const held = r.held; r.held = null; r.resyncing = false;
              if (this.replay(r, held, dumped, confirming) && !confirming) this.scheduleConfirm(r);
            }
          }
          if (n.nsids) await this.refreshNsids(r);
          if (n.routes && !n.resync && !reconcile) this.m.setRoutes(r.id, await r.handle.dumpRoutes());
        } catch (err) {
          if (r.closed || this.stopped) break;
          // An interrupted dump (NLM_F_DUMP_INTR) or a transient failure: try again from scratch.
          this.log(`${r.id}: ${errText(err)}; re-reading the namespace`);
          r.needs.resync = true;
          await new Promise((res) => setTimeout(res, 50));
        }
        this.afterApply();
      }
    } finally {
      r.running = false;
    }
  }

  /**
   * Applies the events held back during a dump. Which of them the kernel sent before the dump read
   * its state cannot be told (events carry no sequence), so one that says something else about a
   * link than the dump did may be older than it (a half-built veth's announcement, a link's record
   * from before a silent alias change) or newer. Returns whether any such disagreement was seen:
   * the caller then reads the links once more, when those stragglers are all in. Events arriving
   * within LATE_EVENT_MS after the dump are checked the same way (onEvents).
   */
  private replay(r: NsRec, held: RawEvent[], dumped: readonly RawLink[], confirming: boolean): boolean {
    const byIndex = new Map(dumped.map((l) => [l.index, l]));
    r.lastDump = dumped.length ? { at: Date.now(), byIndex, confirming } : null;
    const disagree = disagrees(byIndex, held);
    for (const e of held) this.m.applyEvent(r.id, e);
    return disagree;
  }

  /** One more links read of `r` shortly (coalesced); that read asks for no further confirmation. */
  private scheduleConfirm(r: NsRec): void {
    if (r.confirmTimer || r.closed || this.stopped) return;
    r.confirmTimer = setTimeout(() => {
      r.confirmTimer = null;
      if (r.closed || this.stopped) return;
      this.counters.confirmDumps++;
      r.confirm = true;
      this.kick(r, { links: true });
    }, 50);
    r.confirmTimer.unref?.();
  }

  // The reconciliation pass, the answer to kernel silence (not a substitute for events): every
  // `reconcileMs`, each namespace's links, addresses and routes are dumped once more (runJobs, with
  // r.reconcile set) and differences become ordinary deltas, counted in stats(). Cheap: a 1,000-link
  // namespace dumps in a few ms, off the main thread; the model only marks what really differs.
  // When each namespace's turn comes: reconcile-turns.ts.

  /** This namespace's nsid → inode map (RTM_GETNSID). Incremental: only namespaces not yet in
   *  the map are asked about (an nsid stays bound to its namespace until a delnsid event, which the
   *  model applies itself), so a new namespace costs one query per namespace that needs it, not a
   *  full n×n refresh. */
  private async refreshNsids(r: NsRec): Promise<void> {
    const map = new Map(this.m.nsidMap(r.id));
    const known = new Set(map.values());
    // Entries for namespaces that are gone are dropped (their nsid will be released).
    const live = new Set([...this.recs.values()].map((x) => x.info.inode));
    for (const [nsid, inode] of map) if (!live.has(inode)) map.delete(nsid);
    await Promise.all([...this.recs.values()].map(async (other) => {
      if (other === r || !other.info.refPath || known.has(other.info.inode)) return;
      try {
        const nsid = await r.handle.getNsid(other.info.refPath);
        if (nsid >= 0) map.set(nsid, other.info.inode);
      } catch { /* the path's process exited: the next rescan gives another */ }
    }));
    this.m.setNsidMap(r.id, map);
  }

  /** Who holds each tun/tap (async, coalesced: one scan at a time, one more if asked meanwhile). */
  private scanTunOwners(periodic = false): void {
    if (this.stopped) return;
    if (!this.m.hasTuns()) return;
    if (periodic) {
      for (const id of this.m.namespacesWithTransientTuns()) {
        const r = this.recs.get(id);
        if (r) this.kick(r, { links: true });
      }
    }
    void this.tunScan.run();
  }

  private async scanTunOwnersOnce(): Promise<void> {
    if (!this.m.hasTuns()) return; // (a scan asked for meanwhile, and the tuns are gone)
    try {
      const holds = await scanTunHolders();
      if (this.stopped) return;
      this.m.setTunOwners(assignOwners(holds, this.m.tunNames()));
      this.scheduleFlush();
    } catch (err) {
      this.log(`tun owners: ${errText(err)}`);
    }
  }

  // ---- deltas and status --------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushQueued || this.stopped) return;
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

  // ---- counters -------------------------------------------------------------------------------

  /** One counter sweep now: every namespace's RTM_GETSTATS dump in parallel, one frame emitted
   *  (if anything changed). The sampler calls it at the sample rate; benches call it directly. */
  async sampleOnce(): Promise<void> {
    const recs = [...this.recs.values()].filter((r) => !r.closed);
    const t = performance.now();
    const frames = await Promise.all(recs.map((r) => r.handle.dumpStats().then((f) => ({ r, f }), () => null)));
    if (this.stopped) return;
    const { parts, intervalMs } = this.clock.begin(t);
    for (const x of frames) {
      if (!x || x.r.closed) continue;
      const { ifindex, values } = x.f;
      const r = x.r;
      const idOf = (index: number) => ifaceId(r.id, index);
      // Only interfaces the model knows (a brand-new one waits for its newlink to be applied).
      const known = this.m.linksOf(r.id);
      if (!known) continue;
      r.rates.begin(parts, t);
      for (let i = 0; i < ifindex.length; i++) {
        if (known.has(ifindex[i])) r.rates.add(ifindex[i], values, i * 8, idOf);
      }
      r.rates.end();
    }
    const frame: CounterFrame = { t: Date.now(), intervalMs, ids: parts.ids, stats: parts.stats, rates: parts.rates };
    // The model keeps current counters too (snapshots show them); only changed ones are in the frame.
    for (let k = 0; k < frame.ids.length; k++) {
      const id = frame.ids[k];
      const cut = id.lastIndexOf('/if:');
      const nsId = id.slice(0, cut); const index = Number(id.slice(cut + 4));
      const st = {} as Record<(typeof STATS_FIELDS)[number], number>;
      STATS_FIELDS.forEach((f, j) => { st[f] = frame.stats[k * 8 + j]; });
      this.m.setStats(nsId, index, st);
    }
    if (frame.ids.length) this.emit('counters', frame);
  }
}
