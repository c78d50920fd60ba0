// An interface: kind icon, name, state, addresses, live rates and totals. Memo'd; its counters come
// from the counters slice by id, so a frame re-renders only the nodes whose entry changed.
import { memo } from 'react';
import { Handle, Position, useStore as useFlowStore, type NodeProps } from '@xyflow/react';
import type { IfaceNode as IfaceNodeT } from '../graph/types';
import { MAX_SHOWN_ADDRESSES } from '../graph/types';
import { KindIcon } from '../icons';
import { ConnectHandle } from '../editor/ConnectHandle';
import { useCapture, useCounters, useIfCounters, useTopology, useTrace, useUi } from '../store';
import { markOf } from '../store/trace';
import { fdbByPort } from '../store/topology';
import { ifaceMatches } from '../graph/search';
import { fmtBytesRate, fmtPps, trafficLevel } from '../format';

const IfaceCounters = memo(function IfaceCounters({ id }: { id: string }) {
  const c = useIfCounters(id);
  const s = c?.stats;
  return (
    <div className="if-counters">
      <div className="if-row rx" title="received">
        <span className="dir">↓</span>
        <span className="total" data-testid="rx-packets" data-value={s?.rxPackets ?? 0}>{s?.rxPackets ?? 0}</span>
        <span className="rate" data-testid="rx-pps">{fmtPps(c?.rxPps ?? 0)}</span>
        <span className="rate" data-testid="rx-bps">{fmtBytesRate(c?.rxBps ?? 0)}</span>
      </div>
      <div className="if-row tx" title="sent">
        <span className="dir">↑</span>
        <span className="total" data-testid="tx-packets" data-value={s?.txPackets ?? 0}>{s?.txPackets ?? 0}</span>
        <span className="rate" data-testid="tx-pps">{fmtPps(c?.txPps ?? 0)}</span>
        <span className="rate" data-testid="tx-bps">{fmtBytesRate(c?.txBps ?? 0)}</span>
      </div>
    </div>
  );
});

/** Faults (errors + drops) and busy-ness as attributes/classes on the node's frame. */
// Selectors return numbers, so the frame re-renders only when these change, not on every frame.
function useLiveFlags(id: string): { faults: number; level: number } {
  const faults = useCounters((s) => s.byId[id]?.faults ?? 0);
  const level = useCounters((s) => { const c = s.byId[id]; return c ? trafficLevel(c.rxPps + c.txPps) : 0; });
  return { faults, level };
}

/** A bridge port's badge: how many addresses its bridge holds behind it; hovering lists them
 *  (the bridge's forwarding table, live). Nothing for an interface that is no bridge's port. */
const BehindPort = memo(function BehindPort({ ifId, bridge }: { ifId: string; bridge: string }) {
  // A string, so the node re-renders only when what it shows changes.
  const macs = useTopology((s) => (fdbByPort(s.fdb[bridge]).get(ifId) ?? []).map((e) => `${e.mac}${e.vlan !== null ? ` vlan ${e.vlan}` : ''} (${e.state})`).join('\n'));
  if (!macs) return null;
  const n = macs.split('\n').length;
  return (
    <span className="if-fdb" data-testid="fdb-behind" data-macs={macs} title={`behind this port (${n}):\n${macs}`}>
      {n} MAC{n > 1 ? 's' : ''}
    </span>
  );
});

/** Below this zoom the text is unreadable anyway: nodes drop addresses and counters (far less DOM
 *  to lay out and paint when a thousand of them are on screen). The inspector still shows all. */
export const DETAIL_ZOOM = 0.35;
const zoomedOut = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

function IfaceNodeView({ data, selected }: NodeProps<IfaceNodeT>) {
  const { faults, level } = useLiveFlags(data.ifId);
  const far = useFlowStore(zoomedOut);
  const hit = useUi((s) => ifaceMatches(s.search, { name: data.name, addresses: data.addresses, kind: data.ifKind }, data.nsLabel));
  // Marks from the capture panel: a capture runs on it; the packet shown in the panel was seen here.
  const capturing = useCapture((s) => !!s.capturing[data.ifId]);
  const packetHere = useCapture((s) => s.selected?.p.iface === data.ifId);
  // A followed ping (the trace panel): the hop shown now, hops passed, where it stopped.
  const traceMark = useTrace((s) => markOf(s, data.ifId));
  const shown = data.shownAddresses.slice(0, MAX_SHOWN_ADDRESSES);
  const more = data.shownAddresses.length - shown.length;
  return (
    <div
      className={`if-node kind-${data.ifKind} state-${data.state}${selected ? ' selected' : ''}${hit ? ' search-hit' : ''}${faults ? ' has-faults' : ''}${level ? ' busy' : ''}${capturing ? ' capturing' : ''}${packetHere ? ' packet-here' : ''}${traceMark ? ` trace-${traceMark}` : ''}`}
      data-testid={`if-${data.name}`} data-if-id={data.ifId} data-if-kind={data.ifKind} data-state={data.state}
      data-if-ns={data.nsId} data-ns-label={data.nsLabel} data-faults={faults} data-level={level} data-detail={far ? 'low' : 'full'}
      data-capturing={capturing || undefined} data-packet-here={packetHere || undefined} data-trace={traceMark || undefined}
    >
      <Handle type="source" id="c" position={Position.Top} className="center-handle" isConnectable={false} />
      {data.ifKind === 'bridge' && <ConnectHandle on="bridge" />}
      <div className="if-head">
        <span className="if-icon"><KindIcon kind={data.ifKind} /></span>
        <span className="if-name" title={data.name}>{data.name}</span>
        {capturing && <span className="if-rec" data-testid="capturing" title="being captured">● rec</span>}
        {faults > 0 && <span className="if-fault" data-testid="faults" title="errors + drops">⚠ {faults}</span>}
        {data.master && <BehindPort ifId={data.ifId} bridge={data.master} />}
        <span className="if-state" title={`state ${data.state}`}>{data.state}</span>
      </div>
      {far ? <div className={`if-activity level-${level}`} /> : <>
        <div className="if-addrs">
          {shown.length === 0 && <span className="muted">{data.addresses.length ? "link-local only" : "no address"}</span>}
          {shown.map((a) => <span key={a} className="addr" title={a}>{a}</span>)}
          {more > 0 && <span className="muted">+{more} more</span>}
        </div>
        <IfaceCounters id={data.ifId} />
      </>}
    </div>
  );
}

export const IfaceNode = memo(IfaceNodeView);
