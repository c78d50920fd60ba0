// Differential test: on randomized topologies, the engine's model must equal what iproute2 says
// (`ip -j -s -d link`, `ip -j addr`, `ip -j route`, `ip -j -6 route`, `ip -j netns list-id`, and
// `bridge -j -s fdb show` for every bridge's forwarding table) in every namespace of the world,
// field by field. Bridges learn their ports' peers from the IPv6 chatter of links going up while
// the comparison runs (the default ageing time, 300 s, outlasts it): model-diff.ts says how the
// tables and their ages are compared.
//
// Reproduce a failure: DIFF_SEED=<seed printed> DIFF_COUNT=1 scripts/world.sh npx vitest run test/kernel/differential.test.ts
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { MAIN_TABLE, type Model } from '../../electron/contract';
import { inNs, listWorldNamespaces, readWorld, type IpLink } from '../helpers/iproute';
import { bridge, ipJson } from '../helpers/ip';
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

/** Entries added by hand to every bridge port of the world, one state after another, so every
 *  topology with a bridge port has tables with each state to compare: `use` has the bridge learn
 *  the address as from a frame on that port (a learned entry, ageing; only on a port that is up
 *  and forwarding: elsewhere the kernel ignores it), `static`, `permanent`. Returns how many. */
function addFdbEntries(seed: number): number {
  const states = ['use', 'static', 'permanent'];
  let k = 0;
  for (const ns of listWorldNamespaces()) {
    let links: IpLink[];
    try { links = ipJson<IpLink[]>(...inNs(ns.ref, '-d', 'link', 'show')); } catch { continue; }
    for (const l of links) {
      if (l.linkinfo?.info_slave_kind !== 'bridge') continue;
      const n = (seed * 7 + k) % 0xffff;
      const mac = `0a:f0:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
      bridge(...inNs(ns.ref, 'fdb', 'add', mac, 'dev', l.ifname, 'master', states[k % states.length]));
      k++;
    }
  }
  return k;
}

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
    // a bridge's table: an entry on another port, and a refresh placed later than the kernel's
    const withBridge: Model = JSON.parse(JSON.stringify(model));
    const t = Date.now();
    withBridge.namespaces[0].interfaces.push({ ...withBridge.namespaces[0].interfaces[0], id: `${host.id}/if:9999`, index: 9999, name: 'brx', kind: 'bridge', fdb: [
      { mac: '0a:00:00:00:00:01', vlan: null, port: `${host.id}/if:9998`, state: 'learned', ageSeconds: 30, readAt: t },
    ] });
    const fdbBad: Model = JSON.parse(JSON.stringify(withBridge));
    const entry = fdbBad.namespaces[0].interfaces.at(-1)!.fdb![0];
    expect(diffModels(withBridge, fdbBad)).toEqual([]);
    entry.ageSeconds = 1; entry.readAt = t - 1000;
    expect(diffModels(withBridge, fdbBad).map((d) => d.path)).toEqual([`ns host (${host.id})/if brx (#9999)/fdb/0a:00:00:00:00:01 on ${host.id}/if:9998 learned/age`]);
    entry.ageSeconds = 40; entry.port = `${host.id}/if:9997`;
    expect(diffModels(withBridge, fdbBad).map((d) => d.path)).toEqual([`ns host (${host.id})/if brx (#9999)/fdb`]);
  });

  it(`${COUNT} random topologies (base seed ${BASE_SEED})`, async () => {
    console.log(`differential: base seed ${BASE_SEED}, ${COUNT} topologies (DIFF_SEED=${BASE_SEED} to repeat)`);
    const failures: string[] = [];
    const phases = { build: 0, compare: 0, fresh: 0, destroy: 0 };
    const plans: TopologyPlan[] = [];
    const fdbSeen = { learned: 0, other: 0 };
    for (let i = 0; i < COUNT; i++) {
      const seed = BASE_SEED + i;
      const plan = generateTopology(seed, `d${i % 100}`);
      plans.push(plan);
      let t = performance.now();
      const lap = (k: keyof typeof phases) => { const n = performance.now(); phases[k] += n - t; t = n; };
      const built = await buildTopology(plan);
      addFdbEntries(seed);
      lap('build');
      try {
        let diffs = await compareSettled(() => engine.model(), SETTLE);
        lap('compare');
        if (diffs.length === 0) {
          for (const ns of (await engine.model()).namespaces) {
            for (const e of ns.interfaces.flatMap((x) => x.fdb ?? [])) fdbSeen[e.state === 'learned' ? 'learned' : 'other']++;
          }
        }
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
    console.log(`differential: FDB entries held against bridge fdb: ${fdbSeen.learned} learned, ${fdbSeen.other} local/static`);
    console.log(`differential: time spent (ms) ${Object.entries(phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    expect(failures.join('\n\n')).toBe('');
    // And after the last cleanup the engine has let go of everything too.
    const diffs = await compareSettled(() => engine.model(), SETTLE);
    expect(formatDifferences(diffs)).toBe('');
  }, 170_000);
});
