// The trace panel (a tab of the bottom dock): the timeline of a followed packet (a ping the engine
// sent, the next packet matching a filter, or a captured packet located on the capture's other
// interfaces), request and reply hop by hop (where, which way, the time since the hop before, the
// addresses where NAT changed them, the bridge's forwarding, the engine's notes), where it stopped
// and why, and the controls that walk the canvas through it (replay, step back and forward, a
// click on a hop). Its form "follow the next packet matching FILTER" waits for traffic the user
// makes (with cancel). Also the inspector's "ping ADDRESS and follow it", with count and timeout.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  ErrorCodes, TRACE_FOLLOW_MAX_TIMEOUT_MS, TRACE_FOLLOW_MIN_TIMEOUT_MS, TRACE_MAX_COUNT, TRACE_MAX_TIMEOUT_MS, TRACE_MIN_TIMEOUT_MS,
  type TraceHop, type TraceResult,
} from '../../../electron/contract';
import { topologyStore, traceStore, useConnection, useTopology, useTrace } from '../store';
import { isFollowAsk, isLocateAsk, type TraceAsk, type TraceStep } from '../store/trace';
import { cancelFollow, followMatch, followPing, hiddenHop, hopAddresses } from './actions';
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
      {r.echoes.length > 1 && (
        <div className="muted trace-echoes" data-testid="trace-echoes">
          {r.echoes.length} echoes: {r.echoes.filter((e) => !e.stopped).length} answered
          {r.echoes.map((e) => <span key={e.seq} data-seq={e.seq} data-answered={!e.stopped || undefined}> · {e.seq} {e.stopped ? `✗ ${e.stopped.cause}` : `✓ ${((e.rttUs ?? 0) / 1000).toFixed(3)} ms`}</span>)}
          {' '}(the timeline shows the first)
        </div>
      )}
      {r.notCaptured > 0 && <div className="muted trace-more">{r.notCaptured} more interface{r.notCaptured > 1 ? 's' : ''} it could have passed were not captured</div>}
    </div>
  );
}

/** What the panel was asked, in words. */
function askedText(a: TraceAsk, running: boolean): string {
  if (isLocateAsk(a)) return `where else packet ${a.n} (seen at ${a.where}) was seen${running ? ': looking…' : ''}`;
  if (isFollowAsk(a)) return `the next packet matching “${a.filter}” around ${nsLabel(a.namespace)}${running ? ': waiting for it…' : ''}`;
  return `ping ${a.address} from ${nsLabel(a.namespace)}${running ? ': following…' : ''}`;
}

export function TracePanel() {
  const st = useTrace(useShallow((s) => ({ running: s.running, asked: s.asked, result: s.result, error: s.error, step: s.step, n: s.steps.length, replaying: s.replaying })));
  useTopology((s) => s.namespaces);
  const ts = traceStore.getState();
  const cancelled = st.error?.code === ErrorCodes.Cancelled;
  const state = st.running ? (isFollowAsk(st.running) ? 'waiting' : 'running') : cancelled ? 'cancelled' : st.error ? 'error'
    : st.result ? (st.result.stopped ? 'stopped' : st.result.reply.length ? 'answered' : 'seen') : 'none';
  const what = st.asked && isFollowAsk(st.asked) ? 'follow the packet' : st.asked && isLocateAsk(st.asked) ? 'locate the packet' : 'follow the ping';
  return (
    <div className="trace-panel" data-testid="trace-panel" data-state={state} data-step={st.step} data-steps={st.n} data-mode={st.result?.mode ?? ''}>
      <div className="cap-bar trace-bar">
        {st.asked
          ? <span className="trace-what">{askedText(st.asked, !!st.running)}</span>
          : <span className="muted">“ping ADDRESS and follow it” in a namespace’s or an interface’s inspector, the form below, or “where else was this seen” on a captured packet shows here where a packet went.</span>}
        {st.result?.packet && <span className="trace-packet" data-testid="trace-packet">{st.result.packet}</span>}
        {st.result && !st.result.stopped && st.result.reply.length > 0 && <span className="ok-text" data-testid="trace-answered">answered</span>}
        <span className="spacer" />
        <button type="button" data-testid="trace-replay" disabled={!st.n} onClick={() => (st.replaying ? ts.stopReplay() : ts.replay())}>{st.replaying ? '■ stop' : '▶ replay'}</button>
        <button type="button" data-testid="trace-back" disabled={!st.n || st.step <= 0} onClick={() => ts.back()} title="the hop before">◀ back</button>
        <span className="trace-pos" data-testid="trace-pos">{st.n ? `${st.step + 1} / ${st.n}` : ''}</span>
        <button type="button" data-testid="trace-forward" disabled={!st.n || st.step >= st.n - 1} onClick={() => ts.forward()} title="the next hop">forward ▶</button>
      </div>
      <MatchForm />
      {st.error && (cancelled
        ? <div className="muted cap-error" data-testid="trace-cancelled">stopped waiting: {st.error.message}</div>
        : <div className="engine-error cap-error" data-testid="trace-error" data-code={st.error.code ?? ''}>could not {what}: {st.error.message}</div>)}
      {st.result && <Timeline r={st.result} />}
    </div>
  );
}

/** A whole number field: what is typed stays as typed; a number in range is handed on, anything
 *  else marks the field (and the last good number is what is asked for). */
function NumberInput({ value, min, max, step, testId, disabled, onValue }: {
  value: number; min: number; max: number; step?: number; testId: string; disabled?: boolean; onValue: (n: number) => void;
}) {
  const [text, setText] = useState(String(value));
  const n = /^[0-9]+$/.test(text.trim()) ? Number(text) : NaN;
  const ok = n >= min && n <= max;
  return (
    <input type="number" className="trace-num" data-testid={testId} min={min} max={max} step={step} value={text} disabled={disabled}
      aria-invalid={!ok || undefined} title={ok ? undefined : `a whole number from ${min} to ${max}`}
      onChange={(e) => { setText(e.target.value); const v = Number(e.target.value); if (/^[0-9]+$/.test(e.target.value.trim()) && v >= min && v <= max) onValue(v); }} />
  );
}

/** "Follow the next packet matching FILTER around NAMESPACE, waiting at most S seconds". */
function MatchForm() {
  const o = useTrace((s) => s.options);
  const running = useTrace((s) => s.running);
  const asked = useTrace((s) => s.asked);
  const namespaces = useTopology((s) => s.namespaces);
  const connected = useConnection((s) => s.connected && s.engineConnected);
  const list = Object.values(namespaces).sort((a, b) => a.label.localeCompare(b.label));
  const askedNs = asked && !isLocateAsk(asked) ? asked.namespace : null;
  const nsId = o.followNs && namespaces[o.followNs] ? o.followNs : askedNs && namespaces[askedNs] ? askedNs : '';
  const waiting = isFollowAsk(running);
  const seconds = Math.round(o.followTimeoutMs / 1000);
  const ts = traceStore.getState();
  return (
    <form className="cap-bar trace-match" data-testid="trace-match-form" data-waiting={waiting || undefined}
      onSubmit={(e) => { e.preventDefault(); if (!running && nsId && o.filter.trim()) void followMatch(nsId, o.filter); }}>
      <span>follow the next packet matching</span>
      <input className="cap-filter" data-testid="trace-match-filter" value={o.filter} spellCheck={false} disabled={waiting}
        placeholder="tcpdump’s language: tcp port 80, icmp and host 10.0.0.2" aria-label="the filter the packet to follow matches"
        onChange={(e) => ts.setOptions({ filter: e.target.value })} />
      <span>around</span>
      <select data-testid="trace-match-ns" value={nsId} disabled={waiting} aria-label="the namespace whose traffic is followed"
        onChange={(e) => ts.setOptions({ followNs: e.target.value || null })}>
        <option value="">namespace…</option>
        {list.map((n) => <option key={n.id} value={n.id}>{n.label}</option>)}
      </select>
      <label title="how long to wait for a matching packet">within
        <NumberInput testId="trace-match-timeout" min={Math.max(1, TRACE_FOLLOW_MIN_TIMEOUT_MS / 1000)} max={TRACE_FOLLOW_MAX_TIMEOUT_MS / 1000} value={seconds}
          disabled={waiting} onValue={(n) => ts.setOptions({ followTimeoutMs: n * 1000 })} /> s
      </label>
      {waiting
        ? <button type="button" className="danger" data-testid="trace-match-cancel" onClick={() => void cancelFollow()}>cancel</button>
        : <button type="submit" className="primary" data-testid="trace-match-start" disabled={!connected || !!running || !nsId || !o.filter.trim()}>follow</button>}
      {waiting && <span className="muted" data-testid="trace-waiting">waiting: make the traffic now (in your shell)…</span>}
    </form>
  );
}

/** For a namespace's inspector (an interface's: its namespace): "ping ADDRESS and follow it". */
export function TraceFollow({ nsId }: { nsId: string }) {
  const draft = useTrace((s) => s.draft);
  const running = useTrace((s) => s.running);
  const error = useTrace((s) => (s.asked && !isLocateAsk(s.asked) && !isFollowAsk(s.asked) && s.asked.namespace === nsId ? s.error : null));
  const connected = useConnection((s) => s.connected && s.engineConnected);
  const o = useTrace((s) => s.options);
  const busy = !!running;
  const ts = traceStore.getState();
  return (
    <form className="trace-follow" data-testid="trace-follow" data-busy={busy || undefined}
      onSubmit={(e) => { e.preventDefault(); if (!busy && draft.trim()) void followPing(nsId, draft); }}>
      <input data-testid="trace-address" value={draft} spellCheck={false} placeholder="ping ADDRESS and follow it"
        aria-label={`ping an address from ${nsLabel(nsId)} and follow it hop by hop`} aria-invalid={!!error || undefined}
        onChange={(e) => traceStore.getState().setDraft(e.target.value)} />
      <label title={`echoes to send, 1 to ${TRACE_MAX_COUNT}`}>×
        <NumberInput testId="trace-count" min={1} max={TRACE_MAX_COUNT} value={o.count} onValue={(n) => ts.setOptions({ count: n })} />
      </label>
      <label title={`how long to wait for each reply, ${TRACE_MIN_TIMEOUT_MS} to ${TRACE_MAX_TIMEOUT_MS} ms`}>wait
        <NumberInput testId="trace-timeout" min={TRACE_MIN_TIMEOUT_MS} max={TRACE_MAX_TIMEOUT_MS} step={100} value={o.timeoutMs} onValue={(n) => ts.setOptions({ timeoutMs: n })} /> ms
      </label>
      <button type="submit" className="primary" data-testid="trace-start" disabled={!connected || busy || !draft.trim()}>
        {busy ? 'following…' : 'follow'}
      </button>
      {error && <div className="engine-error" data-testid="trace-follow-error">{error.message}</div>}
    </form>
  );
}

