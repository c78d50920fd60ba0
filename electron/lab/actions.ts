// One kernel change each. The planner orders them; commands.ts renders each as `ip`/`bridge`
// command lines; the applier performs them through the native netlink API. Pure types.
import type { LinkKind } from './state';

export type Action =
  | { op: 'ns-add'; ns: string }
  | { op: 'ns-del'; ns: string }
  | { op: 'bridge-add'; ns: string; name: string }
  | { op: 'tuntap-add'; ns: string; name: string; mode: 'tun' | 'tap' }
  /** A veth pair: `name` in `ns`, its peer `peerName` in `peerNs`. */
  | { op: 'veth-add'; ns: string; name: string; peerNs: string; peerName: string }
  | { op: 'link-del'; ns: string; name: string; kind: LinkKind | string }
  | { op: 'alias'; ns: string; name: string; alias: string }
  | { op: 'mtu'; ns: string; name: string; mtu: number }
  | { op: 'mac'; ns: string; name: string; mac: string }
  /** master null = nomaster. */
  | { op: 'master'; ns: string; name: string; master: string | null }
  | { op: 'up' | 'down'; ns: string; name: string }
  | { op: 'addr-add' | 'addr-del'; ns: string; name: string; address: string }
  | { op: 'route-add' | 'route-del'; ns: string; to: string; via: string | null; dev: string | null; metric: number | null; family: 4 | 6 }
  | { op: 'forwarding'; ns: string; on: boolean }
  | { op: 'nat-add' | 'nat-del'; ns: string; from: string; out: string };

export type ActionOp = Action['op'];

/** Words naming the object an action is about, for progress lines and kernel refusals. */
export function actionObject(a: Action): string {
  const where = (ns: string) => (ns === 'host' ? '' : `${ns}:`);
  switch (a.op) {
    case 'ns-add': case 'ns-del': return `namespace ${a.ns}`;
    case 'veth-add': return `veth ${where(a.ns)}${a.name} <-> ${where(a.peerNs)}${a.peerName}`;
    case 'bridge-add': return `bridge ${where(a.ns)}${a.name}`;
    case 'tuntap-add': return `${a.mode} ${where(a.ns)}${a.name}`;
    case 'route-add': case 'route-del': return `route ${a.to}${a.via ? ` via ${a.via}` : ''}${a.dev ? ` dev ${a.dev}` : ''} in ${a.ns === 'host' ? 'the host namespace' : `namespace ${a.ns}`}`;
    case 'forwarding': return `ip forwarding in ${a.ns === 'host' ? 'the host namespace' : `namespace ${a.ns}`}`;
    case 'nat-add': case 'nat-del': return `masquerade ${a.from} out ${a.out} in namespace ${a.ns}`;
    case 'addr-add': case 'addr-del': return `address ${a.address} on ${where(a.ns)}${a.name}`;
    default: return `interface ${where(a.ns)}${a.name}`;
  }
}
