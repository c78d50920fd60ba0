// Finding things in a model by what a test knows them by: a namespace's name, a pid in it, an
// interface's name.
import type { Interface, Model, Namespace } from '../../electron/contract';

export function nsNamed(m: Model, name: string): Namespace | undefined {
  return m.namespaces.find((n) => n.kind === 'named' && n.name === name);
}
export function hostNs(m: Model): Namespace { return m.namespaces.find((n) => n.kind === 'host')!; }
export function nsOfPid(m: Model, pid: number): Namespace | undefined {
  return m.namespaces.find((n) => n.pids.includes(pid));
}
export function iface(ns: Namespace | undefined, name: string): Interface | undefined {
  return ns?.interfaces.find((i) => i.name === name);
}
