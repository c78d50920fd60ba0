// The native addon against the real kernel, in the throwaway world: every record is compared with
// what iproute2 reports for the same devices. Each test makes its own named namespaces.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip, ipJson as ipj } from '../helpers/ip';
import { native, type NamespaceHandle, type RawEvent } from '../../native';


const made: string[] = [];
const handles: NamespaceHandle[] = [];
let counter = 0;
/** A fresh named namespace (lo up) and a handle bound to it. */
async function ns(): Promise<{ name: string; path: string; h: NamespaceHandle }> {
  const name = `nt${process.pid % 1000}-${counter++}`;
  ip('netns', 'add', name);
  made.push(name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  const h = await native.openNamespace(`/run/netns/${name}`);
  handles.push(h);
  return { name, path: `/run/netns/${name}`, h };
}

afterEach(() => {
  for (const h of handles.splice(0)) h.close();
  for (const n of made.splice(0)) spawnSync('ip', ['netns', 'del', n]);
});

/** This process's thread count and open descriptors, as the kernel counts them. */
const threadCount = () => Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]);
const fdCount = () => fs.readdirSync('/proc/self/fd').length;

/** Waits (bounded) until `pred` holds; a thread that was joined may still be counted for a moment. */
async function eventually(pred: () => boolean, what: string) {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!pred()) throw new Error(`never: ${what}`);
}

/** Waits (bounded) until `pred` holds over the events received so far. */
async function until(events: RawEvent[], pred: (e: RawEvent[]) => boolean, what: string) {
  for (let i = 0; i < 200 && !pred(events); i++) await new Promise((r) => setTimeout(r, 25));
  if (!pred(events)) throw new Error(`no event for ${what}; got ${JSON.stringify(events.map((e) => e.type))}`);
}

describeKernel('native addon (real kernel)', () => {
  it('links, addresses and routes match ip -j', async () => {
    const { name, h } = await ns();
    ip('-n', name, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', name, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    ip('-n', name, 'link', 'set', 'va', 'master', 'br0');
    ip('-n', name, 'link', 'set', 'va', 'mtu', '1400');
    ip('-n', name, 'link', 'set', 'vb', 'alias', 'made-by-test');
    for (const d of ['br0', 'va', 'vb']) ip('-n', name, 'link', 'set', d, 'up');
    ip('-n', name, 'addr', 'add', '10.9.0.1/24', 'dev', 'br0');
    ip('-n', name, 'addr', 'add', '10.9.1.1', 'peer', '10.9.1.2/32', 'dev', 'vb');
    ip('-n', name, 'addr', 'add', 'fd00:9:1::1', 'peer', 'fd00:9:1::2/128', 'dev', 'vb', 'nodad');
    ip('-n', name, 'addr', 'add', 'fd00:9::1/64', 'dev', 'br0', 'nodad');
    ip('-n', name, 'route', 'add', '10.77.0.0/16', 'via', '10.9.0.254');
    ip('-n', name, 'route', 'add', 'default', 'via', '10.9.0.254', 'metric', '50');
    ip('-n', name, 'route', 'add', '10.88.0.0/16', 'dev', 'br0', 'table', '100');

    const [links, addrs, routes] = await Promise.all([h.dumpLinks(), h.dumpAddrs(), h.dumpRoutes()]);
    const ipLinks = ipj('-n', name, '-d', 'link', 'show');
    expect(links.map((l) => l.index).sort()).toEqual(ipLinks.map((l: any) => l.ifindex).sort());
    for (const il of ipLinks) {
      const l = links.find((x) => x.index === il.ifindex)!;
      expect(l.name).toBe(il.ifname);
      expect(l.mtu).toBe(il.mtu);
      expect(l.mac).toBe(il.address);
      expect(l.kind).toBe(il.linkinfo?.info_kind ?? '');
      expect(l.slaveKind).toBe(il.linkinfo?.info_slave_kind ?? '');
      expect(l.master).toBe(il.master ? ipLinks.find((m: any) => m.ifname === il.master).ifindex : 0);
      expect(l.alias).toBe(il.ifalias ?? null);
      expect(l.flags & 1 ? 'UP' : '').toBe(il.flags.includes('UP') ? 'UP' : '');
    }
    const va = links.find((l) => l.name === 'va')!;
    const vb = links.find((l) => l.name === 'vb')!;
    expect(va.link).toBe(vb.index);   // veth peer in the same namespace
    expect(va.linkNetnsid).toBe(-1);

    const ipAddrs = ipj('-n', name, 'addr', 'show').flatMap((l: any) =>
      l.addr_info.map((a: any) => `${l.ifindex} ${a.local}/${a.prefixlen} ${a.address ?? ''}`));
    expect(addrs.map((a) => `${a.index} ${a.address}/${a.prefixlen} ${a.peer ?? ''}`).sort()).toEqual(ipAddrs.sort());

    const ifname = (i: number) => links.find((l) => l.index === i)?.name;
    const key = (r: { dst: string; dev?: string; gateway?: string; table: string | number }) =>
      `${r.dst} ${r.dev ?? ''} ${r.gateway ?? ''} ${r.table}`;
    const ipRoutes = [...ipj('-n', name, '-4', 'route', 'show', 'table', 'all'), ...ipj('-n', name, '-6', 'route', 'show', 'table', 'all')]
      .filter((r: any) => r.type === undefined || r.type === 'unicast')
      .map((r: any) => key({ ...r, table: ({ main: 254, local: 255 } as any)[r.table ?? 'main'] ?? Number(r.table) }));
    const ours = routes
      .filter((r) => r.type === 1 && r.table !== 255)
      .map((r) => key({ dst: r.dst === null ? 'default' : r.dstLen === (r.family === 4 ? 32 : 128) ? r.dst : `${r.dst}/${r.dstLen}`,
        dev: ifname(r.oif), gateway: r.gateway ?? undefined, table: r.table }));
    expect(ours.sort()).toEqual(ipRoutes.sort());
    expect(routes.find((r) => r.table === 100)?.dst).toBe('10.88.0.0');
    expect(routes.find((r) => r.dst === null && r.family === 4)).toMatchObject({ gateway: '10.9.0.254', priority: 50 });

    // dumpAll: the same records in one call (counters and IPv6 route/address timers aside, which
    // move between two reads). The bridge's own FDB entries make the FDB part non-empty.
    const all = await h.dumpAll();
    const fdb = await h.dumpFdb();
    const still = <T extends object>(xs: T[]) => xs.map((x) => JSON.stringify(x, (k, v) => (['stats', 'cacheinfo', 'expires'].includes(k) ? undefined : v)));
    expect(still(all.links)).toEqual(still(links));
    expect(still(all.addrs)).toEqual(still(addrs));
    expect(still(all.routes)).toEqual(still(routes));
    expect(fdb.length).toBeGreaterThan(0);
    expect(still(all.fdb).map((x) => JSON.parse(x).mac).sort()).toEqual(fdb.map((x) => x.mac).sort());
  });

  it('a veth end in another namespace resolves through linkNetnsid and getNsid', async () => {
    const a = await ns();
    const b = await ns();
    ip('-n', a.name, 'link', 'add', 'ea', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b.name);
    const la = (await a.h.dumpLinks()).find((l) => l.name === 'ea')!;
    expect(la.linkNetnsid).toBeGreaterThanOrEqual(0);
    expect(await a.h.getNsid(b.path)).toBe(la.linkNetnsid);
    const peer = (await b.h.dumpLinks()).find((l) => l.index === la.link)!;
    expect(peer.name).toBe('eth0');
    expect(b.h.inode).not.toBe(a.h.inode);
    expect(b.h.inode).toBe(Number(execFileSync('stat', ['-L', '-c', '%i', b.path], { encoding: 'utf8' })));
    // A namespace with no nsid assigned in a's view: -1.
    const c = await ns();
    expect(await a.h.getNsid(c.path)).toBe(-1);
    await expect(a.h.getNsid('/nonexistent/ns')).rejects.toThrow(/nonexistent.*ENOENT/);
    // Many at once: the same answers in order, null for a path that cannot be opened or queried.
    expect(await a.h.getNsids([b.path, '/nonexistent/ns', c.path, '/etc/hostname', b.path])).toEqual([la.linkNetnsid, null, -1, null, la.linkNetnsid]);
    expect(await a.h.getNsids([])).toEqual([]);
    await expect(a.h.getNsids([b.path, ''])).rejects.toThrow(/entry 1 must be a non-empty path/);
    await expect(a.h.getNsids(b.path as never)).rejects.toThrow(/array of namespace paths/);
    // Many handles at once: each its own answers, a closed handle its Error in its place.
    const pb = (await b.h.dumpLinks()).find((l) => l.name === 'eth0')!;
    const closed = await ns();
    closed.h.close();
    const many = await native.getNsidsMany([a.h, closed.h, b.h, a.h], [[b.path, c.path], [a.path], [a.path, '/nonexistent/ns'], []]);
    expect(many[0]).toEqual([la.linkNetnsid, -1]);
    expect(many[1]).toBeInstanceOf(Error);
    expect((many[1] as Error).message).toMatch(/closed/);
    expect(many[2]).toEqual([pb.linkNetnsid, null]);
    expect(many[3]).toEqual([]);
    await expect(native.getNsidsMany([a.h], [])).rejects.toThrow(/one per handle/);
    await expect(native.getNsidsMany([a.h, {} as NamespaceHandle], [[], []])).rejects.toThrow(/entry 1 is not a NamespaceHandle/);
    await expect(native.getNsidsMany([a.h], [[b.path, '']])).rejects.toThrow(/path list 0, entry 1, must be a non-empty path/);
  });

  it('tun/tap mode, persist and owner; vxlan id, remote, local, port', async () => {
    const { name, h } = await ns();
    ip('-n', name, 'tuntap', 'add', 'mode', 'tap', 'name', 'tap0');
    ip('-n', name, 'tuntap', 'add', 'mode', 'tun', 'user', '1234', 'name', 'tun0');
    ip('-n', name, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '4242', 'remote', '10.1.1.2', 'local', '10.1.1.1', 'dstport', '4789');
    const links = await h.dumpLinks();
    expect(links.find((l) => l.name === 'tap0')).toMatchObject({ kind: 'tun', tun: { type: 'tap', persist: true, owner: -1 } });
    expect(links.find((l) => l.name === 'tun0')).toMatchObject({ kind: 'tun', type: 65534, mac: null, tun: { type: 'tun', persist: true, owner: 1234 } });
    expect(links.find((l) => l.name === 'vx0')).toMatchObject({ kind: 'vxlan', vxlan: { id: 4242, group: '10.1.1.2', local: '10.1.1.1', port: 4789, link: 0 } });
  });

  it('FDB entries match bridge -j fdb', async () => {
    const { name, h } = await ns();
    ip('-n', name, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', name, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    ip('-n', name, 'link', 'set', 'p0', 'master', 'br0');
    execFileSync('bridge', ['-n', name, 'fdb', 'add', '02:00:00:00:00:42', 'dev', 'p0', 'master', 'static']);
    const fdb = await h.dumpFdb();
    const br = JSON.parse(execFileSync('bridge', ['-n', name, '-j', 'fdb', 'show'], { encoding: 'utf8' }));
    expect(fdb.length).toBe(br.length);
    const links = await h.dumpLinks();
    const p0 = links.find((l) => l.name === 'p0')!;
    const br0 = links.find((l) => l.name === 'br0')!;
    expect(fdb.find((f) => f.mac === '02:00:00:00:00:42')).toMatchObject({ index: p0.index, master: br0.index });
  });

  it('counters after a ping between two namespaces go up, in the links dump and the stats frame', async () => {
    const a = await ns();
    const b = await ns();
    ip('-n', a.name, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', b.name);
    ip('-n', a.name, 'addr', 'add', '10.5.0.1/24', 'dev', 'v0');
    ip('-n', b.name, 'addr', 'add', '10.5.0.2/24', 'dev', 'v1');
    ip('-n', a.name, 'link', 'set', 'v0', 'up');
    ip('-n', b.name, 'link', 'set', 'v1', 'up');
    const v0 = (await a.h.dumpLinks()).find((l) => l.name === 'v0')!;
    const before = await a.h.dumpStats();
    const at = (f: { ifindex: Int32Array; values: Float64Array }, idx: number) => {
      const i = Array.from(f.ifindex).indexOf(idx);
      expect(i).toBeGreaterThanOrEqual(0);
      return Array.from(f.values.slice(i * 8, i * 8 + 8));
    };
    const s0 = at(before, v0.index);
    execFileSync('ip', ['netns', 'exec', a.name, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.5.0.2']);
    const after = await a.h.dumpStats();
    expect(after.ifindex).toBeInstanceOf(Int32Array);
    expect(after.values).toBeInstanceOf(Float64Array);
    expect(after.values.length).toBe(after.ifindex.length * 8);
    const s1 = at(after, v0.index);
    expect(s1[1] - s0[1]).toBeGreaterThanOrEqual(3); // txPackets
    expect(s1[0] - s0[0]).toBeGreaterThanOrEqual(3); // rxPackets
    expect(s1[3]).toBeGreaterThan(s0[3]);            // txBytes
    // Same numbers as ip -s -j link reports (nothing moves between the two reads).
    const ipStats = ipj('-n', a.name, '-s', 'link', 'show', 'v0')[0].stats64;
    const frame = at(await a.h.dumpStats(), v0.index);
    expect(frame.slice(0, 4)).toEqual([ipStats.rx.packets, ipStats.tx.packets, ipStats.rx.bytes, ipStats.tx.bytes]);
    const linkStats = (await a.h.dumpLinks()).find((l) => l.name === 'v0')!.stats;
    expect(linkStats.txPackets).toBe(ipStats.tx.packets);
  });

  it('concurrent dumps on one handle do not interleave', async () => {
    const { name, h } = await ns();
    for (let i = 0; i < 20; i++) ip('-n', name, 'link', 'add', `d${i}`, 'type', 'bridge');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? h.dumpLinks() : h.dumpStats())));
    for (const r of results) {
      if (Array.isArray(r)) expect(r.length).toBe(21);
      else expect(r.ifindex.length).toBe(21);
    }
  });

  it('dumpStatsMany reads every namespace as its own dumpStats does; a closed handle fails alone', async () => {
    const all = [await ns(), await ns(), await ns(), await ns()];
    // Down bridges and an idle lo: nothing moves, so both reads see the same counters.
    all.forEach(({ name }, i) => { for (let k = 0; k <= i; k++) ip('-n', name, 'link', 'add', `sm${k}`, 'type', 'bridge'); });
    const many = await native.dumpStatsMany(all.map((x) => x.h));
    expect(many.ifindex).toBeInstanceOf(Int32Array);
    expect(many.values).toBeInstanceOf(Float64Array);
    expect(many.failed).toEqual([]);
    expect(many.start.length).toBe(all.length + 1);
    expect(many.start[all.length]).toBe(many.ifindex.length);
    expect(many.values.length).toBe(many.ifindex.length * 8);
    for (let i = 0; i < all.length; i++) {
      const rows = [many.start[i], many.start[i + 1]];
      const one = await all[i].h.dumpStats();
      expect(rows[1] - rows[0]).toBe(i + 2); // lo and i+1 bridges
      expect(Array.from(many.ifindex.slice(rows[0], rows[1]))).toEqual(Array.from(one.ifindex));
      expect(Array.from(many.values.slice(rows[0] * 8, rows[1] * 8))).toEqual(Array.from(one.values));
      if (i > 0) expect(many.t[i]).toBeGreaterThanOrEqual(many.t[i - 1]); // read in order, each timed
    }
    all[1].h.close();
    const again = await native.dumpStatsMany(all.map((x) => x.h));
    expect(again.failed.map((f) => [f.index, f.error.code])).toEqual([[1, 'EBADF']]);
    expect(again.failed[0].error.message).toMatch(/closed/);
    expect(Number.isNaN(again.t[1])).toBe(true);
    expect(again.start[2] - again.start[1]).toBe(0);
    for (const i of [0, 2, 3]) {
      expect(again.t[i]).toBeGreaterThan(many.t[3]);
      const one = await all[i].h.dumpStats();
      expect(Array.from(again.ifindex.slice(again.start[i], again.start[i + 1]))).toEqual(Array.from(one.ifindex));
    }
    const none = await native.dumpStatsMany([]);
    expect([none.ifindex.length, Array.from(none.start), none.failed]).toEqual([0, [0], []]);
    await expect(native.dumpStatsMany([all[0].h, {} as NamespaceHandle])).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/entry 1 is not a NamespaceHandle/) });
  });

  it('events arrive for link add/del, address and route changes', async () => {
    const { name, h } = await ns();
    const events: RawEvent[] = [];
    h.subscribe((batch) => events.push(...batch));
    ip('-n', name, 'link', 'add', 'dm0', 'type', 'bridge');
    await until(events, (e) => e.some((x) => x.type === 'newlink' && x.link.name === 'dm0'), 'newlink dm0');
    ip('-n', name, 'link', 'set', 'dm0', 'up');
    ip('-n', name, 'addr', 'add', '10.6.0.1/24', 'dev', 'dm0');
    await until(events, (e) => e.some((x) => x.type === 'newaddr' && x.addr.address === '10.6.0.1' && x.addr.prefixlen === 24), 'newaddr');
    ip('-n', name, 'route', 'add', '10.66.0.0/16', 'via', '10.6.0.9');
    await until(events, (e) => e.some((x) => x.type === 'newroute' && x.route.dst === '10.66.0.0' && x.route.gateway === '10.6.0.9'), 'newroute');
    ip('-n', name, 'addr', 'add', 'fd00:6::1/64', 'dev', 'dm0', 'nodad');
    await until(events, (e) => e.some((x) => x.type === 'newaddr' && x.addr.family === 6 && x.addr.address === 'fd00:6::1'), 'newaddr v6');
    ip('-n', name, 'link', 'del', 'dm0');
    await until(events, (e) => e.some((x) => x.type === 'dellink' && x.name === 'dm0'), 'dellink');
    expect(events.some((x) => x.type === 'delroute')).toBe(true);
    expect(events.every((x) => x.type !== 'resync')).toBe(true);
    // Unsubscribed: nothing more arrives.
    h.unsubscribe();
    const n = events.length;
    ip('-n', name, 'link', 'add', 'dm1', 'type', 'bridge');
    await new Promise((r) => setTimeout(r, 100));
    expect(events.length).toBe(n);
    // And one can subscribe again.
    h.subscribe((batch) => events.push(...batch));
    ip('-n', name, 'link', 'del', 'dm1');
    await until(events, (e) => e.some((x) => x.type === 'dellink' && x.name === 'dm1'), 'dellink after resubscribe');
    expect(() => h.subscribe(() => {})).toThrow(/already subscribed/);
  });

  it('a tiny receive buffer and a burst of changes yields a resync event', async () => {
    const { name, h } = await ns();
    const events: RawEvent[] = [];
    // A tiny socket buffer, one batch allowed to wait for JS, and JS kept busy (execFileSync blocks
    // this thread) while `ip` makes thousands of changes: the reader must stop and the kernel overflow.
    h.subscribe((batch) => events.push(...batch), { rcvbuf: 1, maxQueuedBatches: 1 });
    const script = Array.from({ length: 3000 }, (_, i) => `link set lo alias burst${i}`).join('\n') + '\n';
    execFileSync('ip', ['-n', name, '-batch', '-'], { input: script });
    await until(events, (e) => e.some((x) => x.type === 'resync'), 'resync');
    const r = events.find((x) => x.type === 'resync') as { type: 'resync'; reason: string };
    expect(r.reason).toMatch(/ENOBUFS/);
    // Still reading afterwards (a change that makes a single notification, so it fits the tiny queue).
    ip('-n', name, 'link', 'set', 'lo', 'mtu', '1400');
    await until(events, (e) => e.some((x) => x.type === 'newlink' && x.link.name === 'lo' && x.link.mtu === 1400), 'newlink after overflow');
  });

  it('errors name the path and carry errno and code', async () => {
    await expect(native.openNamespace('/nonexistent')).rejects.toMatchObject({
      message: expect.stringMatching(/"\/nonexistent".*No such file or directory \(ENOENT\)/), code: 'ENOENT', errno: 2,
    });
    await expect(native.openNamespace('/etc/hostname')).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('/etc/hostname') });
    const { h } = await ns();
    h.close();
    await expect(h.dumpLinks()).rejects.toThrow(/closed/);
  });

  it('openNamespaces opens many at once, each handle bound to its own namespace; a bad path fails its entry only', async () => {
    const made3 = [await ns(), await ns(), await ns()];
    made3.forEach(({ name }, k) => ip('-n', name, 'link', 'add', `only${k}`, 'type', 'bridge'));
    const threadsBefore = threadCount();
    const out = await native.openNamespaces([made3[0].path, '/nonexistent', made3[1].path, null, '/etc/hostname', made3[2].path]);
    expect(out).toHaveLength(6);
    for (const x of out) if (!(x instanceof Error)) handles.push(x);
    expect(out[1]).toBeInstanceOf(Error);
    expect(out[1]).toMatchObject({ code: 'ENOENT', message: expect.stringContaining('"/nonexistent"') });
    expect(out[4]).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('/etc/hostname') });
    const own = out[3] as NamespaceHandle;
    expect(own.inode).toBe(fs.statSync('/proc/self/ns/net').ino);
    for (const [k, i] of [[0, 0], [1, 2], [2, 5]] as const) {
      const h = out[i] as NamespaceHandle;
      expect(h.inode).toBe(fs.statSync(made3[k].path).ino);
      // Its sockets are in that namespace: its dump shows that namespace's bridge and no other.
      const names = (await h.dumpLinks()).map((l) => l.name).sort();
      expect(names).toEqual(['lo', `only${k}`]);
      const evs: RawEvent[] = [];
      h.subscribe((e) => evs.push(...e));
      ip('-n', made3[k].name, 'link', 'set', `only${k}`, 'up');
      await until(evs, (e) => e.some((x) => x.type === 'newlink' && x.link.name === `only${k}`), `only${k} up`);
      h.unsubscribe();
    }
    // The helper thread that entered them is gone.
    await eventually(() => threadCount() <= threadsBefore, 'the helper thread ended');
    await expect(native.openNamespaces('/run/netns' as never)).rejects.toThrow(/array of paths/);
    await expect(native.openNamespaces([made3[0].path, ''])).rejects.toThrow(/entry 1 is an empty path/);
    await expect(native.openNamespaces([42 as never])).rejects.toThrow(/entry 0 must be a path string or null/);
    expect(await native.openNamespaces([])).toEqual([]);
  });

  it('scanProcNet lists every process with its namespace as /proc says it; kept pids are not read again; readComm', async () => {
    const { name } = await ns();
    // A process inside the new namespace, and one that has exited (its pid kept by the caller).
    const inside = spawn('ip', ['netns', 'exec', name, 'sleep', '30'], { stdio: 'ignore' });
    const gone = spawnSync('true').pid!;
    try {
      const nsIno = fs.statSync(`/run/netns/${name}`).ino;
      await eventually(() => { try { return fs.readlinkSync(`/proc/${inside.pid}/ns/net`) === `net:[${nsIno}]`; } catch { return false; } },
        'the sleeper entered the namespace');
      const r = native.scanProcNet();
      expect([...r.pids]).toEqual([...r.pids].sort((a, b) => a - b));
      const inodeOf = (pid: number) => { const i = r.pids.indexOf(pid); return i < 0 ? undefined : r.inodes[i]; };
      const own = Number(/\d+/.exec(fs.readlinkSync('/proc/self/ns/net'))![0]);
      expect(inodeOf(process.pid)).toBe(own);
      expect(inodeOf(inside.pid!)).toBe(nsIno);
      // Every pid /proc lists now and listed then (not born or exited between) agrees with readlink.
      for (const e of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x)).slice(0, 200)) {
        let link: string;
        try { link = fs.readlinkSync(`/proc/${e}/ns/net`); } catch { continue; }
        const ino = inodeOf(Number(e));
        if (ino !== undefined) expect(`net:[${ino}]`).toBe(link);
      }
      // Kept: listed with the inode given (not read), and left out once the process has exited.
      const keep = [process.pid, gone].sort((a, b) => a - b);
      const k = native.scanProcNet({ pids: Int32Array.from(keep), inodes: Float64Array.from(keep, (p) => (p === gone ? 7 : 42)) });
      expect(k.inodes[k.pids.indexOf(process.pid)]).toBe(42);
      expect(k.pids.indexOf(gone)).toBe(-1);
      expect(k.inodes[k.pids.indexOf(inside.pid!)]).toBe(nsIno);
      // A bad `keep` is refused by name.
      expect(() => native.scanProcNet({ pids: Int32Array.from([5, 3]), inodes: new Float64Array(2) })).toThrow(/ascending/);
      expect(() => native.scanProcNet({ pids: Int32Array.from([3]), inodes: new Float64Array(2) })).toThrow(/same length/);
      expect(() => native.scanProcNet({ pids: [3] as unknown as Int32Array, inodes: new Float64Array(1) })).toThrow(/keep.pids must be an Int32Array/);
      // readComm: the command as /proc/PID/comm says it; null once the process is gone.
      expect(native.readComm(inside.pid!)).toBe(fs.readFileSync(`/proc/${inside.pid}/comm`, 'utf8').trim());
      expect(native.readComm(gone)).toBeNull();
      expect(() => native.readComm(1.5)).toThrow(/whole number/);
    } finally {
      inside.kill('SIGKILL');
    }
  });

  it('the own namespace handle has the process namespace inode; an idle handle does not keep Node alive', async () => {
    const own = await native.openNamespace(null);
    handles.push(own);
    expect(own.inode).toBe(Number(execFileSync('stat', ['-L', '-c', '%i', '/proc/self/ns/net'], { encoding: 'utf8' })));
    const addon = path.resolve(__dirname, '../../native/build/Release/vnet_native.node');
    const code = `const n = require(${JSON.stringify(addon)});
      n.openNamespace(null).then(async (h) => { h.subscribe(() => {}); h.unsubscribe(); await h.dumpLinks(); console.log('done'); });`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('done');
    expect(r.status).toBe(0);
  });

  it('an exception thrown by an event listener reaches uncaughtException (it does not vanish)', () => {
    const addon = path.resolve(__dirname, '../../native/build/Release/vnet_native.node');
    const code = `const n = require(${JSON.stringify(addon)});
      process.on('uncaughtException', (e) => { console.log('caught: ' + e.message); process.exit(0); });
      n.openNamespace(null).then((h) => {
        h.subscribe(() => { throw new Error('listener boom'); });
        require('child_process').execFileSync('ip', ['link', 'set', 'lo', 'alias', 'boom']);
      });`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('caught: listener boom');
  });

  it('link dumps under churn are never torn: complete and duplicate-free, or rejected as interrupted', async () => {
    const { path: nsPath, h } = await ns();
    const maker = await native.openNamespace(nsPath);
    handles.push(maker);
    const base = await maker.batch(Array.from({ length: 150 }, (_, i) => ({ op: 'createVeth' as const, name: `ca${i}`, peerName: `cb${i}` })));
    expect(base.every((r) => r.ok)).toBe(true);
    // Churn: links keep appearing (each bumps the kernel's device-list sequence) while we dump.
    let stop = false;
    let made = 0;
    const churn = (async () => {
      while (!stop && made < 400) await maker.apply({ op: 'createBridge', name: `cz${made++}` });
    })();
    let ok = 0, interrupted = 0;
    for (let i = 0; i < 30; i++) {
      try {
        const links = await h.dumpLinks();
        const idx = links.map((l) => l.index);
        expect(new Set(idx).size).toBe(idx.length);
        // Everything made before the dump began is in it (301 = lo + 300 veth ends).
        expect(links.filter((l) => l.name.startsWith('ca') || l.name.startsWith('cb')).length).toBe(300);
        ok++;
      } catch (e) {
        expect((e as Error).message).toMatch(/interrupted/);
        interrupted++;
      }
    }
    stop = true;
    await churn;
    console.log(`[native] dumps under churn: ${ok} complete, ${interrupted} rejected as interrupted; ${made} links made meanwhile`);
    expect(ok + interrupted).toBe(30);
  });

  it('names and aliases with quotes, backslashes, control characters and non-ASCII come through intact', async () => {
    const { name, h } = await ns();
    const odd = 'we"ird\\';
    const alias = 'line1\nline2\t"quoted" ünïcode ✓';
    ip('-n', name, 'link', 'add', odd, 'type', 'bridge');
    ip('-n', name, 'link', 'set', odd, 'alias', alias);
    const l = (await h.dumpLinks()).find((x) => x.kind === 'bridge')!;
    expect(l.name).toBe(odd);
    expect(l.alias).toBe(alias);
    expect(l.name).toBe(ipj('-n', name, 'link', 'show', 'dev', odd)[0].ifname);
  });

  it('events for nsid assignment and bridge FDB entries (and none for ARP neighbours)', async () => {
    const a = await ns();
    const b = await ns();
    const events: RawEvent[] = [];
    a.h.subscribe((batch) => events.push(...batch));
    ip('-n', a.name, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', a.name, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1', 'netns', b.name);
    ip('-n', a.name, 'link', 'set', 'p0', 'master', 'br0');
    await until(events, (e) => e.some((x) => x.type === 'newnsid'), 'newnsid');
    const nsid = (events.find((x) => x.type === 'newnsid') as { nsid: number }).nsid;
    expect(await a.h.getNsid(b.path)).toBe(nsid);
    execFileSync('bridge', ['-n', a.name, 'fdb', 'add', '02:00:00:00:00:77', 'dev', 'p0', 'master', 'static']);
    await until(events, (e) => e.some((x) => x.type === 'newneigh' && x.fdb.mac === '02:00:00:00:00:77'), 'newneigh (fdb)');
    ip('-n', a.name, 'neigh', 'add', '10.9.9.9', 'lladdr', '02:00:00:00:00:99', 'dev', 'br0');
    execFileSync('bridge', ['-n', a.name, 'fdb', 'del', '02:00:00:00:00:77', 'dev', 'p0', 'master', 'static']);
    await until(events, (e) => e.some((x) => x.type === 'delneigh' && x.fdb.mac === '02:00:00:00:00:77'), 'delneigh (fdb)');
    expect(events.some((x) => (x.type === 'newneigh' || x.type === 'delneigh') && x.fdb.mac === '02:00:00:00:00:99')).toBe(false);
  });

  it('one event thread serves any number of subscriptions; unsubscribing all leaves no thread or descriptor behind', async () => {
    const N = 200;
    const names = Array.from({ length: N }, (_, i) => `nm${process.pid % 1000}-${i}`);
    // Start the libuv pool's threads (openNamespace runs there) so the baseline already counts them.
    for (const h of await Promise.all(Array.from({ length: 8 }, () => native.openNamespace(null)))) h.close();
    const threads0 = threadCount();
    const fds0 = fdCount();
    await native.createNamedNamespace(names);
    const hs: NamespaceHandle[] = [];
    try {
      hs.push(...(await Promise.all(names.map((n) => native.openNamespace(`/run/netns/${n}`)))));
      const got: RawEvent[][] = hs.map(() => []);
      hs.forEach((h, i) => h.subscribe((batch) => got[i].push(...batch)));
      // A thread per subscription would be N more; the hub is one.
      await eventually(() => threadCount() <= threads0 + 2, `threads <= ${threads0} + 2 with ${N} subscriptions (now ${threadCount()})`);
      ip('-n', names[N - 1], 'link', 'add', 'last0', 'type', 'bridge');
      ip('-n', names[0], 'link', 'add', 'first0', 'type', 'bridge');
      const linkNamed = (name: string) => (e: RawEvent[]) => e.some((x) => x.type === 'newlink' && x.link.name === name);
      await until(got[N - 1], linkNamed('last0'), 'newlink in the last namespace');
      await until(got[0], linkNamed('first0'), 'newlink in the first namespace');
      // Each batch reached its own namespace's callback only.
      expect(linkNamed('first0')(got[N - 1])).toBe(false);
      expect(got.slice(1, N - 1).every((g) => g.length === 0)).toBe(true);
      expect(threadCount()).toBeLessThanOrEqual(threads0 + 2);
      for (const h of hs) h.unsubscribe();
      for (const h of hs.splice(0)) h.close();
      await eventually(() => threadCount() <= threads0, `threads back to ${threads0} (now ${threadCount()})`);
      await eventually(() => fdCount() <= fds0, `descriptors back to ${fds0} (now ${fdCount()})`);
    } finally {
      for (const h of hs) h.close();
      await native.deleteNamedNamespace(names);
    }
  });
});
