// Pod churn on a dense host: pod-like namespaces (test/helpers/pods.ts: a process holding a
// namespace, one veth each to one bridge) made and ended at 50 a second for 10 s while an engine
// watches. At the end the model equals iproute2 in the test's namespace, no pod namespace or
// interface is left in it, and the engine has as many threads and descriptors as before. `npm test`
// runs this file in both worlds: with the kernel's process events (VNET_WORLD_PIDS=host: targeted
// passes, full ones at most 4 a second) and without (periodic and triggered full rescans).
import { afterAll, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { describeKernel, hostPidsWorld, initNetns } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { hostInode } from '../helpers/iproute';
import { killPods, makeBridge, startHolders, waitGone, wirePods, type Pod } from '../helpers/pods';
import { diffSampleSettled } from '../helpers/sample-diff';
import { formatDifferences } from '../helpers/model-diff';
import { ip } from '../helpers/ip';
import { quiet } from '../helpers/processes';

const RATE = 50;          // pods made (and as many ended) per second
const SECONDS = 10;
const TICK_MS = 100;
const LIVE = 25;          // pods alive at a time once the churn runs
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (dir: string) => fs.readdirSync(dir).length;

describeKernel('pod churn: 50 pod namespaces a second made and ended for 10 s', () => {
  let e: Engine | undefined;
  const all: Pod[] = [];
  afterAll(async () => { killPods(all); await e?.stop(); quiet(() => ip('link', 'del', 'pc0')); });

  it('the model ends exact, nothing is left behind, no thread or descriptor leaks', async () => {
    makeBridge('pc0');
    e = await Engine.start({ sampleHz: 10, procEventsNetns: initNetns });
    expect(e.discoveryMode().procEvents).toBe(hostPidsWorld);
    const own = `ns:${hostInode()}`;
    await e.waitIdle(100);
    // Descriptors: each open namespace holds three (namespace, request and event sockets); in the
    // machine's pid namespace other namespaces may come and go meanwhile, so those are counted out.
    const openNs = () => e!.model().namespaces.filter((n) => !n.error).length;
    const before = { tasks: count('/proc/self/task'), fds: count('/proc/self/fd') - 3 * openNs() };
    const stats0 = e.stats(); const statsFrom = Date.now();
    let maxPods = 0;
    const seenPods = () => { maxPods = Math.max(maxPods, e!.model().namespaces.filter((n) => all.some((p) => p && n.pids.includes(p.pid))).length); };

    const perTick = (RATE * TICK_MS) / 1000;
    const live: Pod[] = [];
    const t0 = Date.now();
    // Ticks start on schedule, several in flight (one takes longer than a tick on a small machine).
    const inFlight = new Set<Promise<void>>();
    // Made for SECONDS of wall time (a loaded machine makes fewer, not the test longer).
    for (let tick = 0; Date.now() - t0 < SECONDS * 1000; tick++) {
      while (inFlight.size >= 4) await Promise.race(inFlight);
      const first = all.length; all.length += perTick; // numbers reserved now, filled in below
      const p: Promise<void> = (async () => {
        const pods = await wirePods(await startHolders(perTick), first, 'pc0', 1);
        all.splice(first, perTick, ...pods);
        live.push(...pods);
        if (live.length > LIVE) killPods(live.splice(0, live.length - LIVE));
      })().finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (tick % 10 === 0) seenPods();
      const wait = t0 + (tick + 1) * TICK_MS - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(inFlight);
    const churnSecs = (Date.now() - t0) / 1000;
    killPods(live);
    await waitGone(all.map((p) => p.pid));
    const podIds = new Set<string>();
    // The model: none of the pods' namespaces, no port left on the bridge, equal to ip here.
    await e.waitFor((m) => !m.namespaces.some((n) => n.pids.some((pid) => all.some((p) => p.pid === pid)))
      && !m.namespaces.find((n) => n.id === own)!.interfaces.some((i) => i.name.startsWith('vh')), 15_000);
    const diffs = await diffSampleSettled(() => e!.model(), [{ ref: { kind: 'host' }, inode: hostInode(), id: own }], podIds);
    expect(diffs, formatDifferences(diffs)).toEqual([]);
    expect(ip('-o', 'link', 'show', 'master', 'pc0').trim()).toBe('');

    const s = e.stats(); const statsSecs = (Date.now() - statsFrom) / 1000;
    const full = s.fullPasses - stats0.fullPasses; const targeted = s.targetedPasses - stats0.targetedPasses;
    console.log(`pod churn: ${all.length} pods made and ended in ${churnSecs.toFixed(1)} s (${(all.length / churnSecs).toFixed(0)}/s), `
      + `up to ${maxPods} at once in the model; ${full} full and ${targeted} targeted discovery passes in ${statsSecs.toFixed(1)} s, ${s.tunScans - stats0.tunScans} tun scans`);
    expect(all.length).toBeGreaterThanOrEqual(150); // a real churn even on a loaded machine (2 cores, shared)
    expect(maxPods).toBeGreaterThan(0);
    if (hostPidsWorld) {
      // Full passes come from the new nsids pods' veths bring (coalesced: a "soon" pass starts
      // 250 ms after the last ended), a pod's namespace gone while it was being opened, and the
      // 10 s backstop; pods' veths deleted with their namespaces ask for none. 2-5 a second
      // seen, 6 allowed. Not one per pod (500 here).
      expect(full).toBeLessThanOrEqual(Math.ceil(statsSecs * 6) + 8);
      expect(targeted).toBeGreaterThan(0);
    }

    // Threads and descriptors as before. Slack: libuv may start a pool thread on a first use of
    // a kind of work it had not seen (at most its 4), and child_process pipes of the last
    // spawns may still be closing (a few descriptors): neither grows with the churn.
    await e.waitIdle(200);
    await sleep(200);
    const after = { tasks: count('/proc/self/task'), fds: count('/proc/self/fd') - 3 * openNs() };
    console.log(`pod churn: threads ${before.tasks} → ${after.tasks}, descriptors (less 3 per open namespace) ${before.fds} → ${after.fds}`);
    expect(after.tasks).toBeLessThanOrEqual(before.tasks + 4);
    expect(after.fds).toBeLessThanOrEqual(before.fds + 4);
  }, 60_000);
});
