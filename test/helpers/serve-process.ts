// The web host as the web-host and browser tests use it: the built CLI's `vnet-studio serve` as a
// child process (its own engine, in the throwaway world), and Debian's Chromium to open it.
// Needs `npm run build` first (npm test does it). Argv arrays only.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CLI_PATH } from '../../electron/paths';

const root = path.resolve(__dirname, '../..');
const cli = CLI_PATH;

export interface Served {
  proc: ChildProcess;
  /** The `Open http://127.0.0.1:PORT/?token=…` URL it printed. */
  url: string;
  /** Everything it wrote on stderr so far. */
  stderr: () => string;
}

/** Starts `serve` (optionally behind a prefix such as NOBODY) and resolves once it printed its URL. */
export function startServe(opts: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  for (const f of [cli, path.join(root, 'dist', 'renderer', 'index.html')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: run \`npm run build\` first`);
  }
  const argv = [...(opts.prefix ?? []), process.execPath, cli, 'serve', '--port', '0', '--no-open'];
  const proc = spawn(argv[0], argv.slice(1), { cwd: root, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      const m = /^Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})$/.exec(out.split('\n')[0]);
      if (m) resolve({ proc, url: m[1], stderr: () => err }); else reject(new Error(`unexpected first line from serve: ${out}`));
    });
    proc.on('exit', (code) => reject(new Error(`serve exited (${code}) before printing its URL:\n${err}`)));
  });
}

/** SIGTERM (SIGKILL after 5 s). */
export async function stopServe(s: Served | null): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const gone = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
}

export interface Browser { context: BrowserContext; page: Page; close: () => Promise<void> }

/** Headless Debian Chromium with a throwaway profile (removed by close()). */
export async function launchChromium(opts: { viewport?: { width: number; height: number }; acceptDownloads?: boolean } = {}): Promise<Browser> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: opts.viewport ?? { width: 1600, height: 1000 },
    acceptDownloads: opts.acceptDownloads,
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context, page,
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the app at `url` and waits until it is connected, has drawn the host box and laid out the
 *  canvas. Returns the page errors seen until then (a thrown error, or a Content-Security-Policy
 *  violation, which the page logs as a console error): a test expects none. */
export async function openApp(page: Page, url: string): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  const res = await page.goto(url);
  if (res?.status() !== 200) errors.push(`GET ${url}: HTTP ${res?.status()}`);
  await page.locator('[data-testid="status"][data-engine="true"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="ns-host"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="canvas"][data-layout="done"]').waitFor({ timeout: 30_000 });
  return errors;
}
