// The docker-like lab the capture suites capture in: two "containers" (network namespaces held
// only by processes, as Docker's are) whose eth0 are veths into the bridge cbr0 of the world's own
// namespace, 10.77.0.1/24 and 10.77.0.2/24 (and fd77::1, fd77::2). Plus tshark reading pcapng.
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ip } from './ip';
import { quiet, startContainer } from './processes';

export interface CaptureLab { c1: ChildProcess & { pid: number }; c2: ChildProcess & { pid: number }; close(): void }

export async function buildCaptureLab(): Promise<CaptureLab> {
  const c1 = await startContainer();
  const c2 = await startContainer();
  ip('link', 'add', 'cbr0', 'type', 'bridge');
  ip('link', 'set', 'cbr0', 'up');
  for (const [k, c] of [[1, c1], [2, c2]] as const) {
    ip('link', 'add', `cv${k}`, 'type', 'veth', 'peer', 'name', `cpeer${k}`);
    ip('link', 'set', `cpeer${k}`, 'netns', String(c.pid));
    ip({ pid: c.pid }, 'link', 'set', `cpeer${k}`, 'name', 'eth0');
    ip({ pid: c.pid }, 'addr', 'add', `10.77.0.${k}/24`, 'dev', 'eth0');
    ip({ pid: c.pid }, 'addr', 'add', `fd77::${k}/64`, 'dev', 'eth0', 'nodad');
    ip({ pid: c.pid }, 'link', 'set', 'eth0', 'up');
    ip({ pid: c.pid }, 'link', 'set', 'lo', 'up');
    ip('link', 'set', `cv${k}`, 'master', 'cbr0');
    ip('link', 'set', `cv${k}`, 'up');
  }
  return {
    c1, c2,
    close() {
      c1.kill('SIGKILL'); c2.kill('SIGKILL');
      quiet(() => ip('link', 'del', 'cv1'));
      quiet(() => ip('link', 'del', 'cv2'));
      quiet(() => ip('link', 'del', 'cbr0'));
    },
  };
}

/** A command inside the network namespace of process `pid` (argv, no shell). */
export function inPidNs(pid: number, cmd: string, ...args: string[]): string {
  return execFileSync('nsenter', ['-t', String(pid), '-n', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** tshark's -T fields reading of a file: one row per packet, one column per field (its first
 *  occurrence, or every one joined by '|'). */
export function tsharkFields(file: string, fields: string[], filter?: string, everyOccurrence = false): string[][] {
  const occurrence = everyOccurrence ? ['-E', 'occurrence=a', '-E', 'aggregator=|'] : ['-E', 'occurrence=f'];
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=\t', ...occurrence, ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

/** capinfos's report of a file (interfaces with their names, encapsulations and statistics). */
export function capinfos(file: string): string {
  return execFileSync('capinfos', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
