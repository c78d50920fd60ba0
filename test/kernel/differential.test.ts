// Differential test: on randomized topologies, the engine's model must equal what iproute2 says
// (`ip -j -s -d link`, `ip -j addr`, `ip -j route`, `ip -j -6 route`, `ip -j netns list-id`) in
// every namespace of the world, field by field.
//
// Reproduce a failure: DIFF_SEED=<seed printed> DIFF_COUNT=1 scripts/world.sh npx vitest run test/kernel/differential.test.ts
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { MAIN_TABLE, type Model } from '../../electron/contract';
import { readWorld } from '../helpers/iproute';
import { compareSettled } from '../helpers/settle';
import { diffModels, formatDifferences } from '../helpers/model-diff';
import { buildTopology, coverage, describeTopology, destroyTopology, generateTopology, hostBaseline, type HostBaseline, type TopologyPlan } from '../helpers/topology';
import { startEngine, type EngineUnderTest } from '../helpers/engine-under-test';

const COUNT = Number(process.env.DIFF_COUNT ?? 50);
const BASE_SEED = Number(process.env.DIFF_SEED ?? (Date.now() % 1_000_000_000));
/** DIFF_KEEP_GOING=1: list every failing topology instead of stopping at the first. */
const KEEP_GOING = process.env.DIFF_KEEP_GOING === '1';
/** Give the engine this long to catch up with the kernel before a difference counts (events are
 *  asynchronous; IPv6 link-local addresses and routes come a little after a link goes up). */
const SETTLE_MS = 5000;
const SAMPLE_HZ = 20;
const SETTLE = { settleMs: SETTLE_MS, samplePeriodMs: 1000 / SAMPLE_HZ };

describeKernel('differential: the engine model equals iproute2 on random topologies', () => {
  let engine: EngineUnderTest;
  let baseline: HostBaseline;

  beforeAll(async () => {
    baseline = hostBaseline();
    engine = await startEngine({ sampleHz: SAMPLE_HZ });
  });
  afterAll(async () => { await engine?.close(); });

  it('the comparison itself catches a wrong field, a missing interface and a wrong route', () => {
    const { model } = readWorld();
    expect(diffModels(model, model)).toEqual([]);
    const bad: Model = JSON.parse(JSON.stringify(model));
    const host = bad.namespaces[0];
    host.interfaces[0].mtu += 1;
    const diffs = diffModels(model, bad);
    expect(diffs.map((d) => d.path)).toEqual([`ns host (${host.id})/if ${host.interfaces[0].name} (#${host.interfaces[0].index})/mtu`]);
    bad.namespaces[0].interfaces.pop();
    bad.namespaces[0].routes.push({ dst: '10.99.0.0/24', gateway: null, dev: null, family: 4, table: MAIN_TABLE, protocol: 'boot', scope: 'link', metric: null, type: 'unicast' });
    expect(diffModels(model, bad).length).toBeGreaterThanOrEqual(2);
    // a point-to-point peer the other side lacks, and an empty peers object where there are none
    const ptp: Model = JSON.parse(JSON.stringify(model));
    const lo = ptp.namespaces[0].interfaces[0];
    lo.peers = { '10.255.0.1/32': '10.255.0.2/32' };
    const loPath = `ns host (${host.id})/if ${lo.name} (#${lo.index})/peers`;
    expect(diffModels(model, ptp).map((d) => d.path)).toEqual([loPath]);
    lo.peers = {};
    expect(diffModels(model, ptp).map((d) => d.path)).toEqual([loPath]);
  });

  it(`${COUNT} random topologies (base seed ${BASE_SEED})`, async () => {
    console.log(`differential: base seed ${BASE_SEED}, ${COUNT} topologies (DIFF_SEED=${BASE_SEED} to repeat)`);
    const failures: string[] = [];
    const phases = { build: 0, compare: 0, fresh: 0, destroy: 0 };
    const plans: TopologyPlan[] = [];
    for (let i = 0; i < COUNT; i++) {
      const seed = BASE_SEED + i;
      const plan = generateTopology(seed, `d${i % 100}`);
      plans.push(plan);
      let t = performance.now();
      const lap = (k: keyof typeof phases) => { const n = performance.now(); phases[k] += n - t; t = n; };
      const built = await buildTopology(plan);
      lap('build');
      try {
        let diffs = await compareSettled(() => engine.model(), SETTLE);
        lap('compare');
        let which = 'the running engine (events)';
        const mirror = engine.mirror();
        if (diffs.length === 0 && mirror && engine.engine) {
          // What a client holds (first snapshot + every delta and counter frame) equals the engine's model.
          diffs = [
            ...mirror.problems.map((p) => ({ path: 'delta stream', expected: 'consistent', actual: p })),
            ...diffModels(engine.engine.model(), mirror.model),
          ];
          which = 'a client\'s copy built from the delta stream (expected = the engine\'s own model)';
        }
        if (diffs.length === 0 && i % 10 === 0) {
          // Every tenth topology also through a fresh engine's first dump.
          const fresh = await startEngine({ sampleHz: SAMPLE_HZ });
          try { diffs = await compareSettled(() => fresh.model(), SETTLE); } finally { await fresh.close(); }
          which = 'a freshly started engine (dump)';
          lap('fresh');
        }
        if (diffs.length) {
          const msg = `topology ${i} (seed ${seed}) differs from iproute2 in ${which}:\n${formatDifferences(diffs)}`;
          if (KEEP_GOING) { failures.push(msg); continue; }
          throw new Error(`topology ${i} (seed ${seed}) differs from iproute2 in ${which}:\n` +
            `${formatDifferences(diffs)}\n\nbuilt with:\n${describeTopology(plan)}\n` +
            `repeat: DIFF_SEED=${seed} DIFF_COUNT=1 scripts/world.sh npx vitest run test/kernel/differential.test.ts`);
        }
      } finally {
        await destroyTopology(built, baseline);
        lap('destroy');
      }
    }
    console.log(`differential: covered ${coverage(plans)}`);
    console.log(`differential: time spent (ms) ${Object.entries(phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    expect(failures.join('\n\n')).toBe('');
    // And after the last cleanup the engine has let go of everything too.
    const diffs = await compareSettled(() => engine.model(), SETTLE);
    expect(formatDifferences(diffs)).toBe('');
  }, 170_000);
});
