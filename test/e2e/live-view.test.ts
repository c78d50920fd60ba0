// End to end, in the throwaway world: `vnet-studio serve` (real engine, real kernel) and the real
// renderer in Debian's Chromium. The article's bridge picture is built with `ip`; what the page shows
// is checked through the renderer's DOM hooks (data-testid / data-* attributes). Needs `npm run
// build` first (npm test does it).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { describeKernel } from '../helpers/world';
import { ip } from '../helpers/ip';
import { launchChromium, openApp, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts');
const nsId = (name: string) => `ns:${fs.statSync(`/run/netns/${name}`).ino}`;

let serve: Served | null = null;
let url = '';
let browser: Browser | null = null;
let page: Page;

/** The interface node of `name` in namespace `ns` (a locator). */
const ifNode = (name: string, ns: string) => page.locator(`[data-testid="if-${name}"][data-if-ns="${ns}"]`);
async function packets(name: string, ns: string): Promise<number> {
  const node = ifNode(name, ns);
  const rx = Number(await node.locator('[data-testid="rx-packets"]').getAttribute('data-value'));
  const tx = Number(await node.locator('[data-testid="tx-packets"]').getAttribute('data-value'));
  return rx + tx;
}

describeKernel('live view in the browser (serve + engine + renderer, real kernel)', () => {
  beforeAll(async () => {
    // The article's bridge joining two namespaces: ns1/eth0 <-> veth1 -- br0 -- veth2 <-> ns2/eth0.
    ip('netns', 'add', 'ns1');
    ip('netns', 'add', 'ns2');
    ip('link', 'add', 'br0', 'type', 'bridge');
    ip('addr', 'add', '10.0.0.254/24', 'dev', 'br0');
    ip('link', 'set', 'br0', 'up');
    for (const [n, ns] of [[1, 'ns1'], [2, 'ns2']] as const) {
      ip('link', 'add', `veth${n}`, 'type', 'veth', 'peer', 'name', `eth0-${ns}`);
      ip('link', 'set', `eth0-${ns}`, 'netns', ns);
      ip('-n', ns, 'link', 'set', `eth0-${ns}`, 'name', 'eth0');
      ip('-n', ns, 'addr', 'add', `10.0.0.${n}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('link', 'set', `veth${n}`, 'master', 'br0');
      ip('link', 'set', `veth${n}`, 'up');
    }
    serve = await startServe();
    url = serve.url;
    browser = await launchChromium();
    page = browser.page;
    // The strict CSP must not get in the renderer's way: openApp counts a violation as an error.
    expect(await openApp(page, url)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const args of [['netns', 'del', 'ns1'], ['netns', 'del', 'ns2'], ['link', 'del', 'br0'], ['link', 'del', 'veth1'], ['link', 'del', 'veth2']]) {
      try { ip(...args); } catch { /* already gone */ }
    }
  });

  it('shows the namespaces as boxes, the interfaces as nodes, and the veth and bridge-port edges', async () => {
    const host = await page.locator('[data-testid="ns-host"]').getAttribute('data-ns-id');
    const ns1 = nsId('ns1'), ns2 = nsId('ns2');
    for (const [name, id] of [['ns1', ns1], ['ns2', ns2]]) {
      const box = page.locator(`[data-testid="ns-${name}"]`);
      await box.waitFor({ timeout: 20_000 });
      expect(await box.getAttribute('data-ns-id')).toBe(id);
      expect(await box.getAttribute('data-ns-kind')).toBe('named');
    }
    expect(await page.locator('[data-testid="ns-host"]').getAttribute('data-ns-kind')).toBe('host');

    const expectNode = async (name: string, ns: string, kind: string, address: string | null) => {
      const node = ifNode(name, ns);
      await node.waitFor({ timeout: 20_000 });
      expect(await node.getAttribute('data-if-kind'), name).toBe(kind);
      if (address) await expect.poll(() => node.innerText(), { timeout: 10_000 }).toContain(address);
      return (await node.getAttribute('data-if-id'))!;
    };
    const br0 = await expectNode('br0', host!, 'bridge', '10.0.0.254/24');
    const veth1 = await expectNode('veth1', host!, 'veth', null);
    const veth2 = await expectNode('veth2', host!, 'veth', null);
    const eth1 = await expectNode('eth0', ns1, 'veth', '10.0.0.1/24');
    const eth2 = await expectNode('eth0', ns2, 'veth', '10.0.0.2/24');

    const edgeBetween = async (kind: string, a: string, b: string) => {
      const sel = `[data-edge-kind="${kind}"][data-source="${a}"][data-target="${b}"], [data-edge-kind="${kind}"][data-source="${b}"][data-target="${a}"]`;
      await expect.poll(() => page.locator(sel).count(), { timeout: 10_000, message: `${kind} edge ${a} — ${b}` }).toBe(1);
    };
    await edgeBetween('veth', eth1, veth1);
    await edgeBetween('veth', eth2, veth2);
    await edgeBetween('port', veth1, br0);
    await edgeBetween('port', veth2, br0);
    // Exactly the picture around what we built (the world's host namespace may hold devices other
    // test files made, so only our part is counted): lo + eth0 in each box; br0 has exactly two
    // ports; each eth0 has exactly one edge (its veth peer).
    for (const ns of [ns1, ns2]) expect(await page.locator(`[data-testid^="if-"][data-if-ns="${ns}"]`).count()).toBe(2);
    expect(await page.locator(`[data-edge-kind="port"][data-target="${br0}"]`).count()).toBe(2);
    for (const e of [eth1, eth2]) expect(await page.locator(`[data-source="${e}"], [data-target="${e}"]`).count()).toBe(1);
    // And no edge that the picture does not have (e.g. the two eth0s joined directly).
    expect(await page.locator(`[data-source="${eth1}"][data-target="${eth2}"], [data-source="${eth2}"][data-target="${eth1}"]`).count()).toBe(0);
  });

  it('a ping between the namespaces makes the counters on both veth ends and the bridge go up', async () => {
    const host = (await page.locator('[data-testid="ns-host"]').getAttribute('data-ns-id'))!;
    const ns1 = nsId('ns1'), ns2 = nsId('ns2');
    const ends: [string, string][] = [['eth0', ns1], ['veth1', host], ['veth2', host], ['eth0', ns2]];
    const before = new Map<string, number>();
    for (const [n, ns] of [...ends, ['br0', host] as [string, string]]) before.set(`${ns}/${n}`, await packets(n, ns));
    const out = execFileSync('ip', ['netns', 'exec', 'ns1', 'ping', '-c', '5', '-i', '0.2', '10.0.0.2']).toString();
    expect(out).toMatch(/5 received/);
    // 5 requests and 5 replies cross every veth end: rx+tx grows by at least 10 on each.
    for (const [n, ns] of ends) {
      await expect.poll(async () => (await packets(n, ns)) - before.get(`${ns}/${n}`)!, { timeout: 15_000, message: `${n} in ${ns}` })
        .toBeGreaterThanOrEqual(10);
    }
    // The bridge device itself sees the ARP broadcast (and anything for its own address).
    await expect.poll(async () => (await packets('br0', host)) - before.get(`${host}/br0`)!, { timeout: 15_000, message: 'br0' })
      .toBeGreaterThan(0);
    // The artifact: the diagram while traffic flows (busy edges and non-zero rates on screen).
    fs.mkdirSync(artifacts, { recursive: true });
    await page.locator('[data-testid="fit-view"]').click();
    const busy = spawn('ip', ['netns', 'exec', 'ns2', 'ping', '-q', '-c', '150', '-i', '0.02', '10.0.0.1'], { stdio: 'ignore' });
    const busyDone = new Promise((r) => busy.once('exit', r));
    await expect.poll(async () => Number(await ifNode('veth1', host).getAttribute('data-level')), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(400); // a few frames at a steady rate, for the picture
    await page.screenshot({ path: path.join(artifacts, 'live-view.png') });
    await busyDone;
  });

  it('an interface added, renamed and deleted from the shell appears, changes and vanishes', async () => {
    const ns1 = nsId('ns1');
    // (a bridge: the dummy module is not available on every kernel)
    ip('-n', 'ns1', 'link', 'add', 'e2e-added', 'type', 'bridge');
    const added = ifNode('e2e-added', ns1);
    await added.waitFor({ timeout: 15_000 });
    const id = await added.getAttribute('data-if-id');
    expect(await added.getAttribute('data-if-kind')).toBe('bridge');
    ip('-n', 'ns1', 'link', 'set', 'e2e-added', 'name', 'e2e-renamed');
    const renamed = ifNode('e2e-renamed', ns1);
    await renamed.waitFor({ timeout: 15_000 });
    expect(await renamed.getAttribute('data-if-id')).toBe(id); // the same interface, renamed
    await added.waitFor({ state: 'detached', timeout: 15_000 });
    ip('-n', 'ns1', 'link', 'set', 'e2e-renamed', 'up');
    await expect.poll(() => renamed.getAttribute('data-state'), { timeout: 15_000 }).not.toBe('down');
    ip('-n', 'ns1', 'link', 'del', 'e2e-renamed');
    await renamed.waitFor({ state: 'detached', timeout: 15_000 });
    expect(await page.locator(`[data-if-id="${id}"]`).count()).toBe(0);
  });

  it('a point-to-point address shows with its peer, as `ip address` writes it, on the node and in the inspector', async () => {
    const ns1 = nsId('ns1');
    ip('-n', 'ns1', 'link', 'add', 'e2e-p2p', 'type', 'bridge');
    ip('-n', 'ns1', 'addr', 'add', '10.8.0.1', 'peer', '10.8.0.2/32', 'dev', 'e2e-p2p');
    try {
      const node = ifNode('e2e-p2p', ns1);
      await node.waitFor({ timeout: 15_000 });
      await expect.poll(() => node.locator('.addr').allInnerTexts(), { timeout: 10_000 }).toEqual(['10.8.0.1 peer 10.8.0.2/32']);
      // the search brings the node into view (the view moves for 400 ms), then it is selected
      await page.locator('[data-testid="search"]').fill('e2e-p2p');
      await page.locator('[data-testid="search"]').press('Enter');
      await page.waitForTimeout(600);
      await page.locator('[data-testid="search"]').fill('');
      await node.click();
      await expect.poll(() => page.locator('[data-testid="if-addresses"] td').innerText(), { timeout: 10_000 }).toBe('10.8.0.1 peer 10.8.0.2/32');
    } finally {
      ip('-n', 'ns1', 'link', 'del', 'e2e-p2p');
    }
    await ifNode('e2e-p2p', ns1).waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('when the engine dies, the host restarts it, the page says so and keeps following the kernel', async () => {
    // Record every value the status bar's data-engine takes (the outage may be shorter than a poll).
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="status"]')!;
      const seen: string[] = [];
      (window as unknown as { __engineSeen: string[] }).__engineSeen = seen;
      new MutationObserver(() => seen.push(el.getAttribute('data-engine') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-engine'] });
    });
    const enginePid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(serve!.proc.pid)]).toString().trim().split(/\s+/)[0]);
    expect(enginePid).toBeGreaterThan(0);
    process.kill(enginePid, 'SIGKILL');
    await expect.poll(() => page.evaluate(() => (window as unknown as { __engineSeen: string[] }).__engineSeen.join(',')), { timeout: 20_000 })
      .toMatch(/false.*true/);
    await expect.poll(() => serve!.stderr(), { timeout: 5_000 }).toMatch(/engine exited \(SIGKILL\); restarting/);
    const newPid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(serve!.proc.pid)]).toString().trim().split(/\s+/)[0]);
    expect(newPid).not.toBe(enginePid);
    // The new engine's changes reach the page (it took a fresh snapshot and follows the new deltas).
    const ns2 = nsId('ns2');
    ip('-n', 'ns2', 'link', 'add', 'after-restart', 'type', 'bridge');
    await ifNode('after-restart', ns2).waitFor({ timeout: 15_000 });
    ip('-n', 'ns2', 'link', 'del', 'after-restart');
    await ifNode('after-restart', ns2).waitFor({ state: 'detached', timeout: 15_000 });
    expect(await ifNode('eth0', nsId('ns1')).count()).toBe(1);
  });

  it('refuses requests without the token (HTTP and WebSocket), in a fresh browser too', async () => {
    const base = url.replace(/\?token=.*$/, '');
    const status = await new Promise<number>((resolve, reject) => {
      http.get(base, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject);
    });
    expect(status).toBe(403);
    // A second browser without the cookie or token. (A persistent context has no browser() to
    // open a fresh context from: this used to be skipped silently.)
    const fresh = await launchChromium();
    try {
      expect((await fresh.page.goto(base))?.status()).toBe(403);
    } finally { await fresh.close(); }
    const u = new URL(url);
    const wsStatus = await new Promise<number | null>((resolve) => {
      const ws = new WebSocket(`ws://${u.host}/ws`, { headers: { Origin: `http://${u.host}` } });
      ws.on('unexpected-response', (_q, res) => { resolve(res.statusCode ?? null); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', () => resolve(null));
    });
    expect(wsStatus).toBe(403);
    // And a page on another origin cannot open the engine's socket even with the token.
    const foreign = await new Promise<number | null>((resolve) => {
      const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`, { headers: { Origin: 'http://evil.example' } });
      ws.on('unexpected-response', (_q, res) => { resolve(res.statusCode ?? null); ws.terminate(); });
      ws.on('open', () => { resolve(101); ws.close(); });
      ws.on('error', () => resolve(null));
    });
    expect(foreign).toBe(403);
  });
});
