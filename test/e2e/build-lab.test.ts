// End to end, in the throwaway world: building the article's bridge lab by drag and drop in the real
// renderer (Debian's Chromium) against `vnet-studio serve` (real engine, real kernel). Two
// namespaces from the palette, a bridge dropped into the host box, a connection drawn from each
// namespace to the bridge (veth pairs with a bridge port), addresses typed into the inspector; then
// checked with `ip -j`, a ping between the namespaces, the counters on screen, the command log,
// undo, Delete's confirmation, and "save as lab" validated by the CLI. Needs `npm run build` first.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip, ipJson } from '../helpers/ip';
import { launchChromium, startServe, stopServe, type Browser, type Served } from '../helpers/serve-process';
import { NOBODY } from '../helpers/processes';
import { CLI_PATH } from '../../electron/paths';

const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, 'test-artifacts');
const cli = CLI_PATH;
const nsId = (name: string) => `ns:${fs.statSync(`/run/netns/${name}`).ino}`;

// names unlikely to meet other test files' leftovers in a shared world
const RED = 'bl-red', BLUE = 'bl-blue', BR = 'br-bl';

let serve: Served | null = null;
let browser: Browser | null = null;
let page: Page;
let stateDir = '';
const pageErrors: string[] = [];

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const ifNode = (name: string, ns: string) => page.locator(`[data-testid="if-${name}"][data-if-ns="${ns}"]`);
let hostId = '';

async function packets(node: Locator): Promise<number> {
  const rx = Number(await node.locator('[data-testid="rx-packets"]').getAttribute('data-value'));
  const tx = Number(await node.locator('[data-testid="tx-packets"]').getAttribute('data-value'));
  return rx + tx;
}

/** Wait until the picture has settled (ELK done) and fit it into view, so every box is on screen. */
async function settle(): Promise<void> {
  await byTestId('canvas').and(page.locator('[data-layout="done"]')).waitFor({ timeout: 30_000 });
  await byTestId('fit-view').click();
  await page.waitForTimeout(450); // fitView animates for 300 ms
}

/** Fills the open form dialog's fields and confirms it. */
async function submitDialog(fields: Record<string, string>): Promise<void> {
  const dialog = byTestId('dialog');
  await dialog.waitFor({ timeout: 10_000 });
  for (const [k, v] of Object.entries(fields)) await dialog.locator(`[data-testid="dialog-field-${k}"]`).fill(v);
  await dialog.locator('[data-testid="dialog-ok"]').click();
  await dialog.waitFor({ state: 'detached', timeout: 20_000 });
}

/** Draws a connection from one build handle to another with the mouse (xyflow's connection gesture). */
async function drawConnection(from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!, b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** Waits until no canvas step is running (one runs at a time). */
const idle = () => page.locator('[data-testid="command-log"][data-busy="false"]').waitFor({ timeout: 20_000 });

/** Brings an interface node to the middle of the view (search + Enter) and clicks it. */
async function clickCentred(name: string, node: Locator): Promise<void> {
  await byTestId('search').fill(name);
  await byTestId('search').press('Enter');
  await page.waitForTimeout(600); // the view moves for 400 ms
  await byTestId('search').fill('');
  await node.click();
}

/** Selects an interface node and adds an address to it in the inspector. */
async function addAddress(node: Locator, cidr: string): Promise<void> {
  await idle();
  await node.click();
  const editor = page.locator('[data-testid="inspector-iface"] [data-testid="iface-editor"]');
  await editor.waitFor({ timeout: 10_000 });
  await editor.locator('[data-testid="edit-addr"]').fill(cidr);
  await editor.locator('[data-testid="edit-addr-add"]').click();
  await expect.poll(() => node.innerText(), { timeout: 15_000, message: `${cidr} on screen` }).toContain(cidr);
}

const addrsOf = (args: string[]): string[] =>
  ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>(...args).flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));

describeKernel('building a bridge lab by drag and drop (serve + engine + renderer, real kernel)', () => {
  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-build-state-'));
    serve = await startServe({ env: { ...process.env, VNET_STATE_DIR: stateDir } });
    const url = serve.url;
    browser = await launchChromium({ acceptDownloads: true });
    page = browser.page;
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text()); });
    expect((await page.goto(url))?.status()).toBe(200);
    await page.locator('[data-testid="status"][data-engine="true"][data-privileged="true"]').waitFor({ timeout: 30_000 });
    await byTestId('ns-host').waitFor({ timeout: 30_000 });
    hostId = (await byTestId('ns-host').getAttribute('data-ns-id'))!;
    await settle();
  });

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve);
    for (const args of [['netns', 'del', RED], ['netns', 'del', BLUE], ['link', 'del', BR], ['link', 'del', 'tap-bl'], ['link', 'del', 'tap-vm'], ['link', 'del', 'docker0'], ['netns', 'del', 'bl-la'], ['netns', 'del', 'bl-lb']]) {
      try { ip(...args); } catch { /* already gone */ }
    }
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('palette is enabled with a privileged engine and every control has its hook', async () => {
    expect(await byTestId('palette').getAttribute('data-enabled')).toBe('true');
    for (const k of ['namespace', 'bridge', 'veth', 'tun', 'tap']) expect(await byTestId(`palette-${k}`).getAttribute('draggable')).toBe('true');
    await byTestId('command-log').waitFor();
  });

  it('drops two namespaces and a bridge, and connects each namespace to the bridge', async () => {
    // a namespace: drop it on the canvas, name it in the dialog
    for (const name of [RED, BLUE]) {
      await byTestId('palette-namespace').dragTo(byTestId('canvas'), { targetPosition: { x: 60, y: 60 } });
      await submitDialog({ name });
      await byTestId(`ns-${name}`).waitFor({ timeout: 20_000 });
      await settle();
    }
    expect(fs.existsSync(`/run/netns/${RED}`) && fs.existsSync(`/run/netns/${BLUE}`)).toBe(true);

    // a bridge: drop it into the host's box (the default name is editable)
    // (at the box's bottom padding: interface nodes cover most of it)
    const hostBox = (await byTestId('ns-host').boundingBox())!;
    await byTestId('palette-bridge').dragTo(byTestId('ns-host'), { targetPosition: { x: hostBox.width / 2, y: hostBox.height - 8 }, force: true });
    const dialog = byTestId('dialog');
    await dialog.waitFor();
    expect(await dialog.locator('[data-testid="dialog-field-name"]').inputValue()).toMatch(/^br\d+$/);
    // the dialog previews the command it will run
    await expect.poll(() => dialog.locator('[data-testid="dialog-preview"]').innerText().catch(() => ''), { timeout: 10_000 }).toContain('type bridge');
    await submitDialog({ name: BR });
    const br = ifNode(BR, hostId);
    await br.waitFor({ timeout: 20_000 });
    await settle();

    // a connection from each namespace box's handle to the bridge's handle: a veth pair whose
    // host end becomes a port of the bridge
    for (const ns of [RED, BLUE]) {
      await drawConnection(byTestId(`ns-${ns}`).locator('[data-testid="connect-handle"]'), br.locator('[data-testid="connect-handle"]'));
      const d = byTestId('dialog');
      await d.waitFor({ timeout: 10_000 });
      expect(await d.locator('[data-testid="dialog-field-a"]').inputValue()).toBe('eth0');
      await expect.poll(() => d.locator('[data-testid="dialog-preview"]').innerText().catch(() => ''), { timeout: 10_000 }).toContain('type veth peer name');
      if (ns === RED) { fs.mkdirSync(artifacts, { recursive: true }); await page.screenshot({ path: path.join(artifacts, 'build-connect-dialog.png') }); }
      await submitDialog({});
      await ifNode('eth0', nsId(ns)).waitFor({ timeout: 20_000 });
      await settle();
    }
    const links = ipJson<{ ifname: string; master?: string; operstate: string; ifalias?: string }[]>('-d', 'link', 'show', 'master', BR);
    // the bridge-side ends are named as lab files name them: NAMESPACE-IFNAME of the other end
    expect(links.map((l) => l.ifname).sort()).toEqual([`${BLUE}-eth0`, `${RED}-eth0`].sort());
    for (const l of links) expect(l.ifalias).toBe('vnet-studio:canvas');
    for (const ns of [RED, BLUE]) {
      const [eth0] = ipJson<{ ifname: string; flags: string[] }[]>('-n', ns, 'link', 'show', 'eth0');
      expect(eth0.flags).toContain('UP');
    }
  });

  it('assigns addresses in the inspector, and the namespaces ping each other through the bridge', async () => {
    await addAddress(ifNode('eth0', nsId(RED)), '10.77.0.1/24');
    await addAddress(ifNode('eth0', nsId(BLUE)), '10.77.0.2/24');
    // an invalid address is refused inline, before the engine sees it
    await ifNode('eth0', nsId(RED)).click();
    await page.locator('[data-testid="edit-addr"]').fill('10.77.0.300/24');
    await byTestId('edit-addr-error').waitFor();
    expect(await page.locator('[data-testid="edit-addr-add"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="edit-addr"]').fill('');
    // MTU and MAC: checked inline, then set through the engine
    await page.locator('[data-testid="edit-mtu"]').fill('40');
    await byTestId('edit-mtu-error').waitFor();
    await page.locator('[data-testid="edit-mtu"]').fill('1450');
    await page.locator('[data-testid="edit-mtu-apply"]').click();
    await expect.poll(() => ipJson<{ mtu: number }[]>('-n', RED, 'link', 'show', 'eth0')[0].mtu, { timeout: 15_000 }).toBe(1450);
    await page.locator('[data-testid="edit-mac"]').fill('01:00:5e:00:00:01');
    expect(await byTestId('edit-mac-error').innerText()).toMatch(/multicast/);
    await page.locator('[data-testid="edit-mac"]').fill('02:42:ac:11:00:02');
    await page.locator('[data-testid="edit-mac-apply"]').click();
    await expect.poll(() => ipJson<{ address: string }[]>('-n', RED, 'link', 'show', 'eth0')[0].address, { timeout: 15_000 }).toBe('02:42:ac:11:00:02');

    await addAddress(ifNode(BR, hostId), '10.77.0.254/24');
    expect(addrsOf(['-n', RED, 'addr', 'show', 'eth0'])).toContain('10.77.0.1/24');
    expect(addrsOf(['-n', BLUE, 'addr', 'show', 'eth0'])).toContain('10.77.0.2/24');
    expect(addrsOf(['addr', 'show', BR])).toContain('10.77.0.254/24');

    const red0 = ifNode('eth0', nsId(RED)), blue0 = ifNode('eth0', nsId(BLUE));
    const before = [await packets(red0), await packets(blue0)];
    const out = execFileSync('ip', ['netns', 'exec', RED, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.77.0.2']).toString();
    expect(out).toMatch(/3 received/);
    await expect.poll(async () => (await packets(red0)) - before[0], { timeout: 15_000, message: `${RED}/eth0 counters` }).toBeGreaterThanOrEqual(6);
    await expect.poll(async () => (await packets(blue0)) - before[1], { timeout: 15_000, message: `${BLUE}/eth0 counters` }).toBeGreaterThanOrEqual(6);

    // the artifact: the lab with traffic flowing and the command log below it
    fs.mkdirSync(artifacts, { recursive: true });
    await settle();
    const busy = spawn('ip', ['netns', 'exec', BLUE, 'ping', '-q', '-c', '100', '-i', '0.02', '10.77.0.1'], { stdio: 'ignore' });
    const busyDone = new Promise((r) => busy.once('exit', r));
    await expect.poll(async () => Number(await red0.getAttribute('data-level')), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(artifacts, 'build-lab.png') });
    await busyDone;
  });

  it('the command log shows the ip commands of every step, copyable', async () => {
    const lines = await page.locator('[data-testid="command-log"] [data-testid="command-line"]').allTextContents();
    const text = lines.join('\n');
    expect(text).toContain(`ip netns add ${RED}`);
    expect(text).toContain(`ip link add ${BR} type bridge`);
    expect(text).toMatch(/ip link add \S+ (netns \S+ )?type veth peer name \S+/);
    expect(text).toContain(`ip link set dev ${RED}-eth0 master ${BR}`);
    expect(text).toContain(`ip -n ${RED} addr add 10.77.0.1/24 dev eth0`);
    expect(text).toContain(`ip addr add 10.77.0.254/24 dev ${BR}`);
    expect(await page.locator('[data-testid="command-entry"][data-status="error"]').count()).toBe(0);
    // copy: the entry's lines reach the clipboard
    await browser!.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const entry = page.locator('[data-testid="command-entry"]').filter({ hasText: `ip netns add ${RED}` }).first();
    await entry.locator('[data-testid="copy-entry"]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), { timeout: 5_000 })
      .toBe(`ip netns add ${RED}\nip -n ${RED} link set dev lo up`);
  });

  it('undo removes the last address from the kernel (and logs the inverse command); redo puts it back', async () => {
    await byTestId('undo').click();
    await expect.poll(() => addrsOf(['addr', 'show', BR]), { timeout: 15_000 }).not.toContain('10.77.0.254/24');
    const last = page.locator('[data-testid="command-entry"]').last();
    expect(await last.getAttribute('data-kind')).toBe('undo');
    expect(await last.innerText()).toContain(`ip addr del 10.77.0.254/24 dev ${BR}`);
    // Ctrl+Shift+Z redoes it
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    // (keys act once the previous step has finished: wait for the buttons to say so)
    await expect.poll(() => byTestId('redo').isEnabled(), { timeout: 10_000 }).toBe(true);
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => addrsOf(['addr', 'show', BR]), { timeout: 15_000 }).toContain('10.77.0.254/24');
    // and Ctrl+Z undoes it again
    await expect.poll(() => byTestId('undo').isEnabled(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('[data-testid="command-entry"]').last().getAttribute('data-status')).toBe('ok');
    await page.keyboard.press('Control+Z');
    await expect.poll(() => addrsOf(['addr', 'show', BR]), { timeout: 15_000 }).not.toContain('10.77.0.254/24');
  });

  it('namespace editor: a default route and forwarding; a kernel refusal shows the engine\'s words', async () => {
    await settle();
    await byTestId(`ns-${RED}`).locator('.ns-header').click();
    const ed = page.locator('[data-testid="inspector-namespace"] [data-testid="ns-editor"]');
    await ed.waitFor({ timeout: 10_000 });
    await ed.locator('[data-testid="route-to"]').fill('default');
    await ed.locator('[data-testid="route-via"]').fill('10.77.0.254');
    await ed.locator('[data-testid="route-add"]').click();
    await expect.poll(() => ipJson<{ dst: string; gateway?: string }[]>('-n', RED, 'route', 'show', 'default').map((r) => r.gateway), { timeout: 15_000 })
      .toEqual(['10.77.0.254']);
    await ed.locator('[data-testid="edit-route"][data-to="default"]').waitFor({ timeout: 10_000 });
    await ed.locator('[data-testid="forwarding-on"]').click();
    await expect.poll(() => execFileSync('ip', ['netns', 'exec', RED, 'sysctl', '-n', 'net.ipv4.ip_forward']).toString().trim(), { timeout: 15_000 }).toBe('1');
    // inline check first: a route to an address with host bits set never reaches the engine
    await ed.locator('[data-testid="route-to"]').fill('10.99.0.1/24');
    await byTestId('route-error').waitFor();
    expect(await ed.locator('[data-testid="route-add"]').isDisabled()).toBe(true);
    // the kernel refuses a gateway it cannot reach: the engine's message names the route and namespace
    await ed.locator('[data-testid="route-to"]').fill('10.99.0.0/24');
    await ed.locator('[data-testid="route-via"]').fill('10.98.0.1');
    await ed.locator('[data-testid="route-add"]').click();
    const err = ed.locator('[data-testid="edit-error"]');
    await err.waitFor({ timeout: 15_000 });
    expect(await err.innerText()).toMatch(/10\.99\.0\.0\/24[\s\S]*unreachable/i);
    const failed = page.locator('[data-testid="command-entry"][data-status="error"]').last();
    expect(await failed.locator('[data-testid="command-line"]').innerText()).toBe(`ip -n ${RED} route add 10.99.0.0/24 via 10.98.0.1`);
  });

  it('a tap dropped into the host box and then dragged onto the bridge becomes its port', async () => {
    const hostBox = (await byTestId('ns-host').boundingBox())!;
    await byTestId('palette-tap').dragTo(byTestId('ns-host'), { targetPosition: { x: hostBox.width / 2, y: hostBox.height - 8 }, force: true });
    const d = byTestId('dialog');
    await d.waitFor();
    expect(await d.locator('[data-testid="dialog-field-name"]').inputValue()).toMatch(/^tap\d+$/);
    await submitDialog({ name: 'tap-bl' });
    const tap = ifNode('tap-bl', hostId);
    await tap.waitFor({ timeout: 20_000 });
    expect(ipJson<{ ifname: string; linkinfo?: { info_kind?: string } }[]>('-d', 'link', 'show', 'tap-bl')[0].linkinfo?.info_kind).toBe('tun');
    await settle();
    const a = (await tap.locator('.if-name').boundingBox())!;
    const b = (await ifNode(BR, hostId).boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => ipJson<{ master?: string }[]>('link', 'show', 'tap-bl')[0].master, { timeout: 15_000 }).toBe(BR);
    await expect.poll(() => page.locator('[data-testid="command-entry"]').last().innerText(), { timeout: 10_000 }).toContain(`ip link set dev tap-bl master ${BR}`);
  });

  it('a veth pair dropped into a namespace box asks where its other end goes', async () => {
    await settle();
    const box = (await byTestId(`ns-${BLUE}`).boundingBox())!;
    await byTestId('palette-veth').dragTo(byTestId(`ns-${BLUE}`), { targetPosition: { x: box.width / 2, y: box.height - 8 }, force: true });
    const d = byTestId('dialog');
    await d.waitFor();
    expect(await d.locator('[data-testid="dialog-field-a"]').inputValue()).toBe('eth1');
    await d.locator('[data-testid="dialog-field-peerNs"]').selectOption(RED);
    // a name the other namespace already has is refused inline
    await d.locator('[data-testid="dialog-field-b"]').fill('eth0');
    await d.locator('[data-testid="dialog-error-b"]').waitFor();
    expect(await d.locator('[data-testid="dialog-ok"]').isDisabled()).toBe(true);
    await submitDialog({ b: 'eth1' });
    await ifNode('eth1', nsId(BLUE)).waitFor({ timeout: 20_000 });
    await ifNode('eth1', nsId(RED)).waitFor({ timeout: 20_000 });
    const [l] = ipJson<{ link_netnsid?: number; ifalias?: string }[]>('-n', BLUE, '-d', 'link', 'show', 'eth1');
    expect(l.link_netnsid).toBeDefined();
    expect(l.ifalias).toBe('vnet-studio:canvas');
  });

  it('Delete asks first when it removes more than one object; Cancel leaves everything', async () => {
    await settle();
    await byTestId(`ns-${RED}`).locator('.ns-header').click();
    await page.keyboard.down('Control');
    await byTestId(`ns-${BLUE}`).locator('.ns-header').click();
    await page.keyboard.up('Control');
    await page.keyboard.press('Delete');
    const confirm = byTestId('confirm-dialog');
    await confirm.waitFor({ timeout: 10_000 });
    const items = await confirm.locator('[data-testid="confirm-items"] li').allInnerTexts();
    expect(items).toEqual(expect.arrayContaining([`namespace ${RED}`, `namespace ${BLUE}`]));
    await confirm.locator('[data-testid="confirm-cancel"]').click();
    await confirm.waitFor({ state: 'detached' });
    await page.waitForTimeout(300);
    expect(fs.existsSync(`/run/netns/${RED}`) && fs.existsSync(`/run/netns/${BLUE}`)).toBe(true);
  });

  it("works on the machine's own devices: a veth into a docker0 the app did not make; deleting docker0 asks, an app-made tap does not", async () => {
    ip('link', 'add', 'docker0', 'type', 'bridge');   // as docker would have it: no mark of ours
    ip('link', 'set', 'docker0', 'up');
    const docker0 = ifNode('docker0', hostId);
    await docker0.waitFor({ timeout: 20_000 });
    await settle();
    await drawConnection(byTestId(`ns-${BLUE}`).locator('[data-testid="connect-handle"]'), docker0.locator('[data-testid="connect-handle"]'));
    const d = byTestId('dialog');
    await d.waitFor({ timeout: 10_000 });
    expect(await d.locator('[data-testid="dialog-field-a"]').inputValue()).toBe('eth2');
    await submitDialog({});
    await expect.poll(() => ipJson<{ ifname: string }[]>('link', 'show', 'master', 'docker0').map((l) => l.ifname), { timeout: 15_000 }).toEqual([`${BLUE}-eth2`]);
    await settle();

    // Delete on docker0 (one object, but not ours): the page asks, and says why
    await clickCentred('docker0', docker0);
    await page.keyboard.press('Delete');
    const confirm = byTestId('confirm-dialog');
    await confirm.waitFor({ timeout: 10_000 });
    expect(await confirm.innerText()).toMatch(/Not made by VNet Studio: bridge docker0/);
    await confirm.locator('[data-testid="confirm-cancel"]').click();
    expect(ipJson<unknown[]>('link', 'show', 'docker0').length).toBe(1);

    // Delete on the app-made tap (one object of ours): gone at once, and undo brings it back as a port
    await clickCentred('tap-bl', ifNode('tap-bl', hostId));
    await page.keyboard.press('Delete');
    await expect.poll(() => { try { ip('link', 'show', 'tap-bl'); return true; } catch { return false; } }, { timeout: 15_000 }).toBe(false);
    expect(await byTestId('confirm-dialog').count()).toBe(0);
    await expect.poll(() => byTestId('undo').isEnabled(), { timeout: 10_000 }).toBe(true);
    await byTestId('undo').click();
    await expect.poll(() => { try { return ipJson<{ master?: string }[]>('link', 'show', 'tap-bl')[0].master ?? null; } catch { return null; } }, { timeout: 15_000 }).toBe(BR);
  });

  it('a line between two namespace boxes makes a plain veth pair; the inspector sets an end down and up', async () => {
    await settle();
    await drawConnection(byTestId(`ns-${RED}`).locator('[data-testid="connect-handle"]'), byTestId(`ns-${BLUE}`).locator('[data-testid="connect-handle"]'));
    const d = byTestId('dialog');
    await d.waitFor({ timeout: 10_000 });
    await submitDialog({ a: 'to-blue', b: 'to-red' });
    const end = ifNode('to-red', nsId(BLUE));
    await end.waitFor({ timeout: 20_000 });
    const [l] = ipJson<{ ifname: string; link_netnsid?: number; flags: string[] }[]>('-n', BLUE, 'link', 'show', 'to-red');
    expect(l.link_netnsid).toBeDefined();
    expect(l.flags).toContain('UP');
    await idle();
    await clickCentred('to-red', end);
    await page.locator('[data-testid="edit-updown"]').click();
    await expect.poll(() => ipJson<{ flags: string[] }[]>('-n', BLUE, 'link', 'show', 'to-red')[0].flags, { timeout: 15_000 }).not.toContain('UP');
    await expect.poll(() => end.getAttribute('data-state'), { timeout: 15_000 }).toBe('down');
    await idle();
    await page.locator('[data-testid="edit-updown"]').click();
    await expect.poll(() => ipJson<{ flags: string[] }[]>('-n', BLUE, 'link', 'show', 'to-red')[0].flags, { timeout: 15_000 }).toContain('UP');
    await idle();
  });

  it('renames an interface from the inspector; undo renames it back, redo again', async () => {
    await idle();
    await clickCentred('tap-bl', ifNode('tap-bl', hostId));
    await page.locator('[data-testid="edit-name"]').fill(BR);
    expect(await byTestId('edit-name-error').innerText()).toMatch(/already has an interface named/);
    await page.locator('[data-testid="edit-name"]').fill('tap-vm');
    await page.locator('[data-testid="edit-rename"]').click();
    await idle();
    expect(await page.locator('[data-testid="edit-error"]').count(), await page.locator('[data-testid="edit-error"]').allInnerTexts().then(String)).toBe(0);
    await ifNode('tap-vm', hostId).waitFor({ timeout: 15_000 });
    const names = () => ipJson<{ ifname: string }[]>('link', 'show').map((l) => l.ifname);
    expect(names()).toContain('tap-vm');
    expect(names()).not.toContain('tap-bl');
    await idle();
    await byTestId('undo').click();
    await expect.poll(names, { timeout: 15_000 }).toContain('tap-bl');
    await idle();
    await byTestId('redo').click();
    await expect.poll(names, { timeout: 15_000 }).toContain('tap-vm');
    await idle();
    await byTestId('tab-log').click();
    expect(await page.locator('[data-testid="command-line"]').allTextContents()).toEqual(expect.arrayContaining(['ip link set dev tap-bl name tap-vm', 'ip link set dev tap-vm name tap-bl']));
  });

  it('saves the canvas as a lab file that `vnet-studio lab validate` accepts', async () => {
    await byTestId('tab-labs').click();
    await byTestId('lab-name').fill('e2e-bridge');
    const [download] = await Promise.all([page.waitForEvent('download'), byTestId('lab-save').click()]);
    expect(download.suggestedFilename()).toBe('e2e-bridge.yaml');
    const file = path.join(stateDir, 'e2e-bridge.yaml');
    await download.saveAs(file);
    const yaml = fs.readFileSync(file, 'utf8');
    expect(yaml).toContain('name: e2e-bridge');
    expect(yaml).toContain(`${BR}:`);
    expect(yaml).toContain(`"${RED}:eth0"`);
    expect(yaml).toContain('10.77.0.1/24');
    const r = spawnSync(process.execPath, [cli, 'lab', 'validate', file], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}\n${r.stderr}\n${yaml}`).toBe(0);
    // the page's own validate says the same, and its plan would change nothing that exists… but a
    // lab made by the canvas is not this lab's: the plan names the conflict instead of touching it
    await byTestId('lab-validate').click();
    await expect.poll(() => byTestId('lab-status').innerText(), { timeout: 10_000 }).toContain('valid');
    // what the canvas made is journaled as the pseudo-lab "canvas", listed with the labs
    await page.locator('[data-testid="lab-entry"][data-lab="canvas"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(artifacts, 'build-lab-panel.png') });
    expect(pageErrors).toEqual([]);
  });

  it('opens lab files: issues with line numbers; a good one plans, applies with progress, is listed, exported and destroyed', async () => {
    if (!(await byTestId('lab-panel').isVisible())) await byTestId('tab-labs').click();
    const bad = path.join(stateDir, 'bad.yaml');
    fs.writeFileSync(bad, 'name: bad\nnamespaces:\n  bl-x:\n    interfaces:\n      eth0: { addresses: [10.0.0.300/24] }\nveths:\n  - [bl-x:eth0, nowhere]\n');
    await byTestId('lab-file').setInputFiles(bad);
    const issues = page.locator('[data-testid="lab-issue"]');
    await issues.first().waitFor({ timeout: 10_000 });
    const lines = await issues.evaluateAll((els) => els.map((e) => e.getAttribute('data-line')));
    expect(lines).toContain('5');
    expect(await issues.allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/10\.0\.0\.300\/24/)]));

    const good = path.join(stateDir, 'e2e-lab.yaml');
    fs.writeFileSync(good, 'name: e2e-lab\nnamespaces:\n  bl-la:\n    interfaces:\n      eth0: { addresses: [10.88.0.1/24] }\n  bl-lb:\n    interfaces:\n      eth0: { addresses: [10.88.0.2/24] }\nveths:\n  - [bl-la:eth0, bl-lb:eth0]\n');
    await byTestId('lab-file').setInputFiles(good);
    await expect.poll(() => byTestId('lab-status').innerText(), { timeout: 10_000 }).toContain('e2e-lab: valid');
    expect(await issues.count()).toBe(0);
    await byTestId('lab-plan').click();
    await expect.poll(() => page.locator('[data-testid="plan-line"]').allInnerTexts(), { timeout: 10_000 }).toContain('ip netns add bl-la');
    expect(fs.existsSync('/run/netns/bl-la')).toBe(false);   // a plan touches nothing

    await page.evaluate(() => {
      const w = window as unknown as { __progressSeen: boolean };
      w.__progressSeen = false;
      new MutationObserver(() => { if (document.querySelector('[data-testid="lab-progress"]')) w.__progressSeen = true; })
        .observe(document.body, { childList: true, subtree: true });
    });
    await byTestId('lab-apply').click();
    const entry = page.locator('[data-testid="lab-entry"][data-lab="e2e-lab"]');
    await entry.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { __progressSeen: boolean }).__progressSeen)).toBe(true);
    expect(execFileSync('ip', ['netns', 'exec', 'bl-la', 'ping', '-c', '1', '-W', '2', '10.88.0.2']).toString()).toMatch(/1 received/);
    // the apply's commands are in the command log (its own tab)
    await byTestId('tab-log').click();
    expect((await page.locator('[data-testid="command-entry"][data-kind="lab"]').last().innerText())).toContain('ip netns add bl-la');
    await byTestId('tab-labs').click();

    const [dl] = await Promise.all([page.waitForEvent('download'), byTestId('lab-export').click()]);
    expect(dl.suggestedFilename()).toBe('e2e-lab.sh');
    const sh = path.join(stateDir, 'e2e-lab.sh');
    await dl.saveAs(sh);
    expect(fs.readFileSync(sh, 'utf8')).toContain('ip netns add bl-la');

    await entry.locator('[data-testid="lab-destroy"]').click();
    await byTestId('confirm-ok').click();
    await entry.waitFor({ state: 'detached', timeout: 20_000 });
    expect(fs.existsSync('/run/netns/bl-la') || fs.existsSync('/run/netns/bl-lb')).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('destroying the pseudo-lab "canvas" removes exactly what the canvas made (renamed or not), nothing of the user\'s', async () => {
    await byTestId('lab-refresh').click();
    const entry = page.locator('[data-testid="lab-entry"][data-lab="canvas"]');
    await entry.waitFor({ timeout: 10_000 });
    await entry.locator('[data-testid="lab-destroy"]').click();
    await byTestId('confirm-ok').click();
    await entry.waitFor({ state: 'detached', timeout: 30_000 });
    const names = ipJson<{ ifname: string }[]>('link', 'show').map((l) => l.ifname);
    for (const gone of [BR, 'tap-vm', `${BLUE}-eth2`]) expect(names, gone).not.toContain(gone);
    expect(fs.existsSync(`/run/netns/${RED}`) || fs.existsSync(`/run/netns/${BLUE}`)).toBe(false);
    expect(names).toContain('docker0');   // the user's bridge stays
    expect(pageErrors).toEqual([]);
  });
});

describeKernel('building without privileges (engine as nobody)', () => {
  let served: Served | null = null;
  let unprivBrowser: Browser | null = null;
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-build-unpriv-'));
    // serve (and its engine) as nobody: the engine runs, but only as a viewer
    served = await startServe({ prefix: NOBODY, env: { ...process.env, VNET_STATE_DIR: path.join(dir, 'state') } });
    unprivBrowser = await launchChromium({ viewport: { width: 1400, height: 900 } });
    page = unprivBrowser.page;
    await page.goto(served.url);
    await page.locator('[data-testid="status"][data-engine="true"][data-privileged="false"]').waitFor({ timeout: 30_000 });
  });
  afterAll(async () => {
    await unprivBrowser?.close();
    await stopServe(served);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('building controls are off, each saying why and what to do', async () => {
    await byTestId('palette').and(page.locator('[data-enabled="false"]')).waitFor({ timeout: 10_000 });
    const item = byTestId('palette-bridge');
    expect(await item.getAttribute('draggable')).toBe('false');
    expect(await item.getAttribute('title')).toMatch(/without privileges[\s\S]*(Enable editing|sudo vnet-studio serve)/);
    expect(await byTestId('editing-disabled').innerText()).toMatch(/without privileges/);
    await byTestId('ns-host').waitFor({ timeout: 20_000 });
    expect(await byTestId('ns-host').locator('[data-testid="connect-handle"]').getAttribute('class')).toMatch(/\boff\b/);
    await byTestId('ns-host').locator('.ns-header').click();
    const ed = byTestId('ns-editor');
    await ed.waitFor({ timeout: 10_000 });
    expect(await ed.getAttribute('data-enabled')).toBe('false');
    expect(await ed.locator('[data-testid="route-add"]').isDisabled()).toBe(true);
    if (!(await byTestId('lab-panel').isVisible())) await byTestId('tab-labs').click();
    expect(await byTestId('lab-apply').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'build-unprivileged.png') });
  });
});
