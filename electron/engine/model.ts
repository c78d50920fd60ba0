// The live model: raw kernel state per namespace, the model objects derived from it, and the
// deltas between what clients were last told and what is true now. No I/O here: the engine feeds
// it dumps and events and carries out the follow-up work it asks for (`takeNeeds`), which keeps
// this file testable with hand-built records.
//
// Changes are coalesced: an event marks an interface dirty; `takeDeltas()` recomputes dirty
// interfaces once and emits only what differs from what was last emitted (counters excluded:
// those travel in counter frames). It looks only at the namespaces something touched since the
// last call (`touched`), so a flush costs what changed, not the size of the machine: a host with
// a thousand namespaces flushes after every event and every re-read.
//
// Bridges' forwarding tables (FDB) are kept per bridge, entry by entry, from the FDB dump and the
// AF_BRIDGE neighbour events; a flush sends only the entries that changed (`fdb` deltas), and at
// most one batch of them per namespace every FDB_COALESCE_MS (a busy bridge learning many
// addresses sends a few deltas a second, not one per event); see fdbDueIn.
import {
  compareFdb, fdbKey, ifaceId, nsOfIface, type Delta, type FdbEntry, type FdbKey, type Interface, type Model, type Namespace,
  type Route, type Stats, type TunOwner,
} from '../contract';
import type { RawAddr, RawEvent, RawFdb, RawLink, RawRoute } from '../../native/types';
import type { NsInfo } from './namespaces';
import {
  addrContent, addrKey, addressList, addressPeers, IFF_UP, interfaceKind, nsIdOf, resolvePeer, toStats, translateFdb,
  translateLink, translateRoutes,
} from './translate';

/** At most one batch of FDB deltas per namespace this often, ms (the first after a quiet spell
 *  goes out at once). A flush that also changes interfaces of the namespace sends them too, so
 *  entries never outlive their port in what clients see. */
export const FDB_COALESCE_MS = 100;

/** An FDB record and when it was read (ms since the epoch). */
interface FdbRec { raw: RawFdb; readAt: number }

/** When the kernel last saw a frame from a learned entry's address, as far as a record tells. */
const refreshedAt = (r: FdbRec): number => r.readAt - (r.raw.updatedMs ?? 0);
const entryRefreshedAt = (e: FdbEntry): number => (e.readAt ?? 0) - (e.ageSeconds ?? 0) * 1000;
/** Refresh times closer than this are the same refresh (ticks and rounding). */
const REFRESH_SLACK_MS = 1000;

/** Whether two records of one entry say the same (its age aside, unless a refresh happened between them). */
function sameFdbRec(a: FdbRec, b: FdbRec): boolean {
  return a.raw.index === b.raw.index && a.raw.state === b.raw.state && a.raw.flags === b.raw.flags
    && Math.abs(refreshedAt(a) - refreshedAt(b)) <= REFRESH_SLACK_MS;
}

/** Whether clients holding `a` must be told `b`: another port or state, or a refresh seen since. */
function fdbEntryChanged(a: FdbEntry, b: FdbEntry): boolean {
  if (a.port !== b.port || a.state !== b.state || (a.ageSeconds === null) !== (b.ageSeconds === null)) return true;
  return a.ageSeconds !== null && entryRefreshedAt(b) - entryRefreshedAt(a) > REFRESH_SLACK_MS;
}

/** Follow-up work the model asks of the engine for one namespace. */
export interface NsNeeds {
  links: boolean;      // re-dump links (a veth peer elsewhere changed under it)
  routes: boolean;     // re-dump routes (IPv4 drops routes silently when a link goes down or away)
  nsids: boolean;      // refresh this namespace's nsid → namespace map
  resync: boolean;     // re-dump everything (ENOBUFS / interrupted dump)
}

interface NsState {
  info: NsInfo;
  error: string | undefined;
  links: Map<number, RawLink>;
  addrs: Map<number, Map<string, RawAddr>>;
  stats: Map<number, Stats>;
  routes: Route[];
  nsidToInode: Map<number, number>;
  /** What clients were last told, keyed by ifindex: the interface (stats excluded) as JSON. */
  emitted: Map<number, string>;
  current: Map<number, Interface>;
  dirty: Set<number>;
  routesEmitted: string;
  nsEmitted: string;
  /** Position in the namespace order (reorder), for emitting deltas in that order. */
  order: number;
  /** The inverse of nsidToInode: this namespace's nsid for a namespace inode. */
  inodeToNsid: Map<number, number>;
  /** Bridges' forwarding tables: bridge ifindex → fdbKey → record. */
  fdb: Map<number, Map<string, FdbRec>>;
  /** Entries changed since clients were last told, by bridge ifindex. */
  fdbDirty: Map<number, Set<string>>;
  /** What clients were last told of each bridge's table: bridge ifindex → fdbKey → entry. */
  fdbEmitted: Map<number, Map<string, FdbEntry>>;
  /** The next batch of FDB deltas goes out no earlier than this (FDB_COALESCE_MS). */
  fdbNextAt: number;
}

const ZERO_STATS: Stats = {
  rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0,
};

// Records are never mutated (changed copies are new objects), so a record's key is computed once:
// a re-dump (reconciliation) then stringifies only the fresh records, not the ones it compares with.
const keys = new WeakMap<RawLink, string>();
function rawKey(l: RawLink): string {
  let k = keys.get(l);
  if (k === undefined) {
    const { stats: _s, ...rest } = l;
    keys.set(l, (k = JSON.stringify(rest)));
  }
  return k;
}

/** Whether two records of a link say the same (counters aside). */
export function sameLinkState(a: RawLink, b: RawLink): boolean { return rawKey(a) === rawKey(b); }

function ifaceKey(i: Interface): string {
  const { stats: _s, ...rest } = i;
  return JSON.stringify(rest);
}

function nsPublic(s: NsState): Omit<Namespace, 'interfaces' | 'routes'> {
  const n: Omit<Namespace, 'interfaces' | 'routes'> = {
    id: s.info.id, inode: s.info.inode, kind: s.info.kind, name: s.info.name, label: s.info.label,
    pids: s.info.pids,
  };
  if (s.error !== undefined) n.error = s.error;
  return n;
}

/** Whether two descriptions of a namespace say the same in what clients see (nsPublic). */
function samePublicInfo(a: NsInfo, b: NsInfo): boolean {
  if (a.kind !== b.kind || a.name !== b.name || a.label !== b.label || a.pids.length !== b.pids.length) return false;
  for (let i = 0; i < a.pids.length; i++) if (a.pids[i] !== b.pids[i]) return false;
  return true;
}

export class LiveModel {
  private readonly ns = new Map<string, NsState>();
  /** Namespaces with something to look at in the next takeDeltas (see the top of this file). */
  private readonly touched = new Set<NsState>();
  private nextOrder = 0;
  /** Links in all namespaces, and how many of them are tun/tap (kept as links come and go, so
   *  the status and the periodic tun check cost nothing on a large host). */
  private linkCount = 0;
  private tunCount = 0;
  /** inode → the namespaces whose nsid map names it (candidates when resolving an nsid: a
   *  namespace that knows ours is the likeliest one behind an nsid we do not know yet). */
  private readonly knownBy = new Map<number, Set<string>>();
  private readonly removed: string[] = [];
  private readonly needs = new Map<string, NsNeeds>();
  private owners = new Map<number, Map<string, TunOwner[]>>();
  private rescanWanted = false;
  private tunScanWanted = false;
  /** [namespace, veth, gone index]: a veth whose same-namespace peer left (see forgetAsPeer). */
  private orphans: [string, number, number][] = [];
  /** Namespaces to read again shortly: see `recheck` in takeNeeds. */
  private readonly recheck = new Set<string>();
  /** Namespaces whose FDB changes wait for their turn (FDB_COALESCE_MS). */
  private readonly fdbWaiting = new Set<NsState>();

  has(nsId: string): boolean { return this.ns.has(nsId); }
  namespaceIds(): string[] { return [...this.ns.keys()]; }
  info(nsId: string): NsInfo | undefined { return this.ns.get(nsId)?.info; }

  // ---- namespaces -------------------------------------------------------------------------

  /** Adds a namespace or updates its description (kind, label, pids, paths). */
  upsertNamespace(info: NsInfo): void {
    const s = this.ns.get(info.id);
    if (s) {
      if (!samePublicInfo(s.info, info)) this.touched.add(s);
      s.info = info;
      return;
    }
    const fresh: NsState = {
      info, error: undefined, links: new Map(), addrs: new Map(), stats: new Map(), routes: [],
      nsidToInode: new Map(), emitted: new Map(), current: new Map(), dirty: new Set(),
      routesEmitted: '[]', nsEmitted: '', order: this.nextOrder++, inodeToNsid: new Map(),
      fdb: new Map(), fdbDirty: new Map(), fdbEmitted: new Map(), fdbNextAt: 0,
    };
    this.ns.set(info.id, fresh);
    this.touched.add(fresh);
    const i = this.removed.indexOf(info.id);
    if (i >= 0) this.removed.splice(i, 1);
  }

  setError(nsId: string, error: string | undefined): void {
    const s = this.ns.get(nsId);
    if (s && s.error !== error) { s.error = error; this.touched.add(s); }
  }

  /** An interface of `s` to recompute in the next takeDeltas. */
  private mark(s: NsState, idx: number): void {
    s.dirty.add(idx);
    this.touched.add(s);
  }

  /** Every link record goes in and out of a namespace's table through here (the counts). */
  private putLink(s: NsState, l: RawLink): void {
    const old = s.links.get(l.index);
    if (!old) this.linkCount++;
    if (old?.kind === 'tun') this.tunCount--;
    if (l.kind === 'tun') this.tunCount++;
    s.links.set(l.index, l);
  }

  private dropLink(s: NsState, idx: number): void {
    const old = s.links.get(idx);
    if (!old) return;
    this.linkCount--;
    if (old.kind === 'tun') this.tunCount--;
    s.links.delete(idx);
  }

  /** A namespace that is gone takes its interfaces with it: one `namespace-removed` delta. */
  removeNamespace(nsId: string): void {
    if (!this.ns.has(nsId)) return;
    const s = this.ns.get(nsId)!;
    for (const idx of [...s.links.keys()]) this.dropLink(s, idx);
    this.setNsidEntries(s, new Map());
    this.ns.delete(nsId);
    this.touched.delete(s);
    this.fdbWaiting.delete(s);
    this.needs.delete(nsId);
    if (s.nsEmitted !== '') this.removed.push(nsId);
    // Interfaces elsewhere whose peer was in there change (their peer is gone).
    for (const other of this.ns.values()) {
      for (const [idx, iface] of other.current) if (iface.peer?.startsWith(`${nsId}/`)) this.mark(other, idx);
    }
  }

  // ---- raw state from dumps -----------------------------------------------------------------

  /** A full link dump: replaces what we had, marking what differs. Returns how many links it
   *  changed (added, removed or different), which the reconciliation pass counts. */
  replaceLinks(nsId: string, links: readonly RawLink[]): number {
    const s = this.ns.get(nsId);
    if (!s) return 0;
    let changed = 0;
    const fresh = new Map(links.map((l) => [l.index, l]));
    for (const [idx, old] of s.links) if (!fresh.has(idx)) { this.linkGone(s, idx, old); changed++; }
    for (const l of links) if (this.linkSeen(s, l)) changed++;
    return changed;
  }

  /** A full address dump; returns how many interfaces' address lists it changed. */
  replaceAddrs(nsId: string, addrs: readonly RawAddr[]): number {
    const s = this.ns.get(nsId);
    if (!s) return 0;
    let changed = 0;
    const fresh = new Map<number, Map<string, RawAddr>>();
    for (const a of addrs) {
      let m = fresh.get(a.index);
      if (!m) fresh.set(a.index, (m = new Map()));
      m.set(addrKey(a), a);
    }
    for (const idx of new Set([...s.addrs.keys(), ...fresh.keys()])) {
      const before = [...(s.addrs.get(idx)?.values() ?? [])].map(addrContent).join(',');
      const after = [...(fresh.get(idx)?.values() ?? [])].map(addrContent).join(',');
      if (before !== after) { this.mark(s, idx); changed++; }
    }
    s.addrs = fresh;
    return changed;
  }

  /** A route dump; returns whether the namespace's routes changed. */
  setRoutes(nsId: string, raw: readonly RawRoute[]): boolean {
    const s = this.ns.get(nsId);
    if (!s) return false;
    const before = JSON.stringify(s.routes);
    s.routes = translateRoutes(raw, nsId);
    if (JSON.stringify(s.routes) === before) return false;
    this.touched.add(s);
    return true;
  }

  /** The namespace's routes were just read by a full dump, together with its links and
   *  addresses: the route re-read those links and addresses ask for (routes follow them) is
   *  already done. Events replayed after the dump still ask for their own. */
  routesRead(nsId: string): void {
    const n = this.needs.get(nsId);
    if (n) n.routes = false;
  }

  /** A full FDB dump (every bridge of the namespace), read at `readAt` (ms since the epoch):
   *  replaces the tables, marking what differs. Returns how many entries it added, removed or
   *  moved (another port or state; a mere refresh of a learned entry is no missed event: the
   *  kernel announces none). */
  replaceFdb(nsId: string, records: readonly RawFdb[], readAt: number): number {
    const s = this.ns.get(nsId);
    if (!s) return 0;
    const fresh = new Map<number, Map<string, FdbRec>>();
    for (const raw of records) {
      if (raw.master <= 0) continue; // a device's own table (NTF_SELF: vxlan's remotes, multicast lists)
      let t = fresh.get(raw.master);
      if (!t) fresh.set(raw.master, (t = new Map()));
      t.set(fdbKey(raw), { raw, readAt });
    }
    let changed = 0;
    for (const bridge of new Set([...s.fdb.keys(), ...fresh.keys()])) {
      const before = s.fdb.get(bridge); const after = fresh.get(bridge);
      for (const key of new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])) {
        const a = before?.get(key); const b = after?.get(key);
        if (a && b && sameFdbRec(a, b)) continue;
        this.fdbMark(s, bridge, key);
        if (!a || !b || a.raw.index !== b.raw.index || a.raw.state !== b.raw.state || a.raw.flags !== b.raw.flags) changed++;
      }
    }
    s.fdb = fresh;
    return changed;
  }

  private fdbMark(s: NsState, bridge: number, key: string): void {
    let d = s.fdbDirty.get(bridge);
    if (!d) s.fdbDirty.set(bridge, (d = new Set()));
    d.add(key);
    this.touched.add(s);
  }

  /** Marks the entries on device `dev` in `bridge`'s table (its local state follows the device's MAC). */
  private fdbMarkDevice(s: NsState, bridge: number, dev: number): void {
    for (const [key, r] of s.fdb.get(bridge) ?? []) if (r.raw.index === dev) this.fdbMark(s, bridge, key);
  }

  /** Forgets the entries on port `port` in `bridge`'s table (the port left it or is gone; the kernel
   *  flushes them too, with events that then find nothing left to do). */
  private fdbDropPort(s: NsState, bridge: number, port: number): void {
    const t = s.fdb.get(bridge);
    if (!t) return;
    for (const [key, r] of t) if (r.raw.index === port) { t.delete(key); this.fdbMark(s, bridge, key); }
  }

  /** This namespace's view of other namespaces' ids (RTM_GETNSID). Re-resolves the veth peers
   *  whose nsid now means something else (or something at all). */
  setNsidMap(nsId: string, map: ReadonlyMap<number, number>): void {
    const s = this.ns.get(nsId);
    if (!s) return;
    const same = map.size === s.nsidToInode.size && [...map].every(([k, v]) => s.nsidToInode.get(k) === v);
    if (same) return;
    const old = s.nsidToInode;
    this.setNsidEntries(s, map);
    for (const [idx, l] of s.links) {
      if (l.linkNetnsid < 0 || old.get(l.linkNetnsid) === s.nsidToInode.get(l.linkNetnsid)) continue;
      this.mark(s, idx);
      // The peer's own record may predate the change too (a move): look at it again, unless it
      // already points back here (the usual case: both ends just learned each other's nsid).
      const peer = resolvePeer(l, nsId, s.nsidToInode);
      if (!peer || interfaceKind(l) !== 'veth') continue;
      const pr = this.peerRecord(s, l);
      if (pr && pr.rec.link === l.index && pr.rec.linkNetnsid >= 0 && pr.rec.linkNetnsid === this.nsidFor(pr.p, s)) continue;
      this.need(nsOfIface(peer)).links = true;
    }
  }

  /** Replaces s's nsid map, keeping its inverse and `knownBy` in step. */
  private setNsidEntries(s: NsState, map: ReadonlyMap<number, number>): void {
    for (const inode of s.inodeToNsid.keys()) {
      const by = this.knownBy.get(inode);
      by?.delete(s.info.id);
      if (by && by.size === 0) this.knownBy.delete(inode);
    }
    s.nsidToInode = new Map(map);
    s.inodeToNsid = new Map();
    for (const [nsid, inode] of s.nsidToInode) {
      if (!s.inodeToNsid.has(inode)) s.inodeToNsid.set(inode, nsid);
      let by = this.knownBy.get(inode);
      if (!by) this.knownBy.set(inode, (by = new Set()));
      by.add(s.info.id);
    }
  }

  nsidMap(nsId: string): ReadonlyMap<number, number> { return this.ns.get(nsId)?.nsidToInode ?? new Map(); }

  /** The nsids this namespace's links name that its map (`map`, default its own) does not know. */
  unresolvedNsids(nsId: string, map?: ReadonlyMap<number, number>): Set<number> {
    const out = new Set<number>();
    const s = this.ns.get(nsId);
    if (!s) return out;
    const m = map ?? s.nsidToInode;
    for (const l of s.links.values()) if (l.linkNetnsid >= 0 && !m.has(l.linkNetnsid)) out.add(l.linkNetnsid);
    return out;
  }

  /** The namespaces whose nsid maps name namespace `nsId` (likely peers of its veths). */
  namespacesKnowing(nsId: string): string[] {
    const inode = this.ns.get(nsId)?.info.inode;
    return inode === undefined ? [] : [...(this.knownBy.get(inode) ?? [])];
  }

  /** Whether a veth here names its peer's namespace by an nsid we cannot resolve yet. */
  hasUnresolvedPeers(nsId: string): boolean {
    const s = this.ns.get(nsId);
    if (!s) return false;
    for (const l of s.links.values()) {
      if (l.kind === 'veth' && l.link > 0 && l.linkNetnsid >= 0 && !s.nsidToInode.has(l.linkNetnsid)) return true;
    }
    return false;
  }

  setTunOwners(owners: Map<number, Map<string, TunOwner[]>>): void {
    this.owners = owners;
    if (this.tunCount === 0) return;
    for (const s of this.ns.values()) {
      for (const [idx, l] of s.links) if (l.kind === 'tun') this.mark(s, idx);
    }
  }

  /** Names of the tun/tap devices per namespace inode (for the owner heuristic). */
  tunNames(): Map<number, Set<string>> {
    const out = new Map<number, Set<string>>();
    if (this.tunCount === 0) return out;
    for (const s of this.ns.values()) {
      const names = new Set<string>();
      for (const l of s.links.values()) if (l.kind === 'tun') names.add(l.name);
      if (names.size) out.set(s.info.inode, names);
    }
    return out;
  }

  hasTuns(): boolean { return this.tunCount > 0; }

  linksOf(nsId: string): ReadonlyMap<number, RawLink> | undefined { return this.ns.get(nsId)?.links; }

  /** Whether a link here is not up (or the namespace has no links yet): the kernel announces
   *  changes to such a link's attributes (alias, group) with no event at all. */
  hasLinkDown(nsId: string): boolean {
    const s = this.ns.get(nsId);
    if (!s) return false;
    if (s.links.size === 0) return true;
    for (const l of s.links.values()) if (!(l.flags & IFF_UP)) return true;
    return false;
  }

  hasLink(nsId: string, index: number): boolean { return this.ns.get(nsId)?.links.has(index) ?? false; }

  /** Counter values from the sampler; no delta (counter frames carry them). */
  setStats(nsId: string, index: number, stats: Stats): boolean {
    const s = this.ns.get(nsId);
    if (!s || !s.links.has(index)) return false;
    // A new object, not a mutation: deltas already handed out keep the numbers they carried. The
    // interface as last told (`current`) is left as it is: snapshot() takes the counters from here.
    s.stats.set(index, stats);
    return true;
  }

  // ---- events -------------------------------------------------------------------------------

  applyEvent(nsId: string, ev: RawEvent): void {
    const s = this.ns.get(nsId);
    if (!s) return;
    switch (ev.type) {
      case 'newlink': {
        // The bridge also reports its ports with ifi_family AF_BRIDGE: partial records without
        // IFLA_LINKINFO. A device never loses its kind, so a kind-less record for a link we know
        // with a kind is one of those and is not the link's state.
        const old = s.links.get(ev.link.index);
        if (old && old.kind !== '' && ev.link.kind === '') break;
        this.linkSeen(s, ev.link);
        break;
      }
      case 'dellink': {
        const old = s.links.get(ev.index);
        // An AF_BRIDGE RTM_DELLINK means "left the bridge", not "deleted", and the event does not
        // say which it is: for a bridge port, the namespace's links are read again to decide.
        if (old && (old.master > 0 || old.slaveKind === 'bridge')) this.need(nsId).links = true;
        else if (old) this.linkGone(s, ev.index, old);
        // Moved into a namespace we do not know yet: discovery finds it. Deleted (no new nsid), or
        // moved into one we read (whose own newlink follows): nothing to discover.
        if (ev.newNetnsid >= 0 && !this.ns.has(nsIdOf(s.nsidToInode.get(ev.newNetnsid) ?? -1))) this.rescanWanted = true;
        break;
      }
      case 'newaddr': case 'deladdr': {
        const a = ev.addr;
        let m = s.addrs.get(a.index);
        if (ev.type === 'newaddr') {
          if (!m) s.addrs.set(a.index, (m = new Map()));
          m.set(addrKey(a), a);
        } else if (m) {
          m.delete(addrKey(a));
          if (m.size === 0) s.addrs.delete(a.index);
        }
        this.mark(s, a.index);
        this.need(nsId).routes = true; // prefix and local routes follow addresses
        break;
      }
      case 'newroute': case 'delroute': this.need(nsId).routes = true; break;
      case 'newnsid':
        this.need(nsId).nsids = true;
        this.rescanWanted = true;
        break;
      case 'delnsid': {
        // The namespace behind that nsid is gone: forget the id (it may be given to another later).
        if (s.nsidToInode.has(ev.nsid)) {
          const map = new Map(s.nsidToInode);
          map.delete(ev.nsid);
          this.setNsidMap(nsId, map);
        }
        // Nothing to discover: a namespace only dies once nothing holds it, and the engine's own
        // sockets hold every namespace it reads (it closed them when discovery dropped this one).
        break;
      }
      case 'newneigh': case 'delneigh': {
        const raw = ev.fdb;
        if (raw.master <= 0) break; // a device's own table, not a bridge's (see replaceFdb)
        const key = fdbKey(raw);
        let t = s.fdb.get(raw.master);
        if (ev.type === 'newneigh') {
          if (!t) s.fdb.set(raw.master, (t = new Map()));
          t.set(key, { raw, readAt: Date.now() });
        } else if (t) {
          t.delete(key);
          if (t.size === 0) s.fdb.delete(raw.master);
        }
        this.fdbMark(s, raw.master, key);
        break;
      }
      case 'resync': this.need(nsId).resync = true; break;
    }
  }

  /** A link record from a dump or an event; returns whether it changed what we had. */
  private linkSeen(s: NsState, l: RawLink): boolean {
    const old = s.links.get(l.index);
    // IFLA_LINK 0 on a veth we know with a peer means "peer unknown right now", not "no peer": the
    // kernel says 0 only while a pair is half built (the first end is announced before its peer
    // exists) or half torn down (just before the dellink). A veth never loses its peer and lives
    // on, so such a record (e.g. a half-built pair's announcement replayed after a dump that saw
    // the whole pair) keeps the peer we know.
    if (old && old.link > 0 && l.link <= 0 && l.kind === 'veth' && old.kind === 'veth') {
      l = { ...l, link: old.link, linkNetnsid: old.linkNetnsid };
    }
    this.putLink(s, l);
    if (!s.stats.has(l.index)) s.stats.set(l.index, toStats(l.stats));
    // Unchanged (a re-dump, a repeated notification): nothing follows from it. This also ends the
    // peer refresh chain below: a namespace re-read because of its neighbour causes no further reads.
    if (old && rawKey(old) === rawKey(l)) return false;
    this.mark(s, l.index);
    if (old && old.master > 0 && old.master !== l.master) this.fdbDropPort(s, old.master, l.index);
    if (old && old.mac !== l.mac) {
      if (l.master > 0) this.fdbMarkDevice(s, l.master, l.index);
      if (s.fdb.has(l.index)) this.fdbMarkDevice(s, l.index, l.index);
    }
    if (!old || (old.flags & IFF_UP) !== (l.flags & IFF_UP) || old.operstate !== l.operstate) {
      this.need(s.info.id).routes = true;
    }
    // Who holds it may have changed: the kernel turns a tun's carrier on when a program attaches
    // and off when the last one lets go (flags and operstate change with it).
    if (l.kind === 'tun' && (!old || old.name !== l.name || old.flags !== l.flags || old.operstate !== l.operstate)) this.tunScanWanted = true;
    // Records the kernel sends before the device is complete, with no event once it is:
    // a new tun/tap (TUNSETPERSIST follows TUNSETIFF, silently while the device is down) and the
    // first end of a new veth pair (announced before its peer exists: IFLA_LINK 0).
    if (!old && (l.kind === 'tun' || (l.kind === 'veth' && l.link <= 0))) this.recheck.add(s.info.id);
    this.peerTouched(s, old);
    this.peerTouched(s, l);
    this.pointPeerBack(s, l);
    return true;
  }

  private linkGone(s: NsState, idx: number, old: RawLink): void {
    this.dropLink(s, idx);
    // A bridge takes its table with it (the interface-removed delta says so); a port its entries.
    s.fdb.delete(idx); s.fdbDirty.delete(idx); s.fdbEmitted.delete(idx);
    if (old.master > 0) this.fdbDropPort(s, old.master, idx);
    s.addrs.delete(idx);
    s.stats.delete(idx);
    this.mark(s, idx);
    this.need(s.info.id).routes = true;
    this.peerTouched(s, old);
    this.forgetAsPeer(s, idx, old);
  }

  /** Where in namespace `p` a veth of namespace `s` is named from: -1 (same namespace) or p's nsid
   *  for s; undefined when p's nsid map does not know s yet. */
  private nsidFor(p: NsState, s: NsState): number | undefined {
    if (p === s) return -1;
    return p.inodeToNsid.get(s.info.inode);
  }

  /** The record of the veth that `l` names as its peer, with its namespace. */
  private peerRecord(s: NsState, l: RawLink): { p: NsState; rec: RawLink } | null {
    if (l.kind !== 'veth' || l.link <= 0) return null;
    const peer = resolvePeer(l, s.info.id, s.nsidToInode);
    if (peer === null) return null;
    const p = this.ns.get(nsOfIface(peer));
    const rec = p?.links.get(l.link);
    return p && rec && rec.kind === 'veth' ? { p, rec } : null;
  }

  /**
   * Veth peers are symmetric, but the kernel announces only the end that changed: when one end
   * moves next to (or away from) its peer, the peer's IFLA_LINK / IFLA_LINK_NETNSID change with no
   * event for it, and a pair is announced first-end-first, before that end has a peer.
   * So a record that names its peer points the peer back at it. When the peer's namespace has no
   * nsid for ours yet, the peer's namespace is read again instead.
   */
  private pointPeerBack(s: NsState, l: RawLink): void {
    const pr = this.peerRecord(s, l);
    if (!pr) return;
    const { p, rec } = pr;
    const nsid = this.nsidFor(p, s);
    if (nsid === undefined) { this.need(p.info.id).links = true; return; }
    if (rec.link === l.index && rec.linkNetnsid === nsid) return;
    this.putLink(p, { ...rec, link: l.index, linkNetnsid: nsid });
    this.mark(p, rec.index);
  }

  /** A veth end left this namespace (moved or deleted): its peer must not keep pointing here. A
   *  peer elsewhere has its namespace read again (peerTouched). A peer in this namespace is looked
   *  at once the batch is applied (takeNeeds): if it was deleted too (the usual case: both ends
   *  go in one batch) nothing follows; if it survives and still points at the gone index, the end
   *  moved away and the namespace is read again (unless the moved end's newlink elsewhere has
   *  pointed it back already, pointPeerBack). No "peer: null" flicker while a pair is deleted. */
  private forgetAsPeer(s: NsState, idx: number, old: RawLink): void {
    const pr = this.peerRecord(s, old);
    if (pr && pr.p === s && pr.rec.link === idx && pr.rec.linkNetnsid < 0) this.orphans.push([s.info.id, pr.rec.index, idx]);
  }

  /** A veth end with its peer in another namespace changed: the peer's record there (IFLA_LINK,
   *  IFLA_LINK_NETNSID) may have changed without any event in that namespace (a move), so that
   *  namespace's links are read again. An unresolvable nsid means our nsid map is stale. */
  private peerTouched(s: NsState, l: RawLink | undefined): void {
    if (!l || l.linkNetnsid < 0 || l.link <= 0 || interfaceKind(l) !== 'veth') return;
    const peer = resolvePeer(l, s.info.id, s.nsidToInode);
    if (peer === null) { this.need(s.info.id).nsids = true; return; }
    const peerNs = nsOfIface(peer);
    if (peerNs !== s.info.id && this.ns.has(peerNs)) this.need(peerNs).links = true;
  }

  private need(nsId: string): NsNeeds {
    let n = this.needs.get(nsId);
    if (!n) this.needs.set(nsId, (n = { links: false, routes: false, nsids: false, resync: false }));
    return n;
  }

  /** Follow-up work, per namespace, and whether /proc should be scanned again now. */
  takeNeeds(): { perNs: Map<string, NsNeeds>; rescan: boolean; tunScan: boolean; recheck: string[] } {
    for (const [nsId, index, gone] of this.orphans) {
      const s = this.ns.get(nsId); const rec = s?.links.get(index);
      if (s && rec && rec.kind === 'veth' && rec.link === gone && rec.linkNetnsid < 0 && !s.links.has(gone)) this.need(nsId).links = true;
    }
    this.orphans = [];
    const perNs = new Map([...this.needs].filter(([id]) => this.ns.has(id)));
    this.needs.clear();
    // Namespaces whose new devices were announced incomplete (see linkSeen): the kernel notifies
    // later changes of running devices only, so their links are read again shortly.
    const recheck = [...this.recheck].filter((id) => this.ns.has(id));
    this.recheck.clear();
    const out = { perNs, rescan: this.rescanWanted, tunScan: this.tunScanWanted, recheck };
    this.rescanWanted = false; this.tunScanWanted = false;
    return out;
  }

  /** Namespaces holding a tun/tap that is not persistent: its persist flag can be switched on
   *  without any event (see takeNeeds), so the periodic scan re-reads their links. */
  namespacesWithTransientTuns(): string[] {
    const out: string[] = [];
    if (this.tunCount === 0) return out;
    for (const s of this.ns.values()) {
      for (const l of s.links.values()) if (l.kind === 'tun' && !l.tun?.persist) { out.push(s.info.id); break; }
    }
    return out;
  }

  // ---- output -------------------------------------------------------------------------------

  private build(s: NsState, l: RawLink): Interface {
    const addrs = s.addrs.get(l.index);
    return translateLink(l, {
      nsId: s.info.id,
      addresses: addrs ? addressList(addrs.values()) : [],
      peers: addrs ? addressPeers(addrs.values()) : undefined,
      peer: resolvePeer(l, s.info.id, s.nsidToInode),
      owners: l.kind === 'tun' ? this.owners.get(s.info.inode)?.get(l.name) ?? [] : [],
      stats: s.stats.get(l.index) ?? ZERO_STATS,
    });
  }

  /** The deltas since the last call, in an order a client can apply one by one: namespaces
   *  first, then their interfaces, then routes, then FDB changes, then removed namespaces.
   *  `now` (ms since the epoch) decides which FDB changes are due (FDB_COALESCE_MS). */
  takeDeltas(now = Date.now()): Delta[] {
    const nsDeltas: Delta[] = []; const ifDeltas: Delta[] = []; const routeDeltas: Delta[] = [];
    const fdbDeltas: Delta[] = [];
    for (const s of this.fdbWaiting) if (now >= s.fdbNextAt) this.touched.add(s);
    // The touched namespaces, in namespace order (as a walk over all of them would give them).
    const touched = [...this.touched].sort((a, b) => a.order - b.order);
    this.touched.clear();
    for (const s of touched) {
      const pub = nsPublic(s);
      const key = JSON.stringify(pub);
      if (key !== s.nsEmitted) { s.nsEmitted = key; nsDeltas.push({ op: 'namespace', namespace: pub }); }
      const ifBefore = ifDeltas.length;
      for (const idx of [...s.dirty].sort((a, b) => a - b)) {
        const l = s.links.get(idx);
        if (!l) {
          s.current.delete(idx);
          if (s.emitted.delete(idx)) ifDeltas.push({ op: 'interface-removed', id: ifaceId(s.info.id, idx) });
          continue;
        }
        const iface = this.build(s, l);
        s.current.set(idx, iface);
        const k = ifaceKey(iface);
        if (s.emitted.get(idx) !== k) {
          s.emitted.set(idx, k);
          // A bridge's interface delta carries its whole table, which clients take as it is.
          const sent = iface.kind === 'bridge' ? { ...iface, fdb: this.fdbFull(s, idx) } : iface;
          ifDeltas.push({ op: 'interface', namespaceId: s.info.id, iface: sent });
        }
      }
      s.dirty.clear();
      if (s.fdbDirty.size) {
        if (now >= s.fdbNextAt || ifDeltas.length > ifBefore) {
          const before = fdbDeltas.length;
          this.fdbChanges(s, fdbDeltas);
          if (fdbDeltas.length > before) s.fdbNextAt = now + FDB_COALESCE_MS;
          this.fdbWaiting.delete(s);
        } else {
          this.fdbWaiting.add(s);
        }
      }
      const rk = JSON.stringify(s.routes);
      if (rk !== s.routesEmitted) {
        s.routesEmitted = rk;
        routeDeltas.push({ op: 'routes', namespaceId: s.info.id, routes: s.routes });
      }
    }
    const removed: Delta[] = this.removed.map((id) => ({ op: 'namespace-removed', id }));
    this.removed.length = 0;
    return [...nsDeltas, ...ifDeltas, ...routeDeltas, ...fdbDeltas, ...removed];
  }

  /** In how many ms FDB changes held back (FDB_COALESCE_MS) are due; null when none wait. */
  fdbDueIn(now = Date.now()): number | null {
    let due: number | null = null;
    for (const s of this.fdbWaiting) due = Math.min(due ?? Infinity, Math.max(0, s.fdbNextAt - now));
    return due;
  }

  private fdbEntry(s: NsState, r: FdbRec): FdbEntry {
    return translateFdb(r.raw, s.info.id, r.readAt, s.links.get(r.raw.index)?.mac ?? null);
  }

  /** Bridge `idx`'s whole table, now told to clients (an interface delta carries it). */
  private fdbFull(s: NsState, idx: number): FdbEntry[] {
    const told = new Map<string, FdbEntry>();
    for (const [key, r] of s.fdb.get(idx) ?? []) told.set(key, this.fdbEntry(s, r));
    s.fdbEmitted.set(idx, told);
    s.fdbDirty.delete(idx);
    return [...told.values()].sort(compareFdb);
  }

  /** The `fdb` deltas for s's changed entries (one per bridge), into `out`. Tables of links that
   *  are not (yet) bridges clients know are left out: a bridge's first interface delta carries
   *  its whole table. */
  private fdbChanges(s: NsState, out: Delta[]): void {
    for (const [bridge, keys] of s.fdbDirty) {
      const l = s.links.get(bridge);
      const told = s.fdbEmitted.get(bridge);
      if (!l || interfaceKind(l) !== 'bridge' || !told) continue;
      const table = s.fdb.get(bridge);
      const set: FdbEntry[] = []; const removed: FdbKey[] = [];
      for (const key of keys) {
        const r = table?.get(key);
        const prev = told.get(key);
        if (!r) {
          if (prev) { told.delete(key); removed.push({ mac: prev.mac, vlan: prev.vlan }); }
          continue;
        }
        const e = this.fdbEntry(s, r);
        if (!prev || fdbEntryChanged(prev, e)) { told.set(key, e); set.push(e); }
      }
      if (set.length || removed.length) {
        out.push({ op: 'fdb', bridge: ifaceId(s.info.id, bridge), set: set.sort(compareFdb), removed: removed.sort(compareFdb) });
      }
    }
    s.fdbDirty.clear();
  }

  /** The whole model as clients were last told it plus current counters. Call takeDeltas()
   *  first so that the snapshot and the delta stream agree. */
  snapshot(): Model {
    const namespaces: Namespace[] = [];
    for (const s of this.ns.values()) {
      const interfaces = [...s.current.values()].sort((a, b) => a.index - b.index).map((i) => {
        const out: Interface = { ...i, stats: s.stats.get(i.index) ?? i.stats };
        if (i.kind === 'bridge') out.fdb = [...(s.fdbEmitted.get(i.index)?.values() ?? [])].sort(compareFdb);
        return out;
      });
      namespaces.push({ ...nsPublic(s), interfaces, routes: s.routes });
    }
    return { namespaces };
  }

  counts(): { namespaces: number; interfaces: number } {
    return { namespaces: this.ns.size, interfaces: this.linkCount };
  }

  /** Namespace order as discovery gives it (host, named by name, processes by pid). */
  reorder(ids: readonly string[]): void {
    // Usually nothing moved (a periodic rescan): then the map is left as it is.
    const wanted = ids.filter((id) => this.ns.has(id));
    const listed = new Set(wanted);
    for (const id of this.ns.keys()) if (!listed.has(id)) wanted.push(id);
    let i = 0; let same = true;
    for (const id of this.ns.keys()) if (wanted[i++] !== id) { same = false; break; }
    if (same) return;
    const entries = wanted.map((id) => [id, this.ns.get(id)!] as const);
    this.ns.clear();
    this.nextOrder = 0;
    for (const [id, s] of entries) { s.order = this.nextOrder++; this.ns.set(id, s); }
  }

  inodeOf(nsId: string): number | undefined { return this.ns.get(nsId)?.info.inode; }
}
