// The capture methods of the engine process (`vnet-studio engine --stdio`, built): strict params,
// live batches as notifications, the pcapng read back in chunks (during and after), ends and
// discards; through the web host, its own port left out on lo and a client that never reads.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeKernel } from '../helpers/world';
import WebSocket from 'ws';
import { EngineProc } from '../helpers/engine-proc';
import { NOBODY } from '../helpers/processes';
import { startServe, stopServe } from '../helpers/serve-process';
import { base64ToBytes, ErrorCodes, summarizePacket, type Model } from '../../electron/contract';
import { capinfos, tsharkFields } from '../helpers/capture-lab';

const lo = (m: Model) => m.namespaces.find((n) => n.kind === 'host')!.interfaces.find((i) => i.name === 'lo')!.id;
const PY_CONNECT = 'import socket,sys\nfor p in sys.argv[1:]:\n  s=socket.socket()\n  try: s.connect(("127.0.0.1",int(p)))\n  except OSError: pass\n  s.close()';

describeKernel('capture: the engine process\'s methods', () => {
  let e: EngineProc;
  let dir: string;
  let loId: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-rpc-'));
    e = new EngineProc(['env', 'VNET_CAPTURE_EXCLUDE_PORTS=5555']);
    const snap = await e.call(1, 'snapshot');
    loId = lo(snap.result.model);
  });
  afterAll(async () => {
    e?.p.stdin.end();
    await e?.exit;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad params, naming the field', async () => {
    const bad: [unknown, RegExp][] = [
      [undefined, /params must be an object/],
      [{}, /missing param "interfaces"/],
      [{ interfaces: [loId], extra: 1 }, /unknown param "extra"/],
      [{ interfaces: [] }, /"interfaces" must be a list of 1 to 32/],
      [{ interfaces: 'lo' }, /"interfaces" must be a list/],
      [{ interfaces: ['host:lo'] }, /interfaces\[0\] must be an interface id/],
      [{ interfaces: [loId, loId] }, /interfaces\[1\]: ".*" is listed twice/],
      [{ interfaces: ['ns:1/if:4242'] }, /interfaces\[0\]: the engine knows no interface "ns:1\/if:4242"/],
      [{ interfaces: [loId], filter: 7 }, /"filter" must be a string/],
      [{ interfaces: [loId], filter: 'icmp\u0000' }, /"filter" contains control characters/],
      [{ interfaces: [loId], filter: 'not a filter at all' }, /filter .* does not compile/],
      [{ interfaces: [loId], snaplen: 10 }, /"snaplen" must be an integer from 64 to 262144, got 10/],
      [{ interfaces: [loId], count: 1.5 }, /"count" must be an integer/],
      [{ interfaces: [loId], liveBytes: 99999 }, /"liveBytes" must be an integer from 0 to 2048/],
      [{ interfaces: [loId], maxFileBytes: 5 }, /"maxFileBytes" must be an integer/],
    ];
    let id = 100;
    for (const [params, why] of bad) {
      const r = await e.call(id++, 'captureStart', params);
      expect(r.error?.code, JSON.stringify(params)).toBe(ErrorCodes.InvalidParams);
      expect(r.error.message).toMatch(why);
    }
    for (const [method, params, why] of [
      ['captureStop', { id: 'x' }, /"id" must be a capture id/], ['captureStop', {}, /missing param "id"/],
      ['captureRead', { id: 'c1' }, /missing param "offset"/], ['captureRead', { id: 'c1', offset: -1 }, /"offset" must be an integer/],
      ['captureRead', { id: 'c1', offset: 0, length: 0 }, /"length" must be an integer from 1/], ['captureList', { a: 1 }, /unknown param "a"/],
      ['captureStop', { id: 'c999' }, /no capture "c999"/],
    ] as const) {
      const r = await e.call(id++, method, params);
      expect(r.error?.message, method).toMatch(why);
    }
    expect((await e.call(id++, 'captureList')).result.captures).toEqual([]);
  });

  it('streams live batches, reads the pcapng in chunks while running and once ended, and ends with captureEnded', async () => {
    const started = await e.call(200, 'captureStart', { interfaces: [loId], filter: 'icmp or tcp', liveBytes: 64 });
    expect(started.result).toMatchObject({ id: expect.stringMatching(/^c\d+$/), state: 'running', filter: 'icmp or tcp' });
    const cid = started.result.id as string;
    // lo of the host namespace: the web host's port is left out by the kernel filter
    expect(started.result.interfaces[0].kernelFilter).toBe('(icmp or tcp) and not tcp port 5555');
    execFileSync('ping', ['-n', '-c', '2', '-i', '0.2', '127.0.0.1'], { stdio: 'ignore' });
    execFileSync('python3', ['-c', PY_CONNECT, '5555', '5556'], { stdio: 'ignore' });
    const batch = await e.next((m) => m.method === 'capturePackets' && m.params.id === cid && m.params.packets.length > 0);
    const p = batch.params.packets[0];
    expect(p).toMatchObject({ n: 1, iface: loId, dir: 'rx', type: 'host', len: 98, caplen: 98 });
    expect(base64ToBytes(p.data)).toHaveLength(64);
    expect(summarizePacket(base64ToBytes(p.data), 'ethernet')).toMatchObject({ src: '127.0.0.1', dst: '127.0.0.1', protocol: 'ICMP' });
    await new Promise((r) => setTimeout(r, 300));
    const listed = (await e.call(201, 'captureList')).result.captures;
    expect(listed.map((c: { id: string; state: string }) => [c.id, c.state])).toEqual([[cid, 'running']]);

    const readAll = async (base: number, chunk: number) => {
      const parts: Uint8Array[] = [];
      let offset = 0, complete = false;
      for (let k = 0; ; k++) {
        const r = (await e.call(base + k, 'captureRead', { id: cid, offset, length: chunk })).result;
        if (r.bytes === 0) { complete = r.complete; break; }
        parts.push(base64ToBytes(r.data));
        offset += r.bytes;
      }
      const f = path.join(dir, `${cid}-${base}.pcapng`);
      fs.writeFileSync(f, Buffer.concat(parts));
      return { f, complete };
    };
    const running = await readAll(300, 1000);
    expect(running.complete).toBe(false);
    expect(tsharkFields(running.f, ['icmp.type'], 'icmp').map((r) => r[0])).toEqual(['8', '0', '8', '0']);

    const stopped = await e.call(400, 'captureStop', { id: cid });
    expect(stopped.result).toMatchObject({ state: 'ended', reason: 'stopped' });
    const endNote = await e.next((m) => m.method === 'captureEnded' && m.params.id === cid);
    expect(endNote.params.reason).toBe('stopped');
    const ended = await readAll(500, 4096);
    expect(ended.complete).toBe(true);
    expect(capinfos(ended.f)).toMatch(/Number of stat entries = 1/);
    const ports = tsharkFields(ended.f, ['tcp.dstport', 'tcp.srcport'], 'tcp').flat();
    expect(ports).toContain('5556');
    expect(ports).not.toContain('5555');
    expect((await e.call(600, 'captureDiscard', { id: cid })).result).toEqual({ ok: true });
    expect((await e.call(601, 'captureRead', { id: cid, offset: 0 })).error.message).toMatch(/no capture/);
  });

  it('an engine without privileges refuses to capture, saying so', async () => {
    const u = new EngineProc(NOBODY);
    try {
      const snap = await u.call(1, 'snapshot');
      const r = await u.call(2, 'captureStart', { interfaces: [lo(snap.result.model)] });
      expect(r.error).toMatchObject({ code: ErrorCodes.NotPrivileged, message: expect.stringMatching(/needs CAP_NET_RAW: the engine runs without privileges/) });
      expect((await u.call(3, 'captureList')).result.captures).toEqual([]);
    } finally {
      u.p.stdin.end();
      await u.exit;
    }
  });

  it('through the web host: its own port left out on lo, and a client that never reads stays bounded while others go on', async () => {
    const served = await startServe();
    const url = new URL(served.url);
    const open = () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, { headers: { Origin: `http://${url.host}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    try {
      const b = await open();
      const answers = new Map<number, any>();
      let batches = 0;
      b.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.id != null) answers.set(m.id, m);
        if (m.method === 'capturePackets') batches++;
      });
      const call = async (id: number, method: string, params?: unknown) => {
        b.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
        const end = Date.now() + 20_000;
        while (!answers.has(id)) {
          if (Date.now() > end) throw new Error(`no answer to ${method}; serve said: ${served.stderr()}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        return answers.get(id);
      };
      let snap = await call(1, 'snapshot');
      for (let k = 2; snap.error; k++) { await new Promise((r) => setTimeout(r, 200)); snap = await call(k, 'snapshot'); }
      const a = await open();
      // a never reads: its socket is not read from, so what the host sends it piles up there
      let aBatches = 0;
      a.on('message', (d) => { if (JSON.parse(String(d)).method === 'capturePackets') aBatches++; });
      const aSocket = (a as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      aSocket.pause();
      const started = await call(100, 'captureStart', { interfaces: [lo(snap.result.model)], liveBytes: 2048 });
      expect(started.result.interfaces[0].kernelFilter).toBe(`not tcp port ${url.port}`);
      const flood = spawn('ping', ['-f', '-n', '-q', '-w', '3', '-s', '1400', '127.0.0.1'], { stdio: 'ignore' });
      await new Promise((r) => flood.on('exit', r));
      const list = await call(101, 'captureList');
      expect(list.result.captures[0].stats.received).toBeGreaterThan(10_000);
      expect(batches).toBeGreaterThan(5);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${served.proc.pid}/status`, 'utf8'))![1]) * 1024;
      expect(rss).toBeLessThan(400 << 20);
      await call(102, 'captureStop', { id: started.result.id });
      // the capture never shows its own transport: no packet of the web host's port in the file
      let offset = 0; const parts: Buffer[] = [];
      for (let k = 0; ; k++) {
        const r = (await call(200 + k, 'captureRead', { id: started.result.id, offset })).result;
        if (!r.bytes) break;
        parts.push(Buffer.from(r.data, 'base64')); offset += r.bytes;
      }
      const f = path.join(dir, 'web.pcapng');
      fs.writeFileSync(f, Buffer.concat(parts));
      expect(tsharkFields(f, ['frame.number'], `tcp.port == ${url.port}`)).toEqual([]);
      expect(tsharkFields(f, ['frame.number'], 'icmp').length).toBeGreaterThan(1000);
      // what the host kept for a was bounded: once it reads again it gets only some of the batches b got
      aSocket.resume();
      await new Promise((r) => setTimeout(r, 1500));
      expect(aBatches).toBeGreaterThan(0);
      expect(aBatches).toBeLessThan(batches * 0.8);
      a.terminate(); b.close();
    } finally {
      await stopServe(served);
    }
  }, 60_000);
});
