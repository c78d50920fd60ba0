// The trace panel (a tab of the bottom dock): the timeline of a followed ping, request and reply
// hop by hop (where, which way, the time since the hop before, the addresses where NAT changed
// them, the bridge's forwarding, the engine's notes), where it stopped and why, and the controls
// that walk the canvas through it (replay, step back and forward, a click on a hop). Also the
// inspector's "ping ADDRESS and follow it".
import { useShallow } from 'zustand/react/shallow';
import type { TraceHop, TraceResult } from '../../../electron/contract';
import { topologyStore, traceStore, useConnection, useTopology, useTrace } from '../store';
import type { TraceStep } from '../store/trace';
import { followPing, hiddenHop, hopAddresses } from './actions';
import './trace.css';

const micros = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;

function nsLabel(nsId: string): string {
  return topologyStore.getState().namespaces[nsId]?.label ?? nsId;
}
function ifName(id: string | null): string {
  if (!id) return '';
  const i = topologyStore.getState().interfaces[id];
  return i ? `${nsLabel(i.namespaceId)}:${i.name}` : id;
}

function HopRow({ s, i, prev, current }: { s: TraceStep; i: number; prev: TraceHop | null; current: boolean }) {
  const h = s.hop;
  const addrs = hopAddresses(h, prev);
  const hidden = hiddenHop(h.interface);
  return (
    <tr className={`trace-hop${current ? ' current' : ''}`} data-testid="trace-hop" data-step={i} data-leg={s.leg}
      data-if-id={h.interface} data-where={h.where} data-direction={h.direction} data-current={current || undefined}
      onClick={() => traceStore.getState().setStep(i)}>
      <td className="t-n">{i + 1}</td>
      <td className="t-where">{h.where}</td>
      <td className={`t-dir dir-${h.direction}`}>{h.direction === 'tx' ? '↑ tx' : '↓ rx'}</td>
      <td className="t-gap" data-testid="trace-gap">{prev ? `+${micros(h.tNs - prev.tNs)}` : micros(h.tNs)}</td>
      <td className="t-info">
        {addrs && <span className="t-addrs">{addrs}</span>}
        {h.forwardedTo && <span className="t-fwd">forwarded to {ifName(h.forwardedTo)}</span>}
        {h.note && !(h.forwardedTo && h.note.startsWith('forwarded to')) && <span className="t-note">{h.note}</span>}
        {hidden && <span className="warn" title="not drawn on the canvas">hidden: {hidden}</span>}
      </td>
    </tr>
  );
}

function Stop({ r }: { r: TraceResult }) {
  const s = r.stopped;
  if (!s) return null;
  const where = s.at ? ifName(s.at) : `inside ${nsLabel(s.ns)} (it never left)`;
  return (
    <div className="trace-stop" data-testid="trace-stop" data-cause={s.cause} data-at={s.at ?? ''}>
      <strong>stopped at {where}</strong> <span className="muted">({s.cause})</span>: {s.reason}
    </div>
  );
}

function Timeline({ r }: { r: TraceResult }) {
  const { steps, step } = useTrace(useShallow((s) => ({ steps: s.steps, step: s.step })));
  useTopology((s) => s.interfaces); // names follow renames
  const rows = steps.map((s, i) => <HopRow key={i} s={s} i={i} prev={i ? steps[i - 1].hop : null} current={i === step} />);
  const firstReply = steps.findIndex((s) => s.leg === 'reply');
  const req = firstReply < 0 ? rows : rows.slice(0, firstReply);
  const rep = firstReply < 0 ? [] : rows.slice(firstReply);
  return (
    <div className="trace-timeline">
      <table className="trace-table" data-testid="trace-timeline">
        <thead><tr><th>#</th><th>interface</th><th>way</th><th title="since the hop before">+time</th><th>what</th></tr></thead>
        <tbody data-testid="trace-request">
          <tr className="trace-leg"><td colSpan={5}>request{req.length ? '' : ': seen on no interface'}</td></tr>
          {req}
        </tbody>
        {rep.length > 0 && (
          <tbody data-testid="trace-reply">
            <tr className="trace-leg"><td colSpan={5}>reply{r.echoes[0]?.rttUs != null ? ` · round trip ${(r.echoes[0].rttUs / 1000).toFixed(3)} ms` : ''}</td></tr>
            {rep}
          </tbody>
        )}
      </table>
      <Stop r={r} />
      {r.notCaptured > 0 && <div className="muted trace-more">{r.notCaptured} more interface{r.notCaptured > 1 ? 's' : ''} it could have passed were not captured</div>}
    </div>
  );
}

export function TracePanel() {
  const st = useTrace(useShallow((s) => ({ running: s.running, asked: s.asked, result: s.result, error: s.error, step: s.step, n: s.steps.length, replaying: s.replaying })));
  useTopology((s) => s.namespaces);
  const ts = traceStore.getState();
  const state = st.running ? 'running' : st.error ? 'error' : st.result ? (st.result.stopped ? 'stopped' : 'answered') : 'none';
  return (
    <div className="trace-panel" data-testid="trace-panel" data-state={state} data-step={st.step} data-steps={st.n}>
      <div className="cap-bar trace-bar">
        {st.asked
          ? <span className="trace-what">ping {st.asked.address} from {nsLabel(st.asked.namespace)}{st.running ? ': following…' : ''}</span>
          : <span className="muted">“ping ADDRESS and follow it” in a namespace’s or an interface’s inspector shows here where the packet went.</span>}
        {st.result && !st.result.stopped && <span className="ok-text" data-testid="trace-answered">answered</span>}
        <span className="spacer" />
        <button type="button" data-testid="trace-replay" disabled={!st.n} onClick={() => (st.replaying ? ts.stopReplay() : ts.replay())}>{st.replaying ? '■ stop' : '▶ replay'}</button>
        <button type="button" data-testid="trace-back" disabled={!st.n || st.step <= 0} onClick={() => ts.back()} title="the hop before">◀ back</button>
        <span className="trace-pos" data-testid="trace-pos">{st.n ? `${st.step + 1} / ${st.n}` : ''}</span>
        <button type="button" data-testid="trace-forward" disabled={!st.n || st.step >= st.n - 1} onClick={() => ts.forward()} title="the next hop">forward ▶</button>
      </div>
      {st.error && <div className="engine-error cap-error" data-testid="trace-error" data-code={st.error.code ?? ''}>could not follow the ping: {st.error.message}</div>}
      {st.result && <Timeline r={st.result} />}
    </div>
  );
}

/** For a namespace's inspector (an interface's: its namespace): "ping ADDRESS and follow it". */
export function TraceFollow({ nsId }: { nsId: string }) {
  const draft = useTrace((s) => s.draft);
  const running = useTrace((s) => s.running);
  const error = useTrace((s) => (s.asked?.namespace === nsId ? s.error : null));
  const connected = useConnection((s) => s.connected && s.engineConnected);
  const busy = !!running;
  return (
    <form className="trace-follow" data-testid="trace-follow" data-busy={busy || undefined}
      onSubmit={(e) => { e.preventDefault(); if (!busy && draft.trim()) void followPing(nsId, draft); }}>
      <input data-testid="trace-address" value={draft} spellCheck={false} placeholder="ping ADDRESS and follow it"
        aria-label={`ping an address from ${nsLabel(nsId)} and follow it hop by hop`} aria-invalid={!!error || undefined}
        onChange={(e) => traceStore.getState().setDraft(e.target.value)} />
      <button type="submit" className="primary" data-testid="trace-start" disabled={!connected || busy || !draft.trim()}>
        {busy ? 'following…' : 'follow'}
      </button>
      {error && <div className="engine-error" data-testid="trace-follow-error">{error.message}</div>}
    </form>
  );
}

