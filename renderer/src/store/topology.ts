// The topology slice: the engine's model kept normalized (namespaces, interfaces, routes by id) so
// a delta touches one entry and everything else keeps its identity. Pure functions first (tested in
// node without a DOM), then a vanilla zustand store that wraps them.
import { createStore } from 'zustand/vanilla';
import { applyFdbDelta, type DeltaBatch, type FdbEntry, type Interface, type Model, type Namespace, type Route } from '../../../electron/contract';

export type NamespaceInfo = Omit<Namespace, 'interfaces' | 'routes'>;
/** An interface without its bridge table (kept in `fdb`, so a learned address changes no node). */
export interface IfaceEntry extends Omit<Interface, 'fdb'> { namespaceId: string }

export interface TopologyState {
  /** seq of the last snapshot/delta applied; null before the first snapshot. */
  seq: number | null;
  namespaces: Record<string, NamespaceInfo>;
  /** Namespace ids in the order they first appeared (stable layout order). */
  nsOrder: string[];
  interfaces: Record<string, IfaceEntry>;
  routes: Record<string, Route[]>;
  /** Bridges' forwarding tables by bridge interface id (ordered by mac, then vlan). */
  fdb: Record<string, FdbEntry[]>;
  /** Set when a delta batch skipped a seq: the client must fetch a new snapshot. */
  needsSnapshot: boolean;
}

export type ApplyResult = 'applied' | 'stale' | 'gap';

export function emptyTopology(): TopologyState {
  return { seq: null, namespaces: {}, nsOrder: [], interfaces: {}, routes: {}, fdb: {}, needsSnapshot: false };
}

export function fromSnapshot(seq: number, model: Model): TopologyState {
  const s = emptyTopology();
  s.seq = seq;
  for (const ns of model.namespaces) {
    const { interfaces, routes, ...info } = ns;
    s.namespaces[ns.id] = info;
    s.nsOrder.push(ns.id);
    s.routes[ns.id] = routes;
    for (const { fdb, ...ifc } of interfaces) {
      s.interfaces[ifc.id] = { ...ifc, namespaceId: ns.id };
      if (fdb) s.fdb[ifc.id] = fdb;
    }
  }
  return s;
}

/** Applies one batch. Batches at or below the current seq are stale (already in the snapshot);
 *  a batch that skips a seq is a gap: nothing is applied and needsSnapshot is set. */
export function applyBatch(state: TopologyState, batch: DeltaBatch): { state: TopologyState; result: ApplyResult } {
  if (state.seq === null) return { state: { ...state, needsSnapshot: true }, result: 'gap' };
  if (batch.seq <= state.seq) return { state, result: 'stale' };
  if (batch.seq !== state.seq + 1) return { state: { ...state, needsSnapshot: true }, result: 'gap' };
  let namespaces = state.namespaces, interfaces = state.interfaces, routes = state.routes, nsOrder = state.nsOrder, fdb = state.fdb;
  // Copy-on-first-write per collection so untouched collections keep their identity.
  let nsW = false, ifW = false, rtW = false, ordW = false, fdbW = false;
  const wNs = () => { if (!nsW) { namespaces = { ...namespaces }; nsW = true; } return namespaces; };
  const wIf = () => { if (!ifW) { interfaces = { ...interfaces }; ifW = true; } return interfaces; };
  const wRt = () => { if (!rtW) { routes = { ...routes }; rtW = true; } return routes; };
  const wOrd = () => { if (!ordW) { nsOrder = [...nsOrder]; ordW = true; } return nsOrder; };
  const wFdb = () => { if (!fdbW) { fdb = { ...fdb }; fdbW = true; } return fdb; };
  for (const d of batch.deltas) {
    switch (d.op) {
      case 'namespace': {
        if (!(d.namespace.id in namespaces)) wOrd().push(d.namespace.id);
        wNs()[d.namespace.id] = d.namespace;
        if (!(d.namespace.id in routes)) wRt()[d.namespace.id] = [];
        break;
      }
      case 'namespace-removed': {
        if (d.id in namespaces) delete wNs()[d.id];
        if (d.id in routes) delete wRt()[d.id];
        if (nsOrder.includes(d.id)) { nsOrder = nsOrder.filter((id) => id !== d.id); ordW = true; }
        for (const [id, ifc] of Object.entries(interfaces)) {
          if (ifc.namespaceId !== d.id) continue;
          delete wIf()[id];
          if (id in fdb) delete wFdb()[id];
        }
        break;
      }
      case 'interface': {
        // An interface moved to another namespace gets a new id; the engine removes the old one.
        const { fdb: table, ...ifc } = d.iface;
        wIf()[d.iface.id] = { ...ifc, namespaceId: d.namespaceId };
        if (table) wFdb()[d.iface.id] = table;
        break;
      }
      case 'interface-removed': {
        if (d.id in interfaces) delete wIf()[d.id];
        if (d.id in fdb) delete wFdb()[d.id];
        break;
      }
      case 'routes': {
        wRt()[d.namespaceId] = d.routes;
        break;
      }
      case 'fdb': {
        if (d.bridge in fdb) wFdb()[d.bridge] = applyFdbDelta(fdb[d.bridge], d);
        break;
      }
    }
  }
  return { state: { seq: batch.seq, namespaces, nsOrder, interfaces, routes, fdb, needsSnapshot: false }, result: 'applied' };
}

/** The addresses a bridge holds behind each of its ports: port interface id → entries (not the
 *  ports' own local ones), computed once per table (tables are replaced, never changed in place). */
const behindCache = new WeakMap<FdbEntry[], Map<string, FdbEntry[]>>();
export function fdbByPort(table: FdbEntry[] | undefined): Map<string, FdbEntry[]> {
  if (!table) return new Map();
  let m = behindCache.get(table);
  if (!m) {
    m = new Map();
    for (const e of table) {
      if (e.state === 'local') continue;
      let l = m.get(e.port);
      if (!l) m.set(e.port, (l = []));
      l.push(e);
    }
    behindCache.set(table, m);
  }
  return m;
}

/** Interfaces of one namespace, by ifindex. */
export function interfacesOf(state: TopologyState, nsId: string): IfaceEntry[] {
  return Object.values(state.interfaces).filter((i) => i.namespaceId === nsId).sort((a, b) => a.index - b.index);
}

export interface TopologyStore extends TopologyState {
  setSnapshot(seq: number, model: Model): void;
  applyBatch(batch: DeltaBatch): ApplyResult;
}

export function createTopologyStore() {
  return createStore<TopologyStore>()((set, get) => ({
    ...emptyTopology(),
    setSnapshot: (seq, model) => set(fromSnapshot(seq, model)),
    applyBatch: (batch) => {
      const { state, result } = applyBatch(get(), batch);
      if (result !== 'stale') set(state);
      return result;
    },
  }));
}
