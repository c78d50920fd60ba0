// End to end on a dense host, in the throwaway world: 40 pod-like namespaces as a CNI leaves them
// (each held only by a process, `lo` and an `eth0` whose veth peer is a port of the bridge cni0),
// `vnet-studio serve` and the renderer in Debian's Chromium. The 40 alike pods are drawn as one
// group node; a ping between two pods shows in its summed rate and its top talkers; it expands into
// the 40 boxes and collapses back; the toolbar's search opens it on one pod's interface. Needs the
// renderer built into dist/renderer and the CLI compiled (`npm run build`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip } from '../helpers/ip';
import { launchChromium, openApp, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';

const N = 40;
const artifacts = path.resolve(__dirname, '../../test-artifacts');
const podAddr = (i: number) => `10.88.0.${i + 2}`; // cni0 is 10.88.0.1

let serve: Served | null = null;
let browser: Browser | null = null;
let page: Page;
let holders: ChildProcess[] = [];
const pids: number[] = [];
const podNs: string[] = []; // the engine's namespace id of pod i

const nsOf = (pid: number) => `ns:${fs.statSync(`/proc/${pid}/ns/net`).ino}`;
const inPod = (i: number, ...argv: string[]) => ['nsenter', `--net=/proc/${pids[i]}/ns/net`, ...argv];
function run(argv: string[], input?: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Polls `ok` (hooks cannot use expect.poll); throws `what` after `ms`. */
async function waitUntil(ok: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const group = () => page.locator('[data-testid="ns-group"]');
/** "fit": the whole picture in view (after a focus zoomed in), so what is clicked next is on screen. */
async function fit(): Promise<void> {
  await page.locator('[data-testid="fit-view"]').click();
  await page.waitForTimeout(500); // the view moves for 300 ms
}
/** Pod boxes on the canvas (whatever else the world holds). */
const podBoxes = () => page.locator(podNs.map((id) => `[data-testid^="ns-"][data-ns-id="${id}"]`).join(', '));

describeKernel('a dense host in the browser: alike pods drawn as one group (serve + engine + renderer, real kernel)', () => {
  beforeAll(async () => {
    const self = fs.readlinkSync('/proc/self/ns/net');
    for (let i = 0; i < N; i++) holders.push(spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' }));
    // unshare makes the namespace, then execs sleep: wait until every holder is in its own.
    for (const h of holders) {
      await waitUntil(() => { try { return fs.readlinkSync(`/proc/${h.pid}/ns/net`) !== self && fs.readFileSync(`/proc/${h.pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } },
        10_000, `pod holder ${h.pid} in a namespace of its own`);
      pids.push(h.pid!);
      podNs.push(nsOf(h.pid!));
    }
    // As a CNI does: the bridge, a veth per pod renamed eth0 inside it, the host end a port of cni0
    // (no IPv6 link-local, on the bridge either: its router solicitations and MLD reports would be
    // flooded to every port, and the pods would not be quiet before the ping).
    const lines = ['link add cni0 type bridge', 'link set cni0 addrgenmode none', 'addr add 10.88.0.1/16 dev cni0', 'link set cni0 up'];
    for (let i = 0; i < N; i++) lines.push(`link add vh${i} type veth peer name eth0 netns ${pids[i]}`, `link set vh${i} addrgenmode none`, `link set vh${i} master cni0 up`);
    run(['ip', '-batch', '-'], lines.join('\n') + '\n');
    for (let i = 0; i < N; i++) {
      run(inPod(i, 'ip', '-batch', '-'), `link set eth0 addrgenmode none\nlink set lo up\naddr add ${podAddr(i)}/16 dev eth0\nlink set eth0 up\n`);
    }
    serve = await startServe();
    browser = await launchChromium();
    page = browser.page;
    expect(await openApp(page, serve.url)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    const gone = holders.map((h) => (h.exitCode !== null || h.signalCode !== null ? null : new Promise((r) => h.once('exit', r))));
    for (const h of holders) h.kill('SIGKILL');
    await Promise.all(gone);
    try { ip('link', 'del', 'cni0'); } catch { /* already gone */ }
    // The kernel takes the veths away with their namespaces: wait, so the next file starts clean.
    await waitUntil(() => !/ vh\d+@/.test(run(['ip', '-o', 'link', 'show', 'type', 'veth'])), 60_000, 'the pods\' veths to go');
  });

  it('draws the 40 alike pods as one group node joined to cni0 by one edge, not as 40 boxes', async () => {
    await expect.poll(() => group().count(), { timeout: 20_000 }).toBe(1);
    expect(await group().getAttribute('data-count')).toBe(String(N));
    const title = await group().locator('[data-testid="group-title"]').innerText();
    const m = /^40 pods like pid (\d+) \(sleep\)$/.exec(title);
    expect(m, title).not.toBeNull();
    expect(pids).toContain(Number(m![1]));
    expect(await group().innerText()).toContain('eth0 (veth) → cni0');
    expect(await podBoxes().count()).toBe(0);
    // The host's 40 bridge ports are folded into the group; the bridge stays, with one edge to it.
    const host = (await page.locator('[data-testid="ns-host"]').getAttribute('data-ns-id'))!;
    const cni0 = page.locator(`[data-testid="if-cni0"][data-if-ns="${host}"]`);
    await cni0.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid^="if-vh"]').count()).toBe(0);
    const groupId = (await group().getAttribute('data-group-id'))!;
    const cni0Id = (await cni0.getAttribute('data-if-id'))!;
    const edges = page.locator(`[data-edge-kind="group"][data-source="${groupId}"]`);
    await expect.poll(() => edges.count(), { timeout: 10_000 }).toBe(1);
    expect(await edges.getAttribute('data-target')).toBe(cni0Id);
    expect(await page.locator(`[data-edge-kind="port"][data-target="${cni0Id}"]`).count()).toBe(0);
  });

  it('a ping between two pods makes the group\'s summed rate non-zero and puts them among its top talkers', async () => {
    await fit();
    const rates = group().locator('[data-testid="group-rates"]');
    const pps = async () => Number(await rates.getAttribute('data-rx-pps')) + Number(await rates.getAttribute('data-tx-pps'));
    await expect.poll(pps, { timeout: 15_000, message: 'the pods are quiet before the ping' }).toBe(0);
    const a = 3, b = 17;
    const argv = inPod(a, 'ping', '-q', '-c', '400', '-i', '0.02', podAddr(b));
    const ping = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    try {
      await expect.poll(pps, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(Number(await rates.getAttribute('data-tx-bps'))).toBeGreaterThan(0);
      const talkers = () => group().locator('[data-testid="group-talker"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ns-id')));
      await expect.poll(talkers, { timeout: 15_000 }).toEqual(expect.arrayContaining([podNs[a], podNs[b]]));
      // The aggregated edge shows the traffic too.
      await expect.poll(async () => Number(await page.locator('[data-edge-kind="group"]').getAttribute('data-level')), { timeout: 10_000 }).toBeGreaterThan(0);
      // The artifact: the folded picture while the two pods talk.
      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, 'dense-host.png') });
      // A top talker is clickable: the group opens on that pod's interface.
      const row = group().locator(`[data-testid="group-talker"][data-ns-id="${podNs[b]}"]`);
      const ifId = (await row.getAttribute('data-if-id'))!;
      await row.click();
      await page.locator(`[data-testid="inspector-iface"][data-if-id="${ifId}"]`).waitFor({ timeout: 15_000 });
      await page.locator(`[data-if-id="${ifId}"].if-node.selected`).waitFor({ timeout: 15_000 });
      await group().waitFor({ state: 'detached', timeout: 10_000 });
    } finally {
      ping.kill('SIGINT');
    }
    await fit();
    await page.locator(`[data-ns-id="${podNs[b]}"] [data-testid="collapse-group"]`).click();
    await group().waitFor({ timeout: 15_000 });
  });

  it('expands into the 40 member boxes and collapses back into one node', async () => {
    await fit();
    await group().locator('[data-testid="group-expand"]').click();
    await group().waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => podBoxes().count(), { timeout: 20_000 }).toBe(N);
    await page.locator('[data-testid="canvas"][data-layout="done"]').waitFor({ timeout: 30_000 });
    // Today's boxes: each pod with its eth0, its veth to a host end, the host ends ports of cni0.
    for (const i of [0, 39]) expect(await page.locator(`[data-testid="if-eth0"][data-if-ns="${podNs[i]}"]`).count()).toBe(1);
    await expect.poll(() => page.locator('[data-testid^="if-vh"]').count(), { timeout: 10_000 }).toBe(N);
    expect(await page.locator('[data-testid="collapse-group"]').count()).toBe(N);
    await fit();
    await page.locator(`[data-ns-id="${podNs[7]}"] [data-testid="collapse-group"]`).click();
    await group().waitFor({ timeout: 15_000 });
    await expect.poll(() => podBoxes().count(), { timeout: 10_000 }).toBe(0);
  });

  it('the toolbar turns grouping off (a namespace can still be folded alone), and the member threshold is adjustable', async () => {
    await page.locator('[data-testid="grouping"]').uncheck();
    await expect.poll(() => podBoxes().count(), { timeout: 20_000 }).toBe(N);
    expect(await group().count()).toBe(0);
    // One namespace folded on its own: a small node joined to cni0; unfolded, its box again.
    await page.locator('[data-testid="canvas"][data-layout="done"]').waitFor({ timeout: 30_000 });
    await fit();
    await page.locator(`[data-ns-id="${podNs[5]}"] [data-testid="fold-ns"]`).click();
    const folded = page.locator(`[data-testid="folded-ns"][data-ns-id="${podNs[5]}"]`);
    await folded.waitFor({ timeout: 15_000 });
    await expect.poll(() => podBoxes().count(), { timeout: 10_000 }).toBe(N - 1);
    expect(await folded.locator('[data-testid="group-title"]').innerText()).toBe(`pid ${pids[5]} (sleep)`);
    const foldId = (await folded.getAttribute('data-group-id'))!;
    await expect.poll(() => page.locator(`[data-edge-kind="group"][data-source="${foldId}"]`).count(), { timeout: 10_000 }).toBe(1);
    await fit();
    await folded.locator('[data-testid="group-expand"]').click();
    await expect.poll(() => podBoxes().count(), { timeout: 15_000 }).toBe(N);
    await page.locator('[data-testid="grouping"]').check();
    await group().waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="group-min"]').fill('41'); // more than there are pods
    await expect.poll(() => podBoxes().count(), { timeout: 20_000 }).toBe(N);
    await page.locator('[data-testid="group-min"]').fill('40');
    await group().waitFor({ timeout: 15_000 });
    expect(await podBoxes().count()).toBe(0);
    await page.locator('[data-testid="group-min"]').fill('8');
  });

  it('search finds one pod\'s interface inside the folded group, opens the group and selects it', async () => {
    const i = 25;
    await group().waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="search"]').fill(podAddr(i));
    await expect.poll(() => page.locator('[data-testid="search-count"]').innerText(), { timeout: 10_000 }).toBe('1 match');
    await page.locator('[data-testid="search"]').press('Enter');
    const node = page.locator(`[data-testid="if-eth0"][data-if-ns="${podNs[i]}"]`);
    await node.waitFor({ timeout: 20_000 });
    await expect.poll(() => node.getAttribute('class'), { timeout: 10_000 }).toMatch(/\bselected\b/);
    expect(await node.getAttribute('class')).toMatch(/\bsearch-hit\b/);
    const ifId = (await node.getAttribute('data-if-id'))!;
    await page.locator(`[data-testid="inspector-iface"][data-if-id="${ifId}"]`).waitFor({ timeout: 10_000 });
    expect(await group().count()).toBe(0);
    // by its holder's pid too (the namespace's label says it), after folding the group again
    await page.locator('[data-testid="search"]').fill('');
    await fit();
    await page.locator(`[data-ns-id="${podNs[i]}"] [data-testid="collapse-group"]`).click();
    await group().waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="search"]').fill(`pid ${pids[9]} (sleep)`);
    await expect.poll(() => page.locator('[data-testid="search-count"]').innerText(), { timeout: 10_000 }).toBe('1 match');
    await page.locator('[data-testid="search"]').press('Enter');
    await expect.poll(() => page.locator(`[data-testid="if-eth0"][data-if-ns="${podNs[9]}"]`).getAttribute('class'), { timeout: 20_000 }).toMatch(/\bselected\b/);
  });
});
