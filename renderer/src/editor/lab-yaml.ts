// What is on the canvas (or the selection) as a lab file (the format of README "Lab files"):
// named namespaces with their veth ends' settings and routes, bridges, veth pairs (an end on a
// bridge written as the bridge's name), tun/taps. Only what a lab can make is written; the rest is
// listed in `notes`. Pure: tested in node, and the result checked by the engine's own validator.
import type { TopologyState, IfaceEntry } from '../store/topology';
import { HOST_NS, isLinkLocal6, MAIN_TABLE } from '../../../electron/contract';
import { isAdminUp, isAppMade, nsKey } from './model';

export interface LabExport { text: string; notes: string[] }

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;
const key = (k: string) => (PLAIN.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k));
const str = (v: string) => JSON.stringify(v);
const LAB_KINDS = new Set(['veth', 'bridge', 'tun', 'tap']);

function flow(o: Record<string, unknown>): string {
  const parts = Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => {
    if (Array.isArray(v)) return `${key(k)}: [${v.map((x) => (typeof x === 'string' ? str(x) : String(x))).join(', ')}]`;
    return `${key(k)}: ${typeof v === 'string' ? str(v) : String(v)}`;
  });
  return parts.length ? `{ ${parts.join(', ')} }` : '{}';
}

/** `nodeIds`: the selection (namespace boxes and interface nodes); empty/undefined = everything. */
export function labYaml(t: TopologyState, name: string, nodeIds?: string[], description?: string): LabExport {
  const notes: string[] = [];
  const byId = t.interfaces;
  const nsOf = (i: IfaceEntry) => nsKey(t, i.namespaceId);
  const hostId = Object.values(t.namespaces).find((n) => n.kind === 'host')?.id ?? null;
  const chosen = new Set<string>();
  const sel = nodeIds && nodeIds.length ? new Set(nodeIds) : null;

  for (const i of Object.values(byId)) {
    if (!LAB_KINDS.has(i.kind)) continue;
    const ns = t.namespaces[i.namespaceId];
    if (!ns) continue;
    if (sel) {
      if (sel.has(i.id) || (sel.has(i.namespaceId) && ns.kind !== 'host') || (sel.has(i.namespaceId) && isAppMade(i))) chosen.add(i.id);
    } else if (ns.kind === 'named' || (ns.kind === 'host' && isAppMade(i))) {
      chosen.add(i.id);
    }
  }
  // a veth needs both ends; a port needs its bridge
  for (const id of [...chosen]) {
    const i = byId[id];
    if (i.peer && byId[i.peer]) chosen.add(i.peer);
  }
  for (const id of [...chosen]) {
    const m = byId[id].master;
    if (m && byId[m]?.kind === 'bridge') chosen.add(m);
  }

  const namespaces = new Map<string, { ifs: Map<string, Record<string, unknown>>; routes: string[] }>();
  const useNs = (k: string) => { if (!namespaces.has(k)) namespaces.set(k, { ifs: new Map(), routes: [] }); return namespaces.get(k)!; };
  for (const id of sel ?? []) { const k = t.namespaces[id] && nsKey(t, id); if (k && k !== HOST_NS) useNs(k); }
  if (!sel) for (const n of Object.values(t.namespaces)) if (n.kind === 'named' && n.name) useNs(n.name);

  const settings = (i: IfaceEntry): Record<string, unknown> => {
    const addrs = i.addresses.filter((a) => !isLinkLocal6(a));
    return { addresses: addrs.length ? addrs : undefined, mtu: i.mtu && i.mtu !== 1500 ? i.mtu : undefined, up: isAdminUp(i) ? undefined : false };
  };
  const hasAny = (o: Record<string, unknown>) => Object.values(o).some((v) => v !== undefined);

  const bridges: string[] = [], tuntaps: string[] = [], veths: string[] = [];
  const bridgeNames = new Set<string>();
  const tunNames = new Set<string>();
  for (const id of chosen) {
    const i = byId[id];
    const ns = nsOf(i);
    if (!ns) { notes.push(`${i.name} is in a process namespace (${t.namespaces[i.namespaceId]?.label}): left out`); continue; }
    if (ns !== HOST_NS) useNs(ns);
    if (i.kind === 'bridge') {
      if (bridgeNames.has(i.name)) { notes.push(`a second bridge named ${i.name} (in ${ns}) left out: lab bridge names are unique`); continue; }
      bridgeNames.add(i.name);
      const o: Record<string, unknown> = isAppMade(i) ? { ...settings(i) } : { external: true };
      if (ns !== HOST_NS) o.namespace = ns;
      bridges.push(`  ${key(i.name)}: ${flow(o)}`);
      if (!isAppMade(i)) notes.push(`bridge ${i.name} was not made by VNet Studio: written as external (the lab adds ports to it)`);
    } else if (i.kind === 'tun' || i.kind === 'tap') {
      if (tunNames.has(i.name)) { notes.push(`a second tun/tap named ${i.name} left out`); continue; }
      tunNames.add(i.name);
      const m = i.master && byId[i.master];
      const addrs = i.addresses.filter((a) => !isLinkLocal6(a));
      tuntaps.push(`  ${key(i.name)}: ${flow({ mode: i.kind, namespace: ns !== HOST_NS ? ns : undefined, addresses: addrs.length ? addrs : undefined, bridge: m && m.kind === 'bridge' ? m.name : undefined })}`);
    }
  }
  const doneVeth = new Set<string>();
  for (const id of chosen) {
    const i = byId[id];
    if (i.kind !== 'veth' || doneVeth.has(id)) continue;
    doneVeth.add(id);
    const p = i.peer ? byId[i.peer] : undefined;
    if (p) doneVeth.add(p.id);
    const a = nsOf(i), b = p ? nsOf(p) : null;
    if (!p || !a || !b) { notes.push(`veth ${i.name}: its peer is not in a namespace a lab can name; left out`); continue; }
    const port = (x: IfaceEntry) => { const m = x.master && byId[x.master]; return m && m.kind === 'bridge' && bridgeNames.has(m.name) ? m.name : null; };
    // the namespace end first; an end on a bridge is written as the bridge (the lab names that port itself)
    const [x1, n1, x2, n2] = port(i) && !port(p) ? [p, b, i, a] : [i, a, p, b];
    const p2 = port(x2);
    const endA = `${n1}:${x1.name}`, endB = p2 && !port(x1) ? p2 : `${n2}:${x2.name}`;
    if (port(x1) && p2) notes.push(`veth ${x1.name} — ${x2.name} joins two bridges: written as a plain pair (make the ports by hand)`);
    veths.push(`  - [${str(endA)}, ${str(endB)}]`);
    for (const [x, end, ns] of [[x1, endA, n1], [x2, endB, n2]] as const) {
      if (!end.includes(':')) { const s = settings(x); if (hasAny(s)) notes.push(`settings of bridge port ${x.name} (${JSON.stringify(s)}) are not kept: the lab names and makes that port itself`); continue; }
      const s = settings(x);
      if (hasAny(s)) useNs(ns).ifs.set(x.name, s);
      else if (ns !== HOST_NS) useNs(ns);
    }
  }
  // routes people made in the lab's namespaces
  for (const [k, n] of namespaces) {
    if (k === HOST_NS) continue;
    const id = Object.values(t.namespaces).find((x) => x.kind === 'named' && x.name === k)?.id;
    for (const r of (id && t.routes[id]) || []) {
      if (r.table !== MAIN_TABLE || r.protocol === 'kernel' || r.type !== 'unicast') continue;
      const dev = r.dev && byId[r.dev] && chosen.has(r.dev) ? byId[r.dev].name : null;
      if (!r.gateway && !dev) { notes.push(`route ${r.dst} in ${k} left out (its device is not part of the lab)`); continue; }
      n.routes.push(`      - ${flow({ to: r.dst, via: r.gateway ?? undefined, dev: r.gateway ? undefined : dev ?? undefined, metric: r.family === 4 && r.metric ? r.metric : undefined })}`);
    }
  }
  if (hostId === null) notes.push('no host namespace in the picture');

  const lines: string[] = [`name: ${key(name)}`];
  if (description) lines.push(`description: ${str(description)}`);
  if (namespaces.size) {
    lines.push('namespaces:');
    for (const [k, n] of [...namespaces].sort((x, y) => (x[0] === HOST_NS ? 1 : y[0] === HOST_NS ? -1 : x[0].localeCompare(y[0])))) {
      if (!n.ifs.size && !n.routes.length) { lines.push(`  ${key(k)}: {}`); continue; }
      lines.push(`  ${key(k)}:`);
      if (n.ifs.size) {
        lines.push('    interfaces:');
        for (const [ifn, s] of n.ifs) lines.push(`      ${key(ifn)}: ${flow(s)}`);
      }
      if (n.routes.length) lines.push('    routes:', ...n.routes);
    }
  }
  if (bridges.length) lines.push('bridges:', ...bridges);
  if (veths.length) lines.push('veths:', ...veths);
  if (tuntaps.length) lines.push('tuntaps:', ...tuntaps);
  return { text: lines.join('\n') + '\n', notes };
}
