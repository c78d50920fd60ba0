// The palette: things to drag onto the canvas (HTML5 drag and drop; drag-drop.ts handles the drop).
import { KindIcon } from '../icons';
import { PALETTE_MIME, type PaletteKind } from './gestures';
import { useWhyNotEditable } from './perform';

const ITEMS: { kind: PaletteKind; label: string; hint: string; icon: Parameters<typeof KindIcon>[0]['kind'] }[] = [
  { kind: 'namespace', label: 'namespace', hint: 'Drop on empty canvas: a new network namespace (ip netns add)', icon: 'namespace' },
  { kind: 'bridge', label: 'bridge', hint: 'Drop into a namespace box: a new bridge (ip link add … type bridge)', icon: 'bridge' },
  { kind: 'veth', label: 'veth pair', hint: 'Drop into a namespace box: a veth pair (or draw a line between two boxes / a box and a bridge)', icon: 'veth' },
  { kind: 'tun', label: 'tun', hint: 'Drop into a namespace box: a tun device (ip tuntap add … mode tun)', icon: 'tun' },
  { kind: 'tap', label: 'tap', hint: 'Drop into a namespace box: a tap device (ip tuntap add … mode tap)', icon: 'tap' },
];

export function Palette() {
  const why = useWhyNotEditable();
  return (
    <nav className="palette" data-testid="palette" data-enabled={String(!why)} title={why ?? undefined}>
      <div className="palette-title">build</div>
      {ITEMS.map((it) => (
        <div key={it.kind} className={`palette-item${why ? ' disabled' : ''}`} data-testid={`palette-${it.kind}`}
          draggable={!why} aria-disabled={!!why} title={why ?? it.hint}
          onDragStart={(e) => { e.dataTransfer.setData(PALETTE_MIME, it.kind); e.dataTransfer.setData('text/plain', it.kind); e.dataTransfer.effectAllowed = 'copy'; }}>
          <KindIcon kind={it.icon} />
          <span>{it.label}</span>
        </div>
      ))}
      <div className="palette-hint muted">{why ? 'view only' : 'drag onto the canvas; draw from a ● to connect'}</div>
    </nav>
  );
}
