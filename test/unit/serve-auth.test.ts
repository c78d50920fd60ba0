// The web host's gate, against a real HTTP + WebSocket server on 127.0.0.1. The engine side is a
// stand-in that answers `hello` (no kernel involved: this is about who gets in, not what they see).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Relay, type JsonRpcMessage } from '../../electron/hosts/relay';
import { resolveStaticPath, startServer, type RunningServer } from '../../electron/hosts/web/server';

let dir: string;
let server: RunningServer;
let relay: Relay;
const engineSaw: JsonRpcMessage[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-serve-'));
  const renderer = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>VNet Studio</title><script src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(renderer, '.env'), 'HIDDEN');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'TOP SECRET');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
  relay = new Relay({
    send: (m) => {
      engineSaw.push(m);
      queueMicrotask(() => relay.fromEngine({ jsonrpc: '2.0', id: m.id, result: { answered: m.method } }));
      return true;
    },
  });
  server = await startServer({ relay, rendererDir: renderer, port: 0 });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }
function get(p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // `path` is sent as written: no client-side normalisation of "..", like `curl --path-as-is`.
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

type WsOutcome = { open: true; ws: WebSocket } | { open: false; status: number | null };
function connect(query: string, headers: Record<string, string>): Promise<WsOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.on('open', () => resolve({ open: true, ws }));
    ws.on('unexpected-response', (_req, res) => { resolve({ open: false, status: res.statusCode ?? null }); ws.terminate(); });
    ws.on('error', () => resolve({ open: false, status: null }));
  });
}
const origin = () => `http://127.0.0.1:${server.port}`;

describe('web host: token, Origin and paths', () => {
  it('prints a URL on 127.0.0.1 with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('refuses HTTP without the token or with a wrong one (403), for pages and assets alike', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/?token=', '/?token=nope', `/?token=${server.token.slice(0, -1)}${server.token.endsWith('0') ? '1' : '0'}`, '/ws']) {
      const r = await get(p);
      expect(r.status, p).toBe(403);
      expect(r.body).not.toContain('VNet Studio');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    const wrongCookie = await get('/', { Cookie: `${server.cookieName}=${'0'.repeat(64)}` });
    expect(wrongCookie.status).toBe(403);
    // A cookie named for a different port does not count either.
    const otherPort = await get('/', { Cookie: `vnet_token_1=${server.token}` });
    expect(otherPort.status).toBe(403);
  });

  it('serves the page with the token, sets the cookie, and the cookie alone then opens assets', async () => {
    const r = await get(`/?token=${server.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>VNet Studio</title>');
    expect(r.headers['content-type']).toContain('text/html');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain(`${server.cookieName}=${server.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const asset = await get('/assets/app.js', { Cookie: `${server.cookieName}=${server.token}` });
    expect(asset.status).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('allows only GET and HEAD, and only this server\'s Host names', async () => {
    const post = await get(`/?token=${server.token}`, {}, 'POST');
    expect(post.status).toBe(405);
    const rebound = await get(`/?token=${server.token}`, { Host: `evil.example:${server.port}` });
    expect(rebound.status).toBe(403);
    const localhost = await get(`/?token=${server.token}`, { Host: `localhost:${server.port}` });
    expect(localhost.status).toBe(200);
  });

  it('makes path traversal impossible (raw, encoded, backslashes, NUL, dot-files, symlinks out)', async () => {
    const auth = { Cookie: `${server.cookieName}=${server.token}` };
    const attempts = [
      '/../secret.txt', '/../../../../etc/passwd', '/assets/../../secret.txt', '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/assets%5c..%5c..%5csecret.txt',
      '/%00index.html', '/index.html%00.js', '/.env', '/assets/link.txt', '/%252e%252e/secret.txt', '//etc/passwd', '/assets',
    ];
    for (const p of attempts) {
      const r = await get(p, auth);
      expect(r.status, p).not.toBe(200);
      expect(r.body, p).not.toContain('TOP SECRET');
      expect(r.body, p).not.toContain('root:');
      expect(r.body, p).not.toContain('HIDDEN');
    }
    const root = path.join(dir, 'renderer');
    expect(resolveStaticPath(root, '/../secret.txt')).toBeNull();
    expect(resolveStaticPath(root, '/%2e%2e/secret.txt')).toBeNull();
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('refuses WebSocket upgrades without the token, with a wrong one, or from a foreign Origin', async () => {
    const cases: [string, Record<string, string>][] = [
      ['', { Origin: origin() }],
      ['?token=wrong', { Origin: origin() }],
      ['', { Origin: origin(), Cookie: `${server.cookieName}=bad` }],
      [`?token=${server.token}`, { Origin: 'http://evil.example' }],
      [`?token=${server.token}`, { Origin: `http://localhost:${server.port + 1}` }],
      [`?token=${server.token}`, { Origin: 'null' }],
      [`?token=${server.token}`, {}], // no Origin at all
    ];
    for (const [q, h] of cases) {
      const r = await connect(q, h);
      expect(r.open, `${q} ${JSON.stringify(h)}`).toBe(false);
      if (!r.open) expect(r.status).toBe(403);
    }
    expect(engineSaw).toEqual([]);
  });

  it('lets a good token (query or cookie) with our Origin in, and relays requests both ways', async () => {
    for (const [q, h] of [[`?token=${server.token}`, { Origin: origin() }], ['', { Origin: origin(), Cookie: `${server.cookieName}=${server.token}` }]] as const) {
      const r = await connect(q, h);
      expect(r.open).toBe(true);
      if (!r.open) continue;
      const ws = r.ws;
      const replies: JsonRpcMessage[] = [];
      const done = new Promise<void>((resolve) => ws.on('message', (d) => {
        replies.push(JSON.parse(String(d)));
        if (replies.length === 2) resolve();
      }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'hello' }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'rm -rf' }));
      await done;
      expect(replies).toContainEqual({ jsonrpc: '2.0', id: 41, result: { answered: 'hello' } });
      expect(replies.find((m) => m.id === 42)).toMatchObject({ error: { code: -32601 } });
      ws.close();
    }
    expect(engineSaw.map((m) => m.method)).toEqual(['hello', 'hello']);
  });
});
