// Undo: the inverse of a step of canvas actions, computed from the topology as it was before the
// step. Each action is inverted against a small simulation of the links it touches (so a step
// "create veth, make it a port, bring it up" undoes as one "delete the veth"), and the inverses run
// in reverse order. Deleted links and namespaces are rebuilt with what the picture knew of them
// (kind, peer, addresses, MTU, MAC, master, up, routes). Pure: tested in node.
import { isLinkLocal6, MAIN_TABLE, type BuildAction } from '../../../electron/contract';
import type { TopologyState } from '../store/topology';
import { isAdminUp, nsKey } from './model';

export interface SimLink {
  ns: string; name: string; kind: string; mtu: number; mac: string | null; up: boolean;
  master: string | null; addresses: string[]; peer: { ns: string; name: string } | null;
}
export interface SimRoute { ns: string; to: string; via: string | null; dev: string | null; metric: number | null; family: 4 | 6 }
export interface Sim { links: Map<string, SimLink>; namespaces: Set<string>; routes: SimRoute[] }

const key = (ns: string, name: string) => `${ns}\u0000${name}`;

/** The part of the topology the canvas can change (host + named namespaces) as a simulation. */
export function simFromTopology(t: TopologyState): Sim {
  const links = new Map<string, SimLink>();
  const namespaces = new Set<string>();
  const ref = (ifId: string | null): { ns: string; name: string } | null => {
    if (!ifId) return null;
    const i = t.interfaces[ifId];
    const ns = i && nsKey(t, i.namespaceId);
    return i && ns ? { ns, name: i.name } : null;
  };
  for (const id of Object.keys(t.namespaces)) { const k = nsKey(t, id); if (k) namespaces.add(k); }
  for (const i of Object.values(t.interfaces)) {
    const ns = nsKey(t, i.namespaceId);
    if (!ns) continue;
    links.set(key(ns, i.name), {
      ns, name: i.name, kind: i.kind, mtu: i.mtu, mac: i.mac, up: isAdminUp(i),
      master: ref(i.master)?.name ?? null, addresses: [...i.addresses], peer: ref(i.peer),
    });
  }
  const routes: SimRoute[] = [];
  for (const [nsId, list] of Object.entries(t.routes)) {
    const ns = nsKey(t, nsId);
    if (!ns) continue;
    for (const r of list) {
      // only routes people make (the kernel's own come and go with addresses and links)
      if (r.table !== MAIN_TABLE || r.protocol === 'kernel' || r.type !== 'unicast') continue;
      routes.push({ ns, to: r.dst, via: r.gateway, dev: ref(r.dev)?.name ?? null, metric: r.metric, family: r.family });
    }
  }
  return { links, namespaces, routes };
}

/** Actions that rebuild a deleted link as it was (null when its kind cannot be made). */
function rebuildLink(sim: Sim, l: SimLink, skip: Set<string>): BuildAction[] | null {
  const out: BuildAction[] = [];
  const settle = (x: SimLink) => {
    if (x.mac) out.push({ op: 'mac', ns: x.ns, name: x.name, mac: x.mac });
    if (x.mtu && x.mtu !== 1500) out.push({ op: 'mtu', ns: x.ns, name: x.name, mtu: x.mtu });
    if (x.master) out.push({ op: 'master', ns: x.ns, name: x.name, master: x.master });
    for (const a of x.addresses) if (!isLinkLocal6(a)) out.push({ op: 'addr-add', ns: x.ns, name: x.name, address: a });
    if (x.up) out.push({ op: 'up', ns: x.ns, name: x.name });
  };
  switch (l.kind) {
    case 'bridge': out.push({ op: 'bridge-add', ns: l.ns, name: l.name }); settle(l);
      // the ports it had lost their master with it
      for (const p of sim.links.values()) if (p.ns === l.ns && p.master === l.name && !skip.has(key(p.ns, p.name))) out.push({ op: 'master', ns: p.ns, name: p.name, master: l.name });
      break;
    case 'tun': case 'tap': out.push({ op: 'tuntap-add', ns: l.ns, name: l.name, mode: l.kind }); settle(l); break;
    case 'veth': {
      if (!l.peer) return null;
      const p = sim.links.get(key(l.peer.ns, l.peer.name));
      out.push({ op: 'veth-add', ns: l.ns, name: l.name, peerNs: l.peer.ns, peerName: l.peer.name });
      settle(l);
      if (p) settle(p);
      break;
    }
    default: return null;
  }
  return out;
}

function routesVia(sim: Sim, ns: string, dev: string): SimRoute[] {
  return sim.routes.filter((r) => r.ns === ns && r.dev === dev);
}

const routeAdd = (r: SimRoute): BuildAction => ({ op: 'route-add', ns: r.ns, to: r.to, via: r.via, dev: r.dev, metric: r.metric, family: r.family });
const sameRoute = (r: SimRoute, a: { ns: string; to: string; via: string | null; dev: string | null }) => r.ns === a.ns && r.to === a.to && (a.via === null || r.via === a.via) && (a.dev === null || r.dev === a.dev);

/** Applies one action to the simulation (what the kernel will look like after it). */
function applySim(sim: Sim, a: BuildAction): void {
  const get = (ns: string, name: string) => sim.links.get(key(ns, name));
  const mk = (ns: string, name: string, kind: string, peer: SimLink['peer'] = null): SimLink =>
    ({ ns, name, kind, mtu: 1500, mac: null, up: false, master: null, addresses: [], peer });
  switch (a.op) {
    case 'ns-add': sim.namespaces.add(a.ns); sim.links.set(key(a.ns, 'lo'), mk(a.ns, 'lo', 'loopback')); break;
    case 'ns-del':
      sim.namespaces.delete(a.ns);
      for (const l of [...sim.links.values()]) if (l.ns === a.ns) { sim.links.delete(key(l.ns, l.name)); if (l.peer) sim.links.delete(key(l.peer.ns, l.peer.name)); }
      sim.routes = sim.routes.filter((r) => r.ns !== a.ns);
      break;
    case 'bridge-add': sim.links.set(key(a.ns, a.name), mk(a.ns, a.name, 'bridge')); break;
    case 'tuntap-add': sim.links.set(key(a.ns, a.name), mk(a.ns, a.name, a.mode)); break;
    case 'veth-add':
      sim.links.set(key(a.ns, a.name), mk(a.ns, a.name, 'veth', { ns: a.peerNs, name: a.peerName }));
      sim.links.set(key(a.peerNs, a.peerName), mk(a.peerNs, a.peerName, 'veth', { ns: a.ns, name: a.name }));
      break;
    case 'link-del': {
      const l = get(a.ns, a.name);
      sim.links.delete(key(a.ns, a.name));
      if (l?.peer) sim.links.delete(key(l.peer.ns, l.peer.name));
      for (const p of sim.links.values()) if (p.ns === a.ns && p.master === a.name) p.master = null;
      sim.routes = sim.routes.filter((r) => !(r.ns === a.ns && r.dev === a.name));
      break;
    }
    case 'rename': {
      const l = get(a.ns, a.name);
      if (!l) break;
      sim.links.delete(key(a.ns, a.name));
      l.name = a.newName;
      sim.links.set(key(a.ns, a.newName), l);
      for (const o of sim.links.values()) {
        if (o.ns === a.ns && o.master === a.name) o.master = a.newName;
        if (o.peer && o.peer.ns === a.ns && o.peer.name === a.name) o.peer = { ns: a.ns, name: a.newName };
      }
      for (const r of sim.routes) if (r.ns === a.ns && r.dev === a.name) r.dev = a.newName;
      break;
    }
    case 'mtu': { const l = get(a.ns, a.name); if (l) l.mtu = a.mtu; break; }
    case 'mac': { const l = get(a.ns, a.name); if (l) l.mac = a.mac; break; }
    case 'master': { const l = get(a.ns, a.name); if (l) l.master = a.master; break; }
    case 'up': case 'down': { const l = get(a.ns, a.name); if (l) l.up = a.op === 'up'; break; }
    case 'addr-add': { const l = get(a.ns, a.name); if (l && !l.addresses.includes(a.address)) l.addresses.push(a.address); break; }
    case 'addr-del': { const l = get(a.ns, a.name); if (l) l.addresses = l.addresses.filter((x) => x !== a.address); break; }
    case 'route-add': sim.routes.push({ ns: a.ns, to: a.to, via: a.via, dev: a.dev, metric: a.metric, family: a.family }); break;
    case 'route-del': { const i = sim.routes.findIndex((r) => sameRoute(r, a)); if (i >= 0) sim.routes.splice(i, 1); break; }
    default: break;
  }
}

/** The actions that undo `actions` (performed in order on `before`), or null with the reason
 *  when something cannot be undone (e.g. deleting a physical device). */
export function inverseOf(actions: BuildAction[], before: TopologyState | Sim): { inverse: BuildAction[] } | { inverse: null; reason: string } {
  const sim: Sim = 'links' in before ? cloneSim(before as Sim) : simFromTopology(before as TopologyState);
  const groups: BuildAction[][] = [];
  // links and namespaces made by this step: undoing their creation undoes everything done to them
  const madeLinks = new Set<string>();
  const madeNs = new Set<string>();
  const made = (ns: string, name: string) => madeNs.has(ns) || madeLinks.has(key(ns, name));
  for (const a of actions) {
    const g: BuildAction[] = [];
    const l = 'name' in a ? sim.links.get(key(a.ns, a.name)) : undefined;
    switch (a.op) {
      case 'ns-add': madeNs.add(a.ns); g.push({ op: 'ns-del', ns: a.ns }); break;
      case 'bridge-add': case 'tuntap-add':
        if (!madeNs.has(a.ns)) g.push({ op: 'link-del', ns: a.ns, name: a.name, kind: a.op === 'bridge-add' ? 'bridge' : a.mode });
        madeLinks.add(key(a.ns, a.name));
        break;
      case 'veth-add':
        if (!madeNs.has(a.ns)) g.push({ op: 'link-del', ns: a.ns, name: a.name, kind: 'veth' });
        else if (!madeNs.has(a.peerNs)) g.push({ op: 'link-del', ns: a.peerNs, name: a.peerName, kind: 'veth' });
        madeLinks.add(key(a.ns, a.name)); madeLinks.add(key(a.peerNs, a.peerName));
        break;
      case 'link-del': {
        if (made(a.ns, a.name)) break;
        if (!l) return { inverse: null, reason: `${a.name} in ${a.ns} is not known` };
        const skip = new Set<string>();
        const r = rebuildLink(sim, l, skip);
        if (!r) return { inverse: null, reason: `${a.name} (${l.kind}) cannot be made again by the app` };
        g.push(...r);
        for (const x of [l, l.peer && sim.links.get(key(l.peer.ns, l.peer.name))]) if (x) for (const rt of routesVia(sim, x.ns, x.name)) g.push(routeAdd(rt));
        break;
      }
      case 'ns-del': {
        if (madeNs.has(a.ns)) break;
        g.push({ op: 'ns-add', ns: a.ns });
        const inside = [...sim.links.values()].filter((x) => x.ns === a.ns);
        const lo = inside.find((x) => x.name === 'lo');
        if (lo?.up) g.push({ op: 'up', ns: a.ns, name: 'lo' });
        const done = new Set<string>();
        // bridges first (ports are enslaved to them), then the rest
        for (const x of [...inside.filter((y) => y.kind === 'bridge'), ...inside.filter((y) => y.kind !== 'bridge' && y.kind !== 'loopback')]) {
          if (done.has(key(x.ns, x.name))) continue;
          const r = rebuildLink(sim, x, new Set());
          if (!r) return { inverse: null, reason: `${x.name} (${x.kind}) in ${a.ns} cannot be made again by the app` };
          g.push(...r.filter((y) => !(y.op === 'master' && y.ns === a.ns && x.kind === 'bridge' && y.name !== x.name)));
          done.add(key(x.ns, x.name));
          if (x.peer) done.add(key(x.peer.ns, x.peer.name));
        }
        for (const rt of sim.routes.filter((r) => r.ns === a.ns)) g.push(routeAdd(rt));
        // a peer outside that died with the namespace: its routes too
        for (const x of inside) if (x.peer && x.peer.ns !== a.ns) for (const rt of routesVia(sim, x.peer.ns, x.peer.name)) g.push(routeAdd(rt));
        break;
      }
      case 'rename':
        if (made(a.ns, a.name)) {
          // made in this step: its undo (a delete) must name it as it will be called
          madeLinks.add(key(a.ns, a.newName));
          for (const grp of groups) for (let k = 0; k < grp.length; k++) {
            const x = grp[k];
            if (x.op === 'link-del' && x.ns === a.ns && x.name === a.name) grp[k] = { ...x, name: a.newName };
          }
        } else g.push({ op: 'rename', ns: a.ns, name: a.newName, newName: a.name });
        break;
      case 'mtu': if (!made(a.ns, a.name) && l && l.mtu !== a.mtu) g.push({ op: 'mtu', ns: a.ns, name: a.name, mtu: l.mtu }); break;
      case 'mac': if (!made(a.ns, a.name) && l && l.mac && l.mac !== a.mac) g.push({ op: 'mac', ns: a.ns, name: a.name, mac: l.mac }); break;
      case 'master': if (!made(a.ns, a.name) && l && l.master !== a.master) g.push({ op: 'master', ns: a.ns, name: a.name, master: l.master }); break;
      case 'up': case 'down':
        if (!made(a.ns, a.name) && l && l.up !== (a.op === 'up')) g.push({ op: l.up ? 'up' : 'down', ns: a.ns, name: a.name });
        break;
      case 'addr-add': if (!made(a.ns, a.name) && !(l && l.addresses.includes(a.address))) g.push({ ...a, op: 'addr-del' }); break;
      case 'addr-del': if (!made(a.ns, a.name) && (!l || l.addresses.includes(a.address))) g.push({ ...a, op: 'addr-add' }); break;
      case 'route-add': if (!madeNs.has(a.ns) && !(a.dev && made(a.ns, a.dev))) g.push({ ...a, op: 'route-del' }); break;
      case 'route-del': {
        if (madeNs.has(a.ns)) break;
        const r = sim.routes.find((x) => sameRoute(x, a));
        g.push(r ? routeAdd(r) : { ...a, op: 'route-add' });
        break;
      }
      // the earlier setting is not read back from the kernel: undo assumes it was the other one
      case 'forwarding': if (!madeNs.has(a.ns)) g.push({ op: 'forwarding', ns: a.ns, on: !a.on }); break;
      case 'alias': case 'nat-add': case 'nat-del': return { inverse: null, reason: `${a.op} is not undone from the canvas` };
    }
    groups.push(g);
    applySim(sim, a);
  }
  return { inverse: groups.reverse().flat() };
}

function cloneSim(s: Sim): Sim {
  return {
    links: new Map([...s.links].map(([k, v]) => [k, { ...v, addresses: [...v.addresses], peer: v.peer && { ...v.peer } }])),
    namespaces: new Set(s.namespaces),
    routes: s.routes.map((r) => ({ ...r })),
  };
}

export { applySim as simulate };
