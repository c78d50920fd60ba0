// Compare the engine's model with iproute2's view until they agree or a deadline passes (kernel
// events reach the engine asynchronously; IPv6 link-local addresses and routes come a little after
// a link goes up). Only the last attempt's differences are returned.
import type { Model } from '../../electron/contract';
import { listWorldNamespaces, readWorld, readWorldStats } from './iproute';
import { diffModels, unresolvedReferences, type Difference } from './model-diff';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SettleOptions {
  /** Give up after this long. */
  settleMs: number;
  /** The engine's counter sampling period: its counters are bounded by ip's read this long (times
   *  2.5) before the model was taken and ip's read after it. */
  samplePeriodMs: number;
  onlyNamespaces?: Set<string>;
}

export async function compareSettled(getModel: () => Promise<Model>, o: SettleOptions): Promise<Difference[]> {
  const t0 = Date.now();
  for (;;) {
    const namespaces = listWorldNamespaces();
    const statsBefore = readWorldStats(namespaces);
    await sleep(o.samplePeriodMs * 2.5);
    const { model: expected } = readWorld();
    const actual = await getModel();
    const statsAfter = readWorldStats(namespaces);
    const diffs = [
      ...unresolvedReferences(expected),
      ...diffModels(expected, actual, { statsBefore, statsAfter, onlyNamespaces: o.onlyNamespaces }),
    ];
    if (process.env.SETTLE_DEBUG && diffs.length) console.log(`settle: ${Date.now() - t0} ms\n${diffs.slice(0, 5).map((d) => `  ${d.path} ${JSON.stringify(d.expected)} ${JSON.stringify(d.actual)}`).join('\n')}`);
    if (diffs.length === 0 || Date.now() - t0 > o.settleMs) return diffs;
    await sleep(100);
  }
}
