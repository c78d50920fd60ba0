// Processes the kernel tests start: a "container" (a process alone in a network namespace), a
// tun/tap holder (as a VPN or VM holds one), a command without blocking the test's thread, and the
// prefix that runs a command as nobody. Argv arrays only (never a shell string).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** Runs `f`, ignoring a failure (cleanup of what may already be gone). */
export function quiet(f: () => void): void { try { f(); } catch { /* already gone */ } }

/** setpriv as user and group nobody, no supplementary groups: put before an argv. */
export const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

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
