// Shared by the engine's kernel suites: `ip` and friends with argv arrays (never a shell string),
// processes that hold namespaces or tun devices, and lookups in the model.
import { execFile, execFileSync, spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { Interface, Model, Namespace } from '../../electron/contract';
import { ip } from '../helpers/ip';
import { CLI_PATH } from '../../electron/paths';

export { ip };

/** `ip` inside the network namespace of `pid` (how one configures a container from outside). */
export function ipIn(pid: number, ...args: string[]): string {
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', ...args], { encoding: 'utf8' });
}
export function run(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runAsync(cmd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

const netInode = (pid: number | string) => fs.statSync(`/proc/${pid}/ns/net`).ino;

/** A "container": a process in a network namespace of its own, and nothing else holding it. */
export async function startContainer(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
  const own = netInode('self');
  for (let i = 0; i < 200; i++) {
    try { if (child.pid && netInode(child.pid) !== own && fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep') return child as ChildProcess & { pid: number }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill('SIGKILL');
  throw new Error('unshare --net sleep did not start');
}

const TUN_HOLDER = [
  'import fcntl, os, struct, sys, time',
  'fd = os.open("/dev/net/tun", os.O_RDWR)',
  // TUNSETIFF with IFF_TUN (1) or IFF_TAP (2), | IFF_NO_PI (0x1000)
  'fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), int(sys.argv[2])))',
  'print("ready", flush=True)',
  'time.sleep(1000)',
].join('\n');

/** A process that creates (or attaches to) tun/tap `name` and holds it open, as a VPN or VM does. */
export async function holdTun(name: string, mode: 'tun' | 'tap'): Promise<ChildProcess & { pid: number }> {
  const child = spawn('python3', ['-c', TUN_HOLDER, name, String((mode === 'tun' ? 1 : 2) | 0x1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`tun holder exited with ${code}`)));
  });
  return child as ChildProcess & { pid: number };
}

export function nsNamed(m: Model, name: string): Namespace | undefined {
  return m.namespaces.find((n) => n.kind === 'named' && n.name === name);
}
export function hostNs(m: Model): Namespace { return m.namespaces.find((n) => n.kind === 'host')!; }
export function nsOfPid(m: Model, pid: number): Namespace | undefined {
  return m.namespaces.find((n) => n.pids.includes(pid));
}
export function iface(ns: Namespace | undefined, name: string): Interface | undefined {
  return ns?.interfaces.find((i) => i.name === name);
}
export function quiet(f: () => void): void { try { f(); } catch { /* already gone */ } }

// ---- the built CLI as a process ----
export const root = path.resolve(__dirname, '..', '..');
export const cli = CLI_PATH;
export const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** The process suites' world (call inside a describeKernel): the built CLI must exist; veth pv0 in
 *  the host, its peer pv1 in the named namespace proc-blue; removed after the suite. */
export function useBuiltCliWithProcBlue(): void {
  beforeAll(() => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: build first (npx tsc -p tsconfig.json)`);
    ip('netns', 'add', 'proc-blue');
    ip('link', 'add', 'pv0', 'type', 'veth', 'peer', 'name', 'pv1');
    ip('link', 'set', 'pv1', 'netns', 'proc-blue');
  });
  afterAll(() => {
    quiet(() => ip('link', 'del', 'pv0'));
    quiet(() => ip('netns', 'del', 'proc-blue'));
  });
}

/** `vnet-studio engine --stdio` as a child process (optionally behind a prefix such as NOBODY). */
export class EngineProc {
  readonly p: ChildProcessWithoutNullStreams;
  readonly messages: Record<string, any>[] = [];
  private waiters: (() => void)[] = [];
  stderr = '';
  exit: Promise<number | null>;
  constructor(prefix: string[] = [], args: string[] = []) {
    const argv = [...prefix, process.execPath, cli, 'engine', '--stdio', ...args];
    this.p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.p.stdout }).on('line', (l) => {
      this.messages.push(JSON.parse(l)); // stdout carries only protocol: every line must be JSON
      for (const w of this.waiters.splice(0)) w();
    });
    this.p.stderr.on('data', (d) => { this.stderr += d; });
    this.exit = new Promise((r) => this.p.on('exit', (code) => r(code)));
  }
  send(msg: object): void { this.p.stdin.write(`${JSON.stringify(msg)}\n`); }
  async next(pred: (m: Record<string, any>) => boolean, timeoutMs = 15_000): Promise<Record<string, any>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no such message; stderr: ${this.stderr}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
  }
  async call(id: number, method: string, params?: unknown) {
    this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return this.next((m) => m.id === id);
  }
}

