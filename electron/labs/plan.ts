// Planning: what a lab wants vs what the kernel has (and what the lab's journal says it made before)
// → the ordered kernel changes. Applying the result and planning again gives no actions; an edited
// lab gives only the difference, including removal of what the lab made earlier and no longer lists.
// Never touches what the lab did not make: a link is the lab's to change or delete only when it
// carries the lab's alias (and, to delete it, the journal lists it); a namespace only when the
// journal says the lab created it.
import type { Action } from './actions';
import { HOST_NS, isLinkLocal6, labGroup } from './names';
import { key, type Actual, type ActualLink, type ActualRoute, type Desired, type DesiredLink, type DesiredNat, type DesiredRoute } from './state';

/** What a lab has made, as its journal remembers it. */
export interface LabRecord {
  lab: string;
  file: string | null;
  namespaces: string[];
  links: { ns: string; name: string; kind: string }[];
  routes: DesiredRoute[];
  /** `previous` = the value before the lab first set it (restored on destroy); null = unknown. */
  forwarding: { ns: string; on: boolean; previous: boolean | null }[];
  nat: DesiredNat[];
}

export function emptyRecord(lab: string, file: string | null = null): LabRecord {
  return { lab, file, namespaces: [], links: [], routes: [], forwarding: [], nat: [] };
}

export interface Plan {
  actions: Action[];
  /** Things worth saying that are not actions ("uses existing namespace x"). */
  notes: string[];
  /** Interfaces outside the deleted namespaces that go away with them (veth ends whose peer was
   *  inside): the kernel removes them asynchronously, so the applier waits for them. */
  vanishing: { ns: string; name: string }[];
}

/** The kernel has something in the way that the lab did not make; nothing has been touched. */
export class PlanConflict extends Error {
  constructor(readonly conflicts: string[]) {
    super(conflicts.join('\n'));
    this.name = 'PlanConflict';
  }
}

const where = (ns: string) => (ns === HOST_NS ? 'the host namespace' : `namespace ${ns}`);

function sameRoute(d: DesiredRoute, a: ActualRoute): boolean {
  return d.to === a.to && d.via === a.via && (d.dev === null || d.dev === a.dev) && (d.metric === null || d.metric === a.metric);
}
const routeKey = (r: DesiredRoute) => `${r.ns}|${r.to}|${r.via}|${r.dev}|${r.metric}`;
const natKey = (n: DesiredNat) => `${n.ns}|${n.from}|${n.out}`;

export function planLab(desired: Desired, actual: Actual, record: LabRecord | null): Plan {
  const rec = record ?? emptyRecord(desired.lab);
  const notes: string[] = [];
  const conflicts: string[] = [];
  const ph = {
    routeDel: [] as Action[], natDel: [] as Action[], linkDel: [] as Action[], nsDel: [] as Action[],
    nsAdd: [] as Action[], create: [] as Action[], alias: [] as Action[], props: [] as Action[], master: [] as Action[],
    addrDel: [] as Action[], addrAdd: [] as Action[], state: [] as Action[], lo: [] as Action[], fwd: [] as Action[],
    routeAdd: [] as Action[], natAdd: [] as Action[],
  };

  const journaledLinks = new Set(rec.links.map((l) => key(l.ns, l.name)));
  const wantNs = new Set(desired.namespaces);
  const nsGone = new Set(rec.namespaces.filter((n) => !wantNs.has(n) && actual.namespaces.has(n)));
  const nsNew = new Set(desired.namespaces.filter((n) => !actual.namespaces.has(n)));
  for (const n of desired.namespaces) {
    if (nsNew.has(n)) ph.nsAdd.push({ op: 'ns-add', ns: n });
    else if (!rec.namespaces.includes(n)) notes.push(`uses the existing namespace ${n} (not made by this lab: destroying the lab leaves it)`);
  }
  for (const n of nsGone) ph.nsDel.push({ op: 'ns-del', ns: n });

  const want = new Map<string, DesiredLink>();
  for (const d of desired.links) want.set(key(d.ns, d.name), d);
  // A link is the lab's when it carries the lab's alias — or, with no alias at all, when it is in
  // the lab's netdev group (set in the create request itself) and the journal lists it: what a
  // crash between a create and its alias leaves.
  const group = desired.group ?? labGroup(desired.lab);   // journals older than groups
  const ours = (a: ActualLink) => a.alias === desired.alias
    || (!a.alias && a.group !== null && a.group === group && journaledLinks.has(key(a.ns, a.name)));
  const inLiveNs = (ns: string) => ns === HOST_NS || (actual.namespaces.has(ns) && !nsGone.has(ns));

  // 1. Links the lab made that it no longer wants (or wants as something else): delete.
  const deleted = new Set<string>();
  const vanishing: Plan['vanishing'] = [];
  for (const a of actual.links.values()) {
    const k = key(a.ns, a.name);
    if (!ours(a) || !inLiveNs(a.ns) || deleted.has(k)) continue;
    const d = want.get(k);
    let recreate = false;
    if (d && !d.external) {
      if (a.kind !== d.kind) recreate = true;
      else if (d.kind === 'veth' && (!a.peer || a.peer.ns !== d.peer!.ns || a.peer.name !== d.peer!.name)) recreate = true;
    }
    if (d && !recreate) continue;
    if (!journaledLinks.has(k)) {
      // Marked as ours but not in our journal (journal lost?): leave it, say so.
      if (!d) notes.push(`${where(a.ns)}: ${a.name} carries this lab's mark but its journal does not list it; left alone`);
      else conflicts.push(`${where(a.ns)}: ${a.name} exists as ${a.kind}, the lab wants a ${d.kind}, and the lab's journal does not list it`);
      continue;
    }
    if (a.peer && !inLiveNs(a.peer.ns)) { vanishing.push({ ns: a.ns, name: a.name }); continue; }   // goes away with its peer's namespace
    ph.linkDel.push({ op: 'link-del', ns: a.ns, name: a.name, kind: a.kind });
    deleted.add(k);
    if (a.kind === 'veth' && a.peer) deleted.add(key(a.peer.ns, a.peer.name));
  }
  const present = (ns: string, name: string) => {
    if (nsNew.has(ns) || !inLiveNs(ns)) return undefined;
    const k = key(ns, name);
    return deleted.has(k) ? undefined : actual.links.get(k);
  };

  // 2. Links the lab wants: create what is missing, then bring each to its wanted settings.
  const fresh = new Set<string>();
  for (const d of desired.links) {
    const k = key(d.ns, d.name);
    const a = present(d.ns, d.name);
    if (d.external) {
      if (!a) conflicts.push(`external bridge ${d.name} does not exist in ${where(d.ns)}`);
      else if (a.kind !== 'bridge') conflicts.push(`${d.name} in ${where(d.ns)} is a ${a.kind}, not a bridge`);
      continue;
    }
    if (a && !ours(a)) {
      conflicts.push(`${d.name} already exists in ${where(d.ns)} and was not made by lab ${desired.lab}${a.alias ? ` (its mark: '${a.alias}')` : ''}`);
      continue;
    }
    if (!a && !fresh.has(k)) {
      if (d.kind === 'veth') {
        const p = d.peer!;
        const pa = present(p.ns, p.name);
        if (pa && !ours(pa)) {
          conflicts.push(`${p.name} already exists in ${where(p.ns)} and was not made by lab ${desired.lab}`);
          continue;
        }
        if (pa) {
          // Half a pair cannot exist; a same-named interface of ours sits where the peer goes.
          conflicts.push(`${p.name} in ${where(p.ns)} is in the way of veth ${d.name}'s peer`);
          continue;
        }
        ph.create.push({ op: 'veth-add', ns: d.ns, name: d.name, peerNs: p.ns, peerName: p.name });
        fresh.add(key(p.ns, p.name));
      } else if (d.kind === 'bridge') ph.create.push({ op: 'bridge-add', ns: d.ns, name: d.name });
      else ph.create.push({ op: 'tuntap-add', ns: d.ns, name: d.name, mode: d.kind });
      fresh.add(k);
    }
    const isNew = fresh.has(k);
    const L = { ns: d.ns, name: d.name };
    // new links get the mark; one of ours left unmarked by a crash gets it now
    if (isNew || a!.alias !== desired.alias) ph.alias.push({ op: 'alias', ...L, alias: desired.alias });
    if (d.mtu !== null && (isNew || a!.mtu !== d.mtu)) ph.props.push({ op: 'mtu', ...L, mtu: d.mtu });
    if (d.mac !== null && (isNew || a!.mac !== d.mac)) ph.props.push({ op: 'mac', ...L, mac: d.mac });
    if (isNew ? d.master !== null : a!.master !== d.master) ph.master.push({ op: 'master', ...L, master: d.master });
    const have = isNew ? [] : a!.addresses;
    for (const x of d.addresses) if (!have.includes(x)) ph.addrAdd.push({ op: 'addr-add', ...L, address: x });
    for (const x of have) if (!d.addresses.includes(x) && !isLinkLocal6(x)) ph.addrDel.push({ op: 'addr-del', ...L, address: x });
    const up = isNew ? false : a!.up;
    if (d.up !== up) ph.state.push({ op: d.up ? 'up' : 'down', ...L });
  }

  // 3. Loopback of the lab's namespaces.
  for (const lo of desired.lo) {
    const a = present(lo.ns, 'lo');
    const up = a ? a.up : false;
    if (lo.up && !up) ph.lo.push({ op: 'up', ns: lo.ns, name: 'lo' });
    for (const x of lo.addresses) if (!a?.addresses.includes(x)) ph.addrAdd.push({ op: 'addr-add', ns: lo.ns, name: 'lo', address: x });
  }

  // 4. Routes: add the missing ones; delete the ones the lab added before and no longer lists.
  const wantRoutes = new Set(desired.routes.map(routeKey));
  for (const r of desired.routes) {
    const have = nsNew.has(r.ns) ? [] : actual.routes.get(r.ns) ?? [];
    const viaDeleted = r.dev !== null && deleted.has(key(r.ns, r.dev));
    if (viaDeleted || !have.some((a) => sameRoute(r, a))) ph.routeAdd.push({ op: 'route-add', ...r });
  }
  for (const r of rec.routes) {
    if (wantRoutes.has(routeKey(r)) || !inLiveNs(r.ns)) continue;
    const have = actual.routes.get(r.ns) ?? [];
    const a = have.find((x) => sameRoute(r, x));
    if (a) ph.routeDel.push({ op: 'route-del', ...r, dev: r.dev ?? a.dev });
  }

  // 5. Forwarding (a sysctl: the journal remembers what it was before the lab set it).
  for (const f of desired.forwarding) {
    const known = nsNew.has(f.ns) ? false : actual.forwarding.get(f.ns);
    const recorded = rec.forwarding.find((x) => x.ns === f.ns);
    const done = known !== undefined ? known === f.on : (recorded !== undefined && recorded.on === f.on && !nsNew.has(f.ns));
    if (!done) ph.fwd.push({ op: 'forwarding', ns: f.ns, on: f.on });
  }
  for (const f of rec.forwarding) {
    if (desired.forwarding.some((x) => x.ns === f.ns) || !inLiveNs(f.ns)) continue;
    const restore = f.previous ?? false;
    if (actual.forwarding.get(f.ns) !== restore) ph.fwd.push({ op: 'forwarding', ns: f.ns, on: restore });
  }

  // 6. NAT: per namespace, the lab's rules live in one table of their own; any change rewrites it.
  const nsOfNat = new Set([...desired.nat.map((n) => n.ns), ...rec.nat.map((n) => n.ns)]);
  for (const ns of nsOfNat) {
    const want = desired.nat.filter((n) => n.ns === ns).map(natKey).sort();
    const had = rec.nat.filter((n) => n.ns === ns).map(natKey).sort();
    const fresh = nsNew.has(ns);
    if (!fresh && want.join() === had.join()) continue;
    if (had.length && !fresh && inLiveNs(ns)) {
      const first = rec.nat.find((n) => n.ns === ns)!;
      ph.natDel.push({ op: 'nat-del', ...first });
    }
    for (const n of desired.nat.filter((x) => x.ns === ns)) ph.natAdd.push({ op: 'nat-add', ...n });
  }

  if (conflicts.length) throw new PlanConflict(conflicts);
  const actions = [
    ...ph.routeDel, ...ph.natDel, ...ph.linkDel, ...ph.nsDel, ...ph.nsAdd, ...ph.create, ...ph.alias, ...ph.props,
    ...ph.master, ...ph.addrDel, ...ph.addrAdd, ...ph.state, ...ph.lo, ...ph.fwd, ...ph.routeAdd, ...ph.natAdd,
  ];
  return { actions, notes, vanishing };
}

/** What the journal should say once `desired` has been applied over `record`. */
export function recordAfter(desired: Desired, actual: Actual, record: LabRecord | null, file: string | null): LabRecord {
  const rec = record ?? emptyRecord(desired.lab, file);
  const namespaces = desired.namespaces.filter((n) => rec.namespaces.includes(n) || !actual.namespaces.has(n));
  const links: LabRecord['links'] = desired.links.filter((d) => !d.external).map((d) => ({ ns: d.ns, name: d.name, kind: d.kind }));
  const forwarding = desired.forwarding.map((f) => {
    const before = rec.forwarding.find((x) => x.ns === f.ns);
    const previous = before ? before.previous : (actual.namespaces.has(f.ns) || f.ns === HOST_NS ? actual.forwarding.get(f.ns) ?? null : false);
    return { ns: f.ns, on: f.on, previous };
  });
  return { lab: desired.lab, file: file ?? rec.file, namespaces, links, routes: [...desired.routes], forwarding, nat: [...desired.nat] };
}

/** The union of two records: what the journal says while an apply is under way (old and new). */
export function mergeRecords(a: LabRecord, b: LabRecord): LabRecord {
  const uniq = <T>(xs: T[], k: (x: T) => string) => [...new Map(xs.map((x) => [k(x), x])).values()];
  return {
    lab: a.lab, file: b.file ?? a.file,
    namespaces: uniq([...a.namespaces, ...b.namespaces], (x) => x),
    links: uniq([...a.links, ...b.links], (l) => key(l.ns, l.name)),
    routes: uniq([...a.routes, ...b.routes], routeKey),
    forwarding: uniq([...b.forwarding, ...a.forwarding], (f) => f.ns),   // a's 'previous' wins (the original)
    nat: uniq([...a.nat, ...b.nat], natKey),
  };
}
