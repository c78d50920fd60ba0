// Field-by-field comparison of two models (electron/contract/model.ts shape): what iproute2 says
// (expected) against what the engine holds (actual). Every difference comes back with its path
// (namespace / interface / field), so a failing differential run says exactly what is wrong.
import type { FdbEntry, Interface, Model, Namespace, Route, Stats } from '../../electron/contract';
import { STATS_FIELDS } from '../../electron/contract';

export interface Difference { path: string; expected: unknown; actual: unknown }

export interface DiffOptions {
  /** Counters read by ip again AFTER the engine's model was taken: the engine's counters must lie
   *  between the expected model's (read before) and these. Without it counters must be equal. */
  statsAfter?: Map<string, Stats>;
  /** Counters read by ip BEFORE (at least one engine sampling period before the model was taken):
   *  the lower bound instead of the expected model's own counters. */
  statsBefore?: Map<string, Stats>;
  /** Do not compare counters at all. */
  ignoreStats?: boolean;
  /** Compare only these namespaces (ids); others are ignored on both sides. */
  onlyNamespaces?: Set<string>;
}

const nsPath = (ns: Namespace) => `ns ${ns.label} (${ns.id})`;
const ifPath = (ns: Namespace, i: Interface) => `${nsPath(ns)}/if ${i.name} (#${i.index})`;

function same(a: unknown, b: unknown): boolean { return JSON.stringify(a) === JSON.stringify(b); }

/** The object with its keys sorted; undefined (absent) stays so, unlike an empty object. */
function sortedEntries(o: Record<string, string> | undefined): Record<string, string> | undefined {
  return o && Object.fromEntries(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

export function routeKey(r: Route): string {
  return `${r.family === 4 ? 'v4' : 'v6'} ${r.type} ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}` +
    `${r.dev ? ` dev ${r.dev}` : ''} proto ${r.protocol} scope ${r.scope} metric ${r.metric ?? '-'} table ${r.table}`;
}

/** How much later than iproute2's a refresh the engine may place a learned entry's (ms): `bridge`
 *  prints whole seconds, the model tenths. */
const FDB_AGE_SLACK_MS = 1500;
const fdbText = (e: FdbEntry) => `${e.mac}${e.vlan !== null ? ` vlan ${e.vlan}` : ''} on ${e.port} ${e.state}`;
const refreshed = (e: FdbEntry) => (e.readAt ?? 0) - (e.ageSeconds ?? 0) * 1000;

/**
 * A bridge's forwarding table: the same entries (mac, vlan, port, state) as sets, since the two
 * sides list them in different orders. Ages are compared one way only: traffic refreshes an entry
 * without telling anyone, so the engine's age is an upper bound (FdbEntry.ageSeconds) and an age
 * read earlier than iproute2's may be older than iproute2's; what it must never do is place the
 * last refresh later than the kernel did, as of iproute2's read. Learned entries must carry an
 * age and the others none. Entries learned or aged out between the two reads differ only for a
 * moment: compareSettled reads both sides again until they agree.
 */
function diffFdb(p: string, e: FdbEntry[] | undefined, a: FdbEntry[] | undefined, out: Difference[]): void {
  if (e === undefined || a === undefined) {
    if (e !== a) out.push({ path: `${p}/fdb`, expected: e && e.map(fdbText), actual: a && a.map(fdbText) });
    return;
  }
  const ek = new Set(e.map(fdbText)); const ak = new Set(a.map(fdbText));
  const missing = [...ek].filter((k) => !ak.has(k)); const extra = [...ak].filter((k) => !ek.has(k));
  if (missing.length || extra.length) out.push({ path: `${p}/fdb`, expected: missing, actual: extra });
  const byText = new Map(e.map((x) => [fdbText(x), x]));
  for (const x of a) {
    if ((x.ageSeconds === null) !== (x.state !== 'learned') || (x.ageSeconds === null) !== (x.readAt === null)) {
      out.push({ path: `${p}/fdb/${fdbText(x)}/age`, expected: x.state === 'learned' ? 'an age and its time' : 'none', actual: [x.ageSeconds, x.readAt] });
      continue;
    }
    const y = byText.get(fdbText(x));
    if (!y || y.ageSeconds === null || x.readAt === null || y.readAt === null || x.readAt > y.readAt) continue;
    if (refreshed(x) > refreshed(y) + FDB_AGE_SLACK_MS) {
      out.push({ path: `${p}/fdb/${fdbText(x)}/age`, expected: `refreshed at or before ${refreshed(y)}`, actual: refreshed(x) });
    }
  }
}

function diffInterface(ns: Namespace, e: Interface, a: Interface, out: Difference[], opts: DiffOptions): void {
  const p = ifPath(ns, e);
  const fields: Array<keyof Interface> = ['index', 'name', 'kind', 'linkKind', 'mac', 'mtu', 'state', 'flags', 'master', 'peer', 'alias'];
  for (const f of fields) if (!same(e[f], a[f])) out.push({ path: `${p}/${f}`, expected: e[f], actual: a[f] });
  // tun: mode and persistence (ip knows nothing of the holders; the article tests check those).
  const et = e.tun ? { mode: e.tun.mode, persistent: e.tun.persistent } : null;
  const at = a.tun ? { mode: a.tun.mode, persistent: a.tun.persistent } : null;
  if (!same(et, at)) out.push({ path: `${p}/tun`, expected: et, actual: at });
  // Addresses as sets: the kernel's dump order and the order events arrived in may differ.
  const ea = [...e.addresses].sort(); const aa = [...(a.addresses ?? [])].sort();
  if (!same(ea, aa)) out.push({ path: `${p}/addresses`, expected: ea, actual: aa });
  // Point-to-point peers: the same entries (in any order), and the field absent when there are none.
  const ep = sortedEntries(e.peers); const ap = sortedEntries(a.peers);
  if (!same(ep, ap)) out.push({ path: `${p}/peers`, expected: ep, actual: ap });
  diffFdb(p, e.fdb, a.fdb, out);
  if (!opts.ignoreStats) {
    const after = opts.statsAfter?.get(e.id); const before = opts.statsBefore?.get(e.id);
    for (const f of STATS_FIELDS) {
      const lo = before ? before[f] : e.stats[f]; const hi = after ? after[f] : e.stats[f]; const v = a.stats?.[f];
      if (typeof v !== 'number' || v < lo || v > hi) {
        out.push({ path: `${p}/stats.${f}`, expected: lo === hi ? lo : `${lo}..${hi}`, actual: v });
      }
    }
  }
}

export function diffModels(expected: Model, actual: Model, opts: DiffOptions = {}): Difference[] {
  const out: Difference[] = [];
  const keep = (ns: Namespace) => !opts.onlyNamespaces || opts.onlyNamespaces.has(ns.id);
  const actualNs = new Map(actual.namespaces.filter(keep).map((n) => [n.id, n]));
  const expectedNs = expected.namespaces.filter(keep);
  for (const e of expectedNs) {
    const a = actualNs.get(e.id);
    if (!a) { out.push({ path: nsPath(e), expected: 'present', actual: 'missing' }); continue; }
    actualNs.delete(e.id);
    for (const f of ['kind', 'inode'] as const) {
      if (!same(e[f], a[f])) out.push({ path: `${nsPath(e)}/${f}`, expected: e[f], actual: a[f] });
    }
    if (e.kind !== 'process') {
      for (const f of ['name', 'label'] as const) {
        if (!same(e[f], a[f])) out.push({ path: `${nsPath(e)}/${f}`, expected: e[f], actual: a[f] });
      }
    } else if (e.pids[0] !== undefined && !a.pids.includes(e.pids[0])) {
      out.push({ path: `${nsPath(e)}/pids`, expected: `includes ${e.pids[0]}`, actual: a.pids });
    }
    if (a.error) out.push({ path: `${nsPath(e)}/error`, expected: undefined, actual: a.error });
    // Interfaces by id.
    const ai = new Map(a.interfaces.map((i) => [i.id, i]));
    for (const ei of e.interfaces) {
      const x = ai.get(ei.id);
      if (!x) { out.push({ path: ifPath(e, ei), expected: 'present', actual: 'missing' }); continue; }
      ai.delete(ei.id);
      diffInterface(e, ei, x, out, opts);
    }
    for (const x of ai.values()) out.push({ path: ifPath(e, x), expected: 'absent', actual: 'present' });
    // Routes as multisets.
    const count = (rs: Route[]) => {
      const m = new Map<string, number>();
      for (const r of rs) m.set(routeKey(r), (m.get(routeKey(r)) ?? 0) + 1);
      return m;
    };
    const er = count(e.routes); const ar = count(a.routes);
    for (const [k, n] of er) {
      const m = ar.get(k) ?? 0;
      if (m !== n) out.push({ path: `${nsPath(e)}/routes/${k}`, expected: n, actual: m });
      ar.delete(k);
    }
    for (const [k, m] of ar) out.push({ path: `${nsPath(e)}/routes/${k}`, expected: 0, actual: m });
  }
  for (const a of actualNs.values()) out.push({ path: nsPath(a), expected: 'absent', actual: 'present' });
  return out;
}

export function formatDifferences(diffs: Difference[], max = 40): string {
  const lines = diffs.slice(0, max).map((d) => `  ${d.path}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`);
  if (diffs.length > max) lines.push(`  ... and ${diffs.length - max} more`);
  return lines.join('\n');
}

/** References the iproute2 side could not resolve (a peer, master or route device it printed but
 *  we could not place): a problem of the oracle, reported as such. */
export function unresolvedReferences(m: Model): Difference[] {
  const out: Difference[] = [];
  for (const ns of m.namespaces) {
    for (const i of ns.interfaces) {
      for (const f of ['peer', 'master'] as const) {
        if (i[f]?.startsWith('?')) out.push({ path: `${ifPath(ns, i)}/${f}`, expected: 'resolvable', actual: i[f] });
      }
    }
    for (const r of ns.routes) if (r.dev?.startsWith('?')) out.push({ path: `${nsPath(ns)}/routes/${routeKey(r)}`, expected: 'resolvable dev', actual: r.dev });
  }
  return out;
}
