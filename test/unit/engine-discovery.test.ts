import { describe, expect, it } from 'vitest';
import { CommCache, groupNamespaces } from '../../electron/engine/namespaces';
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
