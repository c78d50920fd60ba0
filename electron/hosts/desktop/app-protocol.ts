// Serves the renderer build to the Electron window under vnet://app/ (see app-origin.ts): only files
// inside dist/renderer, with the strict CSP and the other security headers. Plain Node so tests can
// exercise it; main.ts only wraps the result in a Response.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { APP_HOST, APP_SCHEME } from './app-origin';
import { contentSecurityPolicy } from '../csp';
import { resolveStaticPath } from '../web/server';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};

export interface AppFile { status: number; headers: Record<string, string>; body: Buffer }

export async function appProtocolResponse(rendererDir: string, requestUrl: string): Promise<AppFile> {
  const headers: Record<string, string> = {
    'Content-Security-Policy': contentSecurityPolicy('electron'),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
  const fail = (status: number, text: string): AppFile => ({ status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.from(text) });
  let url: URL;
  try { url = new URL(requestUrl); } catch { return fail(400, 'bad URL'); }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return fail(404, 'not found');
  const root = path.resolve(rendererDir);
  const rawPath = requestUrl.slice(`${APP_SCHEME}://${APP_HOST}`.length).split(/[?#]/)[0] || '/';
  const file = resolveStaticPath(root, rawPath) && resolveStaticPath(root, url.pathname);
  if (!file) return fail(404, 'not found');
  try {
    const [real, realRoot] = await Promise.all([fs.realpath(file), fs.realpath(root)]);
    if (!real.startsWith(realRoot + path.sep)) return fail(404, 'not found');
    const body = await fs.readFile(real);
    return { status: 200, headers: { ...headers, 'Content-Type': TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream' }, body };
  } catch {
    return fail(404, url.pathname === '/index.html' ? `the renderer is not built (no ${root}): run \`npm run build\`` : 'not found');
  }
}
