// A 60-second rx/tx chart on a canvas, drawn from the interface's history ring.
import { useEffect, useMemo, useRef } from 'react';
import { countersStore, useCounters, useUi } from '../store';
import { HISTORY_MS } from '../store/counters';
import { fmtBytesRate } from '../format';

/** Redraws per second: a 60-second chart needs no more, and each redraw costs a canvas repaint. */
const REDRAWS_PER_S = 4;

export function Sparkline({ id, metric = 'bytes' }: { id: string; metric?: 'bytes' | 'packets' }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const peakRef = useRef<HTMLSpanElement>(null);
  const theme = useUi((s) => s.theme);
  // Re-render only when the engine clock enters a new quarter second, not on every frame.
  const tick = useCounters((s) => Math.floor((s.lastT ?? 0) / (1000 / REDRAWS_PER_S)));
  const colours = useMemo(() => {
    const css = ref.current ? getComputedStyle(ref.current) : null;
    const v = (k: string, d: string) => css?.getPropertyValue(k).trim() || d;
    return { grid: v('--grid', '#8884'), rx: v('--rx', '#3b82f6'), tx: v('--tx', '#f59e0b') };
  }, [theme, ref.current]);
  useEffect(() => {
    const cv = ref.current;
    if (!cv) return;
    const dpr = window.devicePixelRatio || 1;
    const W = cv.clientWidth, H = cv.clientHeight;
    if (cv.width !== W * dpr) { cv.width = W * dpr; cv.height = H * dpr; }
    const g = cv.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    const st = countersStore.getState();
    const ring = st.history.get(id);
    const now = st.lastT ?? Date.now();
    let peak = 1;
    ring?.forEach(now, HISTORY_MS, (_t, rxB, txB, rxP, txP) => {
      peak = Math.max(peak, metric === 'bytes' ? Math.max(rxB, txB) : Math.max(rxP, txP));
    });
    g.strokeStyle = colours.grid;
    g.lineWidth = 1;
    for (let i = 1; i < 4; i++) { const y = Math.round((H * i) / 4) + 0.5; g.beginPath(); g.moveTo(0, y); g.lineTo(W, y); g.stroke(); }
    const line = (which: 'rx' | 'tx', colour: string) => {
      if (!ring) return;
      g.strokeStyle = colour; g.lineWidth = 1.5; g.beginPath();
      let first = true;
      ring.forEach(now, HISTORY_MS, (t, rxB, txB, rxP, txP) => {
        const v = metric === 'bytes' ? (which === 'rx' ? rxB : txB) : (which === 'rx' ? rxP : txP);
        const x = W - ((now - t) / HISTORY_MS) * W;
        const y = H - 2 - (v / peak) * (H - 6);
        if (first) { g.moveTo(x, y); first = false; } else g.lineTo(x, y);
      });
      g.stroke();
    };
    line('rx', colours.rx);
    line('tx', colours.tx);
    if (peakRef.current) peakRef.current.textContent = metric === 'bytes' ? `peak ${fmtBytesRate(peak)}` : `peak ${Math.round(peak)} p/s`;
  }, [tick, id, metric, colours]);
  return (
    <div className="sparkline" data-testid="sparkline">
      <canvas ref={ref} />
      <div className="spark-legend"><span className="rx">■ rx</span> <span className="tx">■ tx</span> <span className="muted">last 60 s</span> <span ref={peakRef} className="muted" /></div>
    </div>
  );
}
