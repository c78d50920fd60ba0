// Network namespace discovery: the host's (the namespace of pid 1), the named ones of `ip netns`
// (/run/netns/*), and the ones that exist only because processes live in them (containers), found
// through /proc/<pid>/ns/net and grouped by inode — one entry per namespace, not per process.
//
// Two kinds of pass. A full pass reads /proc whole (a readdir and one readlink per process). A
// targeted pass (Discovery.update) looks again only at the processes the kernel's process events
// named (fork, exec, exit: proc-triggers.ts) and at the other holders of a namespace that lost
// one, and keeps the rest of what the last pass found. The kernel has no event for
// unshare(CLONE_NEWNET) or setns, so full passes still run: as a slow backstop when process
// events drive discovery, about once a second when they are not available, and soon whenever
// netlink or /run/netns say something namespace-shaped happened (rescan-triggers.ts).
import * as fs from 'node:fs';
import type { NamespaceKind } from '../contract';
import { nsIdOf } from './translate';

/** How many pids a namespace lists at most (the protocol promises "the first few hundred"). */
const MAX_PIDS = 300;
const NSFS_MAGIC = 0x6e736673;

export interface NsInfo {
  id: string;
  inode: number;
  kind: NamespaceKind;
  name: string | null;
  label: string;
  pids: number[];
  /** Where to open it: /run/netns/NAME or /proc/PID/ns/net; null = the engine's own namespace. */
  openPath: string | null;
  /** A path that names it now (for RTM_GETNSID), also for the engine's own namespace. */
  refPath: string;
}

export interface NamedNs { name: string; inode: number; path: string }
export interface ProcNs { pid: number; inode: number }

/** The inode of the network namespace a /proc or /run/netns path names, or null if unreadable. */
export function nsInode(path: string): number | null {
  // /proc/<pid>/ns/net reads as "net:[INODE]"; some systems refuse stat() there but allow readlink.
  const viaLink = path.startsWith('/proc/') ? readlinkInode(path) : null;
  if (viaLink !== null) return viaLink;
  try { return fs.statSync(path).ino; } catch { return null; }
}

function readlinkInode(path: string): number | null {
  try {
    const m = /^net:\[(\d+)\]$/.exec(fs.readlinkSync(path));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

/** Commands read again per discovery pass at most, beyond those of processes not seen before. */
const COMM_READS_PER_PASS = 100;

/**
 * The command names that label process namespaces, kept from one discovery pass to the next: the
 * label is the lowest pid's command, and reading a thousand /proc/PID/comm files every second was
 * the largest part of a pass on a host of a thousand pods. A process not seen before (a pid in a
 * namespace it was not in) is read at once; a known one is read again every
 * ceil(lookups / COMM_READS_PER_PASS) passes (staggered by pid), so a command changed by exec
 * shows in the label within that many passes: every pass while there are at most
 * COMM_READS_PER_PASS process namespaces.
 */
export class CommCache {
  // By pid (a process is in one namespace at a time), with the namespace it was read in: a number
  // key, since building a string key per lookup was most of a pass that reads nothing.
  private entries = new Map<number, KeptComm>();
  private seen = new Map<number, KeptComm>();
  private pass = 0;
  private period = 1;
  /** A command read again this pass differs from the one kept (a label changes). */
  changed = false;

  /** `read`: a process's command ('?' when it cannot be read). */
  constructor(private readonly read: (pid: number) => string) {}

  /** Starts a pass that will ask for about `lookups` commands; `reread` false: read only the
   *  commands not known (a targeted pass, which forgot those of the processes it looked at). */
  begin(lookups: number, reread = true): void {
    this.pass++;
    this.period = reread ? Math.max(1, Math.ceil(lookups / COMM_READS_PER_PASS)) : Infinity;
    this.seen = new Map();
    this.changed = false;
  }

  /** The command of `pid`, which lives in namespace `inode` (the same answer all through a pass). */
  comm(pid: number, inode: number): string {
    const s = this.seen.get(pid);
    if (s !== undefined && s.inode === inode) return s.comm;
    const kept = this.entries.get(pid);
    const known = kept !== undefined && kept.inode === inode;
    const c = !known || (this.pass + pid) % this.period === 0 ? this.read(pid) : kept.comm;
    if (known && c !== kept.comm) this.changed = true;
    this.seen.set(pid, known && c === kept.comm ? kept : { inode, comm: c });
    return c;
  }

  /** Ends the pass: processes not asked about are forgotten; `partial`: kept (a targeted pass
   *  asked about a few namespaces only). */
  end(partial = false): void {
    if (!partial) { this.entries = this.seen; return; }
    for (const [pid, k] of this.seen) this.entries.set(pid, k);
  }

  /** Forgets what is kept of `pid` in namespace `inode` (it exec'd: its command may have changed). */
  forget(pid: number, inode: number): void {
    if (this.entries.get(pid)?.inode === inode) this.entries.delete(pid);
  }
}

interface KeptComm { readonly inode: number; readonly comm: string }

/** /run/netns entries that are mounted namespaces. `pending` lists files that exist but are not
 *  (yet) namespace mounts: `ip netns add` creates the file, then bind-mounts onto it, and the mount
 *  makes no inotify event, so the caller looks again shortly. */
export function scanNamed(dir = '/run/netns'): { named: NamedNs[]; pending: string[] } {
  const named: NamedNs[] = []; const pending: string[] = [];
  let names: string[];
  try { names = fs.readdirSync(dir).sort(); } catch { return { named, pending }; }
  for (const name of names) {
    const path = `${dir}/${name}`;
    try {
      if (fs.statfsSync(path).type !== NSFS_MAGIC) { pending.push(name); continue; }
      named.push({ name, inode: fs.statSync(path).ino, path });
    } catch { /* vanished or unreadable: the next scan decides */ }
  }
  return { named, pending };
}

/** What a full pass read of /proc: every process whose namespace we may read, by pid (ascending),
 *  and that namespace's inode (`inodes[i]` is `pids[i]`'s). `unreadable` counts those we may not
 *  read (other users' processes when not privileged). */
export interface ProcTable { pids: Int32Array; inodes: Float64Array; unreadable: number }
/** How discovery reads /proc (the addon's scanProcNet and readComm). `scan`: `keep` lists
 *  processes (by pid, ascending) whose namespace is taken as given rather than read again, if they
 *  still exist; `comm`: a process's command, null when it is gone or refused. */
export interface ProcReader {
  scan(keep?: { pids: Int32Array; inodes: Float64Array }): ProcTable;
  comm(pid: number): string | null;
}

/** The processes of `t` a sweep pass may leave unread (see Discovery.pass): known, not young, and
 *  not their turn ((pid + turn) % every !== 0), with their namespace as last read. */
function keptOf(t: ProcTable, young: ReadonlySet<number>, every: number, turn: number): { pids: Int32Array; inodes: Float64Array } {
  const pids = new Int32Array(t.pids.length); const inodes = new Float64Array(t.pids.length);
  let n = 0;
  for (let i = 0; i < t.pids.length; i++) {
    const pid = t.pids[i];
    if (young.has(pid) || (pid + turn) % every === 0) continue;
    pids[n] = pid; inodes[n++] = t.inodes[i];
  }
  return { pids: pids.subarray(0, n), inodes: inodes.subarray(0, n) };
}

const sameTable = (a: ProcTable, b: ProcTable) => a.pids.length === b.pids.length
  && a.pids.every((p, i) => p === b.pids[i] && a.inodes[i] === b.inodes[i]);

const procsOf = (t: ProcTable): ProcNs[] => Array.from(t.pids, (pid, i) => ({ pid, inode: t.inodes[i] }));

export interface GroupInput {
  /** Inode of pid 1's namespace (null when we may not read it). */
  hostInode: number | null;
  ownInode: number;
  named: NamedNs[];
  procs: ProcNs[];
  /** The command of `pid`, a process in namespace `inode`. */
  comm: (pid: number, inode: number) => string;
}

/** How entries are made (shared by groupNamespaces and regroup, so both give the same entries). */
interface Maker { hostInode: number; ownInode: number; comm: (pid: number, inode: number) => string }
const refOf = (m: Maker, inode: number, path: string) => (inode === m.ownInode ? `/proc/${process.pid}/ns/net` : path);
function hostEntry(m: Maker, pids: number[]): NsInfo {
  const own = m.hostInode === m.ownInode;
  return {
    id: nsIdOf(m.hostInode), inode: m.hostInode, kind: 'host', name: 'host', label: 'host', pids: pids.slice(0, MAX_PIDS),
    openPath: own ? null : '/proc/1/ns/net', refPath: refOf(m, m.hostInode, '/proc/1/ns/net'),
  };
}
function namedEntry(m: Maker, n: NamedNs, pids: number[]): NsInfo {
  return {
    id: nsIdOf(n.inode), inode: n.inode, kind: 'named', name: n.name, label: n.name,
    pids: pids.slice(0, MAX_PIDS), openPath: n.inode === m.ownInode ? null : n.path, refPath: refOf(m, n.inode, n.path),
  };
}
/** `pids`: sorted, not empty. */
function processEntry(m: Maker, inode: number, pids: number[]): NsInfo {
  const lowest = pids[0];
  return {
    id: nsIdOf(inode), inode, kind: 'process', name: null,
    label: `pid ${lowest} (${m.comm(lowest, inode)})`, pids: pids.slice(0, MAX_PIDS),
    openPath: inode === m.ownInode ? null : `/proc/${lowest}/ns/net`, refPath: refOf(m, inode, `/proc/${lowest}/ns/net`),
  };
}

/** Turns what the scans found into one entry per namespace. Pure (tests feed it by hand).
 *  - the namespace of pid 1 is "host" (inside a container or a test world, that is its init's);
 *    when pid 1 cannot be read we call our own namespace the host (the usual case) — the engine's
 *    status says it could not check;
 *  - a namespace with an `ip netns` name is "named", even when processes are in it too;
 *  - the rest are "process" namespaces, labelled by their lowest pid and its command. */
export function groupNamespaces(input: GroupInput): NsInfo[] {
  const m: Maker = { hostInode: input.hostInode ?? input.ownInode, ownInode: input.ownInode, comm: input.comm };
  const pidsBy = new Map<number, number[]>();
  for (const p of input.procs) {
    let l = pidsBy.get(p.inode);
    if (!l) pidsBy.set(p.inode, (l = []));
    l.push(p.pid);
  }
  for (const l of pidsBy.values()) l.sort((a, b) => a - b);
  const out: NsInfo[] = [hostEntry(m, pidsBy.get(m.hostInode) ?? [])];
  const seen = new Set<number>([m.hostInode]);
  for (const n of [...input.named].sort((a, b) => a.name.localeCompare(b.name))) {
    if (seen.has(n.inode)) continue; // a second name for a namespace already listed
    seen.add(n.inode);
    out.push(namedEntry(m, n, pidsBy.get(n.inode) ?? []));
  }
  const procInodes = [...pidsBy.keys()].filter((i) => !seen.has(i))
    .sort((a, b) => pidsBy.get(a)![0] - pidsBy.get(b)![0]);
  for (const inode of procInodes) out.push(processEntry(m, inode, pidsBy.get(inode)!));
  return out;
}

const sameEntry = (a: NsInfo, b: NsInfo) => a.kind === b.kind && a.name === b.name && a.label === b.label
  && a.openPath === b.openPath && a.refPath === b.refPath && a.pids.length === b.pids.length && a.pids.every((p, i) => p === b.pids[i]);

/** What regroup changed: entries new or different (new objects; the others are `prev`'s own). */
export interface Regrouped {
  namespaces: NsInfo[]; changed: NsInfo[]; removed: string[];
  /** Whether a namespace is new or moved in the order (else the order is `prev`'s, less the removed). */
  moved: boolean;
}

/**
 * groupNamespaces's answer for `procs` (pid → namespace inode), made from `prev` (its answer before)
 * by redoing only the namespaces in `affected`: those a process entered or left, or whose lowest
 * process exec'd (its label). Costs one walk over `procs` and `prev`, and no entry for a namespace
 * that did not change: a targeted discovery pass on a host of a thousand pods.
 */
export function regroup(prev: readonly NsInfo[], input: Omit<GroupInput, 'procs'>, procs: ReadonlyMap<number, number>,
  affected: ReadonlySet<number>): Regrouped {
  const m: Maker = { hostInode: input.hostInode ?? input.ownInode, ownInode: input.ownInode, comm: input.comm };
  const pidsBy = new Map<number, number[]>();
  for (const i of affected) pidsBy.set(i, []);
  for (const [pid, inode] of procs) pidsBy.get(inode)?.push(pid);
  for (const l of pidsBy.values()) l.sort((a, b) => a - b);
  const changed: NsInfo[] = []; const removed: string[] = [];
  const namespaces: NsInfo[] = [];
  const listed = new Set<number>();
  let moved = false;
  for (const n of prev) {
    const pids = pidsBy.get(n.inode);
    if (!pids) { namespaces.push(n); continue; }
    listed.add(n.inode);
    let fresh: NsInfo | null;
    if (n.kind === 'host') fresh = hostEntry(m, pids);
    else if (n.kind === 'named') fresh = namedEntry(m, { name: n.name!, inode: n.inode, path: n.openPath ?? namedPathOf(input.named, n) }, pids);
    else fresh = pids.length ? processEntry(m, n.inode, pids) : null;
    if (!fresh) { removed.push(n.id); continue; }
    if (sameEntry(n, fresh)) { namespaces.push(n); continue; }
    if (fresh.kind === 'process' && fresh.pids[0] !== n.pids[0]) moved = true;
    namespaces.push(fresh); changed.push(fresh);
  }
  for (const [inode, pids] of pidsBy) {
    if (listed.has(inode) || !pids.length) continue;
    const fresh = processEntry(m, inode, pids);
    namespaces.push(fresh); changed.push(fresh);
    moved = true;
  }
  if (moved) {
    // Process namespaces by their lowest pid (host and named ones, first, do not move).
    const first = namespaces.findIndex((n) => n.kind === 'process');
    if (first >= 0) {
      const tail = namespaces.splice(first).sort((a, b) => a.pids[0] - b.pids[0]);
      namespaces.push(...tail);
    }
  }
  return { namespaces, changed, removed, moved };
}

/** The /run/netns path of a named entry (when it is the engine's own namespace, openPath is null). */
function namedPathOf(named: readonly NamedNs[], n: NsInfo): string {
  return named.find((x) => x.name === n.name && x.inode === n.inode)?.path ?? n.refPath;
}

export interface DiscoveryResult {
  namespaces: NsInfo[]; pending: string[]; unreadable: number; hostKnown: boolean;
  /** A targeted pass: how `namespaces` differs from `base`, the namespaces of the pass before
   *  (entries not in `changed` are `base`'s own objects). */
  changes?: { base: NsInfo[]; changed: NsInfo[]; removed: string[]; moved: boolean };
}

const sameNamed = (a: readonly NamedNs[], b: readonly NamedNs[]) =>
  a.length === b.length && a.every((n, i) => n.name === b[i].name && n.inode === b[i].inode && n.path === b[i].path);

/**
 * Discovery passes, one after another (the engine runs one about once a second). Kept between
 * passes: the command names (CommCache) and the last pass's namespaces, which a pass that finds
 * the same processes in the same namespaces, the same names and no changed command returns again
 * as they are — the usual case, in which the engine then has nothing to compare.
 */
export class Discovery {
  private readonly comms: CommCache;
  /** The last pass's answer and what it was made from (`table`: null once a targeted pass changed
   *  the namespaces: the next full pass groups afresh). */
  private last: { hostInode: number | null; ownInode: number; named: NamedNs[]; table: ProcTable | null; namespaces: NsInfo[] } | null = null;
  private lastResult: DiscoveryResult | null = null;
  /** pid → namespace inode of every process the last pass found (what a targeted pass updates). */
  private procMap = new Map<number, number>();
  /** What the last full pass read of /proc (what a sweep pass keeps from). */
  private table: ProcTable | null = null;
  /** Pids the last full pass saw first, and the passes' count (see pass). */
  private young = new Set<number>();
  private turn = 0;

  constructor(private readonly proc: ProcReader, private readonly netnsDir = '/run/netns') {
    this.comms = new CommCache((pid) => proc.comm(pid) ?? '?');
  }

  /**
   * A full pass: /run/netns, and every process's namespace. `sweep` (a number K > 1): a periodic
   * pass that reads the namespace of the processes it has not seen before, of those it saw first
   * in the pass before, and of one known process in K (by pid, in turn), and keeps the others'
   * from the passes before: on a host of a thousand pods the readlinks were most of a pass, and
   * a process does not change its namespace without an unshare or setns, which it makes, if at
   * all, right after its fork. So a process that moves later on is seen within K passes (the
   * bound the engine's backstop pass gives with process events), exits and new processes in every
   * pass; passes asked for by a hint (inotify, netlink, a resync) read everything.
   */
  pass(sweep = 1): DiscoveryResult {
    const ownInode = nsInode(`/proc/${process.pid}/ns/net`);
    if (ownInode === null) throw new Error(`cannot stat /proc/${process.pid}/ns/net: is /proc mounted?`);
    const hostInode = nsInode('/proc/1/ns/net');
    const { named, pending } = scanNamed(this.netnsDir);
    this.turn++;
    const prev = this.last?.table ?? null;
    const table = this.proc.scan(sweep > 1 && this.table?.pids.length ? keptOf(this.table, this.young, Math.floor(sweep), this.turn) : undefined);
    const same = !!prev && sameTable(prev, table);
    if (!same || this.young.size) {
      const young = new Set<number>();
      for (const pid of table.pids) if (!this.procMap.has(pid)) young.add(pid);
      this.young = young;
    }
    const comms = this.comms;
    let namespaces: NsInfo[] | null = null;
    const last = this.last;
    if (last && last.hostInode === hostInode && last.ownInode === ownInode && same && sameNamed(last.named, named)) {
      // Same processes: only a command read again this pass can change a label.
      comms.begin(last.namespaces.length);
      for (const n of last.namespaces) if (n.kind === 'process') comms.comm(n.pids[0], n.inode);
      if (!comms.changed) namespaces = last.namespaces;
    } else {
      comms.begin(new Set(table.inodes).size);
    }
    namespaces ??= groupNamespaces({ hostInode, ownInode, named, procs: procsOf(table), comm: (pid, inode) => comms.comm(pid, inode) });
    comms.end();
    this.last = { hostInode, ownInode, named, table, namespaces };
    // (The same processes in the same namespaces: the map is the one of the pass before.)
    if (!same) this.procMap = new Map(Array.from(table.pids, (pid, i) => [pid, table.inodes[i]]));
    this.table = table;
    const unreadable = table.unreadable;
    this.lastResult = { namespaces, pending, unreadable, hostKnown: hostInode !== null };
    return this.lastResult;
  }

  /**
   * A targeted pass: looks again only at the processes `pids` (new, exec'd or exited) and, for a
   * namespace that lost one of them, at its other recorded processes (one may have left it with
   * setns, which makes no event; the host's namespace is spared this: it has most processes and
   * never goes away). Everything else is what the last pass found; a full pass if there was none.
   * Returns the last result itself when nothing changed.
   */
  update(pids: Iterable<number>): DiscoveryResult {
    const last = this.last;
    if (!last || !this.lastResult) return this.pass();
    const map = this.procMap;
    const labels = new Map<number, number>(); // label pid → its namespace
    for (const n of last.namespaces) if (n.kind === 'process') labels.set(n.pids[0], n.inode);
    const affected = new Set<number>();
    const lost = new Set<number>();
    const look = (pid: number): void => {
      const before = map.get(pid);
      const inode = readlinkInode(`/proc/${pid}/ns/net`);
      if (inode === (before ?? null)) return;
      if (inode === null) map.delete(pid); else { map.set(pid, inode); affected.add(inode); }
      if (before !== undefined) { lost.add(before); affected.add(before); }
    };
    for (const pid of pids) {
      const before = map.get(pid);
      look(pid);
      const now = map.get(pid);
      // Its command may have changed (exec): read again if it labels a namespace.
      if (now !== undefined) {
        this.comms.forget(pid, now);
        if (labels.get(pid) === now) affected.add(now);
      }
      if (before !== undefined && before !== now) this.comms.forget(pid, before);
    }
    lost.delete(last.hostInode ?? last.ownInode);
    lost.delete(last.ownInode);
    if (lost.size) {
      const holders: number[] = [];
      for (const [pid, inode] of map) if (lost.has(inode)) holders.push(pid);
      for (const pid of holders) look(pid);
    }
    if (!affected.size) return this.lastResult;
    const comms = this.comms;
    comms.begin(0, false);
    const r = regroup(last.namespaces, { hostInode: last.hostInode, ownInode: last.ownInode, named: last.named,
      comm: (pid, inode) => comms.comm(pid, inode) }, map, affected);
    comms.end(true);
    if (!r.changed.length && !r.removed.length) return this.lastResult;
    // The process list is made again by the next full pass (which then groups afresh).
    this.last = { ...last, table: null, namespaces: r.namespaces };
    this.lastResult = { ...this.lastResult, namespaces: r.namespaces,
      changes: { base: last.namespaces, changed: r.changed, removed: r.removed, moved: r.moved } };
    return this.lastResult;
  }
}
