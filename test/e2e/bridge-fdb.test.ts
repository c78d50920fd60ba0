// End to end, in the throwaway world: the bridge's forwarding table in the renderer, live. A bridge
// is open in the inspector when a namespace made afterwards pings it: the new namespace's MAC
// appears in the bridge's table on its port (through the engine's fdb deltas), and hovering that
// port's node lists it. Needs `npm run build` first (npm test does it).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip } from '../helpers/ip';
import { launchChromium, openApp, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';

const BR_NS = 'e2e-fdb';
const NEW_NS = 'e2e-fdb-new';
const nsId = (name: string) => `ns:${fs.statSync(`/run/netns/${name}`).ino}`;

let serve: Served | null = null;
let browser: Browser | null = null;
let page: Page;
const ifNode = (name: string, ns: string) => page.locator(`[data-testid="if-${name}"][data-if-ns="${ns}"]`);

describeKernel('the bridge\'s forwarding table in the browser (serve + engine + renderer, real kernel)', () => {
  beforeAll(async () => {
    ip('netns', 'add', BR_NS);
    ip('-n', BR_NS, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', BR_NS, 'addr', 'add', '10.78.0.254/24', 'dev', 'br0');
    ip('-n', BR_NS, 'link', 'set', 'br0', 'up');
    serve = await startServe();
    browser = await launchChromium();
    page = browser.page;
    expect(await openApp(page, serve.url)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const n of [NEW_NS, BR_NS]) { try { ip('netns', 'del', n); } catch { /* already gone */ } }
  });

  it('a ping from a new namespace: its MAC appears in the open bridge inspector on its port, and on the port\'s node', async () => {
    const brNs = nsId(BR_NS);
    const br = ifNode('br0', brNs);
    await br.waitFor({ timeout: 20_000 });
    await br.click();
    const table = page.locator('[data-testid="inspector-iface"] [data-testid="fdb-table"]');
    await table.waitFor({ timeout: 10_000 });

    ip('netns', 'add', NEW_NS);
    // No IPv6 chatter from the new end (router solicitations, MLD): only the ping teaches the bridge.
    for (const k of ['all', 'default']) execFileSync('ip', ['netns', 'exec', NEW_NS, 'sysctl', '-q', '-w', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    ip('-n', NEW_NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'port1', 'netns', BR_NS);
    ip('-n', BR_NS, 'link', 'set', 'port1', 'master', 'br0');
    ip('-n', BR_NS, 'link', 'set', 'port1', 'up');
    ip('-n', NEW_NS, 'addr', 'add', '10.78.0.1/24', 'dev', 'eth0');
    ip('-n', NEW_NS, 'link', 'set', 'eth0', 'up');
    const mac = JSON.parse(ip('-n', NEW_NS, '-j', 'link', 'show', 'eth0'))[0].address as string;
    const port = ifNode('port1', brNs);
    await port.waitFor({ timeout: 20_000 });
    const portId = await port.getAttribute('data-if-id');
    // The port's own address is the bridge's (local); the new namespace's is not known yet.
    await expect.poll(() => table.locator(`[data-testid="fdb-row"][data-port="${portId}"][data-state="local"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(await table.locator(`[data-testid="fdb-row"][data-mac="${mac}"]`).count()).toBe(0);

    execFileSync('ip', ['netns', 'exec', NEW_NS, 'ping', '-c', '1', '-W', '2', '10.78.0.254']);
    const row = table.locator(`[data-testid="fdb-row"][data-mac="${mac}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-port')).toBe(portId);
    expect(await row.getAttribute('data-state')).toBe('learned');
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[1]).toBe('port1');
    expect(cells[3]).toMatch(/^\d+ s$/);

    // Hovering the port shows the MACs behind it.
    const behind = port.locator('[data-testid="fdb-behind"]');
    await behind.waitFor({ timeout: 10_000 });
    expect(await behind.getAttribute('data-macs')).toContain(mac);
    expect(await behind.getAttribute('title')).toContain(mac);
  }, 60_000);
});
