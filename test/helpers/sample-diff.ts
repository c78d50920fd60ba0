// The engine's model against iproute2 in a chosen set of namespaces (a sample of a dense host, or
// only the test's own namespace when the engine also sees the machine's): ip reads just those,
// and a veth whose peer lies in a namespace not read (ip cannot resolve it: `?nsid ...`) is
// checked only for pointing into one of `peerNamespaces`. Counters are not compared.
import type { Model } from '../../electron/contract';
import { modelFromIp, readNamespace, type WorldNs } from './iproute';
import { diffModels, type Difference } from './model-diff';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function diffSample(actual: Model, namespaces: WorldNs[], peerNamespaces: Set<string>): Difference[] {
  const expected = modelFromIp(namespaces.map(readNamespace));
  const actualIfs = new Map(actual.namespaces.flatMap((n) => n.interfaces).map((i) => [i.id, i]));
  const out: Difference[] = [];
  for (const ns of expected.namespaces) {
    for (const i of ns.interfaces) {
      if (typeof i.peer !== 'string' || !i.peer.startsWith('?nsid')) continue;
      const a = actualIfs.get(i.id)?.peer ?? null;
      const into = a === null || !a.includes('/if:') ? null : a.slice(0, a.indexOf('/if:'));
      if (into === null || !peerNamespaces.has(into)) out.push({ path: `${i.id}/peer`, expected: `a peer in one of ${peerNamespaces.size} namespaces`, actual: a });
      i.peer = a;
    }
  }
  return [...out, ...diffModels(expected, actual, { ignoreStats: true, onlyNamespaces: new Set(namespaces.map((n) => n.id)) })];
}

/** diffSample until it is empty or `settleMs` passed (the engine catches up asynchronously). */
export async function diffSampleSettled(getModel: () => Model, namespaces: WorldNs[], peerNamespaces: Set<string>, settleMs = 5000): Promise<Difference[]> {
  const until = Date.now() + settleMs;
  for (;;) {
    const d = diffSample(getModel(), namespaces, peerNamespaces);
    if (!d.length || Date.now() > until) return d;
    await sleep(200);
  }
}
