// One network namespace, read live: the addon's handle bound to it (a netlink socket), its kernel
// events applied to the model as they arrive, and the follow-up reads run here, one at a time.
//
// The job loop (runJobs). Jobs are flags in `needs`, set through request(): by the model when an
// event calls for a read (routes: IPv4 drops routes without an event when a link goes down; links:
// a veth's far end changed; nsids: a veth names its peer's namespace by an nsid not known yet;
// resync: the kernel said events were lost, ENOBUFS), by the engine (Engine.resync, recheckLinks
// after a lab changed the kernel), by the reconciliation turn (requestReconcile, from
// reconcile-turns.ts) and by the confirm timer below. The loop takes the set flags, clears them,
// runs one round, lets the engine hand out what the round's model changes ask for
// (Engine.afterApply, which may set flags here again), and goes round until no flag is left. A
// round:
//
//   1. The dump: links only, or links + addresses + routes + bridges' FDB for a resync (the first read of the
//      namespace, lost events, a failed round) and for a reconciliation pass (whose differences
//      from the model are counted: what no event brought).
//      While it runs, the namespace's events are HELD, not applied. When it returns, its records
//      replace the model's and the held events are REPLAYED on top of them.
//   2. nsids: the namespace's nsid map, looked up only for the nsids its links name and it does
//      not know yet (refreshNsids).
//   3. routes, unless the dump read them already.
//
// Why hold and replay: a dump cannot be ordered against events (events carry nlmsg_seq 0 and no
// generation). A held event was sent either after the dump read the kernel — newer, it must win —
// or before it and was still on its way — older, it may undo what the dump just read (a half-built
// veth's first announcement, a link's record from before an alias change the kernel never
// announced). The two cannot be told apart, so every held event is replayed, and when one says
// something else about a link than the dump did, the links are CONFIRMED by one more read 50 ms
// later, when such stragglers are all in; that confirming read asks for no further confirmation,
// so the loop cannot chase itself. Events that arrive within LATE_EVENT_MS after a dump are checked
// against it the same way (they may have been in the socket before the dump read the kernel).
//
// A round that fails (an interrupted dump, NLM_F_DUMP_INTR, or any other error) is followed after
// 50 ms by a resync: the namespace read from scratch. Closing the reader (or stopping the engine)
// ends the loop after the round in progress.
import type { NamespaceHandle, RawEvent, RawLink, SubscribeOptions } from '../../native/types';
import { sameLinkState, type LiveModel, type NsNeeds } from './model';
import type { NsInfo } from './namespaces';
import { nsIdOf } from './translate';
import { ifaceId } from '../contract';
import { LastRows, RateTracker } from './rates';
import type { ReconcileCandidate } from './reconcile-turns';

/** How long after a links dump arriving events are still suspected of predating it, ms. The addon
 *  delivers what was in the socket within a few ms; this leaves room for a busy machine. */
const LATE_EVENT_MS = 250;
/** Delay of the confirming links read after a disagreement, and of the resync after a failed round, ms. */
const CONFIRM_MS = 50;
const RETRY_MS = 50;

/** The engine's counts (EngineStats in index.ts) that readers add to. */
export type ReaderCount = 'resyncDumps' | 'reconcilePasses' | 'reconcileFixes' | 'confirmDumps';

/** What a reader needs from the engine around it. */
export interface ReaderHost {
  readonly model: LiveModel;
  stopped(): boolean;
  log(msg: string): void;
  count(what: ReaderCount, n?: number): void;
  /** Kernel events arrived just now; `resyncs` are the kernel's signals among them that events
   *  were lost (ENOBUFS) or a dump was interrupted, with their reasons. */
  eventsArrived(nsId: string, resyncs: string[]): void;
  /** The model changed: hand out the follow-up work it asks for, queue the deltas. */
  afterApply(): void;
  /** Every namespace with an open reader (this one included), in discovery order, for the nsid
   *  map; iterated lazily (a lookup usually stops after a few). */
  namespaces(): Iterable<NsInfo>;
  /** The namespace with an open reader by id, if any. */
  namespace(nsId: string): NsInfo | undefined;
  /** handle.getNsids(paths), sent together with the other readers' asks (nsid-asks.ts). */
  getNsids(handle: NamespaceHandle, paths: readonly string[]): Promise<(number | null)[]>;
}

/** getNsid queries in one step of an nsid lookup's sweep at most (steps double from one up to
 *  this; the sweep stops between steps once every nsid it looked for is found). */
const NSID_STEP = 256;

const noNeeds = (): NsNeeds => ({ links: false, routes: false, nsids: false, resync: false });

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

export class NamespaceReader implements ReconcileCandidate {
  readonly id: string;
  /** Refreshed by every discovery pass (pids, label, the path that names it). */
  info: NsInfo;
  /** The engine's counter sweep reads the namespace's counters through it. */
  readonly handle: NamespaceHandle;
  /** Previous counter samples, by ifindex (for the counter sweep). */
  readonly rates = new RateTracker<number>();
  /** The rows of the last sweep that was looked at key by key (so an unchanged one need not be). */
  readonly lastRows = new LastRows();
  /** The id of this namespace's interface `index` (counter frames name interfaces by it). */
  readonly idOf = (index: number): string => ifaceId(this.id, index);
  closed = false;
  /** Jobs to run (see the loop above). */
  needs: NsNeeds = noNeeds();
  /** A full re-dump (resync) is running. */
  resyncing = false;
  /** When this namespace's last kernel event arrived, and reconciliation turns it let pass since. */
  lastEventAt = 0;
  reconcileDeferred = 0;
  /** Events held back while a dump runs (null when none runs). */
  private held: RawEvent[] | null = null;
  /** A reconciliation pass is due (links + addresses + routes, counted). */
  private reconcile = false;
  /** The next links dump confirms an earlier one (and asks for no further confirmation). */
  private confirm = false;
  private confirmTimer: NodeJS.Timeout | null = null;
  /** The first full dump is done (later ones count as re-reads). */
  private dumpedOnce = false;
  /** The last links dump, for a short while after it: events arriving then may still predate it. */
  private lastDump: { at: number; byIndex: Map<number, RawLink>; confirming: boolean } | null = null;
  private running = false;
  private subscribed = false;
  /** The job loop in progress (or the last one, settled). */
  private loop: Promise<void> | null = null;

  constructor(info: NsInfo, handle: NamespaceHandle, private readonly host: ReaderHost) {
    this.id = info.id;
    this.info = info;
    this.handle = handle;
  }

  /** Subscribes to the namespace's events (before start: a namespace's events must flow before
   *  its first read). Separate from start so that the engine can subscribe every namespace it
   *  opens at once before any of them is read: joining multicast groups while dumps run in other
   *  namespaces waits on the kernel's netlink table lock, and costs many times more. */
  subscribe(opts: SubscribeOptions): void {
    if (this.subscribed) return;
    this.subscribed = true;
    try {
      this.handle.subscribe((evs) => this.onEvents(evs), opts);
    } catch (err) {
      this.host.log(`subscribe ${this.id}: ${errText(err)}`);
    }
  }

  /** Subscribes (unless done) and reads the namespace; resolves when the first read is in. The
   *  first read runs like a resync: events arriving meanwhile are held and replayed on top of it. */
  async start(opts: SubscribeOptions): Promise<void> {
    this.subscribe(opts);
    this.needs.resync = true;
    this.loop = this.runJobs();
    await this.loop;
  }

  /** Asks for jobs; the loop runs them (started now if it is not running). */
  request(n: Partial<NsNeeds>): void {
    if (this.closed) return;
    this.needs.links ||= !!n.links; this.needs.routes ||= !!n.routes;
    this.needs.nsids ||= !!n.nsids; this.needs.resync ||= !!n.resync;
    if (!this.running) this.loop = this.runJobs();
  }

  /** Resolves when the job loop has nothing left (now, if it is not running). */
  settled(): Promise<void> { return this.running && this.loop ? this.loop : Promise.resolve(); }

  /** Asks for a reconciliation pass (its turn came: reconcile-turns.ts). */
  requestReconcile(): void {
    this.reconcile = true;
    this.request({});
  }

  /** What is in flight (for Engine.busy). */
  busy(): string[] {
    const out: string[] = [];
    if (this.running) out.push(`jobs ${this.id}`);
    if (this.held) out.push(`dump ${this.id}`);
    if (this.confirmTimer) out.push(`confirm ${this.id}`);
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.confirmTimer) { clearTimeout(this.confirmTimer); this.confirmTimer = null; }
    try { this.handle.unsubscribe(); } catch { /* already */ }
    try { this.handle.close(); } catch { /* already */ }
  }

  private onEvents(evs: RawEvent[]): void {
    if (this.closed || this.host.stopped()) return;
    this.lastEventAt = Date.now();
    const resyncs: string[] = [];
    for (const e of evs) if (e.type === 'resync') resyncs.push(e.reason);
    this.host.eventsArrived(this.id, resyncs);
    if (this.held) { for (const e of evs) this.held.push(e); return; }
    // Events just after a dump may have been sent before it (still in the socket or the addon's
    // queue when the dump read the kernel): checked like the held ones (see replay).
    if (this.lastDump) {
      if (Date.now() - this.lastDump.at > LATE_EVENT_MS) this.lastDump = null;
      else if (disagrees(this.lastDump.byIndex, evs)) {
        if (!this.lastDump.confirming) this.confirmSoon();
        this.lastDump = null;
      }
    }
    for (const e of evs) this.host.model.applyEvent(this.id, e);
    this.host.afterApply();
  }

  /** The job loop (see the top of this file): rounds until no job is left. */
  private async runJobs(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.closed && !this.host.stopped()) {
        const n = this.needs;
        const reconcile = this.reconcile && !n.resync; // a resync reads all that a pass would
        if (!n.links && !n.routes && !n.nsids && !n.resync && !reconcile) break;
        this.needs = noNeeds();
        this.reconcile = false;
        const confirming = this.confirm; this.confirm = false;
        try {
          if (n.resync || reconcile || n.links) await this.dump(n.resync ? 'resync' : reconcile ? 'reconcile' : 'links', confirming);
          if (n.nsids) await this.refreshNsids();
          if (n.routes && !n.resync && !reconcile) this.host.model.setRoutes(this.id, await this.handle.dumpRoutes());
        } catch (err) {
          if (this.closed || this.host.stopped()) break;
          // An interrupted dump (NLM_F_DUMP_INTR) or a transient failure: read again from scratch.
          this.host.log(`${this.id}: ${errText(err)}; re-reading the namespace`);
          this.needs.resync = true;
          await new Promise((res) => setTimeout(res, RETRY_MS));
        }
        this.host.afterApply();
      }
    } finally {
      this.running = false;
    }
  }

  /** Step 1 of a round: the dump, with this namespace's events held meanwhile and replayed after. */
  private async dump(what: 'links' | 'resync' | 'reconcile', confirming: boolean): Promise<void> {
    const m = this.host.model;
    this.held = [];
    this.resyncing = what === 'resync';
    let dumped: RawLink[] = [];
    try {
      if (what === 'links') {
        dumped = await this.handle.dumpLinks();
        m.replaceLinks(this.id, dumped);
      } else {
        // One native call for the four dumps (a pool round trip each cost more than the dumps).
        const { links, addrs, routes, fdb } = await this.handle.dumpAll();
        dumped = links;
        // FDB records replayed after the dump are exact (each names one entry and says all of it),
        // so the held neighbour events simply win over what the dump read.
        const changed = m.replaceLinks(this.id, links) + m.replaceAddrs(this.id, addrs)
          + (m.setRoutes(this.id, routes) ? 1 : 0) + m.replaceFdb(this.id, fdb, Date.now());
        m.routesRead(this.id);
        if (what === 'resync') {
          if (this.dumpedOnce) this.host.count('resyncDumps');
          this.dumpedOnce = true;
        } else {
          this.host.count('reconcilePasses');
          if (changed) {
            this.host.count('reconcileFixes', changed);
            this.host.log(`${this.id}: reconciliation found ${changed} change(s) no event had brought`);
          }
        }
      }
    } finally {
      // Also after a failed dump: what was held is applied (the resync that follows reads over it).
      const held = this.held; this.held = null; this.resyncing = false;
      if (this.replay(held, dumped, confirming) && !confirming) this.confirmSoon();
    }
  }

  /** Applies the events held during a dump over it; returns whether one of them disagreed with
   *  the dump about a link (then the links are confirmed by one more read). */
  private replay(held: RawEvent[], dumped: readonly RawLink[], confirming: boolean): boolean {
    const byIndex = new Map(dumped.map((l) => [l.index, l]));
    this.lastDump = dumped.length ? { at: Date.now(), byIndex, confirming } : null;
    const disagree = disagrees(byIndex, held);
    for (const e of held) this.host.model.applyEvent(this.id, e);
    return disagree;
  }

  /** One more links read shortly (one at a time); that read asks for no further confirmation. */
  private confirmSoon(): void {
    if (this.confirmTimer || this.closed || this.host.stopped()) return;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = null;
      if (this.closed || this.host.stopped()) return;
      this.host.count('confirmDumps');
      this.confirm = true;
      this.request({ links: true });
    }, CONFIRM_MS);
    this.confirmTimer.unref?.();
  }

  /** Step 2: this namespace's nsid → inode map (RTM_GETNSID), for the nsids its links name and
   *  the map does not know. An nsid stays bound to its namespace until a delnsid event (which the
   *  model applies itself), so known entries are kept and only the unknown ones are looked up: one
   *  getNsid query per namespace that might be behind them (a step's queries in one native call), first those that know this one (the
   *  other end of a veth pair has usually learned our nsid already: one query), then the others
   *  in discovery order, a few at a time, stopping once all are found. A new namespace thus
   *  costs a query or two, not one per namespace of the machine. */
  private async refreshNsids(): Promise<void> {
    const m = this.host.model;
    const map = new Map(m.nsidMap(this.id));
    // Entries for namespaces that are gone are dropped (their nsid will be released).
    for (const [nsid, inode] of map) if (!this.host.namespace(nsIdOf(inode))) map.delete(nsid);
    const wanted = m.unresolvedNsids(this.id, map);
    if (wanted.size) {
      const asked = new Set<string>(map.size ? [...map.values()].map(nsIdOf) : []);
      asked.add(this.id);
      // One native call per step, with the other readers' steps of this turn (its queries one
      // after another on one pool thread). A null
      // answer: the path's process exited; the next rescan gives another.
      const ask = async (batch: NsInfo[]) => {
        let nsids: (number | null)[];
        try { nsids = await this.host.getNsids(this.handle, batch.map((o) => o.refPath)); } catch { return; /* closed meanwhile */ }
        batch.forEach((other, k) => {
          const nsid = nsids[k];
          if (nsid !== null && nsid >= 0) { map.set(nsid, other.inode); wanted.delete(nsid); }
        });
      };
      // Those that know this namespace, all at once (each is likely behind one of the nsids); then
      // the rest, in steps that double up to NSID_STEP.
      const sweep = async (infos: Iterable<NsInfo>, first: number) => {
        let batch: NsInfo[] = []; let size = first;
        for (const other of infos) {
          if (!wanted.size || this.closed) return;
          if (asked.has(other.id) || !other.refPath) continue;
          asked.add(other.id);
          batch.push(other);
          if (batch.length >= size) { await ask(batch); batch = []; size = Math.min(NSID_STEP, size * 2); }
        }
        if (batch.length && wanted.size) await ask(batch);
      };
      const knowing = m.namespacesKnowing(this.id).map((id) => this.host.namespace(id)).filter((x): x is NsInfo => !!x);
      await sweep(knowing, Math.max(1, knowing.length));
      await sweep(this.host.namespaces(), 1);
    }
    m.setNsidMap(this.id, map);
  }
}
