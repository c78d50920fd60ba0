import { describe, expect, it } from 'vitest';
import { CommCache, groupNamespaces, regroup, type NsInfo } from '../../electron/engine/namespaces';
import { assignOwners, parseFdinfoIff } from '../../electron/engine/tunowners';

const comm = (pid: number) => ({ 1: 'init', 50: 'sleep', 51: 'sh', 60: 'nginx' } as Record<number, string>)[pid] ?? '?';

describe('engine namespace grouping', () => {
  it('host = pid 1\'s; named from /run/netns (even with processes); one process entry per inode, lowest pid', () => {
    const ns = groupNamespaces({
      hostInode: 10, ownInode: 10, comm,
      named: [{ name: 'red', inode: 30, path: '/run/netns/red' }, { name: 'blue', inode: 20, path: '/run/netns/blue' }],
      procs: [{ pid: 1, inode: 10 }, { pid: 51, inode: 40 }, { pid: 50, inode: 40 }, { pid: 60, inode: 20 }, { pid: 70, inode: 10 }],
    });
    expect(ns.map((n) => [n.id, n.kind, n.label, n.pids, n.openPath])).toEqual([
      ['ns:10', 'host', 'host', [1, 70], null],
      ['ns:20', 'named', 'blue', [60], '/run/netns/blue'],
      ['ns:30', 'named', 'red', [], '/run/netns/red'],
      ['ns:40', 'process', 'pid 50 (sleep)', [50, 51], '/proc/50/ns/net'],
    ]);
    expect(ns[0].refPath).toBe(`/proc/${process.pid}/ns/net`);
  });

  it('host opened by /proc/1 when the engine lives elsewhere; pid 1 unreadable → own namespace is the host', () => {
    let ns = groupNamespaces({ hostInode: 10, ownInode: 40, comm, named: [], procs: [{ pid: 1, inode: 10 }, { pid: 50, inode: 40 }] });
    expect(ns.map((n) => [n.kind, n.openPath])).toEqual([['host', '/proc/1/ns/net'], ['process', null]]);
    ns = groupNamespaces({ hostInode: null, ownInode: 40, comm, named: [], procs: [{ pid: 50, inode: 40 }] });
    expect(ns.map((n) => [n.id, n.kind, n.openPath])).toEqual([['ns:40', 'host', null]]);
  });

  it('a second name for the same namespace is not a second entry', () => {
    const ns = groupNamespaces({ hostInode: 10, ownInode: 10, comm, procs: [],
      named: [{ name: 'a', inode: 20, path: '/run/netns/a' }, { name: 'b', inode: 20, path: '/run/netns/b' }] });
    expect(ns.map((n) => n.label)).toEqual(['host', 'a']);
  });
});

describe('engine namespace regrouping (targeted passes)', () => {
  // A seeded generator, so that a failure names a case that can be run again.
  function rng(seed: number): () => number {
    return () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  }

  it('equals grouping afresh, after random moves, exits, forks and execs; unchanged entries are the same objects', () => {
    for (const [seed, ownInode] of [[1, 10], [2, 120], [3, 20], [4, 10], [5, 130]] as const) {
      const rand = rng(seed);
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
      const inodes = [10, 20, 30, ...Array.from({ length: 40 }, (_, i) => 100 + i)];
      const named = [{ name: 'red', inode: 30, path: '/run/netns/red' }, { name: 'blue', inode: 20, path: '/run/netns/blue' },
        { name: 'azure', inode: 20, path: '/run/netns/azure' }];
      const cmds = new Map<number, string>();
      const comm = (pid: number) => cmds.get(pid) ?? '?';
      const procs = new Map<number, number>();
      for (let pid = 1; pid < 300; pid++) if (rand() < 0.7) { procs.set(pid, pid === 1 ? 10 : pick(inodes)); cmds.set(pid, `c${pid}`); }
      const input = { hostInode: 10, ownInode, named, comm };
      const group = () => groupNamespaces({ ...input, procs: [...procs].map(([pid, inode]) => ({ pid, inode })).sort((a, b) => a.pid - b.pid) });
      let prev: NsInfo[] = group();
      for (let round = 0; round < 60; round++) {
        const affected = new Set<number>();
        const labels = new Map(prev.filter((n) => n.kind === 'process').map((n) => [n.pids[0], n.inode]));
        for (let k = Math.floor(rand() * 6); k >= 0; k--) {
          const pid = 2 + Math.floor(rand() * 400);
          const before = procs.get(pid);
          const what = rand();
          if (what < 0.3) procs.delete(pid); // exit
          else if (what < 0.8) procs.set(pid, rand() < 0.2 ? 200 + round : pick(inodes)); // fork or setns, a new namespace now and then
          else if (before !== undefined) { cmds.set(pid, `x${round}`); if (labels.get(pid) === before) affected.add(before); } // exec
          const now = procs.get(pid);
          if (before !== now) { if (before !== undefined) affected.add(before); if (now !== undefined) affected.add(now); }
        }
        const r = regroup(prev, input, procs, affected);
        const fresh = group();
        expect(r.namespaces, `seed ${seed} round ${round}`).toEqual(fresh);
        const before = new Map(prev.map((n) => [n.id, n]));
        for (const n of r.namespaces) {
          const old = before.get(n.id);
          if (r.changed.includes(n)) expect(old === undefined || JSON.stringify(old) !== JSON.stringify(n)).toBe(true);
          else expect(n).toBe(old);
        }
        expect(r.removed.sort()).toEqual(prev.filter((n) => !fresh.some((f) => f.id === n.id)).map((n) => n.id).sort());
        if (!r.moved) expect(r.namespaces.map((n) => n.id)).toEqual(prev.map((n) => n.id).filter((id) => !r.removed.includes(id)));
        prev = r.namespaces;
      }
    }
  });
});

describe('engine command-name cache (labels of process namespaces)', () => {
  /** One discovery pass over pids 1000.. (one namespace each); returns the labels' commands. */
  function pass(n: number, cache: CommCache): string[] {
    cache.begin(n);
    const labels = Array.from({ length: n }, (_, i) => cache.comm(1000 + i, 5000 + i));
    cache.end();
    return labels;
  }

  it('few namespaces: every command is read on every pass', () => {
    const reads: number[] = [];
    const cache = new CommCache((pid) => { reads.push(pid); return `c${pid}`; });
    const perPass: number[] = [];
    for (let p = 0; p < 3; p++) {
      const before = reads.length;
      expect(pass(20, cache)).toEqual(Array.from({ length: 20 }, (_, i) => `c${1000 + i}`));
      perPass.push(reads.length - before);
    }
    expect(perPass).toEqual([20, 20, 20]);
  });

  it('a thousand namespaces: new processes at once, known ones within ten passes, a bounded number a pass', () => {
    let name = 'sleep';
    const read: number[] = [];
    const cache = new CommCache((pid) => { read.push(pid); return `${name}${pid}`; });
    const count = (f: () => void) => { const b = read.length; f(); return read.length - b; };
    expect(count(() => pass(1000, cache))).toBe(1000);
    // Later passes re-read about a tenth each, and every process within ten passes.
    name = 'nginx';
    const perPass: number[] = [];
    let labels: string[] = [];
    for (let p = 0; p < 10; p++) perPass.push(count(() => { labels = pass(1000, cache); }));
    expect(Math.max(...perPass)).toBeLessThanOrEqual(100);
    expect(labels.every((l) => l.startsWith('nginx'))).toBe(true);
    // A pid seen in another namespace (reused) is read at once.
    cache.begin(1000);
    const b = read.length;
    expect(cache.comm(1000, 9999)).toBe('nginx1000');
    expect(read.length - b).toBe(1);
  });
});

describe('engine tun owners', () => {
  it('parses the iff: line of a tun fdinfo', () => {
    expect(parseFdinfoIff('pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t1041\niff:\ttun0\n')).toBe('tun0');
    expect(parseFdinfoIff('pos:\t0\nflags:\t02\n')).toBeNull();
  });
  it('one candidate namespace; several → the holder\'s own; none of them → all; one owner per pid', () => {
    const tuns = new Map([[10, new Set(['tun0', 'tap0'])], [20, new Set(['tun0'])]]);
    const o = assignOwners([
      { pid: 5, comm: 'qemu', iff: 'tap0', nsInode: 99 },
      { pid: 5, comm: 'qemu', iff: 'tap0', nsInode: 99 },
      { pid: 6, comm: 'vpn', iff: 'tun0', nsInode: 20 },
      { pid: 7, comm: 'odd', iff: 'tun0', nsInode: 99 },
      { pid: 8, comm: 'x', iff: 'nothere', nsInode: 10 },
    ], tuns);
    expect(o.get(10)?.get('tap0')).toEqual([{ pid: 5, comm: 'qemu' }]);
    expect(o.get(20)?.get('tun0')).toEqual([{ pid: 6, comm: 'vpn' }, { pid: 7, comm: 'odd' }]);
    expect(o.get(10)?.get('tun0')).toEqual([{ pid: 7, comm: 'odd' }]);
  });
});
