// How captures name interfaces: `NS:IFNAME`, NS being `host`, an `ip netns` name, `pid:PID` (the
// namespace of a process) or `ns:INODE`. The CLI's -i arguments are resolved here against the
// engine's model, and the pcapng's interface names are written here.
import * as fs from 'node:fs';
import { HOST_NS, type Interface, type Model, type Namespace } from '../contract';

/** How a namespace is spelled in NS:IFNAME. */
export function nsSpelling(ns: Namespace): string {
  if (ns.kind === 'host') return HOST_NS;
  if (ns.kind === 'named' && ns.name) return ns.name;
  if (ns.kind === 'process' && ns.pids.length) return `pid:${Math.min(...ns.pids)}`;
  return `ns:${ns.inode}`;
}

export function captureName(ns: Namespace, iface: Interface): string { return `${nsSpelling(ns)}:${iface.name}`; }

export class CaptureNameError extends Error {}

/** Splits NS:IFNAME: the interface name is what follows the last ':' (names cannot hold one). */
export function splitCaptureName(spec: string): { ns: string; ifname: string } {
  const cut = spec.lastIndexOf(':');
  if (cut <= 0 || cut === spec.length - 1) throw new CaptureNameError(`"${spec}" is not NS:IFNAME (e.g. host:eth0, blue:veth0, pid:812:eth0, ns:4026532301:eth0)`);
  return { ns: spec.slice(0, cut), ifname: spec.slice(cut + 1) };
}

/** The namespace NS names in the model, or null. pid:PID matches the namespace whose pids list it
 *  (the model lists a few hundred per namespace at most; `pidNamespace` answers for the others). */
export function findNamespace(model: Model, ns: string, pidNamespace?: (pid: number) => number | null): Namespace | null {
  const pid = /^pid:([0-9]+)$/.exec(ns);
  if (pid) {
    const p = Number(pid[1]);
    const listed = model.namespaces.find((n) => n.pids.includes(p));
    if (listed) return listed;
    const inode = pidNamespace?.(p) ?? null;
    return inode === null ? null : model.namespaces.find((n) => n.inode === inode) ?? null;
  }
  const inode = /^ns:([0-9]+)$/.exec(ns);
  if (inode) return model.namespaces.find((n) => n.inode === Number(inode[1])) ?? null;
  if (ns === HOST_NS) return model.namespaces.find((n) => n.kind === 'host') ?? null;
  return model.namespaces.find((n) => n.kind === 'named' && n.name === ns) ?? null;
}

/** The interface NS:IFNAME names in the model; throws CaptureNameError naming what is unknown. */
export function resolveCaptureName(model: Model, spec: string, pidNamespace?: (pid: number) => number | null): { ns: Namespace; iface: Interface } {
  const { ns, ifname } = splitCaptureName(spec);
  const n = findNamespace(model, ns, pidNamespace);
  if (!n) throw new CaptureNameError(`${spec}: no namespace "${ns}" (host, an ip netns name, pid:PID or ns:INODE)`);
  const iface = n.interfaces.find((i) => i.name === ifname);
  if (!iface) throw new CaptureNameError(`${spec}: no interface "${ifname}" in namespace ${n.label}`);
  return { ns: n, iface };
}

/** The inode of the network namespace of process `pid` (what `pid:PID` names), or null. */
export function pidNamespace(pid: number): number | null {
  try {
    const m = /^net:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}
