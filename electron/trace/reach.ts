// Where a ping from a namespace can go, as the model tells: that namespace's interfaces, then the
// namespaces its veth peers are in (with all their interfaces: bridges and their ports live in
// one namespace), and so on, nearest first. Only interfaces that are up can be captured on; a
// namespace's loopback only in the sending namespace (a packet to another namespace never takes
// that one's lo). When there are more than a trace may capture (a host with many containers),
// the ones the packet is likeliest to pass go first: those of the sending namespace and of the
// namespace holding the address, the veths into them, and every bridge, tun or physical device;
// veths into other namespaces, and those namespaces, last.
import { nsOfIface, parseCidr, parseIp, type Interface, type Model, type Namespace } from '../contract';

export interface Reached { ns: Namespace; iface: Interface }

export interface Reach {
  /** Nearest first (the sending namespace's), at most `max`. */
  interfaces: Reached[];
  /** Interfaces (up) on the way that are left out: past `max`. */
  left: number;
}

const isUp = (i: Interface) => i.flags.includes('UP');

/** The namespaces holding `address` on one of their interfaces. */
function holders(model: Model, address: string): Set<string> {
  const want = parseIp(address)?.text;
  const out = new Set<string>();
  for (const ns of model.namespaces) {
    for (const i of ns.interfaces) if (i.addresses.some((a) => parseCidr(a)?.address.text === want)) out.add(ns.id);
  }
  return out;
}

export function reachableInterfaces(model: Model, fromNs: string, address: string, max: number): Reach {
  const byId = new Map(model.namespaces.map((n) => [n.id, n]));
  const seen = new Set<string>([fromNs]);
  const queue = [fromNs];
  const all: Reached[] = [];
  while (queue.length) {
    const ns = byId.get(queue.shift()!);
    if (!ns) continue;
    for (const iface of ns.interfaces) {
      if (iface.kind === 'loopback' && ns.id !== fromNs) continue;
      // A down interface carries nothing: not on the way.
      if (isUp(iface)) all.push({ ns, iface });
      if (iface.peer) {
        const next = nsOfIface(iface.peer);
        if (!seen.has(next)) { seen.add(next); queue.push(next); }
      }
    }
  }
  if (all.length <= max) return { interfaces: all, left: 0 };
  const ends = holders(model, address);
  ends.add(fromNs);
  const rank = (r: Reached) => {
    if (ends.has(r.ns.id)) return 0;
    if (r.iface.kind !== 'veth') return 1;
    return r.iface.peer && ends.has(nsOfIface(r.iface.peer)) ? 1 : 2;
  };
  // Array.prototype.sort is stable: nearest first within a rank.
  const ranked = all.map((r, k) => ({ r, k, rank: rank(r) })).sort((a, b) => a.rank - b.rank || a.k - b.k).map((x) => x.r);
  return { interfaces: ranked.slice(0, max), left: ranked.length - max };
}
