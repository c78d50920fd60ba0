// "Follow the next packet matching FILTER" and "where else was this packet seen" end to end, in
// the throwaway world: `vnet-studio serve` (real engine, real kernel, real capture sockets) and
// the real renderer in Debian's Chromium. Two namespaces through a bridge. The trace tab's form
// waits (its cancel ends the wait), the test makes the traffic with ping as a user would in a
// shell, and the timeline and the canvas show the hops the engine answered; a packet picked in
// the capture list is found on the capture's other interfaces and lit the same way. Needs `npm
// run build` first (npm test does it).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TraceResult } from '../../electron/contract';
import { CLI_PATH } from '../../electron/paths';
import { describeKernel } from '../helpers/world';
import { buildBridgeRooms, collectTraceAnswers } from '../helpers/bridge-rooms';
import { launchChromium, openApp, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';

const nsId = (name: string) => `ns:${fs.statSync(`/run/netns/${name}`).ino}`;
const NS1 = 'tfns1', NS2 = 'tfns2', BR = 'tfbr0';

const artifacts = path.resolve(__dirname, '../..', 'test-artifacts');
let page: Page;
const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const node = (ifId: string) => page.locator(`.if-node[data-if-id="${ifId}"]`);
const ifNode = (name: string, ns: string) => page.locator(`[data-testid="if-${name}"][data-if-ns="${ns}"]`);
const answers: TraceResult[] = [];
const panelState = () => byTestId('trace-panel').getAttribute('data-state');
const listed = () => page.locator('[data-testid="trace-hop"]').evaluateAll((els) => els.map((e) => ({
  id: e.getAttribute('data-if-id')!, where: e.getAttribute('data-where')!, direction: e.getAttribute('data-direction')!, leg: e.getAttribute('data-leg')!,
})));
const wanted = (r: TraceResult) => [...r.request.map((h) => ({ h, leg: 'request' })), ...r.reply.map((h) => ({ h, leg: 'reply' }))]
  .map(({ h, leg }) => ({ id: h.interface, where: h.where, direction: h.direction, leg }));

async function openTab(tab: 'trace' | 'packets', panel: string): Promise<void> {
  await byTestId(panel).waitFor({ state: 'attached' });
  for (let tries = 0; !(await byTestId(panel).isVisible()); tries++) {
    if (tries === 10) throw new Error(`the ${tab} tab did not open after 10 clicks`);
    await byTestId(`tab-${tab}`).click();
    await byTestId(panel).waitFor({ state: 'visible', timeout: 1_500 }).catch(() => undefined);
  }
}

/** Steps the timeline from its first hop to its last: each hop's interface lights up in turn. */
async function walk(hops: { id: string }[]): Promise<void> {
  await page.locator('[data-testid="trace-hop"]').first().click();
  for (let i = 0; i < hops.length; i++) {
    if (i > 0) await byTestId('trace-forward').click();
    await expect.poll(() => node(hops[i].id).getAttribute('data-trace')).toBe('current');
  }
}

describeKernel('following a matching packet and locating a captured one, in the browser (serve + engine + renderer, real kernel)', () => {
  let serve: Served | null = null;
  let browser: Browser | null = null;
  let dropRooms: (() => void) | null = null;
  let pageErrors: string[] = [];
  const kids: ChildProcess[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first`);
    // tfns1/eth0 <-> tfv1 -- tfbr0 -- tfv2 <-> tfns2/eth0, 10.68.0.0/24.
    dropRooms = buildBridgeRooms({ br: BR, ns: [NS1, NS2], veth: 'tfv', subnet: '10.68.0' });
    serve = await startServe();
    browser = await launchChromium();
    page = browser.page;
    collectTraceAnswers(page, answers);
    pageErrors = await openApp(page, serve.url);
    expect(pageErrors).toEqual([]);
  });
  afterEach(() => { for (const c of kids.splice(0)) c.kill('SIGKILL'); });
  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    dropRooms?.();
  });

  it('the trace tab waits for the next matching packet, then lists and lights its hops through the bridge', async () => {
    await byTestId(`ns-${NS1}`).waitFor({ timeout: 20_000 });
    await openTab('trace', 'trace-panel');
    await byTestId('trace-match-filter').fill('icmp[icmptype] = icmp-echo');
    await byTestId('trace-match-ns').selectOption(nsId(NS1));
    await byTestId('trace-match-start').click();
    await expect.poll(panelState, { timeout: 5_000 }).toBe('waiting');
    await byTestId('trace-waiting').waitFor({ timeout: 2_000 });
    // the user's own shell: a ping going on until the follow has one
    await new Promise((r) => setTimeout(r, 800));
    kids.push(spawn('ip', ['netns', 'exec', NS1, 'ping', '-c', '40', '-i', '0.2', '10.68.0.2'], { stdio: 'ignore' }));
    await expect.poll(panelState, { timeout: 15_000 }).toBe('answered');
    const engine = answers.at(-1)!;
    expect(engine.mode).toBe('match');
    expect(await byTestId('trace-packet').innerText()).toBe(engine.packet);
    expect(engine.packet).toMatch(/^ICMP echo request 10\.68\.0\.1 → 10\.68\.0\.2/);
    const got = await listed();
    expect(got).toEqual(wanted(engine));
    expect(got.map((h) => `${h.where} ${h.direction}`)).toEqual([
      `${NS1}:eth0 tx`, 'host:tfv1 rx', `host:${BR} rx`, 'host:tfv2 tx', `${NS2}:eth0 rx`,
      `${NS2}:eth0 tx`, 'host:tfv2 rx', `host:${BR} rx`, 'host:tfv1 tx', `${NS1}:eth0 rx`,
    ]);
    await walk(got);
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'trace-follow-match.png') });
  });

  it('a wait with nothing coming is cancelled from the form', async () => {
    await openTab('trace', 'trace-panel');
    await byTestId('trace-match-filter').fill('udp port 9');
    await byTestId('trace-match-start').click();
    await expect.poll(panelState, { timeout: 5_000 }).toBe('waiting');
    await new Promise((r) => setTimeout(r, 500));
    await byTestId('trace-match-cancel').click();
    await expect.poll(panelState, { timeout: 5_000 }).toBe('cancelled');
    expect(await byTestId('trace-cancelled').innerText()).toContain('cancelled while waiting for a packet matching "udp port 9"');
    // a filter libpcap refuses: its words, naming the filter
    await byTestId('trace-match-filter').fill('port nonsense');
    await byTestId('trace-match-start').click();
    await expect.poll(panelState, { timeout: 5_000 }).toBe('error');
    expect(await byTestId('trace-error').innerText()).toMatch(/"filter": "port nonsense" does not compile: /);
  });

  it('where else was this packet seen: a captured echo lit on the capture\'s other interface, with its reply', async () => {
    const eth1 = ifNode('eth0', nsId(NS1)), eth2 = ifNode('eth0', nsId(NS2));
    await eth1.locator('.if-head').click();
    await eth2.locator('.if-head').click({ modifiers: ['Control'] });
    await openTab('packets', 'capture-panel');
    await byTestId('capture-filter').fill('icmp');
    await byTestId('capture-start').click();
    await page.locator('[data-testid="capture-panel"][data-state="running"]').waitFor({ timeout: 10_000 });
    kids.push(spawn('ip', ['netns', 'exec', NS1, 'ping', '-c', '2', '-i', '0.2', '10.68.0.2'], { stdio: 'ignore' }));
    await expect.poll(() => page.locator('[data-testid="packet-row"]').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    await byTestId('capture-stop').click();
    // packet 2: the first echo request as it arrived in tfns2
    await page.locator('[data-testid="packet-row"][data-n="2"]').click();
    await byTestId('packet-locate').click();
    await expect.poll(panelState, { timeout: 10_000 }).toBe('answered');
    const engine = answers.at(-1)!;
    expect(engine.mode).toBe('locate');
    const got = await listed();
    expect(got).toEqual(wanted(engine));
    expect(got.map((h) => `${h.where} ${h.direction}`)).toEqual([`${NS1}:eth0 tx`, `${NS2}:eth0 rx`, `${NS2}:eth0 tx`, `${NS1}:eth0 rx`]);
    await walk(got);
    await page.screenshot({ path: path.join(artifacts, 'trace-follow-locate.png') });
  });

  it('the ping form sends the count asked for, with the timeout asked for', async () => {
    await byTestId(`ns-${NS1}`).locator('.ns-header').dispatchEvent('click');
    const form = page.locator(`[data-testid="inspector-namespace"][data-ns-id="${nsId(NS1)}"]`);
    await form.waitFor({ timeout: 5_000 });
    await form.locator('[data-testid="trace-count"]').fill('3');
    await form.locator('[data-testid="trace-timeout"]').fill('700');
    await form.locator('[data-testid="trace-address"]').fill('10.68.0.2');
    await form.locator('[data-testid="trace-start"]').click();
    await expect.poll(panelState, { timeout: 15_000 }).toBe('answered');
    const engine = answers.at(-1)!;
    expect(engine.mode).toBe('ping');
    expect(engine.echoes.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await byTestId('trace-echoes').innerText()).toContain('3 echoes: 3 answered');
    // out of range: the field is marked (and the browser's form check holds the form back)
    await form.locator('[data-testid="trace-count"]').fill('11');
    expect(await form.locator('[data-testid="trace-count"]').getAttribute('aria-invalid')).toBe('true');
    await form.locator('[data-testid="trace-count"]').fill('3');
    // a timeout that no reply can meet: the engine was asked for it (the address nobody holds
    // answers nothing; each echo waits 700 ms, not the default 2 s)
    await form.locator('[data-testid="trace-address"]').fill('10.68.0.99');
    const t0 = Date.now();
    await form.locator('[data-testid="trace-start"]').click();
    await expect.poll(panelState, { timeout: 15_000 }).toBe('stopped');
    expect(answers.at(-1)!.echoes).toHaveLength(3);
    expect(Date.now() - t0).toBeLessThan(3 * 2000);
    expect(pageErrors).toEqual([]);
  });
});
