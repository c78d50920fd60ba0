// The selected packet: where and when it was seen, its layers decoded (packet-summary.ts) with
// their fields, and its bytes in hex. Its interface is marked on the canvas (IfaceNode reads the
// selection); the interface's name here brings it into view. "Where else was this seen" asks the
// engine for the same packet on the capture's other interfaces (captureLocate): the trace panel
// shows its path, and the canvas lights it as a trace's.
import { useMemo } from 'react';
import { uiStore, useCapture, useTopology, useTrace } from '../store';
import { rowBytes, rowDecoded } from '../store/capture';
import { hexDump, utcMicros } from './packet-format';
import { locatePacket } from '../trace/actions';

export function PacketDetails() {
  const row = useCapture((s) => s.selected);
  const iface = useCapture((s) => (row ? s.ifaces[row.p.iface] : undefined));
  const onCanvas = useTopology((s) => (row ? !!s.interfaces[row.p.iface] : false));
  const captureId = useCapture((s) => s.capture?.id ?? null);
  const locating = useTrace((s) => !!s.running);
  const decoded = useMemo(() => (row ? rowDecoded(row) : null), [row]);
  const hex = useMemo(() => (row ? hexDump(rowBytes(row)) : []), [row]);
  if (!row || !decoded) return <div className="pkt-details muted hint" data-testid="packet-details-empty">Select a packet for its layers and bytes.</div>;
  const p = row.p;
  const shown = hex.length ? Math.min(p.caplen, rowBytes(row).length) : 0;
  const goToIface = () => {
    if (!onCanvas) return;
    uiStore.getState().select({ kind: 'iface', id: p.iface });
    uiStore.getState().requestFocus([p.iface]);
  };
  return (
    <div className="pkt-details" data-testid="packet-details" data-n={p.n}>
      <details open className="pkt-layer" data-testid="packet-layer" data-layer="Frame">
        <summary>Frame {p.n}: {p.len} bytes on the wire, {p.caplen} captured
          {captureId && (
            <button type="button" className="small pkt-locate" data-testid="packet-locate" disabled={locating}
              title="the same packet on the capture's other interfaces, in time order, lit on the canvas"
              onClick={(e) => { e.preventDefault(); void locatePacket(captureId, p.n, row.ifName); }}>where else was this seen</button>
          )}
        </summary>
        <table className="kv"><tbody>
          <tr><th>interface</th><td>{onCanvas ? <a onClick={goToIface} data-testid="packet-iface-link">{row.ifName}</a> : row.ifName}{iface ? ` (${iface.nsLabel})` : ''}</td></tr>
          <tr><th>time</th><td>{utcMicros(p.t)}</td></tr>
          <tr><th>direction</th><td>{p.dir === 'tx' ? 'sent by the interface' : 'arrived at the interface'} ({p.type})</td></tr>
          <tr><th>link type</th><td>{row.link === 'raw' ? 'raw IP' : 'Ethernet'}</td></tr>
        </tbody></table>
      </details>
      {decoded.layers.map((l, k) => (
        <details open key={k} className="pkt-layer" data-testid="packet-layer" data-layer={l.name}>
          <summary>{l.name}</summary>
          <table className="kv"><tbody>
            {l.fields.map((f, j) => <tr key={j}><th>{f.name}</th><td>{f.value}</td></tr>)}
          </tbody></table>
        </details>
      ))}
      <div className="pkt-hex-head muted">
        bytes{shown < p.caplen ? `: the first ${shown} of ${p.caplen} (the saved file has them all)` : ''}
      </div>
      <pre className="pkt-hex" data-testid="packet-hex">
        {hex.map((l) => `${l.offset}  ${l.hex.padEnd(48)}  ${l.ascii}`).join('\n')}
      </pre>
    </div>
  );
}
