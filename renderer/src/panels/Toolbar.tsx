// Finding your way: search (name or address; Enter focuses the next match), filters, namespaces to
// hide, fit view, theme.
import { useMemo, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { uiStore, useTopology, useUi } from '../store';
import { matchesSearch } from '../store/ui';

export function Toolbar() {
  const search = useUi((s) => s.search);
  const filters = useUi((s) => s.filters);
  const theme = useUi((s) => s.theme);
  const namespaces = useTopology((s) => s.namespaces);
  const nsOrder = useTopology((s) => s.nsOrder);
  const interfaces = useTopology((s) => s.interfaces);
  const { fitView } = useReactFlow();
  const [nsOpen, setNsOpen] = useState(false);
  const hitIdx = useRef(0);

  const matches = useMemo(() => {
    if (!search.trim()) return [] as string[];
    // Only what is on the canvas: the same filters as the graph.
    const hidden = new Set(filters.hiddenNs);
    const shown = (i: (typeof interfaces)[string]) => !hidden.has(i.namespaceId)
      && !(filters.hideLoopback && i.kind === 'loopback')
      && !(filters.hidePhysical && i.kind === 'physical' && namespaces[i.namespaceId]?.kind === 'host');
    return Object.values(interfaces)
      .filter((i) => shown(i) && matchesSearch(search, i.name, i.addresses))
      .map((i) => i.id);
  }, [search, interfaces, namespaces, filters]);

  const focusNext = () => {
    if (!matches.length) return;
    const id = matches[hitIdx.current++ % matches.length];
    uiStore.getState().select({ kind: 'iface', id });
    void fitView({ nodes: [{ id }], duration: 400, maxZoom: 1.4, padding: 0.6 });
  };

  return (
    <header className="toolbar" data-testid="toolbar">
      <div className="brand"><span className="logo">◈</span> VNet Studio</div>
      <div className="search">
        <input
          aria-label="Search interfaces by name or address" data-testid="search" type="search" placeholder="Search name or address…" value={search}
          onChange={(e) => { hitIdx.current = 0; uiStore.getState().setSearch(e.target.value); }}
          onKeyDown={(e) => { if (e.key === 'Enter') focusNext(); if (e.key === 'Escape') uiStore.getState().setSearch(''); }}
        />
        {search.trim() && <span className="search-count" data-testid="search-count">{matches.length} match{matches.length === 1 ? '' : 'es'}</span>}
      </div>
      <label className="toggle"><input type="checkbox" data-testid="hide-loopback" checked={filters.hideLoopback}
        onChange={(e) => uiStore.getState().setFilters({ hideLoopback: e.target.checked })} /> hide loopbacks</label>
      <label className="toggle"><input type="checkbox" data-testid="hide-physical" checked={filters.hidePhysical}
        onChange={(e) => uiStore.getState().setFilters({ hidePhysical: e.target.checked })} /> hide host's physical side</label>
      <div className="dropdown">
        <button data-testid="ns-filter" onClick={() => setNsOpen(!nsOpen)}>
          namespaces{filters.hiddenNs.length ? ` (${filters.hiddenNs.length} hidden)` : ''} ▾
        </button>
        {nsOpen && (
          <div className="dropdown-menu" onMouseLeave={() => setNsOpen(false)}>
            {nsOrder.map((id) => namespaces[id] && (
              <label key={id} className="toggle">
                <input type="checkbox" data-testid={`show-ns-${namespaces[id].label}`} checked={!filters.hiddenNs.includes(id)}
                  onChange={() => uiStore.getState().toggleNamespace(id)} /> {namespaces[id].label}
              </label>
            ))}
            {nsOrder.length === 0 && <span className="muted">none yet</span>}
          </div>
        )}
      </div>
      <span className="spacer" />
      <button data-testid="fit-view" title="Fit the whole picture" onClick={() => void fitView({ padding: 0.08, duration: 300 })}>⤢ fit</button>
      <button data-testid="relayout" title="Forget moved nodes and lay out again" onClick={() => uiStore.getState().forgetPositions()}>↺ layout</button>
      <button data-testid="theme" title="Switch theme" onClick={() => uiStore.getState().setTheme(theme === 'dark' ? 'light' : 'dark')}>
        {theme === 'dark' ? '☀ light' : '☾ dark'}
      </button>
    </header>
  );
}
