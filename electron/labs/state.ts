// The two sides the planner compares: what a lab wants (Desired, from the lab file) and what the
// kernel has (Actual, read with netlink dumps by native-kernel.ts). Both are flat, keyed by
// "namespace/ifname", with the host namespace called HOST_NS ('host'). Pure: no Node imports.
import type { InterfaceKind } from '../contract';
import { HOST_NS, canonicalCidr, labAlias, labGroup, parseIp } from './names';
import type { Lab } from './types';

export type LinkKind = 'veth' | 'bridge' | 'tun' | 'tap';

export interface DesiredLink {
  ns: string;
  name: string;
  kind: LinkKind;
  peer: { ns: string; name: string } | null;   // veth
  master: string | null;                        // bridge name in the same namespace
  mtu: number | null;                           // null = leave as the kernel made it
  mac: string | null;
  up: boolean;
  addresses: string[];
  /** A bridge someone else made (docker0): never created, deleted or configured. */
  external: boolean;
}

export interface DesiredRoute {
  ns: string; to: string; via: string | null; dev: string | null; metric: number | null; family: 4 | 6;
}
export interface DesiredNat { ns: string; from: string; out: string }

export interface Desired {
  lab: string;
  alias: string;
  /** The netdev group the lab's bridges and veths are created in (labGroup). */
  group: number;
  namespaces: string[];                        // named namespaces the lab needs (never 'host')
  links: DesiredLink[];
  lo: { ns: string; up: boolean; addresses: string[] }[];
  routes: DesiredRoute[];
  forwarding: { ns: string; on: boolean }[];
  nat: DesiredNat[];
}

export const key = (ns: string, name: string) => `${ns}/${name}`;

export function desiredFromLab(lab: Lab): Desired {
  const d: Desired = {
    lab: lab.name, alias: labAlias(lab.name), group: labGroup(lab.name), namespaces: [], links: [], lo: [], routes: [], forwarding: [], nat: [],
  };
  for (const ns of lab.namespaces) {
    if (ns.name !== HOST_NS) d.namespaces.push(ns.name);
    if (ns.forwarding !== null) d.forwarding.push({ ns: ns.name, on: ns.forwarding });
    const lo = ns.interfaces.get('lo');
    // Every namespace a lab makes gets lo up (ping to one's own address needs it), unless told otherwise.
    if (lo) d.lo.push({ ns: ns.name, up: lo.up, addresses: lo.addresses });
    else if (ns.name !== HOST_NS) d.lo.push({ ns: ns.name, up: true, addresses: [] });
    for (const r of ns.routes) d.routes.push({ ns: ns.name, to: r.to, via: r.via, dev: r.dev, metric: r.metric, family: r.family });
    for (const n of ns.nat) d.nat.push({ ns: ns.name, from: n.masquerade.from, out: n.masquerade.out });
  }
  const ifconf = (ns: string, name: string) => lab.namespaces.find((n) => n.name === ns)?.interfaces.get(name);
  for (const b of lab.bridges) {
    d.links.push({
      ns: b.namespace, name: b.name, kind: 'bridge', peer: null, master: null,
      mtu: b.mtu, mac: b.mac, up: b.up, addresses: b.addresses, external: b.external,
    });
  }
  for (const t of lab.tuntaps) {
    d.links.push({
      ns: t.namespace, name: t.name, kind: t.mode, peer: null, master: t.bridge,
      mtu: t.mtu, mac: t.mac, up: t.up, addresses: t.addresses, external: false,
    });
  }
  for (const v of lab.veths) {
    const [a, b] = v.ends;
    for (const [end, other] of [[a, b], [b, a]] as const) {
      const c = end.bridge === null ? ifconf(end.namespace, end.name) : undefined;
      d.links.push({
        ns: end.namespace, name: end.name, kind: 'veth', peer: { ns: other.namespace, name: other.name },
        master: end.bridge, mtu: c?.mtu ?? null, mac: c?.mac ?? null, up: c?.up ?? true,
        addresses: c?.addresses ?? [], external: false,
      });
    }
  }
  return d;
}

/** An empty wish: planning it against the kernel gives the lab's teardown. */
export function emptyDesired(labName: string): Desired {
  return { lab: labName, alias: labAlias(labName), group: labGroup(labName), namespaces: [], links: [], lo: [], routes: [], forwarding: [], nat: [] };
}

// ---------------------------------------------------------------------------------------------

export interface ActualLink {
  ns: string; name: string; index: number;
  kind: InterfaceKind;
  alias: string | null;
  /** Netdev group; null when not known (the engine's model does not carry it). */
  group: number | null;
  mtu: number; mac: string | null; up: boolean;
  master: string | null;                       // bridge name (same namespace)
  peer: { ns: string; name: string } | null;   // null also when the peer is in a namespace we cannot name
  addresses: string[];                         // canonical
}
export interface ActualRoute { to: string; via: string | null; dev: string | null; metric: number | null; family: 4 | 6 }

export interface Actual {
  /** Named namespaces (`ip netns`). */
  namespaces: Set<string>;
  links: Map<string, ActualLink>;
  routes: Map<string, ActualRoute[]>;
  /** ip_forward where known (the model does not carry it; the applier may fill it in). */
  forwarding: Map<string, boolean>;
}

export function emptyActual(): Actual {
  return { namespaces: new Set(), links: new Map(), routes: new Map(), forwarding: new Map() };
}
