// One kernel change each (the contract's BuildAction). The planner orders them; commands.ts renders
// each as `ip` command lines; the applier performs them through the native netlink API.
import { HOST_NS, type BuildAction } from '../contract';

export type Action = BuildAction;

/** Words naming the object an action is about, for progress lines and kernel refusals. */
export function actionObject(a: Action): string {
  const where = (ns: string) => (ns === HOST_NS ? '' : `${ns}:`);
  const inNs = (ns: string) => (ns === HOST_NS ? 'the host namespace' : `namespace ${ns}`);
  switch (a.op) {
    case 'ns-add': case 'ns-del': return `namespace ${a.ns}`;
    case 'veth-add': return `veth ${where(a.ns)}${a.name} <-> ${where(a.peerNs)}${a.peerName}`;
    case 'bridge-add': return `bridge ${where(a.ns)}${a.name}`;
    case 'tuntap-add': return `${a.mode} ${where(a.ns)}${a.name}`;
    case 'route-add': case 'route-del': return `route ${a.to}${a.via ? ` via ${a.via}` : ''}${a.dev ? ` dev ${a.dev}` : ''} in ${inNs(a.ns)}`;
    case 'forwarding': return `ip forwarding in ${inNs(a.ns)}`;
    case 'nat-add': case 'nat-del': return `masquerade ${a.from} out ${a.out} in namespace ${a.ns}`;
    case 'addr-add': case 'addr-del': return `address ${a.address} on ${where(a.ns)}${a.name}`;
    default: return `interface ${where(a.ns)}${a.name}`;
  }
}
