// The lab methods through the web host, as a browser tab uses them: `vnet-studio serve` (built CLI,
// real engine, real kernel, in the throwaway world), a WebSocket with the token and the server's
// own Origin, labApply of the shipped two-rooms lab with labProgress notifications (seen by every
// connected client), checked with `ip -j`, then labDestroy and nothing left. And the same host with
// an unprivileged engine: labApply comes back as error 1001, code intact, and nothing is made.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { describeKernel } from '../helpers/world';
import { startServe, stopServe, type Served } from '../helpers/serve-process';
import { addrs, kernelState, links, markedLinks, netnsList, ping, until } from '../helpers/lab-kernel';
import { ErrorCodes, type LabProgress, type LabResult } from '../../electron/contract';
import { NOBODY } from '../helpers/processes';
import { CLI_PATH } from '../../electron/paths';

const root = path.resolve(__dirname, '../..');
const cli = CLI_PATH;
const twoRooms = fs.readFileSync(path.join(root, 'assets', 'labs', 'two-rooms.yaml'), 'utf8');

/** A JSON-RPC client over the host's WebSocket, as the renderer's (token in the query, our Origin). */
class WsClient {
  readonly notes: { method: string; params: any }[] = [];
  private readonly pending = new Map<number, (m: any) => void>();
  private nextId = 1;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.id != null && this.pending.has(m.id)) { this.pending.get(m.id)!(m); this.pending.delete(m.id); } else if (m.method) this.notes.push(m);
    });
  }
  static open(url: URL): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, { headers: { Origin: `http://${url.host}` } });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)));
    });
  }
  /** The whole response message (result or error), under the id we chose. */
  call(method: string, params?: unknown, timeoutMs = 30_000): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`no answer to ${method} within ${timeoutMs} ms`)); }, timeoutMs);
      this.pending.set(id, (m) => { clearTimeout(timer); resolve(m); });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }
  progress(): LabProgress[] { return this.notes.filter((n) => n.method === 'labProgress').map((n) => n.params); }
  close(): void { this.ws.close(); }
}

/** Waits for the host's notice that its engine answers (the relay tells every client on connect). */
async function engineUp(c: WsClient): Promise<void> {
  await until(() => c.notes.some((n) => n.method === 'host' && n.params.engineConnected === true), 'the engine to be connected', 15_000);
}

describeKernel('lab methods through the web host (serve + WebSocket + engine, real kernel)', () => {
  let stateDir = '';
  let served: Served | null = null;
  let unprivileged: Served | null = null;
  const clients: WsClient[] = [];

  beforeAll(() => {
    if (!fs.existsSync(cli)) throw new Error(`${path.relative(root, cli)} is missing: build first (npx tsc -p tsconfig.json)`);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-lab-ws-'));
    fs.chmodSync(stateDir, 0o755);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await stopServe(served);
    await stopServe(unprivileged);
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('labApply over the WebSocket: progress to every client, the commands back, the lab in the kernel; labDestroy leaves nothing', async () => {
    const before = kernelState();
    served = await startServe({ env: { ...process.env, VNET_STATE_DIR: stateDir } });
    const tab = await WsClient.open(new URL(served.url));
    const otherTab = await WsClient.open(new URL(served.url)); // a second browser tab that only watches
    clients.push(tab, otherTab);
    await engineUp(tab);
    expect((await tab.call('hello')).result.privileged).toBe(true);

    const applied = await tab.call('labApply', { text: twoRooms, file: 'two-rooms.yaml' });
    expect(applied.error, JSON.stringify(applied.error)).toBeUndefined();
    const r = applied.result as LabResult;
    expect(r.lab).toBe('two-rooms');
    expect(r.commands).toEqual(expect.arrayContaining(['ip netns add red', 'ip netns add blue', 'ip link add br-rooms type bridge']));
    expect(r.commands.length).toBeGreaterThan(20);
    expect(r.actions.length).toBeGreaterThan(0);

    // Progress: counts up to every action, for the caller and for the tab that only watches.
    for (const c of [tab, otherTab]) {
      await until(() => c.progress().some((p) => p.done === r.actions.length), 'the last labProgress', 5_000);
      const progress = c.progress();
      expect(progress.every((p) => p.lab === 'two-rooms' && p.phase === 'apply' && p.total === r.actions.length)).toBe(true);
      const done = progress.map((p) => p.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(progress.at(-1)).toMatchObject({ done: r.actions.length, total: r.actions.length });
    }

    // The kernel, as iproute2 reports it.
    expect(netnsList()).toEqual(['blue', 'red']);
    const host = links();
    const br = host.find((l) => l.ifname === 'br-rooms');
    expect(br?.linkinfo?.info_kind).toBe('bridge');
    expect(br?.ifalias).toBe('vnet-studio:two-rooms');
    expect(addrs('host', 'br-rooms')).toContain('10.20.0.1/24');
    expect(host.find((l) => l.ifname === 'tap-vm')?.master).toBe('br-rooms');
    expect(addrs('host', 'tun-demo')).toContain('192.168.77.1/24');
    expect(host.filter((l) => l.master === 'br-rooms' && l.linkinfo?.info_kind === 'veth')).toHaveLength(2);
    expect(addrs('red', 'eth0')).toContain('10.20.0.2/24');
    expect(addrs('blue', 'eth0')).toContain('10.20.0.3/24');
    expect(links('blue').find((l) => l.ifname === 'eth0')?.mtu).toBe(1400);
    expect(ping('red', '10.20.0.3')).toBe(true);
    expect((await tab.call('labList')).result.labs).toMatchObject([{ name: 'two-rooms', state: 'applied' }]);

    // Destroy: exactly what the lab made goes, the machine is as before.
    const destroyed = await tab.call('labDestroy', { name: 'two-rooms' });
    expect(destroyed.error, JSON.stringify(destroyed.error)).toBeUndefined();
    expect(destroyed.result.commands).toEqual(expect.arrayContaining(['ip netns del red', 'ip netns del blue']));
    await until(() => markedLinks('two-rooms').length === 0 && netnsList().length === 0, 'the lab to be gone');
    for (const name of ['br-rooms', 'tun-demo', 'tap-vm']) expect(links().some((l) => l.ifname === name), name).toBe(false);
    expect(kernelState()).toBe(before);
    expect((await tab.call('labList')).result.labs).toEqual([]);
    expect(otherTab.progress().some((p) => p.phase === 'destroy')).toBe(true);
  });

  it('with an unprivileged engine, labApply comes back as error 1001 with its code intact, and nothing is made', async () => {
    const before = kernelState();
    unprivileged = await startServe({ prefix: NOBODY, env: { ...process.env, VNET_STATE_DIR: stateDir } });
    const tab = await WsClient.open(new URL(unprivileged.url));
    clients.push(tab);
    await engineUp(tab);
    expect((await tab.call('hello')).result.privileged).toBe(false);
    for (const [method, params] of [
      ['labApply', { text: twoRooms }],
      ['labDestroy', { name: 'two-rooms' }],
      ['build', { actions: [{ op: 'ns-add', ns: 'red' }] }],
    ] as const) {
      const r = await tab.call(method, params);
      expect(r.result, method).toBeUndefined();
      expect(r.error.code, method).toBe(ErrorCodes.NotPrivileged);
      expect(r.error.message, method).toMatch(/without privileges/);
    }
    // What needs no privileges still works: the plan of the same lab, as commands.
    const valid = await tab.call('labValidate', { text: twoRooms });
    expect(valid.result).toEqual({ ok: true, name: 'two-rooms', issues: [] });
    const cmds = await tab.call('buildCommands', { actions: [{ op: 'ns-add', ns: 'red' }] });
    expect(cmds.result.commands).toEqual(['ip netns add red']);
    expect(tab.progress()).toEqual([]);
    expect(kernelState()).toBe(before);
  });
});
