// Pod-like namespaces as a CNI makes them (the approach of scripts/bench-scale.js): each held only
// by a process (`unshare --net sleep`, no /run/netns name), with `lo` up and one veth whose pod
// end is `eth0` (an address in 10.88.0.0/16, up) and whose host end is a port of one bridge in the
// test's own namespace. Both veth ends get no IPv6 link-local address (addrgenmode none): with
// one, every pod's router solicitations are flooded to every port of the bridge.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ipBatch } from './ip';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Pod { pid: number; index: number; hostEnd: string; addr: string }

/** The address of pod i in 10.88.0.0/16 (10.88.0.1 is the bridge's). */
export const podAddr = (i: number) => `10.88.${((i % 65000) + 2) >> 8}.${((i % 65000) + 2) & 255}`;

/** Makes the bridge the pods' host ends join. */
export function makeBridge(name: string): void {
  ipBatch([`link add ${name} type bridge`, `addr add 10.88.0.1/16 dev ${name}`, `link set ${name} addrgenmode none`, `link set ${name} up`]);
}

/** Starts `n` holders, each in a network namespace of its own; resolves once each is in it. */
export async function startHolders(n: number): Promise<number[]> {
  const selfNs = fs.readlinkSync('/proc/self/ns/net');
  // One shell starts them (a fork from it is far cheaper than from this process) and prints
  // their pids; it does not wait for them (each is killed on its own).
  const starter = spawn('sh', ['-c', 'i=0; while [ $i -lt "$1" ]; do unshare --net sleep infinity </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done', 'sh', String(n)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  starter.stdout!.setEncoding('utf8');
  starter.stdout!.on('data', (d: string) => { out += d; });
  const code = await new Promise<number | null>((r) => starter.once('close', r));
  const pids = out.split('\n').filter(Boolean).map(Number);
  if (code !== 0 || pids.length !== n) throw new Error(`starting ${n} pod holders: shell exit ${code}, ${pids.length} started`);
  // unshare makes the namespace and then execs sleep: wait until every holder is in its own.
  for (const pid of pids) {
    const until = Date.now() + 10_000;
    for (;;) {
      let ns: string | null = null;
      try { ns = fs.readlinkSync(`/proc/${pid}/ns/net`); } catch { /* not there yet */ }
      if (ns && ns !== selfNs && fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') break;
      if (Date.now() > until) throw new Error(`pod holder ${pid} never entered a namespace of its own`);
      await sleep(2);
    }
  }
  return pids;
}

const CONFIGURE = `while [ $# -gt 0 ]; do
  printf 'link set eth0 addrgenmode none\\nlink set lo up\\naddr add %s/16 dev eth0\\nlink set eth0 up\\n' "$2" |
    nsenter --net=/proc/$1/ns/net ip -batch - || { echo "pod holder $1: ip -batch failed" >&2; exit 1; }
  shift 2
done`;

/** Gives each holder its veth to `bridge` and configures the pod end (`shells` shells share the
 *  insides). Pods are numbered from `first` (host ends vh<index>). */
export async function wirePods(pids: number[], first: number, bridge: string, shells = 2): Promise<Pod[]> {
  const pods = pids.map((pid, k) => ({ pid, index: first + k, hostEnd: `vh${first + k}`, addr: podAddr(first + k) }));
  const lines: string[] = [];
  for (const p of pods) {
    lines.push(`link add ${p.hostEnd} type veth peer name eth0 netns ${p.pid}`, `link set ${p.hostEnd} addrgenmode none`, `link set ${p.hostEnd} master ${bridge} up`);
  }
  ipBatch(lines);
  const runs: Promise<void>[] = [];
  for (let s = 0; s < Math.min(shells, pods.length); s++) {
    const args: string[] = [];
    for (let i = s; i < pods.length; i += shells) args.push(String(pods[i].pid), pods[i].addr);
    runs.push(new Promise((resolve, reject) => {
      const c = spawn('sh', ['-c', CONFIGURE, 'sh', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d) => { err += d; });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`configuring pods failed: ${err.trim()}`))));
    }));
  }
  await Promise.all(runs);
  return pods;
}

/** Ends pods: their namespaces go, and the kernel takes their veths (both ends) with them. */
export function killPods(pods: readonly Pod[]): void {
  for (const p of pods) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* already gone */ } }
}

const holdsNs = (pid: number) => { try { fs.readlinkSync(`/proc/${pid}/ns/net`); return true; } catch { return false; } };

/** Resolves once none of `pids` holds a namespace any more (a killed holder may stay a zombie
 *  for a while: its namespaces are gone already). */
export async function waitGone(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const pid of pids) {
    while (holdsNs(pid)) {
      if (Date.now() > until) throw new Error(`pod holder ${pid} still there ${timeoutMs} ms after SIGKILL`);
      await sleep(5);
    }
  }
}
