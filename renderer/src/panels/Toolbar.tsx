// Finding your way: search (name, address, namespace label or pid; Enter focuses the next match,
// opening the group it is folded into), filters, grouping of alike namespaces, namespaces to hide,
// fit view, theme.
import { useMemo, useRef, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { topologyStore, uiStore, useTopology, useUi } from '../store';
import { findMatches } from '../graph/search';
import { groupsOf, hiddenBy } from '../graph/groups';

export function Toolbar() {
  const search = useUi((s) => s.search);
  const filters = useUi((s) => s.filters);
  const theme = useUi((s) => s.theme);
  const grouping = useUi((s) => s.grouping);
  const namespaces = useTopology((s) => s.namespaces);
  const nsOrder = useTopology((s) => s.nsOrder);
  const interfaces = useTopology((s) => s.interfaces);
  const { fitView } = useReactFlow();
  const [nsOpen, setNsOpen] = useState(false);
  const hitIdx = useRef(0);
  // The threshold as typed (e.g. "1" on the way to "12"); the store takes it once it is a valid one.
  const [minDraft, setMinDraft] = useState<string | null>(null);

  // What the filters show, folded groups included (the match opens its group).
  const matches = useMemo(() => findMatches(topologyStore.getState(), filters, search), [search, interfaces, namespaces, filters]);

  const focusNext = () => {
    if (!matches.length) return;
    const id = matches[hitIdx.current++ % matches.length];
    const ui = uiStore.getState();
    const folded = hiddenBy(groupsOf(topologyStore.getState(), filters, grouping, ui.foldedNs), new Set(ui.expandedGroups)).get(id);
    if (folded) ui.expandGroup(folded);
    ui.select({ kind: 'iface', id });
    // The canvas brings it into view once it is drawn and laid out.
    ui.requestFocus([id]);
  };

  return (
    <header className="toolbar" data-testid="toolbar">
      <div className="brand"><span className="logo">◈</span> VNet Studio</div>
      <div className="search">
        <input
          aria-label="Search interfaces by name, address, namespace or pid" data-testid="search" type="search" placeholder="Search name, address, pid…" value={search}
          onChange={(e) => { hitIdx.current = 0; uiStore.getState().setSearch(e.target.value); }}
          onKeyDown={(e) => { if (e.key === 'Enter') focusNext(); if (e.key === 'Escape') uiStore.getState().setSearch(''); }}
        />
        {search.trim() && <span className="search-count" data-testid="search-count">{matches.length} match{matches.length === 1 ? '' : 'es'}</span>}
      </div>
      <label className="toggle"><input type="checkbox" data-testid="hide-loopback" checked={filters.hideLoopback}
        onChange={(e) => uiStore.getState().setFilters({ hideLoopback: e.target.checked })} /> hide loopbacks</label>
      <label className="toggle"><input type="checkbox" data-testid="hide-physical" checked={filters.hidePhysical}
        onChange={(e) => uiStore.getState().setFilters({ hidePhysical: e.target.checked })} /> hide host's physical side</label>
      <label className="toggle" title="Draw alike namespaces (same kind and interfaces, veths to the same bridge) as one node">
        <input type="checkbox" data-testid="grouping" checked={grouping.enabled}
          onChange={(e) => uiStore.getState().setGrouping({ enabled: e.target.checked })} /> group alike, from
        <input type="number" className="group-min" data-testid="group-min" min={2} max={10000} value={minDraft ?? grouping.minMembers}
          aria-label="Group alike namespaces once there are at least this many" title="at least this many alike (2 to 10,000)"
          onChange={(e) => {
            setMinDraft(e.target.value);
            const n = Number(e.target.value);
            if (Number.isInteger(n) && n >= 2 && n <= 10000) uiStore.getState().setGrouping({ minMembers: n });
          }}
          onBlur={() => setMinDraft(null)} />
      </label>
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
