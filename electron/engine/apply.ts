// Applying deltas to a copy of the model, as a client does (used by `inspect --watch` to describe
// changes, and by tests to check that snapshot + deltas = model). Pure.
import { applyFdbDelta, nsOfIface, type Delta, type Interface, type Model, type Namespace } from '../contract';

export function cloneModel(m: Model): Model { return JSON.parse(JSON.stringify(m)) as Model; }

export function findInterface(m: Model, id: string): { ns: Namespace; iface: Interface } | null {
  const nsId = nsOfIface(id);
  const ns = m.namespaces.find((n) => n.id === nsId);
  const iface = ns?.interfaces.find((i) => i.id === id);
  return ns && iface ? { ns, iface } : null;
}

/** Applies one delta in place. */
export function applyDelta(m: Model, d: Delta): void {
  switch (d.op) {
    case 'namespace': {
      const ns = m.namespaces.find((n) => n.id === d.namespace.id);
      if (ns) {
        const { interfaces, routes } = ns;
        for (const k of Object.keys(ns)) delete (ns as unknown as Record<string, unknown>)[k];
        Object.assign(ns, d.namespace, { interfaces, routes });
      } else {
        m.namespaces.push({ ...d.namespace, interfaces: [], routes: [] });
      }
      break;
    }
    case 'namespace-removed':
      m.namespaces = m.namespaces.filter((n) => n.id !== d.id);
      break;
    case 'interface': {
      const ns = m.namespaces.find((n) => n.id === d.namespaceId);
      if (!ns) break;
      const i = ns.interfaces.findIndex((x) => x.id === d.iface.id);
      if (i >= 0) ns.interfaces[i] = d.iface;
      else {
        ns.interfaces.push(d.iface);
        ns.interfaces.sort((a, b) => a.index - b.index);
      }
      break;
    }
    case 'interface-removed': {
      const f = findInterface(m, d.id);
      if (f) f.ns.interfaces = f.ns.interfaces.filter((x) => x.id !== d.id);
      break;
    }
    case 'routes': {
      const ns = m.namespaces.find((n) => n.id === d.namespaceId);
      if (ns) ns.routes = d.routes;
      break;
    }
    case 'fdb': {
      const f = findInterface(m, d.bridge);
      if (f) f.iface.fdb = applyFdbDelta(f.iface.fdb ?? [], d);
      break;
    }
  }
}
