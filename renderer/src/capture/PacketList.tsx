// The live packet list: windowed (only the rows in view are in the DOM, each decoded when first
// shown), following the newest unless the user scrolled away, keeping its place while old rows fall
// out of the ring. Arrow keys move the selection.
import { memo, useLayoutEffect, useRef, type KeyboardEvent } from 'react';
import { captureStore, useCapture } from '../store';
import { dirText, rowSummary, type PacketRow } from '../store/capture';
import { useWindowedRows } from './windowed-rows';

export const ROW_HEIGHT = 20;

const Row = memo(function Row({ row, top, startedAt, selected }: { row: PacketRow; top: number; startedAt: number; selected: boolean }) {
  const s = rowSummary(row);
  const p = row.p;
  return (
    <div className={`pkt-row dir-${p.dir}${selected ? ' selected' : ''}`} style={{ top }} role="row" aria-selected={selected}
      data-testid="packet-row" data-n={p.n} data-iface={p.iface} data-proto={s.protocol}
      onClick={() => captureStore.getState().select(row)}>
      <span className="c-n">{p.n}</span>
      <span className="c-t">{((p.t - startedAt) / 1000).toFixed(6)}</span>
      <span className="c-if" title={row.ifName}>{row.ifName}</span>
      <span className="c-dir" title={p.type}>{dirText(p)}</span>
      <span className="c-src" title={s.src}>{s.src}</span>
      <span className="c-dst" title={s.dst}>{s.dst}</span>
      <span className="c-proto">{s.protocol}</span>
      <span className="c-len">{p.len}</span>
      <span className="c-info" title={s.info}>{s.info}</span>
    </div>
  );
});

export function PacketList() {
  const tick = useCapture((s) => s.tick);
  const follow = useCapture((s) => s.follow);
  const selected = useCapture((s) => s.selected);
  const startedAt = useCapture((s) => s.capture?.startedAt ?? 0);
  const view = captureStore.getState().view;
  const box = useRef<HTMLDivElement>(null);
  const count = view.length;
  const win = useWindowedRows(box, count, ROW_HEIGHT);
  // The row at the top of the box, so the view stays on it when older rows fall out.
  const anchor = useRef<{ seq: number; offset: number } | null>(null);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (follow) el.scrollTop = el.scrollHeight;
    else if (anchor.current) {
      const i = view.indexOf(anchor.current.seq);
      if (i >= 0) el.scrollTop = i * ROW_HEIGHT + anchor.current.offset;
    }
    win.onScroll();
  }, [tick, follow, count]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    win.onScroll();
    const i = Math.floor(el.scrollTop / ROW_HEIGHT);
    const r = view.at(i);
    anchor.current = r ? { seq: r.seq, offset: el.scrollTop - i * ROW_HEIGHT } : null;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT;
    const st = captureStore.getState();
    if (st.follow !== atEnd) st.setFollow(atEnd);
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    if (count === 0) return;
    const cur = selected ? view.indexOf(selected.seq) : -1;
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? count - 1
      : cur < 0 ? (e.key === 'ArrowDown' ? 0 : count - 1) : Math.max(0, Math.min(count - 1, cur + (e.key === 'ArrowDown' ? 1 : -1)));
    const row = view.at(next);
    if (!row) return;
    captureStore.getState().select(row);
    const el = box.current!;
    if (next * ROW_HEIGHT < el.scrollTop) el.scrollTop = next * ROW_HEIGHT;
    else if ((next + 1) * ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = (next + 1) * ROW_HEIGHT - el.clientHeight;
  };

  const rows = [];
  for (let i = win.first; i < win.last; i++) {
    const r = view.at(i);
    if (r) rows.push(<Row key={r.seq} row={r} top={i * ROW_HEIGHT} startedAt={startedAt} selected={r === selected} />);
  }
  return (
    <div className="pkt-list" data-testid="packet-list" data-count={count} data-last-n={count ? view.at(count - 1)?.p.n : ''}>
      <div className="pkt-head" role="row">
        <span className="c-n">No.</span><span className="c-t">time</span><span className="c-if">interface</span><span className="c-dir">dir</span>
        <span className="c-src">source</span><span className="c-dst">destination</span><span className="c-proto">protocol</span>
        <span className="c-len">length</span><span className="c-info">summary</span>
      </div>
      <div className="pkt-scroll" ref={box} onScroll={onScroll} tabIndex={0} onKeyDown={onKey} role="grid" aria-rowcount={count}>
        <div className="pkt-inner" style={{ height: win.totalHeight }}>{rows}</div>
        {count === 0 && <div className="pkt-empty muted">no packets{view.filter ? ' match the filter' : ''}</div>}
      </div>
    </div>
  );
}
