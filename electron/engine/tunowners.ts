// Which processes hold a tun/tap device open: the kernel says it only in /proc/<pid>/fdinfo/<fd>
// of a /dev/net/tun file descriptor, as a line `iff:\tNAME` (tun_chr_show_fdinfo). That line names
// the device but not its namespace, so we match it like this (the heuristic, documented):
//   1. a holder's fd is attached to a device NAME; candidates are the namespaces that have a
//      tun/tap called NAME;
//   2. one candidate → that one; several → the one the holding process lives in (a tun is usually
//      created in the holder's namespace: qemu, openvpn, a container runtime); if the process lives
//      in none of them, every candidate gets the owner (we cannot tell, and hiding it would be worse).
import * as fs from 'node:fs';
import type { TunOwner } from '../contract';

export interface TunHold { pid: number; comm: string; iff: string; nsInode: number | null }

/** `iff:` value of one fdinfo text, or null. */
export function parseFdinfoIff(text: string): string | null {
  const m = /^iff:\t(.+)$/m.exec(text);
  return m ? m[1] : null;
}

/** Every (process, tun device) pair on the machine that we may read. The reads are synchronous
 *  (fs.promises costs ~10x more per call here, and a machine has thousands of fds) but done a
 *  slice of processes at a time, yielding in between, so the engine's thread stays free for
 *  events: about 0.1 ms per process. */
export async function scanTunHolders(sliceMs = 4): Promise<TunHold[]> {
  const out: TunHold[] = [];
  let entries: string[];
  try { entries = fs.readdirSync('/proc'); } catch { return out; }
  const pids = entries.filter((e) => e.charCodeAt(0) >= 48 && e.charCodeAt(0) <= 57).map(Number);
  let sliceStart = performance.now();
  for (const pid of pids) {
    const found = scanPid(pid);
    if (found) out.push(...found);
    if (performance.now() - sliceStart > sliceMs) {
      await new Promise((r) => setImmediate(r));
      sliceStart = performance.now();
    }
  }
  return out;
}

function scanPid(pid: number): TunHold[] | null {
  let fds: string[];
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return null; }
  const names = new Set<string>();
  for (const fd of fds) {
    let target: string;
    try { target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    if (target !== '/dev/net/tun') continue;
    try {
      const iff = parseFdinfoIff(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (iff) names.add(iff);
    } catch { /* fd closed meanwhile */ }
  }
  if (names.size === 0) return null;
  let comm = '?';
  try { comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* exited */ }
  let nsInode: number | null = null;
  try {
    const m = /^net:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/ns/net`));
    if (m) nsInode = Number(m[1]);
  } catch { /* exited or refused */ }
  return [...names].map((iff) => ({ pid, comm, iff, nsInode }));
}

/** Applies the heuristic above. `tunsByNs`: namespace inode → names of its tun/tap devices.
 *  Result: namespace inode → device name → owners sorted by pid. Pure. */
export function assignOwners(holds: readonly TunHold[], tunsByNs: ReadonlyMap<number, ReadonlySet<string>>): Map<number, Map<string, TunOwner[]>> {
  const out = new Map<number, Map<string, TunOwner[]>>();
  const add = (inode: number, name: string, o: TunOwner) => {
    let m = out.get(inode);
    if (!m) out.set(inode, (m = new Map()));
    let l = m.get(name);
    if (!l) m.set(name, (l = []));
    if (!l.some((x) => x.pid === o.pid)) l.push(o);
  };
  for (const h of holds) {
    const candidates: number[] = [];
    for (const [inode, names] of tunsByNs) if (names.has(h.iff)) candidates.push(inode);
    if (candidates.length === 0) continue;
    const chosen = candidates.length === 1 ? candidates
      : h.nsInode !== null && candidates.includes(h.nsInode) ? [h.nsInode] : candidates;
    for (const inode of chosen) add(inode, h.iff, { pid: h.pid, comm: h.comm });
  }
  for (const m of out.values()) for (const l of m.values()) l.sort((a, b) => a.pid - b.pid);
  return out;
}
