// The web host: serves the renderer build (dist/renderer) and relays the protocol over a WebSocket
// at /ws, so the app runs in a browser (a headless lab machine, and the end-to-end tests).
//
// Who may talk to it:
// - It binds 127.0.0.1 unless told otherwise.
// - A random token (32 bytes from crypto.randomBytes, hex) is required on EVERY HTTP request and
//   EVERY WebSocket upgrade. The printed URL carries it as `?token=`; a request with a valid `?token=`
//   also gets a cookie `vnet_token_<port>` (HttpOnly, SameSite=Strict, Path=/) so the page's own
//   assets and its WebSocket are let in without the token in their URLs. Either one suffices.
//   The cookie name carries the port because cookies are not port-scoped and two servers may run.
// - WebSocket upgrades must come with an Origin equal to this server's own (`http://<Host>`, where
//   the Host header names this server): a page from another site cannot drive the engine, even if it
//   somehow had the token. A missing Origin is refused too.
// - The Host header must name this server (defeats DNS rebinding) unless it listens on a wildcard
//   address, where any name may reach it (the token still applies).
// Tokens are compared in constant time. Responses carry a strict CSP and no-referrer (so the token
// never leaks through a Referer header), nosniff, no framing, no caching.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../csp';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../contract';
import type { Relay } from '../relay';

export interface ServeOptions {
  relay: Relay;
  /** Directory of the renderer build (index.html + assets). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); a fresh random one otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  token: string;
  cookieName: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** A client that stops reading: drop counter frames past this (the next frame supersedes them)... */
const SLOW_CLIENT_BYTES = 4 << 20;
/** ...and disconnect it past this. */
const STUCK_CLIENT_BYTES = 64 << 20;

export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy('web'),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
    'Cache-Control': 'no-store',
  };
}

function isWildcard(host: string): boolean { return host === '0.0.0.0' || host === '::' || host === ''; }
function isLoopback(host: string): boolean { return host === '127.0.0.1' || host === '::1' || host === 'localhost'; }
function hostPort(host: string, port: number): string { return `${host.includes(':') ? `[${host}]` : host}:${port}`; }

/**
 * Maps a URL path to a file under `root`, or null when it would leave it (../, encoded or not,
 * backslashes, NUL, dot-files). `root` must be absolute and resolved.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let p: string;
  try { p = decodeURIComponent(urlPath); } catch { return null; }
  if (p.includes('\0') || p.includes('\\')) return null;
  const segments = p.split('/');
  if (segments.some((s) => s === '..' || (s.startsWith('.') && s.length > 0))) return null;
  const rel = segments.filter((s) => s.length > 0).join(path.sep);
  const full = path.resolve(root, rel || 'index.html');
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return full;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenBuf = Buffer.from(token);
  const root = path.resolve(opts.rendererDir);
  let realRoot: string | null = null;
  try { realRoot = fs.realpathSync(root); } catch { /* not built yet: every page says so */ }
  let port = opts.port ?? 0;
  let cookieName = 'vnet_token';

  const tokenOk = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  const allowedHosts = (): Set<string> => {
    const names = new Set([hostPort(host, port)]);
    if (isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '::1']) names.add(hostPort(h, port));
    return names;
  };
  const hostHeaderOk = (h: string | undefined): boolean => !!h && (isWildcard(host) || allowedHosts().has(h.toLowerCase()));
  /** Which credential the request carries: 'query' (and we set the cookie), 'cookie', or null. */
  const authenticate = (req: http.IncomingMessage, url: URL): 'query' | 'cookie' | null => {
    if (tokenOk(url.searchParams.get('token'))) return 'query';
    if (tokenOk(parseCookies(req.headers.cookie).get(cookieName))) return 'cookie';
    return null;
  };

  const send = (res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', ...extra });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://vnet.invalid'); } catch { return send(res, 400, 'bad request URL\n'); }
    if (!hostHeaderOk(req.headers.host)) return send(res, 403, 'forbidden: this server does not answer to that Host name\n');
    const auth = authenticate(req, url);
    if (!auth) return send(res, 403, 'forbidden: missing or wrong token; open the URL that `vnet-studio serve` printed\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const extra: Record<string, string> = {};
    if (auth === 'query') extra['Set-Cookie'] = `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`;
    if (url.pathname === '/ws') return send(res, 426, 'this is the WebSocket endpoint\n', extra);
    if (!realRoot) { try { realRoot = fs.realpathSync(root); } catch { /* still not built */ } }
    if (!realRoot) return send(res, 503, `the renderer is not built (no ${root}): run \`npm run build\`\n`, extra);
    // Reject on the raw path too: URL parsing already collapsed "/a/../b", which must not be a way in.
    const rawPath = (req.url ?? '/').split('?')[0];
    const file = resolveStaticPath(root, rawPath) && resolveStaticPath(root, url.pathname);
    if (!file) return send(res, 404, 'not found\n', extra);
    const rootReal: string = realRoot;
    fs.realpath(file, (err, real) => {
      // Symlinks inside the build must not lead out of it either.
      if (err || (real !== rootReal && !real.startsWith(rootReal + path.sep))) return send(res, 404, 'not found\n', extra);
      fs.stat(real, (err2, st) => {
        if (err2 || !st.isFile()) return send(res, 404, 'not found\n', extra);
        res.writeHead(200, {
          ...securityHeaders(), ...extra,
          'Content-Type': CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream',
          'Content-Length': String(st.size),
        });
        if (req.method === 'HEAD') return res.end();
        fs.createReadStream(real).on('error', () => res.destroy()).pipe(res);
      });
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const refuseUpgrade = (socket: Socket, status: number, why: string) => {
    const body = `${why}\n`;
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://vnet.invalid'); } catch { return refuseUpgrade(socket, 400, 'bad request URL'); }
    if (!hostHeaderOk(req.headers.host)) return refuseUpgrade(socket, 403, 'forbidden: wrong Host');
    if (!authenticate(req, url)) return refuseUpgrade(socket, 403, 'forbidden: missing or wrong token');
    if (req.headers.origin !== `http://${req.headers.host}`) return refuseUpgrade(socket, 403, 'forbidden: foreign or missing Origin');
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not found');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  // Keep-alive: a client that stops answering pings (laptop lid closed, network gone) is dropped
  // so the relay stops queueing frames for it.
  const alive = new WeakMap<WebSocket, boolean>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) { ws.terminate(); continue; }
      alive.set(ws, false);
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();

  const attach = (ws: WebSocket) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    const client = opts.relay.connect((msg) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > STUCK_CLIENT_BYTES) { ws.terminate(); return; }
      // counter frames and live packet batches are superseded by the next ones (their numbers say what a
      // gap left out; the capture's file keeps every packet)
      if (ws.bufferedAmount > SLOW_CLIENT_BYTES && (msg.method === 'counters' || msg.method === 'capturePackets')) return;
      ws.send(JSON.stringify(msg));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) { ws.close(1003, 'text frames only'); return; }
      client.receive(data.toString('utf8'));
    });
    ws.on('close', () => client.close());
    ws.on('error', () => client.close());
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `vnet_token_${port}`;
  const shownHost = isWildcard(host) ? '127.0.0.1' : host;
  const url = `http://${hostPort(shownHost, port)}/?token=${token}`;
  return {
    url, host, port, token, cookieName,
    close: () => new Promise<void>((resolve) => {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
