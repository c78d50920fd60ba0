// The capture panel: what to capture on (the interfaces selected on the canvas, or those picked
// with "capture all" in a namespace's inspector), a filter in tcpdump's language, start and stop;
// then the live list (pause, clear, follow the newest, a text filter on the rows), the counts (what
// the list skipped, the file's size against its limit), saving the pcapng, and the selected
// packet's details.
import { useShallow } from 'zustand/react/shallow';
import { useStore as useFlowStore, type ReactFlowState } from '@xyflow/react';
import { CAPTURE_MAX_INTERFACES, ErrorCodes, type CaptureInfo } from '../../../electron/contract';
import { captureStore, topologyStore, useCapture, useConnection, useTopology } from '../store';
import { interfacesOf } from '../store/topology';
import type { CaptureError } from '../store/capture';
import type { FlowNode } from '../graph/types';
import { CAPTURE_UNPRIVILEGED_HELP, openInWireshark, savePcapng, startCapture, stopCapture } from './actions';
import { PacketList } from './PacketList';
import { PacketDetails } from './PacketDetails';
import './capture.css';

/** Interface ids selected on the canvas (xyflow's selection: click, Ctrl+click, Shift+drag), as
 *  one string so the panel re-renders only when the selection changes. */
const canvasSelection = (s: ReactFlowState) => {
  let out = '';
  // The canvas's nodes are FlowNodes (FlowCanvas); xyflow's store types them as plain nodes.
  for (const n of s.nodes as FlowNode[]) if (n.selected && n.type === 'iface') out += (out ? ' ' : '') + n.data.ifId;
  return out;
};

function ifaceLabel(id: string): string {
  const t = topologyStore.getState();
  const i = t.interfaces[id];
  if (!i) return id;
  return `${i.name} @ ${t.namespaces[i.namespaceId]?.label ?? i.namespaceId}`;
}

const fmtSize = (n: number) => (n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : n < 1 << 30 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / (1 << 30)).toFixed(2)} GiB`);

/** The engine refused the filter (libpcap could not compile it): the input is marked. */
const filterRefused = (e: CaptureError | null) => e?.action === 'start' && e.code === ErrorCodes.InvalidParams && /filter/i.test(e.message);

const END_WORDS: Record<string, string> = {
  stopped: 'stopped', count: 'got the packets it was asked for', 'interface-gone': 'an interface went away',
  'namespace-gone': 'a namespace went away', 'engine-stopped': 'the engine stopped', error: 'failed',
};

function Targets({ picked, selected }: { picked: string[]; selected: string[] }) {
  useTopology((s) => s.interfaces); // names follow renames
  if (picked.length) {
    return (
      <div className="cap-targets" data-testid="capture-targets" data-source="picked">
        {picked.map((id) => (
          <span key={id} className="cap-chip" data-if-id={id}><span className="cap-chip-name">{ifaceLabel(id)}</span>
            <button className="small" title="leave out" onClick={() => captureStore.getState().removeTarget(id)}>×</button></span>
        ))}
        <a onClick={() => captureStore.getState().setTargets([])} title="capture on the interfaces selected on the canvas instead">use the canvas selection</a>
      </div>
    );
  }
  return (
    <div className="cap-targets" data-testid="capture-targets" data-source="canvas">
      {selected.length ? selected.map((id) => <span key={id} className="cap-chip" data-if-id={id}><span className="cap-chip-name">{ifaceLabel(id)}</span></span>)
        : <span className="muted">select interfaces on the canvas (Ctrl+click or Shift+drag for several), or “capture all” in a namespace’s inspector</span>}
    </div>
  );
}

/** The counts, re-rendered with every batch (the rest of the panel is not). */
function Counts({ info }: { info: CaptureInfo }) {
  const { stats, skipped, pausedOut } = useCapture(useShallow((x) => ({ stats: x.stats, skipped: x.skipped, pausedOut: x.pausedOut })));
  useCapture((x) => x.tick);
  const listed = captureStore.getState().view.length;
  const ringFull = captureStore.getState().ring.length >= captureStore.getState().ring.capacity;
  const s = stats ?? info.stats;
  const liveSkipped = Math.max(s.liveSkipped, skipped);
  const dropped = s.kernelDropped + s.appDropped;
  const pct = Math.min(100, (s.fileBytes / info.maxFileBytes) * 100);
  return (
    <div className="cap-counts" data-testid="capture-stats" data-received={s.received} data-saved={s.saved} data-live-skipped={liveSkipped}
      data-kernel-dropped={s.kernelDropped} data-app-dropped={s.appDropped} data-file-bytes={s.fileBytes} data-file-full={s.fileFull}>
      <span>{s.received} received</span>
      <span title={ringFull ? `the list keeps the newest ${captureStore.getState().ring.capacity}; the file has them all` : undefined}>{listed} listed{ringFull ? ' (the newest)' : ''}</span>
      {liveSkipped > 0 && <span className="warn" data-testid="capture-skipped" title="left out of the live list to keep it smooth; the file has them">{liveSkipped} skipped in the list</span>}
      {pausedOut > 0 && <span className="muted" title="came while the list was paused; the file has them">{pausedOut} while paused</span>}
      {dropped > 0 && <span className="bad" title="the kernel or the engine could not keep up: these are in neither the list nor the file">{dropped} dropped</span>}
      <span className={s.fileFull ? 'bad' : ''} data-testid="capture-file" title="the pcapng's size against its limit">
        file {fmtSize(s.fileBytes)} / {fmtSize(info.maxFileBytes)}
        <progress max={100} value={pct} />
        {s.fileFull && ' full: later packets are counted, not saved'}
      </span>
    </div>
  );
}

export function CapturePanel() {
  const selectedStr = useFlowStore(canvasSelection);
  const selected = selectedStr ? selectedStr.split(' ') : [];
  const st = useCapture(useShallow((s) => ({
    picked: s.targets, filter: s.filter, capture: s.capture, starting: s.starting, error: s.error,
    paused: s.paused, follow: s.follow, listFilter: s.listFilter,
  })));
  const connected = useConnection((s) => s.connected && s.engineConnected);
  const desktop = useConnection((s) => s.transport === 'electron');
  const unprivileged = useConnection((s) => s.status?.privileged === false);
  const running = st.capture?.state === 'running';
  const targets = st.picked.length ? st.picked : selected;
  const tooMany = targets.length > CAPTURE_MAX_INTERFACES;
  const c = st.capture;
  const cs = captureStore.getState();

  return (
    <div className="capture-panel" data-testid="capture-panel" data-state={c ? c.state : 'none'} data-capture-id={c?.id ?? ''}>
      <form className="cap-bar" onSubmit={(e) => { e.preventDefault(); if (!running) void startCapture(targets, st.filter); }}>
        <Targets picked={st.picked} selected={selected} />
        <input className="cap-filter" data-testid="capture-filter" value={st.filter} spellCheck={false}
          placeholder="capture filter, tcpdump’s language: icmp, host 10.0.0.2 and tcp port 80"
          aria-invalid={filterRefused(st.error) || undefined}
          onChange={(e) => { cs.setFilter(e.target.value); if (cs.error?.action === 'start') cs.clearError(); }} />
        {running
          ? <button type="button" className="danger" data-testid="capture-stop" onClick={() => void stopCapture()}>stop</button>
          : <button type="submit" className="primary" data-testid="capture-start" disabled={!connected || st.starting || !targets.length || tooMany}
              title={tooMany ? `at most ${CAPTURE_MAX_INTERFACES} interfaces` : undefined}>
              {st.starting ? 'starting…' : `capture${targets.length ? ` on ${targets.length}` : ''}`}
            </button>}
      </form>
      {unprivileged && !running && (
        <div className="cap-bar warn" data-testid="capture-unprivileged">{CAPTURE_UNPRIVILEGED_HELP}</div>
      )}
      {st.error && (
        <div className="engine-error cap-error" data-testid="capture-error" data-action={st.error.action} data-code={st.error.code ?? ''}>
          could not {st.error.action}: {st.error.message}
          <button type="button" className="small" onClick={() => cs.clearError()}>dismiss</button>
        </div>
      )}
      {c && (
        <div className="cap-bar cap-status">
          <span className={`cap-state ${running ? 'running' : 'ended'}`} data-testid="capture-state">
            {running ? '● capturing' : `ended: ${END_WORDS[c.reason ?? 'stopped'] ?? c.reason}`}
          </span>
          <span className="muted cap-what" title={c.kernelFilter}>
            {c.interfaces.map((i) => i.name).join(', ')}{c.filter ? ` · ${c.filter}` : ''}
          </span>
          {!running && c.message && <span className={c.reason === 'stopped' || c.reason === 'count' ? 'muted' : 'bad'} data-testid="capture-end-message">{c.message}</span>}
          <Counts info={c} />
          <span className="spacer" />
          <button type="button" data-testid="capture-pause" onClick={() => cs.setPaused(!st.paused)} disabled={!running && !st.paused}>{st.paused ? 'resume' : 'pause'}</button>
          <button type="button" data-testid="capture-clear" onClick={() => cs.clearList()}>clear</button>
          <label className="toggle"><input type="checkbox" data-testid="capture-follow" checked={st.follow} onChange={(e) => cs.setFollow(e.target.checked)} />follow</label>
          <input className="cap-find" data-testid="capture-find" value={st.listFilter} placeholder="find in list" spellCheck={false}
            onChange={(e) => cs.setListFilter(e.target.value)} />
          <button type="button" data-testid="capture-save" onClick={() => void savePcapng()} title="download the capture as a pcapng file">save .pcapng</button>
          {desktop && <button type="button" data-testid="capture-wireshark" onClick={() => void openInWireshark()}>open in Wireshark</button>}
        </div>
      )}
      <div className="cap-body">
        <PacketList />
        <PacketDetails />
      </div>
    </div>
  );
}

/** For a namespace's inspector: capture on all its interfaces. */
export function CaptureNamespaceButton({ nsId }: { nsId: string }) {
  const ids = useTopology(useShallow((s) => interfacesOf(s, nsId).map((i) => i.id)));
  return (
    <button type="button" data-testid="capture-namespace" disabled={!ids.length}
      title="pick all of this namespace's interfaces in the capture panel"
      onClick={() => { const c = captureStore.getState(); c.setTargets(ids.slice(0, CAPTURE_MAX_INTERFACES)); c.show(); }}>
      capture all {ids.length} interfaces
    </button>
  );
}
