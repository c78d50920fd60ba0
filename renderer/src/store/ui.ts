// The UI slice: what the user chose (theme, filters, selection, search) and where they put nodes.
// Dragged positions and preferences persist in localStorage when there is one (not in node tests).
import { createStore } from 'zustand/vanilla';
import { DEFAULT_GROUPING, FOLD_PREFIX, type GroupingPrefs } from '../graph/groups';

export type Theme = 'dark' | 'light';
export type Selection = { kind: 'iface' | 'namespace' | 'process' | 'cloud'; id: string } | null;

export interface Filters {
  hideLoopback: boolean;
  /** Hide the host namespace's physical interfaces and the network beyond them. */
  hidePhysical: boolean;
  hiddenNs: string[];
}

export interface UiState {
  theme: Theme;
  filters: Filters;
  selection: Selection;
  search: string;
  /** Positions the user dragged nodes to, by node id (relative to the parent box, as xyflow keeps them). */
  positions: Record<string, { x: number; y: number }>;
  /** Alike namespaces drawn as one node (graph/groups.ts), and the groups the user opened. */
  grouping: GroupingPrefs;
  expandedGroups: string[];
  /** Namespaces folded one by one into a small node. */
  foldedNs: string[];
  /** Nodes to bring into view once they are on the canvas and laid out (FlowCanvas does it). */
  focus: { ids: string[] } | null;
}

export interface UiStore extends UiState {
  setTheme(t: Theme): void;
  setFilters(f: Partial<Filters>): void;
  toggleNamespace(id: string): void;
  select(s: Selection): void;
  setSearch(q: string): void;
  rememberPosition(id: string, pos: { x: number; y: number }): void;
  forgetPositions(): void;
  setGrouping(g: Partial<GroupingPrefs>): void;
  /** Opens a group node: a group of alike namespaces expands, a folded namespace unfolds. */
  expandGroup(id: string): void;
  collapseGroup(id: string): void;
  requestFocus(ids: string[] | null): void;
  foldNamespace(nsId: string): void;
}

const KEY = 'vnet-studio.ui.v1';

interface Persisted { theme?: Theme; filters?: Filters; positions?: UiState['positions']; grouping?: GroupingPrefs }

function storage(): Storage | null {
  try { return typeof localStorage === 'undefined' ? null : localStorage; } catch { return null; }
}

function load(): Persisted {
  try { return JSON.parse(storage()?.getItem(KEY) ?? '{}') as Persisted; } catch { return {}; }
}

export function defaultUi(): UiState {
  const prefersLight = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches;
  return {
    theme: prefersLight ? 'light' : 'dark',
    filters: { hideLoopback: false, hidePhysical: false, hiddenNs: [] },
    selection: null,
    search: '',
    positions: {},
    grouping: DEFAULT_GROUPING,
    expandedGroups: [],
    foldedNs: [],
    focus: null,
  };
}

export function createUiStore(persist = true) {
  const saved = persist ? load() : {};
  const init = defaultUi();
  const store = createStore<UiStore>()((set, get) => ({
    ...init,
    theme: saved.theme ?? init.theme,
    filters: { ...init.filters, ...saved.filters },
    positions: saved.positions ?? {},
    grouping: { ...init.grouping, ...saved.grouping },
    setTheme: (theme) => set({ theme }),
    setFilters: (f) => set({ filters: { ...get().filters, ...f } }),
    toggleNamespace: (id) => {
      const hidden = get().filters.hiddenNs;
      set({ filters: { ...get().filters, hiddenNs: hidden.includes(id) ? hidden.filter((x) => x !== id) : [...hidden, id] } });
    },
    select: (selection) => set({ selection }),
    setSearch: (search) => set({ search }),
    rememberPosition: (id, pos) => set({ positions: { ...get().positions, [id]: pos } }),
    forgetPositions: () => set({ positions: {} }),
    setGrouping: (g) => set({ grouping: { ...get().grouping, ...g } }),
    expandGroup: (id) => {
      if (id.startsWith(FOLD_PREFIX)) { const ns = id.slice(FOLD_PREFIX.length); set({ foldedNs: get().foldedNs.filter((x) => x !== ns) }); return; }
      if (!get().expandedGroups.includes(id)) set({ expandedGroups: [...get().expandedGroups, id] });
    },
    foldNamespace: (nsId) => { if (!get().foldedNs.includes(nsId)) set({ foldedNs: [...get().foldedNs, nsId] }); },
    collapseGroup: (id) => { if (get().expandedGroups.includes(id)) set({ expandedGroups: get().expandedGroups.filter((x) => x !== id) }); },
    requestFocus: (ids) => set({ focus: ids && ids.length ? { ids } : null }),
  }));
  if (persist) {
    let timer: ReturnType<typeof setTimeout> | null = null;
    store.subscribe((s, prev) => {
      if (s.theme === prev.theme && s.filters === prev.filters && s.positions === prev.positions && s.grouping === prev.grouping) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        const { theme, filters, positions, grouping } = store.getState();
        try { storage()?.setItem(KEY, JSON.stringify({ theme, filters, positions, grouping })); } catch { /* quota: not fatal */ }
      }, 200);
    });
  }
  return store;
}

/** Does an interface match the search text (name or any address, case-insensitive)? */
export function matchesSearch(q: string, name: string, addresses: readonly string[]): boolean {
  const s = q.trim().toLowerCase();
  if (!s) return false;
  if (name.toLowerCase().includes(s)) return true;
  return addresses.some((a) => a.toLowerCase().includes(s));
}
