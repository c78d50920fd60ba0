// For the planner's unit tests (apply, re-plan: nothing left to do): what the kernel would look like
// after a list of actions, computed without touching it. It models only what the planner reads; the
// kernel tests (test/kernel/lab-apply.test.ts) check the real thing.
import type { Action } from '../../electron/labs/actions';
import { key, type Actual, type ActualLink } from '../../electron/labs/state';

export function cloneActual(a: Actual): Actual {
  return {
    namespaces: new Set(a.namespaces),
    links: new Map([...a.links].map(([k, l]) => [k, { ...l, addresses: [...l.addresses], peer: l.peer && { ...l.peer } }])),
    routes: new Map([...a.routes].map(([k, r]) => [k, r.map((x) => ({ ...x }))])),
    forwarding: new Map(a.forwarding),
  };
}

export function simulate(before: Actual, actions: Action[]): Actual {
  const a = cloneActual(before);
  let next = 1000;
  const link = (ns: string, name: string, kind: ActualLink['kind']): ActualLink =>
    ({ ns, name, index: next++, kind, alias: null, group: null, mtu: 1500, mac: kind === 'tun' ? null : '02:00:00:00:00:01', up: false, master: null, peer: null, addresses: [] });
  const get = (ns: string, name: string) => {
    const l = a.links.get(key(ns, name));
    if (!l) throw new Error(`simulate: no ${ns}/${name}`);
    return l;
  };
  const dropLink = (ns: string, name: string) => {
    a.links.delete(key(ns, name));
    a.routes.set(ns, (a.routes.get(ns) ?? []).filter((r) => r.dev !== name));
  };
  for (const x of actions) {
    switch (x.op) {
      case 'ns-add':
        a.namespaces.add(x.ns);
        a.links.set(key(x.ns, 'lo'), { ...link(x.ns, 'lo', 'loopback'), mac: null, mtu: 65536 });
        a.routes.set(x.ns, []);
        break;
      case 'ns-del':
        a.namespaces.delete(x.ns);
        for (const [k, l] of [...a.links]) {
          if (l.ns === x.ns) {
            a.links.delete(k);
            if (l.peer) dropLink(l.peer.ns, l.peer.name);
          }
        }
        a.routes.delete(x.ns);
        a.forwarding.delete(x.ns);
        break;
      case 'bridge-add': a.links.set(key(x.ns, x.name), link(x.ns, x.name, 'bridge')); break;
      case 'tuntap-add': a.links.set(key(x.ns, x.name), link(x.ns, x.name, x.mode)); break;
      case 'veth-add': {
        const l = link(x.ns, x.name, 'veth'); const p = link(x.peerNs, x.peerName, 'veth');
        l.peer = { ns: x.peerNs, name: x.peerName }; p.peer = { ns: x.ns, name: x.name };
        a.links.set(key(x.ns, x.name), l); a.links.set(key(x.peerNs, x.peerName), p);
        break;
      }
      case 'link-del': {
        const l = get(x.ns, x.name);
        dropLink(x.ns, x.name);
        if (l.peer) dropLink(l.peer.ns, l.peer.name);
        for (const o of a.links.values()) if (o.ns === x.ns && o.master === x.name) o.master = null;
        break;
      }
      case 'alias': get(x.ns, x.name).alias = x.alias; break;
      case 'rename': {
        const l = get(x.ns, x.name);
        a.links.delete(key(x.ns, x.name));
        l.name = x.newName;
        a.links.set(key(x.ns, x.newName), l);
        for (const r of a.routes.get(x.ns) ?? []) if (r.dev === x.name) r.dev = x.newName;
        for (const o of a.links.values()) {
          if (o.ns === x.ns && o.master === x.name) o.master = x.newName;
          if (o.peer && o.peer.ns === x.ns && o.peer.name === x.name) o.peer = { ns: x.ns, name: x.newName };
        }
        break;
      }
      case 'mtu': get(x.ns, x.name).mtu = x.mtu; break;
      case 'mac': get(x.ns, x.name).mac = x.mac; break;
      case 'master': get(x.ns, x.name).master = x.master; break;
      case 'up': get(x.ns, x.name).up = true; break;
      case 'down': get(x.ns, x.name).up = false; break;
      case 'addr-add': get(x.ns, x.name).addresses.push(x.address); break;
      case 'addr-del': { const l = get(x.ns, x.name); l.addresses = l.addresses.filter((y) => y !== x.address); break; }
      case 'route-add': {
        const rs = a.routes.get(x.ns) ?? [];
        rs.push({ to: x.to, via: x.via, dev: x.dev, metric: x.metric, family: x.family });
        a.routes.set(x.ns, rs);
        break;
      }
      case 'route-del':
        a.routes.set(x.ns, (a.routes.get(x.ns) ?? []).filter((r) => !(r.to === x.to && r.via === x.via)));
        break;
      case 'forwarding': a.forwarding.set(x.ns, x.on); break;
      case 'nat-add': case 'nat-del': break;   // not visible in the model
    }
  }
  return a;
}
