// A dense host against iproute2: 320 pod-like namespaces (test/helpers/pods.ts: a process holding
// each, one veth to one bridge, an address inside), and the engine's model equals what ip says in
// 30 of them picked at random and in the bridge's namespace (whose 320 ports point into pods ip
// was not asked about: those peers are checked to point into one of the pods).
//
// Repeat a sample: SCALE_SEED=<seed printed> scripts/world.sh npx vitest run test/kernel/scale-differential.test.ts
import { afterAll, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { describeKernel, initNetns } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { hostInode, type WorldNs } from '../helpers/iproute';
import { killPods, makeBridge, startHolders, waitGone, wirePods, type Pod } from '../helpers/pods';
import { diffSample, diffSampleSettled } from '../helpers/sample-diff';
import { formatDifferences } from '../helpers/model-diff';
import { rng } from '../helpers/topology';
import { ip } from '../helpers/ip';
import { quiet } from '../helpers/processes';

const PODS = 320;
const SAMPLE = 30;
const SEED = Number(process.env.SCALE_SEED ?? (Date.now() % 1_000_000_000));
const inodeOf = (pid: number) => Number(/net:\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/net`))![1]);

describeKernel(`a dense host: ${PODS} pod namespaces, the model equals iproute2 in a sample`, () => {
  let e: Engine | undefined;
  let pods: Pod[] = [];
  afterAll(async () => {
    killPods(pods);
    await e?.stop();
    quiet(() => ip('link', 'del', 'sd0'));
    await waitGone(pods.map((p) => p.pid)).catch(() => {});
  });

  it(`${SAMPLE} random pods of ${PODS} and the bridge's namespace (seed ${SEED})`, async () => {
    makeBridge('sd0');
    e = await Engine.start({ sampleHz: 0, procEventsNetns: initNetns });
    // Half before the engine's first look, half while it watches.
    const half = PODS / 2;
    pods = await wirePods(await startHolders(half), 0, 'sd0', 2);
    pods.push(...await wirePods(await startHolders(PODS - half), half, 'sd0', 2));
    const podNs = new Map(pods.map((p) => [p.pid, inodeOf(p.pid)]));
    const ids = new Set([...podNs.values()].map((i) => `ns:${i}`));
    await e.waitFor((m) => [...ids].every((id) => m.namespaces.find((n) => n.id === id)?.interfaces.some((i) => i.name === 'eth0' && i.addresses.length > 0)), 30_000);
    const r = rng(SEED);
    const picked = new Set<number>();
    while (picked.size < SAMPLE) picked.add(Math.floor(r() * PODS));
    console.log(`scale differential: seed ${SEED} (SCALE_SEED=${SEED} to repeat), pods ${[...picked].sort((a, b) => a - b).join(' ')}`);
    const own: WorldNs = { ref: { kind: 'host' }, inode: hostInode(), id: `ns:${hostInode()}` };
    const sample: WorldNs[] = [own, ...[...picked].map((k) => {
      const p = pods[k]; const inode = podNs.get(p.pid)!;
      return { ref: { kind: 'process' as const, pid: p.pid }, inode, id: `ns:${inode}` };
    })];
    const diffs = await diffSampleSettled(() => e!.model(), sample, ids, 10_000);
    expect(diffs, formatDifferences(diffs)).toEqual([]);
    // The comparison itself sees a wrong field in a sampled pod and a peer pointing outside the pods.
    const m = e.model();
    const broken = JSON.parse(JSON.stringify(m)) as typeof m;
    broken.namespaces.find((n) => n.id === sample[1].id)!.interfaces.find((i) => i.name === 'eth0')!.mtu += 1;
    const port = broken.namespaces.find((n) => n.id === own.id)!.interfaces.find((i) => i.name === 'vh0')!;
    port.peer = `${own.id}/if:1`;
    // The peer is reported by the pods check (`<id>/peer`) or, when the namespace it names is among
    // the pods', by the field comparison (`ns host (…)/if vh0 (#N)/peer`): either way, found.
    const paths = diffSample(broken, sample, ids).map((d) => d.path);
    expect(paths.filter((p) => /eth0.*\/mtu$/.test(p))).toHaveLength(1);
    expect(paths.filter((p) => p === `${port.id}/peer` || new RegExp(`/if vh0 \\(#${port.index}\\)/peer$`).test(p)).length).toBeGreaterThanOrEqual(1);
    // Every pod is there, labelled by its holder.
    for (const p of pods) expect(m.namespaces.find((n) => n.inode === podNs.get(p.pid))?.label).toBe(`pid ${p.pid} (sleep)`);
  }, 90_000);
});
