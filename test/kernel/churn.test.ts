// Churn: thousands of link add/delete events in a few seconds while the engine listens with an
// event socket buffer far too small for them, so the kernel drops messages (ENOBUFS). The engine
// must notice, re-read the namespace, and end up exactly equal to what `ip` says. Addresses and
// their prefix routes churn on the links that stay.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip, ipAsync } from '../helpers/ip';
import { listWorldNamespaces } from '../helpers/iproute';
import { diffModels, formatDifferences } from '../helpers/model-diff';
import { compareSettled } from '../helpers/settle';
import { startEngine, type EngineUnderTest } from '../helpers/engine-under-test';

const NAMESPACES = ['churn0', 'churn1'];
const PAIRS = 1000;        // per namespace: 1,000 veth pairs added, 900 deleted = 3,800 link events
const KEEP_EVERY = 10;     // every tenth pair stays, so the final model is not just empty
const ADDRS_PER_KEPT = 10; // and gets 10 IPv4 addresses (each with its prefix route), 5 deleted again
/** Small enough that a burst of RTM_NEWLINKs overflows it (the kernel doubles the value). */
const RCVBUF = 4096;

/** `ip -n NS -batch -` fed from stdin, asynchronously, so both namespaces churn at once. */
async function churn(ns: string, lines: string[]): Promise<void> {
  await ipAsync({ input: lines.join('\n') + '\n' }, '-n', ns, '-batch', '-');
}

function churnLines(prefix: string): string[] {
  const lines: string[] = [];
  // Waves of 50 pairs: added (in device group 7), every KEEP_EVERY-th taken out of the group and
  // set up, then the rest deleted at once with `link del group 7` — one unregister batch, so the
  // deletions are as fast as the additions (one by one, each would wait for an RCU grace period).
  for (let w = 0; w < PAIRS; w += 50) {
    for (let i = w; i < w + 50; i++) lines.push(`link add ${prefix}a${i} group 7 type veth peer name ${prefix}b${i} group 7`);
    for (let i = w; i < w + 50; i += KEEP_EVERY) {
      lines.push(`link set dev ${prefix}a${i} group 0`, `link set dev ${prefix}b${i} group 0`, `link set dev ${prefix}a${i} up`);
      // Address (and prefix route) churn on the kept, up end: ADDRS_PER_KEPT added, half deleted.
      for (let k = 0; k < ADDRS_PER_KEPT; k++) lines.push(`addr add 10.${(i % 200) + 1}.${k}.1/24 dev ${prefix}a${i}`);
      for (let k = 0; k < ADDRS_PER_KEPT; k += 2) lines.push(`addr del 10.${(i % 200) + 1}.${k}.1/24 dev ${prefix}a${i}`);
    }
    lines.push('link del group 7');
  }
  return lines;
}

describeKernel('churn: thousands of link events through a tiny socket buffer', () => {
  let engine: EngineUnderTest;
  beforeAll(async () => {
    for (const n of NAMESPACES) ip('netns', 'add', n);
    engine = await startEngine({ rcvbuf: RCVBUF });
    await engine.engine?.waitFor((m) => NAMESPACES.every((n) => m.namespaces.some((x) => x.name === n)));
  });
  afterAll(async () => {
    await engine?.close();
    for (const n of NAMESPACES) { try { ip('netns', 'del', n); } catch { /* gone */ } }
  });

  it(`${NAMESPACES.length} x ${PAIRS} veth pairs added and deleted: resync happens and the model ends exact`, async () => {
    let resyncNotices = 0;
    engine.engine?.on('resync', () => { resyncNotices++; });
    const t0 = Date.now();
    await Promise.all(NAMESPACES.map((n, i) => churn(n, churnLines(`c${i}`))));
    const churnMs = Date.now() - t0;
    const ids = new Set(listWorldNamespaces().filter((n) => n.ref.kind === 'named' && NAMESPACES.includes(n.ref.name)).map((n) => n.id));
    expect(ids.size).toBe(NAMESPACES.length);
    const diffs = await compareSettled(() => engine.model(), { settleMs: 10_000, samplePeriodMs: 100, onlyNamespaces: ids });
    const events = NAMESPACES.length * (2 * PAIRS + 2 * (PAIRS - PAIRS / KEEP_EVERY));
    const addrEvents = NAMESPACES.length * (PAIRS / KEEP_EVERY) * ADDRS_PER_KEPT * 1.5;
    console.log(`churn: ${events} link add/delete events and ${addrEvents} address add/delete events in ${churnMs} ms; ` +
      `resync signals ${engine.resyncEvents()}, engine re-reads ${engine.redumps()}` +
      (engine.engine ? `; ${JSON.stringify(engine.engine.stats())}` : ''));
    expect(formatDifferences(diffs)).toBe('');
    // A client that followed the delta stream through all of it holds the same model.
    const mirror = engine.mirror();
    if (mirror && engine.engine) {
      expect(mirror.problems).toEqual([]);
      expect(formatDifferences(diffModels(engine.engine.model(), mirror.model))).toBe('');
    }
    // The buffer really overflowed, and the engine answered by re-reading.
    expect(engine.resyncEvents()).toBeGreaterThan(0);
    expect(engine.redumps()).toBeGreaterThan(0);
    if (engine.engine) expect(resyncNotices).toBe(engine.resyncEvents()); // the public 'resync' event
    // What stayed: KEEP_EVERY-th pairs, both ends, in each namespace.
    const m = await engine.model();
    for (const id of ids) {
      const ns = m.namespaces.find((x) => x.id === id)!;
      expect(ns.interfaces.filter((i) => i.kind === 'veth').length).toBe((PAIRS / KEEP_EVERY) * 2);
      expect(ns.interfaces.reduce((n, i) => n + i.addresses.filter((a) => a.startsWith('10.')).length, 0))
        .toBe((PAIRS / KEEP_EVERY) * ADDRS_PER_KEPT / 2);
    }
  }, 60_000);
});
