// "Ping ADDRESS and follow it" end to end, in the throwaway world: `vnet-studio serve` (real
// engine, real kernel, real echoes and capture sockets) and the real renderer in Debian's
// Chromium. Two namespaces through a bridge: the timeline lists the hops the engine saw, in the
// order `vnet-studio trace --json` gives them; replaying and stepping light the interface nodes in
// that order; an address nobody holds says where it stopped; a bad address shows the engine's
// error; hops folded into a collapsed group are brought back onto the canvas. Needs `npm run
// build` first (npm test does it).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TraceResult } from '../../electron/contract';
import { CLI_PATH } from '../../electron/paths';
import { describeKernel } from '../helpers/world';
import { buildBridgeRooms, collectTraceAnswers } from '../helpers/bridge-rooms';
import { launchChromium, openApp, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts');
const nsId = (name: string) => `ns:${fs.statSync(`/run/netns/${name}`).ino}`;
const NS1 = 'trns1', NS2 = 'trns2', BR = 'trbr0';

let page: Page;
const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const node = (ifId: string) => page.locator(`.if-node[data-if-id="${ifId}"]`);
const hopRows = () => page.locator('[data-testid="trace-hop"]');
const answers: TraceResult[] = [];
const panelState = () => byTestId('trace-panel').getAttribute('data-state');

/** What the timeline lists: each hop's interface id, place and way. */
const listed = () => hopRows().evaluateAll((els) => els.map((e) => ({
  id: e.getAttribute('data-if-id')!, where: e.getAttribute('data-where')!, direction: e.getAttribute('data-direction')!, leg: e.getAttribute('data-leg')!,
})));

/** The engine's own trace of the same ping, through the CLI (exit 1: an echo stopped). */
function cliTrace(ns: string, address: string, status = 0): TraceResult {
  const r = spawnSync(process.execPath, [CLI_PATH, 'trace', ns, address, '--json'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(status);
  return JSON.parse(r.stdout) as TraceResult;
}

/** Selects trns1 (a click on its box's header; dispatched, since a trace moves the view and the
 *  header may sit under the toolbar) and follows a ping from there. */
async function follow(address: string): Promise<void> {
  await byTestId(`ns-${NS1}`).locator('.ns-header').dispatchEvent('click');
  await page.locator(`[data-testid="inspector-namespace"][data-ns-id="${nsId(NS1)}"]`).waitFor({ timeout: 5_000 });
  await page.locator(`[data-testid="inspector-namespace"] [data-testid="trace-address"]`).fill(address);
  await page.locator(`[data-testid="inspector-namespace"] [data-testid="trace-start"]`).click();
}

describeKernel('trace panel in the browser (serve + engine + renderer, real kernel)', () => {
  let serve: Served | null = null;
  let browser: Browser | null = null;
  let dropRooms: (() => void) | null = null;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first`);
    // trns1/eth0 <-> trv1 -- trbr0 -- trv2 <-> trns2/eth0, 10.67.0.0/24.
    dropRooms = buildBridgeRooms({ br: BR, ns: [NS1, NS2], veth: 'trv', subnet: '10.67.0' });
    serve = await startServe();
    browser = await launchChromium();
    page = browser.page;
    collectTraceAnswers(page, answers);
    pageErrors = await openApp(page, serve.url);
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    dropRooms?.();
  });

  it('a ping through the bridge: the timeline lists the hops the engine sees, in its order, with the time between them', async () => {
    await byTestId(`ns-${NS1}`).waitFor({ timeout: 20_000 });
    await follow('10.67.0.2');
    await byTestId('trace-panel').waitFor({ state: 'visible', timeout: 5_000 });
    await expect.poll(panelState, { timeout: 15_000 }).toBe('answered');
    const got = await listed();
    // Exactly what the engine answered the page.
    expect(answers).toHaveLength(1);
    const engine = answers[0];
    expect(engine.stopped).toBeNull();
    expect(engine.namespace).toBe(await byTestId(`ns-${NS1}`).getAttribute('data-ns-id'));
    const want = [...engine.request.map((h) => ({ h, leg: 'request' })), ...engine.reply.map((h) => ({ h, leg: 'reply' }))]
      .map(({ h, leg }) => ({ id: h.interface, where: h.where, direction: h.direction, leg }));
    expect(got).toEqual(want);
    // Through the bridge, both ways: out of trns1, into the bridge's port, the bridge, out of the
    // other port, into trns2; and back.
    expect(got.map((h) => `${h.where} ${h.direction}`)).toEqual([
      `${NS1}:eth0 tx`, 'host:trv1 rx', `host:${BR} rx`, 'host:trv2 tx', `${NS2}:eth0 rx`,
      `${NS2}:eth0 tx`, 'host:trv2 rx', `host:${BR} rx`, 'host:trv1 tx', `${NS1}:eth0 rx`,
    ]);
    const gaps = await page.locator('[data-testid="trace-hop"] [data-testid="trace-gap"]').allInnerTexts();
    expect(gaps[0]).toBe('0.0 µs');
    for (const g of gaps.slice(1)) expect(g).toMatch(/^\+\d+\.\d µs$/);
    // The bridge's hop names the port it forwarded to; the first hop its addresses.
    expect(await hopRows().nth(2).innerText()).toContain('forwarded to host:trv2');
    expect(await hopRows().nth(0).innerText()).toContain('10.67.0.1 → 10.67.0.2');
    expect(await byTestId('trace-stop').count()).toBe(0);
    // The answer replays by itself, from the first hop to the last.
    await expect.poll(() => byTestId('trace-panel').getAttribute('data-step'), { timeout: 10_000 }).toBe(String(got.length - 1));
    await expect.poll(() => byTestId('trace-replay').innerText()).toContain('replay');
    // The CLI's own trace of the same ping goes the same way.
    const cli = cliTrace(NS1, '10.67.0.2');
    expect([...cli.request, ...cli.reply].map((h) => `${h.where} ${h.direction}`)).toEqual(got.map((h) => `${h.where} ${h.direction}`));
  });

  it('replay lights the interface nodes in the order of the hops; stepping back and forward moves the glow', async () => {
    const hops = await listed();
    // Record, in the page, every node that starts glowing and every step the panel shows.
    await page.evaluate(() => {
      const w = window as unknown as { __lit: string[]; __steps: string[] };
      w.__lit = []; w.__steps = [];
      new MutationObserver((ms) => {
        for (const m of ms) {
          const el = m.target as HTMLElement;
          if (el.dataset.testid === 'trace-panel') { if (m.attributeName === 'data-step') w.__steps.push(el.dataset.step!); }
          else if (el.dataset.trace === 'current' && m.oldValue !== 'current') w.__lit.push(el.dataset.ifId!);
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-trace', 'data-step'] });
    });
    // From a hop in the middle (not on the first hop's interface, which must light again).
    await hopRows().nth(4).click();
    await expect.poll(() => byTestId('trace-panel').getAttribute('data-step')).toBe('4');
    await page.evaluate(() => { const w = window as unknown as { __lit: string[]; __steps: string[] }; w.__lit = []; w.__steps = []; });
    await byTestId('trace-replay').click();
    await expect.poll(() => byTestId('trace-panel').getAttribute('data-step'), { timeout: 10_000 }).toBe(String(hops.length - 1));
    await expect.poll(() => byTestId('trace-replay').innerText()).toContain('replay');
    const rec = await page.evaluate(() => { const w = window as unknown as { __lit: string[]; __steps: string[] }; return { __lit: w.__lit, __steps: w.__steps }; });
    // A hop on the same interface as the one before keeps the glow: it lights once.
    const order = hops.map((h) => h.id).filter((id, i, a) => i === 0 || a[i - 1] !== id);
    expect(rec.__lit).toEqual(order);
    expect(rec.__steps.filter((s, i, a) => i === 0 || a[i - 1] !== s)).toEqual(hops.map((_, i) => String(i)));

    // Step by step from the first hop: the current node glows, the ones passed are marked, the
    // rest are not, the current row is highlighted.
    await hopRows().first().click();
    for (let i = 0; i < hops.length; i++) {
      if (i > 0) await byTestId('trace-forward').click();
      await expect.poll(() => node(hops[i].id).getAttribute('data-trace')).toBe('current');
      expect(await page.locator('[data-testid="trace-hop"][data-current]').getAttribute('data-step')).toBe(String(i));
      for (const h of hops) {
        if (h.id === hops[i].id) continue;
        const passed = hops.slice(0, i).some((p) => p.id === h.id);
        expect(await node(h.id).getAttribute('data-trace'), `${h.where} at step ${i}`).toBe(passed ? 'passed' : null);
      }
      expect(await byTestId('trace-pos').innerText()).toBe(`${i + 1} / ${hops.length}`);
    }
    // The edge just crossed is lit: from trns1:eth0 to trv1 at the second step, trv1's port edge at the third.
    for (let i = hops.length - 1; i > 1; i--) await byTestId('trace-back').click();
    await expect.poll(() => node(hops[1].id).getAttribute('data-trace')).toBe('current');
    const lit = page.locator('[data-trace-lit]');
    await expect.poll(() => lit.count()).toBe(1);
    expect([await lit.getAttribute('data-source'), await lit.getAttribute('data-target')].sort()).toEqual([hops[0].id, hops[1].id].sort());
    await byTestId('trace-forward').click();
    await expect.poll(async () => [await lit.getAttribute('data-source'), await lit.getAttribute('data-target')].sort().join(' ')).toBe([hops[1].id, hops[2].id].sort().join(' '));
    await byTestId('trace-back').click();
    await byTestId('trace-back').click();
    await expect.poll(() => lit.count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'trace-panel.png') });
  });

  it('an address nobody holds: busy while it runs, then where it stopped and why, marked red on the canvas', async () => {
    await follow('10.67.0.99');
    const start = page.locator('[data-testid="inspector-namespace"] [data-testid="trace-start"]');
    await expect.poll(() => start.innerText()).toBe('following…');
    expect(await start.isDisabled()).toBe(true);
    await expect.poll(panelState, { timeout: 15_000 }).toBe('stopped');
    expect(await start.innerText()).toBe('follow');
    const stop = byTestId('trace-stop');
    const engine = answers.at(-1)!;
    expect(engine.address).toBe('10.67.0.99');
    expect(engine.stopped).not.toBeNull();
    // The first ping to it: ARP asked on trns1's eth0 and nobody answered. (A second ping, such
    // as the CLI's now, may be refused by the namespace's own stack, the neighbour known to fail.)
    const eth0 = await page.locator(`[data-testid="if-eth0"][data-if-ns="${nsId(NS1)}"]`).getAttribute('data-if-id');
    expect([engine.stopped!.at, engine.stopped!.cause]).toEqual([eth0, 'no-neighbour']);
    expect(engine.stopped!.reason).toMatch(/who has 10\.67\.0\.99/);
    expect(await stop.getAttribute('data-cause')).toBe(engine.stopped!.cause);
    expect(await stop.getAttribute('data-at')).toBe(engine.stopped!.at ?? '');
    expect(await stop.innerText()).toContain(engine.stopped!.reason);
    if (engine.stopped!.at) {
      expect(await stop.innerText()).toMatch(/^stopped at \S+:\S+/);
      expect(await node(engine.stopped!.at).getAttribute('data-trace')).toBe('stop');
    }
    await page.screenshot({ path: path.join(artifacts, 'trace-panel-stopped.png') });
    // An address trns1 has no route to: the echo never leaves the namespace; no node is marked.
    await follow('192.0.2.1');
    await expect.poll(panelState, { timeout: 15_000 }).toBe('stopped');
    const again = answers.at(-1)!;
    expect([again.address, again.stopped!.at, again.stopped!.cause]).toEqual(['192.0.2.1', null, 'no-route']);
    expect(await stop.getAttribute('data-cause')).toBe('no-route');
    expect(await stop.innerText()).toContain(again.stopped!.reason);
    expect(await hopRows().count()).toBe(0);
    expect(await byTestId('trace-request').innerText()).toContain('seen on no interface');
    expect(await stop.innerText()).toContain(`stopped at inside ${NS1} (it never left)`);
    expect(await stop.getAttribute('data-at')).toBe('');
    expect(await page.locator('.if-node[data-trace="stop"]').count()).toBe(0);
  });

  it('an address that is none: the engine\'s words under the input, nothing traced', async () => {
    await follow('10.67.0.300');
    const err = page.locator('[data-testid="inspector-namespace"] [data-testid="trace-follow-error"]');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.innerText()).toBe('trace: "address" must be an IPv4 or IPv6 address, got "10.67.0.300"');
    expect(await panelState()).toBe('error');
    expect(await byTestId('trace-error').innerText()).toContain('"address"');
    expect(await page.locator('.if-node[data-trace]').count()).toBe(0);
  });

  it('hops folded into a collapsed group: following the ping opens the group and marks them', async () => {
    // Select trns1 first (its inspector stays), then fold trns1 and trns2 into one group.
    await byTestId(`ns-${NS1}`).locator('.ns-header').dispatchEvent('click');
    await page.locator(`[data-testid="inspector-namespace"][data-ns-id="${nsId(NS1)}"]`).waitFor({ timeout: 5_000 });
    await byTestId('group-min').fill('2');
    await expect.poll(() => byTestId(`ns-${NS2}`).count(), { timeout: 10_000 }).toBe(0);
    await page.locator('[data-testid="inspector-namespace"] [data-testid="trace-address"]').fill('10.67.0.2');
    await page.locator('[data-testid="inspector-namespace"] [data-testid="trace-start"]').click();
    await expect.poll(panelState, { timeout: 15_000 }).toBe('answered');
    await byTestId(`ns-${NS2}`).waitFor({ timeout: 10_000 });
    const hops = await listed();
    await hopRows().nth(4).click();
    await expect.poll(() => node(hops[4].id).getAttribute('data-trace')).toBe('current');
    expect(hops[4].where).toBe(`${NS2}:eth0`);
    await byTestId('group-min').fill('8');
  });
});
