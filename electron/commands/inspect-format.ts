// Human-readable text for `vnet-studio inspect`: the model as a tree of namespace boxes, and one
// line per delta for `--watch`. Pure (tests call it with hand-made models).
import { addressText, type Delta, type FdbEntry, type Interface, type Model, type Namespace, type Route } from '../contract';
import { applyDelta, cloneModel, findInterface } from '../engine/apply';
import { counted } from './usage';

/** The addresses as `ip addr` writes them: a point-to-point one as `10.8.0.1 peer 10.8.0.2/32`. */
const addrTexts = (i: Interface): string[] => i.addresses.map((a) => addressText(a, i.peers));

/** Models an id is looked up in, first match wins. A delta's line names things as its own change
 *  left them, else as the rest of its batch did (a veth's peer may arrive later in the batch). */
type Names = readonly Model[];

function nsLabel(ns: Namespace): string {
  return ns.kind === 'host' ? 'host' : ns.kind === 'named' ? `ns ${ns.label}` : ns.label;
}

/** "eth0 in ns blue" for an interface id, as seen from namespace `from` (no suffix if the same). */
function ref(names: Names, id: string | null, from?: string): string {
  if (!id) return '-';
  let f: ReturnType<typeof findInterface> = null;
  for (const m of names) if ((f = findInterface(m, id))) break;
  if (!f) return id;
  return f.ns.id === from ? f.iface.name : `${f.iface.name} in ${nsLabel(f.ns)}`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024; let i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${u[i]}`;
}

function routeText(m: Names, r: Route, nsId: string): string {
  const parts = [r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${ref(m, r.dev, nsId)}`);
  if (r.protocol !== 'boot' && r.protocol !== 'unspec') parts.push(`proto ${r.protocol}`);
  if (r.scope !== 'universe') parts.push(`scope ${r.scope}`);
  if (r.metric !== null) parts.push(`metric ${r.metric}`);
  if (r.type !== 'unicast') parts.unshift(r.type);
  return parts.join(' ');
}

function owners(i: Interface): string {
  if (!i.tun) return '';
  const held = i.tun.owners.length
    ? `held by ${i.tun.owners.map((o) => `pid ${o.pid} (${o.comm})`).join(', ')}`
    : 'held by no process';
  return `${i.tun.mode}${i.tun.persistent ? ', persistent' : ''}, ${held}`;
}

function interfaceLines(m: Names, ns: Namespace, i: Interface): string[] {
  const head = [i.name.padEnd(15), i.kind.padEnd(9), i.state.padEnd(7), `mtu ${i.mtu}`];
  if (i.mac) head.push(i.mac);
  const out = [`│ ${head.join(' ')}`];
  const sub = (s: string) => out.push(`│     ${s}`);
  if (i.flags.length) sub(`flags ${i.flags.join(',')}`);
  if (i.addresses.length) sub(`addr ${addrTexts(i).join(' ')}`);
  if (i.master) sub(`master ${ref(m, i.master, ns.id)}`);
  if (i.peer) sub(`peer → ${ref(m, i.peer, ns.id)}`);
  if (i.tun) sub(owners(i));
  if (i.vxlan) {
    const v = i.vxlan;
    sub(`vxlan id ${v.vni}${v.remote ? ` remote ${v.remote}` : ''}${v.local ? ` local ${v.local}` : ''}${v.port ? ` dstport ${v.port}` : ''}${v.dev ? ` dev ${ref(m, v.dev, ns.id)}` : ''}`);
  }
  if (i.alias) sub(`alias ${i.alias}`);
  const s = i.stats;
  let c = `rx ${s.rxPackets} pkts ${bytes(s.rxBytes)}   tx ${s.txPackets} pkts ${bytes(s.txBytes)}`;
  if (s.rxErrors || s.txErrors || s.rxDropped || s.txDropped) {
    c += `   errors ${s.rxErrors}/${s.txErrors} dropped ${s.rxDropped}/${s.txDropped} (rx/tx)`;
  }
  sub(c);
  if (i.fdb) out.push(...fdbLines(m, ns, i.fdb));
  return out;
}

/** An entry's age as `inspect` prints it: learned entries only (see FdbEntry.ageSeconds). */
function ageText(e: FdbEntry, now: number): string {
  if (e.ageSeconds === null || e.readAt === null) return '';
  return `${Math.max(0, Math.round(e.ageSeconds + (now - e.readAt) / 1000))} s`;
}

/** A bridge's forwarding table: one line per entry, by port (mac, port, state, age, vlan). */
function fdbLines(m: Names, ns: Namespace, fdb: readonly FdbEntry[], now = Date.now()): string[] {
  if (!fdb.length) return ['│     fdb (empty)'];
  const rows = fdb.map((e) => ({ e, port: ref(m, e.port, ns.id) }))
    .sort((a, b) => (a.port < b.port ? -1 : a.port > b.port ? 1 : 0));
  const w = Math.max(4, ...rows.map((r) => r.port.length));
  const out = [`│     fdb ${'mac'.padEnd(17)}  ${'port'.padEnd(w)}  ${'state'.padEnd(9)}  age`];
  for (const { e, port } of rows) {
    const vlan = e.vlan !== null ? `  vlan ${e.vlan}` : '';
    out.push(`│         ${e.mac.padEnd(17)}  ${port.padEnd(w)}  ${e.state.padEnd(9)}  ${ageText(e, now) || '-'}${vlan}`.trimEnd());
  }
  return out;
}

export function formatModel(m: Model): string {
  const names = [m];
  const out: string[] = [];
  for (const ns of m.namespaces) {
    const pids = ns.pids.length ? `  ${ns.pids.length === 1 ? 'pid' : 'pids'} ${ns.pids.slice(0, 8).join(' ')}${ns.pids.length > 8 ? ` (+${ns.pids.length - 8})` : ''}` : '';
    out.push(`┌─ ${nsLabel(ns)}  [${ns.kind}, ${ns.id}]${pids}`);
    if (ns.error) out.push(`│ ! ${ns.error}`);
    for (const i of ns.interfaces) out.push(...interfaceLines(names, ns, i));
    if (ns.routes.length) {
      out.push('│ routes');
      for (const r of ns.routes) out.push(`│     ${routeText(names, r, ns.id)}`);
    }
    out.push('└─');
  }
  return out.join('\n');
}

/** The line under the picture: "1 namespace, 3 interfaces". */
export function summaryLine(c: { namespaces: number; interfaces: number }): string {
  return `${counted(c.namespaces, 'namespace')}, ${counted(c.interfaces, 'interface')}`;
}

function where(names: Names, nsId: string): string {
  for (const m of names) {
    const ns = m.namespaces.find((n) => n.id === nsId);
    if (ns) return nsLabel(ns);
  }
  return nsId;
}

/** What changed in an interface, in words. */
function ifaceChanges(m: Names, a: Interface, b: Interface, nsId: string): string[] {
  const ch: string[] = [];
  if (a.name !== b.name) ch.push(`renamed to ${b.name}`);
  if (a.state !== b.state) ch.push(`${a.state} → ${b.state}`);
  const fa = new Set(a.flags); const fb = new Set(b.flags);
  const fAdd = b.flags.filter((f) => !fa.has(f)); const fDel = a.flags.filter((f) => !fb.has(f));
  if (fAdd.length || fDel.length) ch.push(`flags ${[...fAdd.map((f) => `+${f}`), ...fDel.map((f) => `-${f}`)].join(' ')}`);
  if (a.mtu !== b.mtu) ch.push(`mtu ${a.mtu} → ${b.mtu}`);
  if (a.mac !== b.mac) ch.push(`mac ${b.mac}`);
  const aa = new Set(addrTexts(a)); const ab = new Set(addrTexts(b));
  for (const x of ab) if (!aa.has(x)) ch.push(`+addr ${x}`);
  for (const x of aa) if (!ab.has(x)) ch.push(`-addr ${x}`);
  if (a.master !== b.master) ch.push(b.master ? `master ${ref(m, b.master, nsId)}` : 'no master');
  if (a.peer !== b.peer) ch.push(b.peer ? `peer → ${ref(m, b.peer, nsId)}` : 'no peer');
  if (JSON.stringify(a.tun) !== JSON.stringify(b.tun) && b.tun) ch.push(owners(b));
  if (a.alias !== b.alias) ch.push(`alias ${b.alias ?? '-'}`);
  if (!ch.length && JSON.stringify({ ...a, stats: 0 }) !== JSON.stringify({ ...b, stats: 0 })) ch.push('changed');
  return ch;
}

/** One line describing a delta, given the model as it was before it and after it (null: nothing
 *  worth saying, e.g. only a namespace's pid list changed). `batchEnd`: the model after the whole
 *  batch the delta came in, where names not yet known after this delta are looked up. */
export function describeDelta(before: Model, afterDelta: Model, d: Delta, batchEnd?: Model): string | null {
  const after: Names = batchEnd ? [afterDelta, batchEnd] : [afterDelta];
  switch (d.op) {
    case 'namespace': {
      const old = before.namespaces.find((n) => n.id === d.namespace.id);
      const n = d.namespace;
      const label = n.kind === 'host' ? 'host' : n.kind === 'named' ? `ns ${n.label}` : n.label;
      if (!old) return `+ namespace ${label} (${n.kind}, ${n.id})${n.error ? `: ${n.error}` : ''}`;
      if (old.kind !== n.kind || old.label !== n.label) return `~ namespace ${nsLabel(old)} is now ${label} (${n.kind})`;
      if (old.error !== n.error) return `~ namespace ${label}: ${n.error ?? 'readable'}`;
      return null;
    }
    case 'namespace-removed': {
      const old = before.namespaces.find((n) => n.id === d.id);
      if (!old) return `- namespace ${d.id}`;
      const k = old.interfaces.length;
      return `- namespace ${nsLabel(old)}${k ? ` (with ${counted(k, 'interface')}: ${old.interfaces.map((i) => i.name).join(', ')})` : ''}`;
    }
    case 'interface': {
      const old = findInterface(before, d.iface.id);
      const i = d.iface;
      if (!old) {
        const extra = [i.state, ...addrTexts(i)];
        if (i.peer) extra.push(`peer → ${ref(after, i.peer, d.namespaceId)}`);
        if (i.master) extra.push(`master ${ref(after, i.master, d.namespaceId)}`);
        return `+ ${i.name} (${i.kind}) in ${where(after, d.namespaceId)}: ${extra.join(', ')}`;
      }
      const ch = ifaceChanges(after, old.iface, i, d.namespaceId);
      return ch.length ? `~ ${old.iface.name} (${i.kind}) in ${where(after, d.namespaceId)}: ${ch.join(', ')}` : null;
    }
    case 'interface-removed': {
      const old = findInterface(before, d.id);
      return old ? `- ${old.iface.name} (${old.iface.kind}) in ${nsLabel(old.ns)}` : `- ${d.id}`;
    }
    case 'routes': {
      const old = before.namespaces.find((n) => n.id === d.namespaceId);
      const oldT = new Set((old?.routes ?? []).map((r) => routeText([before], r, d.namespaceId)));
      const newT = d.routes.map((r) => routeText(after, r, d.namespaceId));
      const newS = new Set(newT);
      const ch = [...newT.filter((t) => !oldT.has(t)).map((t) => `+ ${t}`), ...[...oldT].filter((t) => !newS.has(t)).map((t) => `- ${t}`)];
      return ch.length ? `~ routes in ${where(after, d.namespaceId)}: ${ch.join('; ')}` : null;
    }
    case 'fdb': {
      const br = findInterface(before, d.bridge) ?? findInterface(afterDelta, d.bridge);
      const from = br?.ns.id;
      const old = new Map((br?.iface.fdb ?? []).map((e) => [`${e.mac}/${e.vlan}`, e]));
      const vlan = (e: { vlan: number | null }) => (e.vlan !== null ? ` vlan ${e.vlan}` : '');
      const ch = [
        ...d.set.map((e) => {
          const was = old.get(`${e.mac}/${e.vlan}`);
          const what = `${e.mac}${vlan(e)} on ${ref(after, e.port, from)} (${e.state})`;
          if (!was) return `+ ${what}`;
          return was.port !== e.port || was.state !== e.state ? `~ ${what}` : null;
        }),
        ...d.removed.map((k) => `- ${k.mac}${vlan(k)}`),
      ].filter((x): x is string => x !== null);
      return ch.length ? `~ fdb of ${ref(after, d.bridge)}: ${ch.join('; ')}` : null;
    }
  }
}

/** The lines for one delta batch (`inspect --watch`), applying it to `mirror` in place. The kernel
 *  announces a veth pair as two links, often in one batch: the first end's peer exists only once
 *  the second is applied, so names are also looked up in the model the whole batch leaves. */
export function describeBatch(mirror: Model, deltas: readonly Delta[]): string[] {
  const befores: Model[] = [];
  for (const d of deltas) { befores.push(cloneModel(mirror)); applyDelta(mirror, d); }
  const lines: string[] = [];
  deltas.forEach((d, k) => {
    const line = describeDelta(befores[k], befores[k + 1] ?? mirror, d, mirror);
    if (line) lines.push(line);
  });
  return lines;
}
