// A 60-second rx/tx chart on a canvas, drawn from the interface's history ring.
import { useEffect, useRef } from 'react';
import { countersStore, useCounters } from '../stores';
import { HISTORY_MS } from '../store/counters';
import { fmtBytesRate } from '../format';

export function Sparkline({ id, metric = 'bytes' }: { id: string; metric?: 'bytes' | 'packets' }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const tick = useCounters((s) => s.historyTick);
  const peakRef = useRef<HTMLSpanElement>(null);
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
    const samples = ring ? ring.samples(now) : [];
    const rx = samples.map((s) => (metric === 'bytes' ? s.rxBps : s.rxPps));
    const tx = samples.map((s) => (metric === 'bytes' ? s.txBps : s.txPps));
    const peak = Math.max(1, ...rx, ...tx);
    const css = getComputedStyle(cv);
    g.strokeStyle = css.getPropertyValue('--grid').trim() || '#8884';
    g.lineWidth = 1;
    for (let i = 1; i < 4; i++) { const y = Math.round((H * i) / 4) + 0.5; g.beginPath(); g.moveTo(0, y); g.lineTo(W, y); g.stroke(); }
    const line = (vals: number[], colour: string) => {
      if (!samples.length) return;
      g.strokeStyle = colour; g.lineWidth = 1.5; g.beginPath();
      samples.forEach((s, i) => {
        const x = W - ((now - s.t) / HISTORY_MS) * W;
        const y = H - 2 - (vals[i] / peak) * (H - 6);
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    };
    line(rx, css.getPropertyValue('--rx').trim() || '#3b82f6');
    line(tx, css.getPropertyValue('--tx').trim() || '#f59e0b');
    if (peakRef.current) peakRef.current.textContent = metric === 'bytes' ? `peak ${fmtBytesRate(peak)}` : `peak ${Math.round(peak)} p/s`;
  }, [tick, id, metric]);
  return (
    <div className="sparkline" data-testid="sparkline">
      <canvas ref={ref} />
      <div className="spark-legend"><span className="rx">■ rx</span> <span className="tx">■ tx</span> <span className="muted">last 60 s</span> <span ref={peakRef} className="muted" /></div>
    </div>
  );
}
