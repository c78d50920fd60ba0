// The capture panel end to end, in the throwaway world: `vnet-studio serve` (real engine, real
// kernel, real capture sockets) and the real renderer in Debian's Chromium. Two namespaces on a
// bridge; interfaces picked on the canvas (Ctrl+click) or with a namespace's "capture all"; real
// pings; the rows, a packet's layers and bytes, the saved pcapng read back by tshark; a filter that
// does not compile, an interface deleted mid-capture, an engine without privileges. Needs `npm run
// build` first (npm test does it).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip } from '../helpers/ip';
import { NOBODY, quiet } from '../helpers/processes';
import { tsharkFields } from '../helpers/capture-lab';
import { launchChromium, openApp, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts');
const nsId = (name: string) => `ns:${fs.statSync(`/run/netns/${name}`).ino}`;
const NS1 = 'capns1', NS2 = 'capns2', NS3 = 'capns3', BR = 'capbr0';

let page: Page;
const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const ifNode = (name: string, ns: string) => page.locator(`[data-testid="if-${name}"][data-if-ns="${ns}"]`);
const rows = () => page.locator('[data-testid="packet-row"]');
const rowInfos = () => page.locator('[data-testid="packet-row"] .c-info').allInnerTexts();

async function openPacketsTab(): Promise<void> {
  await byTestId('capture-panel').waitFor({ state: 'attached' });
  // A click while the page is still settling (a loaded machine) can be lost: click again until
  // the tab shows.
  for (let tries = 0; !(await byTestId('capture-panel').isVisible()); tries++) {
    if (tries === 10) throw new Error('the packets tab did not open after 10 clicks');
    await byTestId('tab-packets').click();
    await byTestId('capture-panel').waitFor({ state: 'visible', timeout: 1_500 }).catch(() => undefined);
  }
}

describeKernel('capture panel in the browser (serve + engine + renderer, real kernel)', () => {
  let serve: Served | null = null;
  let browser: Browser | null = null;
  let downloads = '';
  // openApp's list goes on collecting page errors and CSP violations: none are expected, ever.
  let pageErrors: string[] = [];

  beforeAll(async () => {
    // capns1/eth0 <-> capv1 -- capbr0 -- capv2 <-> capns2/eth0, 10.66.0.0/24; capns3/eth0 <-> capv3 (alone).
    ip('link', 'add', BR, 'type', 'bridge');
    ip('link', 'set', BR, 'up');
    for (const [n, ns] of [[1, NS1], [2, NS2], [3, NS3]] as const) {
      ip('netns', 'add', ns);
      ip('link', 'add', `capv${n}`, 'type', 'veth', 'peer', 'name', `cappeer${n}`);
      ip('link', 'set', `cappeer${n}`, 'netns', ns);
      ip('-n', ns, 'link', 'set', `cappeer${n}`, 'name', 'eth0');
      ip('-n', ns, 'addr', 'add', `10.66.0.${n}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      if (n < 3) ip('link', 'set', `capv${n}`, 'master', BR);
      ip('link', 'set', `capv${n}`, 'up');
    }
    downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-capture-dl-'));
    serve = await startServe();
    browser = await launchChromium({ acceptDownloads: true });
    page = browser.page;
    pageErrors = await openApp(page, serve.url);
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const args of [['netns', 'del', NS1], ['netns', 'del', NS2], ['netns', 'del', NS3], ['link', 'del', BR], ['link', 'del', 'capv1'], ['link', 'del', 'capv2'], ['link', 'del', 'capv3']]) {
      quiet(() => ip(...args));
    }
    if (downloads) fs.rmSync(downloads, { recursive: true, force: true });
  });

  it('two interfaces picked on the canvas, an icmp filter, a ping: the rows say what crossed where', async () => {
    const ns1 = nsId(NS1), ns2 = nsId(NS2);
    const eth1 = ifNode('eth0', ns1), eth2 = ifNode('eth0', ns2);
    await eth1.waitFor({ timeout: 20_000 });
    await eth2.waitFor({ timeout: 20_000 });
    await eth1.locator('.if-head').click();
    await eth2.locator('.if-head').click({ modifiers: ['Control'] });
    await openPacketsTab();
    const targets = byTestId('capture-targets');
    await expect.poll(() => targets.locator('.cap-chip-name').allInnerTexts()).toEqual([`eth0 @ ${NS1}`, `eth0 @ ${NS2}`]);
    await byTestId('capture-filter').fill('icmp');
    await byTestId('capture-start').click();
    await page.locator('[data-testid="capture-panel"][data-state="running"]').waitFor({ timeout: 10_000 });
    // The captured interfaces are marked on the canvas while it runs.
    for (const n of [eth1, eth2]) expect(await n.getAttribute('data-capturing')).toBe('true');
    expect(await ifNode(`capv1`, (await byTestId('ns-host').getAttribute('data-ns-id'))!).getAttribute('data-capturing')).toBeNull();

    const out = execFileSync('ip', ['netns', 'exec', NS1, 'ping', '-n', '-c', '3', '-i', '0.2', '10.66.0.2']).toString();
    expect(out).toMatch(/3 received/);
    // 3 requests and 3 replies, each seen on both eth0s: 12 rows, nothing else (the filter).
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(12);
    const infos = await rowInfos();
    expect(infos.filter((s) => /^echo request id \d+ seq [123]$/.test(s))).toHaveLength(6);
    expect(infos.filter((s) => /^echo reply id \d+ seq [123]$/.test(s))).toHaveLength(6);
    expect(new Set(await page.locator('[data-testid="packet-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-proto'))))).toEqual(new Set(['ICMP']));
    const first = rows().first();
    expect(await first.locator('.c-src').innerText()).toBe('10.66.0.1');
    expect(await first.locator('.c-dst').innerText()).toBe('10.66.0.2');
    expect(await first.locator('.c-if').innerText()).toBe(`${NS1}:eth0`);
    expect(await first.locator('.c-dir').innerText()).toContain('tx');
    expect(await first.locator('.c-len').innerText()).toBe('98');
    const stats = byTestId('capture-stats');
    expect(await stats.getAttribute('data-received')).toBe('12');
    expect(Number(await stats.getAttribute('data-file-bytes'))).toBeGreaterThan(0);
    expect(await byTestId('capture-file').innerText()).toMatch(/file .* \/ 64\.0 MiB/);
  });

  it('a packet\'s details: its layers decoded, its bytes in hex, its interface marked on the canvas', async () => {
    const ns2 = nsId(NS2);
    const reply = rows().filter({ hasText: 'echo reply' }).filter({ hasText: `${NS2}:eth0` }).first();
    await reply.click();
    const details = byTestId('packet-details');
    await details.waitFor({ timeout: 5_000 });
    const layers = await details.locator('[data-testid="packet-layer"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
    expect(layers).toEqual(['Frame', 'Ethernet', 'IPv4', 'ICMP']);
    const ipv4 = await details.locator('[data-layer="IPv4"]').innerText();
    expect(ipv4).toMatch(/source\s+10\.66\.0\.2/);
    expect(ipv4).toMatch(/destination\s+10\.66\.0\.1/);
    expect(await details.locator('[data-layer="ICMP"]').innerText()).toMatch(/type\s+0 \(echo reply\)/);
    const hex = await byTestId('packet-hex').innerText();
    // 98 bytes: 7 lines; the Ethernet type 0800 and IPv4's 45 at bytes 12..14.
    expect(hex.split('\n')).toHaveLength(7);
    expect(hex.split('\n')[0]).toMatch(/^0000  ([0-9a-f]{2} ){8} ([0-9a-f]{2} ){4}08 00 45 /);
    await expect.poll(() => ifNode('eth0', ns2).getAttribute('data-packet-here')).toBe('true');
    expect(await ifNode('eth0', nsId(NS1)).getAttribute('data-packet-here')).toBeNull();
    // The list's text filter; then the arrow keys move the selection within what is shown.
    await byTestId('capture-find').fill('reply');
    await expect.poll(() => rows().count()).toBe(6);
    expect((await rowInfos()).every((s) => s.startsWith('echo reply'))).toBe(true);
    await byTestId('capture-find').fill('');
    await expect.poll(() => rows().count()).toBe(12);
    await page.screenshot({ path: path.join(artifacts, 'capture-panel.png') });
  });

  it('save .pcapng downloads the whole capture, which tshark reads: both interfaces by name, every packet', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('capture-save').click()]);
    expect(download.suggestedFilename()).toMatch(/^vnet-capns1_eth0\+capns2_eth0-.*\.pcapng$/);
    const file = path.join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    const head = fs.readFileSync(file).subarray(0, 4);
    expect(head.toString('hex')).toBe('0a0d0d0a'); // a pcapng section header block
    const got = tsharkFields(file, ['frame.interface_name', 'icmp.type', 'icmp.seq']);
    expect(got).toHaveLength(12);
    expect(new Set(got.map((r) => r[0]))).toEqual(new Set([`${NS1}:eth0`, `${NS2}:eth0`]));
    expect(got.filter((r) => r[1] === '8')).toHaveLength(6);
    expect(got.filter((r) => r[1] === '0')).toHaveLength(6);
    // Desktop only: no Wireshark button in the browser.
    expect(await byTestId('capture-wireshark').count()).toBe(0);
  });

  it('stop ends it: the canvas marks go, the list and the file stay', async () => {
    await byTestId('capture-stop').click();
    await page.locator('[data-testid="capture-panel"][data-state="ended"]').waitFor({ timeout: 10_000 });
    expect(await byTestId('capture-state').innerText()).toMatch(/ended: stopped/);
    await expect.poll(() => page.locator('[data-capturing="true"]').count()).toBe(0);
    expect(await rows().count()).toBe(12);
  });

  it('a filter that does not compile is refused with libpcap\'s words, and nothing starts', async () => {
    await byTestId('capture-filter').fill('tcp port');
    await byTestId('capture-start').click();
    const err = byTestId('capture-error');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.innerText()).toMatch(/could not start: .*"tcp port" does not compile: .*syntax error/);
    expect(await byTestId('capture-filter').getAttribute('aria-invalid')).toBe('true');
    // The previous capture is still the one shown.
    expect(await byTestId('capture-panel').getAttribute('data-state')).toBe('ended');
    await byTestId('capture-filter').fill('');
    expect(await err.count()).toBe(0);
  });

  it('"capture all" in a namespace\'s inspector; deleting its veth ends the capture, saying which interface went', async () => {
    const ns3 = nsId(NS3);
    await page.locator(`[data-testid="ns-${NS3}"] .ns-header`).click();
    await byTestId('capture-namespace').click();
    await openPacketsTab();
    const targets = byTestId('capture-targets');
    expect(await targets.getAttribute('data-source')).toBe('picked');
    await expect.poll(() => targets.locator('.cap-chip-name').allInnerTexts()).toEqual([`lo @ ${NS3}`, `eth0 @ ${NS3}`]);
    await byTestId('capture-start').click();
    await page.locator('[data-testid="capture-panel"][data-state="running"]').waitFor({ timeout: 10_000 });
    expect(await rows().count()).toBe(0); // a new capture starts an empty list
    await expect.poll(() => ifNode('eth0', ns3).getAttribute('data-capturing')).toBe('true');
    ip('link', 'del', 'capv3');
    await page.locator('[data-testid="capture-panel"][data-state="ended"]').waitFor({ timeout: 15_000 });
    expect(await byTestId('capture-state').innerText()).toMatch(/ended: an interface went away/);
    expect(await byTestId('capture-end-message').innerText()).toMatch(/eth0/);
    await expect.poll(() => page.locator('[data-capturing="true"]').count()).toBe(0);
  });

  it('a flood: the list stays windowed and says what it skipped, pause and clear work, the file keeps every packet', async () => {
    const eth1 = ifNode('eth0', nsId(NS1));
    // A click on the empty canvas ends the multi-selection (a click on a node already in it keeps it).
    await page.locator('.react-flow__pane').click({ position: { x: 8, y: 8 } });
    await eth1.locator('.if-head').click();
    await openPacketsTab();
    // Interfaces picked with "capture all" earlier give way to the canvas selection.
    const useCanvas = byTestId('capture-targets').locator('a', { hasText: 'use the canvas selection' });
    if (await useCanvas.count()) await useCanvas.click();
    await expect.poll(() => byTestId('capture-targets').locator('.cap-chip-name').allInnerTexts()).toEqual([`eth0 @ ${NS1}`]);
    if (await byTestId('capture-stop').count()) await byTestId('capture-stop').click();
    await byTestId('capture-filter').fill('icmp');
    await byTestId('capture-start').click();
    await page.locator('[data-testid="capture-panel"][data-state="running"]').waitFor({ timeout: 10_000 });
    const stats = byTestId('capture-stats');

    // Paused: the capture goes on and counts, the list does not grow.
    await byTestId('capture-pause').click();
    execFileSync('ip', ['netns', 'exec', NS1, 'ping', '-n', '-c', '2', '-i', '0.2', '10.66.0.2']);
    await expect.poll(() => stats.getAttribute('data-received'), { timeout: 10_000 }).toBe('4');
    expect(await rows().count()).toBe(0);
    expect(await stats.innerText()).toMatch(/4 while paused/);
    await byTestId('capture-pause').click();

    // A flood far above the live rate limit.
    execFileSync('ip', ['netns', 'exec', NS1, 'ping', '-n', '-f', '-q', '-c', '15000', '-s', '16', '10.66.0.2'], { timeout: 60_000 });
    const total = 4 + 2 * 15000;
    await expect.poll(async () => Number(await stats.getAttribute('data-live-skipped')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await byTestId('capture-skipped').innerText()).toMatch(/^\d+ skipped in the list$/);
    const listed = Number(await byTestId('packet-list').getAttribute('data-count'));
    expect(listed).toBeGreaterThan(100);
    expect(listed + Number(await stats.getAttribute('data-live-skipped'))).toBeLessThanOrEqual(total);
    // Only what is in view is in the DOM, and the view follows the newest.
    expect(await rows().count()).toBeLessThan(60);
    // (Read in one go in the page: DOM and attributes of one commit.)
    const followed = () => byTestId('packet-list').evaluate((list) => {
      const box = list.querySelector('.pkt-scroll')!;
      const shown = [...list.querySelectorAll('[data-testid="packet-row"]')].map((e) => Number(e.getAttribute('data-n')));
      return { atEnd: box.scrollHeight - box.scrollTop - box.clientHeight < 20, newestShown: Math.max(...shown) === Number(list.getAttribute('data-last-n')) };
    });
    await expect.poll(followed, { timeout: 5_000 }).toEqual({ atEnd: true, newestShown: true });
    await page.screenshot({ path: path.join(artifacts, 'capture-flood.png') });

    await byTestId('capture-clear').click();
    await expect.poll(() => rows().count()).toBe(0);
    await byTestId('capture-stop').click();
    await page.locator('[data-testid="capture-panel"][data-state="ended"]').waitFor({ timeout: 10_000 });
    // The final counts: every packet of the flood was received or counted as dropped by the kernel;
    // the file has every packet received (less any the engine could not keep up with).
    const num = async (a: string) => Number(await stats.getAttribute(a));
    expect(await num('data-received') + await num('data-kernel-dropped')).toBe(total);
    const saved = await num('data-saved');
    expect(saved + await num('data-app-dropped')).toBe(await num('data-received'));
    expect(saved).toBeGreaterThan(total / 2);
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('capture-save').click()]);
    const file = path.join(downloads, 'flood.pcapng');
    await download.saveAs(file);
    expect(tsharkFields(file, ['frame.number'])).toHaveLength(saved);
    expect(pageErrors).toEqual([]);
  });
});

describeKernel('capture panel without privileges (engine as nobody)', () => {
  let served: Served | null = null;
  let browser: Browser | null = null;
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-capture-unpriv-'));
    served = await startServe({ prefix: NOBODY, env: { ...process.env, VNET_STATE_DIR: path.join(dir, 'state') } });
    browser = await launchChromium();
    page = browser.page;
    await page.goto(served.url);
    await page.locator('[data-testid="status"][data-engine="true"][data-privileged="false"]').waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await stopServe(served);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says that capturing needs privileges, and what to do', async () => {
    await byTestId('ns-host').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="ns-host"] .ns-header').click();
    await byTestId('capture-namespace').click();
    await openPacketsTab();
    expect(await byTestId('capture-unprivileged').innerText()).toMatch(/needs privileges/);
    await byTestId('capture-start').click();
    const err = byTestId('capture-error');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.getAttribute('data-code')).toBe('1001');
    expect(await err.innerText()).toMatch(/could not start: .*without privileges.*(Enable editing|sudo vnet-studio serve)/);
  });
});
