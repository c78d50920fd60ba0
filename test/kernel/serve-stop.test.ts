// Stopping the web host the way a user does ends all of it: `npm run serve` and the CLI run
// directly (`./bin/vnet-studio serve`), each stopped by SIGTERM, SIGINT, or the death of the process
// that started it (npm itself, or a shell, killed with SIGKILL so it can pass nothing on). Afterwards
// nothing listens on the port it printed, and neither the server nor its engine process is alive.
// Runs the built CLI (dist/) in the throwaway world: its own network namespace, so port 7171 is ours.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { until } from '../helpers/lab-kernel';
import { CLI_PATH } from '../../electron/paths';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'vnet-studio');

interface Proc { pid: number; ppid: number; state: string; argv: string[] }

function proc(pid: number): Proc | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, ppid: Number(ppid), state, argv };
  } catch { return null; /* gone */ }
}

/** Gone, or a zombie nobody reaps (an orphan's new parent in the world may be a process that never waits). */
const ended = (pid: number) => { const p = proc(pid); return p === null || p.state === 'Z'; };

/** Every live process below `top`. */
function descendants(top: number): Proc[] {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).map(proc)
    .filter((p): p is Proc => p !== null && p.state !== 'Z');
  const out: Proc[] = [];
  const walk = (pid: number) => { for (const c of all.filter((p) => p.ppid === pid)) { out.push(c); walk(c.pid); } };
  walk(top);
  return out;
}

/** Whether anything listens on TCP `port`, from the kernel's socket tables (state 0A = LISTEN). */
function listening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => fs.readFileSync(f, 'utf8').split('\n').slice(1)
    .some((line) => { const c = line.trim().split(/\s+/); return c[1]?.endsWith(`:${hex}`) && c[3] === '0A'; }));
}

interface Started {
  top: ChildProcess; server: number; engine: number; port: number;
  /** Every writer of our stdout/stderr pipes (top and everything below it) has closed them. */
  closed: Promise<unknown>; stdout: () => string; stderr: () => string;
}

/** Starts `argv` (which runs serve somewhere below it) and waits for the URL and the engine process. */
async function start(argv: string[]): Promise<Started> {
  for (const f of [CLI_PATH, path.join(root, 'dist', 'renderer', 'index.html')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: run \`npm run build\` first`);
  }
  const top = spawn(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(top);
  const closed = new Promise((r) => top.once('close', r));
  let out = ''; let err = '';
  top.stdout!.on('data', (d) => { out += d; });
  top.stderr!.on('data', (d) => { err += d; });
  await until(() => /^Open http:\/\/127\.0\.0\.1:\d+\/\?token=/m.test(out) || top.exitCode !== null, 'serve to print its URL', 30_000);
  const port = Number(/^Open http:\/\/127\.0\.0\.1:(\d+)\//m.exec(out)?.[1]);
  if (!port) throw new Error(`serve did not start:\n${err}`);
  let server: Proc | undefined; let engine: Proc | undefined;
  await until(() => {
    const below = [proc(top.pid!)!, ...descendants(top.pid!)].filter(Boolean);
    // The node process running serve (not npm or sh, whose argv also holds "serve").
    server = below.find((p) => path.basename(p.argv[0] ?? '') === 'node' && p.argv.includes('serve'));
    engine = below.find((p) => p.argv.includes('engine') && p.argv.includes('--stdio') && p.ppid === server?.pid);
    return !!engine;
  }, 'the engine process', 15_000);
  expect(listening(port)).toBe(true);
  return { top, server: server!.pid, engine: engine!.pid, port, closed, stdout: () => out, stderr: () => err };
}

/** Waits until the server, its engine and the listening socket are all gone, and their output read. */
async function allGone(s: Started): Promise<void> {
  await until(() => ended(s.server) && ended(s.engine) && !listening(s.port),
    `serve (pid ${s.server}), its engine (pid ${s.engine}) and port ${s.port} to be gone`, 20_000);
  await s.closed;
}

const running: ChildProcess[] = [];
afterEach(() => {
  // A failed case must not leave its server behind for the next one.
  for (const p of running.splice(0)) {
    for (const d of p.pid ? descendants(p.pid) : []) { try { process.kill(d.pid, 'SIGKILL'); } catch { /* gone */ } }
    p.kill('SIGKILL');
  }
});

const npmServe = ['npm', 'run', 'serve', '--', '--no-open'];
const cliServe = [bin, 'serve', '--no-open'];
/** A shell that stays the CLI's parent (a command after it keeps sh from exec'ing it). */
const shellServe = ['sh', '-c', '"$@"; exit $?', 'sh', ...cliServe];

describeKernel('stopping vnet-studio serve stops the server and its engine', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`npm run serve, ${sig} to npm`, async () => {
      const s = await start(npmServe);
      expect(s.top.pid).not.toBe(s.server); // npm is in between: the signal reaches serve only through it
      s.top.kill(sig);
      await allGone(s);
      expect(s.stderr()).toMatch(/vnet-studio serve: stopping \(/);
    });

    it(`./bin/vnet-studio serve, ${sig}`, async () => {
      const s = await start(cliServe);
      expect(s.top.pid).toBe(s.server);
      s.top.kill(sig);
      await allGone(s);
      expect(s.stderr()).toContain(`vnet-studio serve: stopping (${sig})`);
      // The one line on stdout, and nothing else, from start to end.
      expect(s.stdout()).toMatch(/^Open http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}\n$/);
    });
  }

  it('npm run serve, npm killed (SIGKILL: nothing is passed on)', async () => {
    const s = await start(npmServe);
    s.top.kill('SIGKILL');
    await allGone(s);
    expect(s.stderr()).toMatch(/vnet-studio serve: stopping \(parent process \d+ is gone\)/);
  });

  it('./bin/vnet-studio serve, the shell that started it killed (SIGKILL)', async () => {
    const s = await start(shellServe);
    expect(proc(s.server)!.ppid).toBe(s.top.pid);
    s.top.kill('SIGKILL');
    await allGone(s);
    expect(s.stderr()).toContain(`vnet-studio serve: stopping (parent process ${s.top.pid} is gone)`);
  });

  it('serve itself killed (SIGKILL): the engine leaves when its stdin closes', async () => {
    const s = await start(cliServe);
    s.top.kill('SIGKILL');
    await allGone(s);
  });
});
