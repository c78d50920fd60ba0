// The inspector: every field of the selected interface with a live 60 s chart (a bridge's
// forwarding table too), or a namespace's addresses and routes.
import { useEffect, useState, type ReactNode } from 'react';
import { addressText, STATS_FIELDS, type FdbEntry } from '../../../electron/contract';
import { uiStore, useIfCounters, useTopology, useUi } from '../store';
import { interfacesOf, type TopologyState } from '../store/topology';
import { KindIcon } from '../icons';
import { fmtBytesRate, fmtPps } from '../format';
import { Sparkline } from './Sparkline';
import { IfaceEditor, NamespaceEditor } from '../editor/Editors';
import { CaptureNamespaceButton } from '../capture/CapturePanel';
import { TraceFollow } from '../trace/TracePanel';

const Row = ({ k, children, testid }: { k: string; children: ReactNode; testid?: string }) => (
  <tr data-testid={testid}><th>{k}</th><td>{children}</td></tr>
);

function ifLabel(t: TopologyState, id: string | null): string {
  if (!id) return '—';
  const i = t.interfaces[id];
  if (!i) return id;
  const ns = t.namespaces[i.namespaceId];
  return `${i.name} @ ${ns?.label ?? i.namespaceId}`;
}

/** A learned entry's age now, in whole seconds: an upper bound (see FdbEntry.ageSeconds). */
function ageNow(e: FdbEntry, now: number): number | null {
  if (e.ageSeconds === null || e.readAt === null) return null;
  return Math.max(0, Math.round(e.ageSeconds + (now - e.readAt) / 1000));
}

/** The current time, once a second (for ages). */
function useSecondClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/** A bridge's forwarding table, by port: mac, port, state, age (live: the table follows the
 *  engine's fdb deltas, the ages tick here). */
function FdbTable({ bridgeId }: { bridgeId: string }) {
  const table = useTopology((s) => s.fdb[bridgeId]);
  const names = useTopology((s) => s.interfaces);
  const now = useSecondClock();
  const portName = (p: string) => names[p]?.name ?? p;
  const rows = [...(table ?? [])].sort((a, b) => portName(a.port).localeCompare(portName(b.port)) || (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  return (
    <>
      <h3>Forwarding table (FDB)</h3>
      <table className="grid" data-testid="fdb-table" data-count={rows.length}>
        <thead><tr><th>mac</th><th>port</th><th>state</th><th title="seconds since a frame from this address refreshed the entry, at most (traffic refreshes entries silently)">age ≤</th></tr></thead>
        <tbody>
          {rows.map((e) => {
            const age = ageNow(e, now);
            return (
              <tr key={`${e.mac}/${e.vlan}`} data-testid="fdb-row" data-mac={e.mac} data-port={e.port} data-state={e.state}>
                <td>{e.mac}{e.vlan !== null ? ` vlan ${e.vlan}` : ''}</td>
                <td><a onClick={() => names[e.port] && uiStore.getState().select({ kind: 'iface', id: e.port })}>{portName(e.port)}</a></td>
                <td>{e.state}</td>
                <td>{age === null ? '' : `${age} s`}</td>
              </tr>
            );
          })}
          {rows.length === 0 && <tr><td colSpan={4} className="muted">no entries</td></tr>}
        </tbody>
      </table>
    </>
  );
}

function IfaceInspector({ id }: { id: string }) {
  const t = useTopology((s) => s);
  const c = useIfCounters(id);
  const [metric, setMetric] = useState<'bytes' | 'packets'>('bytes');
  const i = t.interfaces[id];
  if (!i) return <div className="muted">This interface is gone.</div>;
  const ns = t.namespaces[i.namespaceId];
  const go = (target: string | null) => target && t.interfaces[target] && uiStore.getState().select({ kind: 'iface', id: target });
  return (
    <div data-testid="inspector-iface" data-if-id={id}>
      <h2><KindIcon kind={i.kind} /> {i.name} <span className={`pill state-${i.state}`}>{i.state}</span></h2>
      <div className="chart-head">
        <span>traffic</span>
        <select value={metric} onChange={(e) => setMetric(e.target.value as 'bytes' | 'packets')}>
          <option value="bytes">bytes/s</option><option value="packets">packets/s</option>
        </select>
      </div>
      <Sparkline id={id} metric={metric} />
      <IfaceEditor id={id} />
      <TraceFollow nsId={i.namespaceId} />
      <table className="kv">
        <tbody>
          <Row k="rx rate">{fmtPps(c?.rxPps ?? 0)} · {fmtBytesRate(c?.rxBps ?? 0)}</Row>
          <Row k="tx rate">{fmtPps(c?.txPps ?? 0)} · {fmtBytesRate(c?.txBps ?? 0)}</Row>
          {STATS_FIELDS.map((f) => <Row key={f} k={f} testid={`stat-${f}`}>{c?.stats[f] ?? i.stats[f]}</Row>)}
        </tbody>
      </table>
      <table className="kv">
        <tbody>
          <Row k="id">{i.id}</Row>
          <Row k="index">{i.index}</Row>
          <Row k="kind">{i.kind}{i.linkKind && i.linkKind !== i.kind ? ` (${i.linkKind})` : ''}</Row>
          <Row k="namespace"><a onClick={() => uiStore.getState().select({ kind: 'namespace', id: i.namespaceId })}>{ns?.label ?? i.namespaceId}</a></Row>
          <Row k="mac">{i.mac ?? '—'}</Row>
          <Row k="mtu">{i.mtu}</Row>
          <Row k="state">{i.state}</Row>
          <Row k="flags">{i.flags.join(' ') || '—'}</Row>
          <Row k="master">{i.master ? <a onClick={() => go(i.master)}>{ifLabel(t, i.master)}</a> : '—'}</Row>
          <Row k="peer">{i.peer ? <a onClick={() => go(i.peer)}>{ifLabel(t, i.peer)}</a> : '—'}</Row>
          {i.tun && <Row k="tun">{i.tun.mode}{i.tun.persistent ? ', persistent' : ''}; held by {i.tun.owners.map((o) => `${o.comm} (${o.pid})`).join(', ') || 'nobody'}</Row>}
          {i.vxlan && <Row k="vxlan">vni {i.vxlan.vni}{i.vxlan.remote ? `, remote ${i.vxlan.remote}` : ''}{i.vxlan.local ? `, local ${i.vxlan.local}` : ''}{i.vxlan.port ? `, port ${i.vxlan.port}` : ''}{i.vxlan.dev ? `, dev ${i.vxlan.dev}` : ''}</Row>}
          <Row k="alias">{i.alias ?? '—'}</Row>
          <Row k="addresses" testid="if-addresses">{i.addresses.length ? i.addresses.map((a) => <div key={a}>{addressText(a, i.peers)}</div>) : '—'}</Row>
        </tbody>
      </table>
      {i.kind === 'bridge' && <FdbTable bridgeId={id} />}
    </div>
  );
}

function NamespaceInspector({ id }: { id: string }) {
  const t = useTopology((s) => s);
  const ns = t.namespaces[id];
  if (!ns) return <div className="muted">This namespace is gone.</div>;
  const ifs = interfacesOf(t, id);
  const routes = t.routes[id] ?? [];
  const devName = (dev: string | null) => (dev ? t.interfaces[dev]?.name ?? dev : '—');
  return (
    <div data-testid="inspector-namespace" data-ns-id={id}>
      <h2><KindIcon kind="namespace" /> {ns.label}</h2>
      <table className="kv">
        <tbody>
          <Row k="id">{ns.id}</Row>
          <Row k="kind">{ns.kind}</Row>
          <Row k="name">{ns.name ?? '—'}</Row>
          <Row k="pids">{ns.pids.slice(0, 20).join(' ') || '—'}{ns.pids.length > 20 ? ` … (${ns.pids.length})` : ''}</Row>
          {ns.error && <Row k="error">{ns.error}</Row>}
        </tbody>
      </table>
      <NamespaceEditor id={id} />
      <CaptureNamespaceButton nsId={id} />
      <TraceFollow nsId={id} />
      <h3>Addresses</h3>
      <table className="grid" data-testid="ns-addresses">
        <thead><tr><th>interface</th><th>address</th></tr></thead>
        <tbody>
          {ifs.flatMap((i) => i.addresses.map((a) => (
            <tr key={i.id + a}><td><a onClick={() => uiStore.getState().select({ kind: 'iface', id: i.id })}>{i.name}</a></td><td>{addressText(a, i.peers)}</td></tr>
          )))}
          {!ifs.some((i) => i.addresses.length) && <tr><td colSpan={2} className="muted">no addresses</td></tr>}
        </tbody>
      </table>
      <h3>Routes (main table)</h3>
      <table className="grid" data-testid="ns-routes">
        <thead><tr><th>to</th><th>via</th><th>dev</th><th>proto</th><th>scope</th><th>metric</th></tr></thead>
        <tbody>
          {routes.map((r, k) => (
            <tr key={k}><td>{r.dst}</td><td>{r.gateway ?? ''}</td><td>{devName(r.dev)}</td><td>{r.protocol}</td><td>{r.scope}</td><td>{r.metric ?? ''}</td></tr>
          ))}
          {routes.length === 0 && <tr><td colSpan={6} className="muted">no routes</td></tr>}
        </tbody>
      </table>
    </div>
  );
}

export function Inspector() {
  const sel = useUi((s) => s.selection);
  let body: ReactNode = <div className="muted hint">Select an interface for its fields and a live 60-second chart, or a namespace box (click its header) for its addresses and routes.</div>;
  if (sel?.kind === 'iface') body = <IfaceInspector id={sel.id} />;
  else if (sel?.kind === 'namespace') body = <NamespaceInspector id={sel.id} />;
  else if (sel?.kind === 'process') body = <div className="muted">A process holding a tun/tap device open: {sel.id.split('/proc:')[1] ? `pid ${sel.id.split('/proc:')[1]}` : sel.id}</div>;
  else if (sel?.kind === 'cloud') body = <div className="muted">The physical network beyond a physical interface.</div>;
  return <aside className="inspector" data-testid="inspector">{body}</aside>;
}
