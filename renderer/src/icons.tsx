// Kind icons as small inline SVGs (no icon font to download; they follow the text colour).
import type { InterfaceKind } from '../../electron/contract';

const S = { width: 16, height: 16, viewBox: '0 0 16 16', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const };

export function KindIcon({ kind }: { kind: InterfaceKind | 'process' | 'cloud' | 'namespace' }) {
  switch (kind) {
    case 'tun': // a tunnel mouth
      return <svg {...S}><path d="M2 13V8a6 6 0 0 1 12 0v5" /><path d="M5 13V8.5a3 3 0 0 1 6 0V13" /></svg>;
    case 'tap': // a tap handle and spout
      return <svg {...S}><path d="M3 6h7a3 3 0 0 1 3 3v1" /><path d="M6 3h4M8 3v3" /><path d="M13 12.5v.5" /></svg>;
    case 'veth': // two linked ends
      return <svg {...S}><circle cx="4" cy="8" r="2.2" /><circle cx="12" cy="8" r="2.2" /><path d="M6.2 8h3.6" /></svg>;
    case 'bridge': // an arch over a span
      return <svg {...S}><path d="M1.5 11h13" /><path d="M3 11V9a5 5 0 0 1 10 0v2" /><path d="M6 11V8.5M10 11V8.5" /></svg>;
    case 'loopback': // a loop
      return <svg {...S}><path d="M8 3a5 5 0 1 0 5 5" /><path d="M13 4v4h-4" /></svg>;
    case 'physical': // an RJ45 port
      return <svg {...S}><rect x="2" y="3" width="12" height="10" rx="1.5" /><path d="M5 13V10h6v3" /><path d="M6 6h4" /></svg>;
    case 'vxlan': // an overlay: two stacked layers
      return <svg {...S}><path d="M8 2 14 5 8 8 2 5Z" /><path d="M2 8.5 8 11.5l6-3" /><path d="M2 11.5 8 14.5l6-3" /></svg>;
    case 'process': // a terminal window
      return <svg {...S}><rect x="1.5" y="2.5" width="13" height="11" rx="1.5" /><path d="M4 6l2 2-2 2M8 10h4" /></svg>;
    case 'cloud':
      return <svg {...S} width={22} height={22}><path d="M4.5 12.5a3 3 0 0 1-.3-6 4 4 0 0 1 7.6-1 2.8 2.8 0 0 1 .7 5.6 1.5 1.5 0 0 1-.5 1.4Z" /></svg>;
    case 'namespace':
      return <svg {...S}><rect x="1.5" y="1.5" width="13" height="13" rx="2" strokeDasharray="2.5 1.8" /></svg>;
    default: // other kinds: a generic plug
      return <svg {...S}><rect x="3" y="3" width="10" height="10" rx="2" /><path d="M6 7h4M6 9.5h4" /></svg>;
  }
}
