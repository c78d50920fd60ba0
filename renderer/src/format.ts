// Number formatting for rates and sizes (short, fixed-width-ish, readable at a glance).
export function fmtBytesRate(bps: number): string {
  if (!bps) return '0 B/s';
  const u = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];
  let i = 0, v = bps;
  while (v >= 1000 && i < u.length - 1) { v /= 1000; i++; }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${u[i]}`;
}

export function fmtPps(pps: number): string {
  if (!pps) return '0 p/s';
  if (pps < 10) return `${pps.toFixed(1)} p/s`;
  if (pps < 1000) return `${Math.round(pps)} p/s`;
  if (pps < 1e6) return `${(pps / 1000).toFixed(pps < 1e4 ? 1 : 0)}k p/s`;
  return `${(pps / 1e6).toFixed(1)}M p/s`;
}

/** 0 (idle) .. 5 (very busy), from packets per second: drives edge width and animation speed. */
export function trafficLevel(pps: number): number {
  if (!(pps > 0)) return 0;
  if (pps < 10) return 1;
  if (pps < 100) return 2;
  if (pps < 1000) return 3;
  if (pps < 10000) return 4;
  return 5;
}
