// Mutations through the native addon (netlink requests, no `ip` processes), each checked against
// what iproute2 reports afterwards. Runs in the throwaway world; each test makes its own names.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip, ipJson as ipj } from '../helpers/ip';
import { native, type MutatingHandle } from '../../native';

const link = (ns: string, dev: string) => ipj('-n', ns, '-d', 'link', 'show', 'dev', dev)[0];
const netnsNames = () => fs.readdirSync('/run/netns');

const made: string[] = [];
const handles: MutatingHandle[] = [];
let counter = 0;
const fresh = (p: string) => `${p}${process.pid % 1000}x${counter++}`;

async function nsWithHandle(): Promise<{ name: string; path: string; h: MutatingHandle }> {
  const name = fresh('m');
  await native.createNamedNamespace(name);
  made.push(name);
  const h = await native.openNamespace(`/run/netns/${name}`);
  handles.push(h);
  return { name, path: `/run/netns/${name}`, h };
}

afterEach(async () => {
  for (const h of handles.splice(0)) h.close();
  const left = made.splice(0).filter((n) => netnsNames().includes(n));
  if (left.length) await native.deleteNamedNamespace(left);
});

// Another program takes an ifindex the batch has already picked (docker moving a veth end into a
// container's namespace, NetworkManager, a user's `ip link add`). Made deterministic inside one
// batch call: the batch reads namespace a's link list at its first op (lo up), then an op that runs
// in namespace b moves `name` (a veth end made there by `ip link add NAME index N`; a bridge cannot
// change namespace) into a, as docker does with a container's end. It keeps index
// N, which is where a's list says new links go (above every index it saw, + offset), and the list
// does not hear of it (the move runs on b's socket; a is the handle's own namespace). So the
// (offset+1)-th link the batch then creates in a is given an index that is taken. The batch would
// fail with EEXIST/EBUSY without the retry.
async function takenIndex(offset: number, name = 'foreign') {
  const a = await nsWithHandle();
  const b = await nsWithHandle();
  const n = Math.max(...ipj('-n', a.name, 'link', 'show').map((l: any) => l.ifindex)) + 1 + offset;
  // (The peer's index given too: else the kernel may hand n to the peer, registered first.)
  ip('-n', b.name, 'link', 'add', name, 'index', String(n), 'type', 'veth', 'peer', 'name', 'fpeer', 'index', String(n + 100));
  const prelude: Parameters<MutatingHandle['batch']>[0] = [
    { op: 'setLink', dev: 'lo', up: true },                  // a's link list is read here
    { op: 'setLink', ns: b.path, dev: name, nsPath: a.path }, // index n taken behind its back
  ];
  return { a, n, prelude };
}
const addrsOf = (ns: string, dev: string) => (ipj('-n', ns, 'addr', 'show', 'dev', dev)[0]?.addr_info ?? [])
  .filter((x: any) => x.family === 'inet').map((x: any) => `${x.local}/${x.prefixlen}`);
const namesIn = (ns: string) => ipj('-n', ns, 'link', 'show').map((l: any) => l.ifname).sort();

describeKernel('native mutations (real kernel)', () => {
  it('createNamedNamespace / deleteNamedNamespace do what ip netns add/del do', async () => {
    const names = [fresh('a'), fresh('b')];
    await native.createNamedNamespace(names);
    made.push(...names);
    const listed = ipj('netns', 'list').map((n: { name: string }) => n.name);
    expect(listed).toEqual(expect.arrayContaining(names));
    // Each is a real, distinct namespace usable by ip.
    const inodes = names.map((n) => fs.statSync(`/run/netns/${n}`).ino);
    expect(new Set([...inodes, fs.statSync('/proc/self/ns/net').ino]).size).toBe(3);
    expect(ip('netns', 'exec', names[0], 'ip', '-br', 'link')).toMatch(/^lo\s/m);
    // A name that exists: refused, naming it, and the other new name is not left behind.
    const c = fresh('c');
    await expect(native.createNamedNamespace([c, names[0]])).rejects.toMatchObject({
      code: 'EEXIST', message: expect.stringContaining(`namespace "${names[0]}"`),
    });
    expect(netnsNames()).not.toContain(c);
    await expect(native.createNamedNamespace('bad/name')).rejects.toMatchObject({ code: 'EINVAL' });
    await native.deleteNamedNamespace(names);
    expect(netnsNames()).not.toEqual(expect.arrayContaining([names[0]]));
    expect(netnsNames()).not.toContain(names[1]);
    await expect(native.deleteNamedNamespace(names[0])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a bridge, veths into another namespace, addresses and a default route, as one batch', async () => {
    const host = await nsWithHandle();
    const red = await nsWithHandle();
    const res = await host.h.batch([
      { op: 'createBridge', name: 'br-rooms', up: true, alias: 'vnet:test' },
      { op: 'addAddr', dev: 'br-rooms', cidr: '10.20.0.1/24' },
      { op: 'createVeth', name: 'v-red', peerName: 'eth0', peerNsPath: red.path, master: 'br-rooms', up: true, peerUp: true },
      { op: 'addAddr', ns: red.path, dev: 'eth0', cidr: '10.20.0.2/24' },
      { op: 'setLink', ns: red.path, dev: 'lo', up: true },
      { op: 'addRoute', ns: red.path, dst: 'default', gateway: '10.20.0.1' },
      { op: 'addAddr', ns: red.path, dev: 'eth0', cidr: 'fd00:20::2/64', nodad: true },
    ]);
    expect(res.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual(Array(7).fill('ok'));
    const br = link(host.name, 'br-rooms');
    expect(br).toMatchObject({ ifname: 'br-rooms', ifalias: 'vnet:test', linkinfo: { info_kind: 'bridge' } });
    expect(res[0]).toMatchObject({ ok: true, index: br.ifindex });
    const v = link(host.name, 'v-red');
    expect(v.master).toBe('br-rooms');
    expect(v.flags).toContain('UP');
    const eth0 = link(red.name, 'eth0');
    expect(eth0.flags).toContain('UP');
    expect(eth0.linkinfo.info_kind).toBe('veth');
    const addrs = ipj('-n', red.name, 'addr', 'show', 'dev', 'eth0')[0].addr_info.map((a: any) => `${a.local}/${a.prefixlen}`);
    expect(addrs).toEqual(expect.arrayContaining(['10.20.0.2/24', 'fd00:20::2/64']));
    expect(ipj('-n', red.name, 'route', 'show', 'default')[0]).toMatchObject({ dst: 'default', gateway: '10.20.0.1', dev: 'eth0' });
    // And it carries traffic.
    execFileSync('ip', ['netns', 'exec', red.name, 'ping', '-c', '1', '-W', '2', '10.20.0.1']);
    // Deletes, routes and addresses back out.
    const back = await host.h.batch([
      { op: 'delRoute', ns: red.path, dst: 'default', gateway: '10.20.0.1' },
      { op: 'delAddr', ns: red.path, dev: 'eth0', cidr: '10.20.0.2/24' },
      { op: 'deleteLink', dev: 'v-red' },
    ]);
    expect(back.every((r) => r.ok)).toBe(true);
    expect(ipj('-n', red.name, 'route', 'show', 'default')).toEqual([]);
    expect(ipj('-n', red.name, 'link', 'show').map((l: any) => l.ifname)).toEqual(['lo']);
  });

  it('setLink: rename, mtu, mac, alias, nomaster, and move into a namespace with a new name', async () => {
    const a = await nsWithHandle();
    const b = await nsWithHandle();
    await a.h.batch([
      { op: 'createBridge', name: 'br0' },
      { op: 'createVeth', name: 'x0', peerName: 'x1', master: 'br0' },
    ]);
    expect(link(a.name, 'x0').master).toBe('br0');
    const { index } = await a.h.apply({ op: 'setLink', dev: 'x0', name: 'y0', mtu: 1400, mac: '02:11:22:33:44:55', alias: 'hello', master: null });
    const y0 = link(a.name, 'y0');
    expect(y0).toMatchObject({ ifindex: index, mtu: 1400, address: '02:11:22:33:44:55', ifalias: 'hello' });
    expect(y0.master).toBeUndefined();
    await a.h.apply({ op: 'setLink', dev: 'x1', nsPath: b.path, name: 'eth0' });
    expect(ipj('-n', a.name, 'link', 'show').map((l: any) => l.ifname)).not.toContain('x1');
    expect(link(b.name, 'eth0').linkinfo.info_kind).toBe('veth');
    // The moved end is found from the other namespace by its new name, in the same batch API.
    await a.h.apply({ op: 'setLink', ns: b.path, dev: 'eth0', up: true });
    expect(link(b.name, 'eth0').flags).toContain('UP');
  });

  it('vxlan and tun/tap', async () => {
    const { name, path, h } = await nsWithHandle();
    const res = await h.batch([
      { op: 'createBridge', name: 'br0' },
      { op: 'createVxlan', name: 'vx0', id: 4242, remote: '10.1.1.2', local: '10.1.1.1', port: 4789 },
      { op: 'createTunTap', name: 'tap-vm', mode: 'tap', persist: true },
      { op: 'setLink', dev: 'tap-vm', master: 'br0', up: true },
      { op: 'createTunTap', name: 'tun-demo', mode: 'tun', owner: 1234 },
      { op: 'addAddr', dev: 'tun-demo', cidr: '192.168.77.1/24' },
    ]);
    expect(res.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual(Array(6).fill('ok'));
    expect(link(name, 'vx0').linkinfo.info_data).toMatchObject({ id: 4242, remote: '10.1.1.2', local: '10.1.1.1', port: 4789 });
    const tap = link(name, 'tap-vm');
    expect(tap.linkinfo.info_data).toMatchObject({ type: 'tap', persist: true });
    expect(tap.master).toBe('br0');
    expect(link(name, 'tun-demo').linkinfo.info_data).toMatchObject({ type: 'tun', persist: true, user: expect.anything() });
    expect(ipj('-n', name, 'addr', 'show', 'dev', 'tun-demo')[0].addr_info[0].local).toBe('192.168.77.1');
    // Addon-level call, and a name that exists is refused (TUNSETIFF alone would attach to it).
    await expect(native.createTunTap({ name: 'tap2', mode: 'tap', nsPath: path })).resolves.toMatchObject({ index: expect.any(Number) });
    expect(link(name, 'tap2').linkinfo.info_data.type).toBe('tap');
    await expect(native.createTunTap({ name: 'tap2', mode: 'tap', nsPath: path })).rejects.toMatchObject({ code: 'EEXIST', message: expect.stringContaining('tap "tap2"') });
  });

  it('a tun/tap alias is set before the device is made persistent (batch op and addon call)', async () => {
    const { name, path, h } = await nsWithHandle();
    const res = await h.batch([{ op: 'createTunTap', name: 'tap-a', mode: 'tap', persist: true, alias: 'vnet-studio:x' }]);
    expect(res.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual(['ok']);
    expect(link(name, 'tap-a')).toMatchObject({ ifalias: 'vnet-studio:x', linkinfo: { info_data: { type: 'tap', persist: true } } });
    await native.createTunTap({ name: 'tun-a', mode: 'tun', nsPath: path, alias: 'vnet-studio:y' });
    expect(link(name, 'tun-a').ifalias).toBe('vnet-studio:y');
    await expect(h.batch([{ op: 'createTunTap', name: 'tap-b', mode: 'tap', alias: 'x'.repeat(256) }])).rejects.toMatchObject({ code: 'EINVAL' });
    expect(ipj('-n', name, 'link', 'show').map((l: any) => l.ifname)).not.toContain('tap-b');
  });

  it('errors name the object, carry the code and the kernel\'s words; bad input changes nothing', async () => {
    const { name, h } = await nsWithHandle();
    await h.apply({ op: 'createBridge', name: 'br0' });
    await expect(h.apply({ op: 'createVeth', name: 'br0', peerName: 'p' })).rejects.toMatchObject({
      code: 'EEXIST', errno: 17, message: 'veth "br0": File exists (EEXIST)',
    });
    // The kernel's extended ack comes through.
    const err = await h.apply({ op: 'addRoute', dst: '10.1.0.0/16', gateway: '10.99.0.1' }).catch((e) => e);
    expect(err.code).toBe('ENETUNREACH');
    expect(err.kernelMessage).toMatch(/gateway/i);
    expect(err.message).toContain('route 10.1.0.0/16 via 10.99.0.1');
    expect(err.message).toContain(err.kernelMessage);
    // Invalid names, in C++ too: the whole batch is refused before anything is sent.
    for (const bad of ['this-name-is-too-long', 'a/b', 'a:b', 'a b', '', '..']) {
      await expect(h.batch([{ op: 'createBridge', name: 'ok-one' }, { op: 'createBridge', name: bad }])).rejects.toMatchObject({ code: 'EINVAL' });
    }
    await expect(h.batch([{ op: 'createBridge', name: 'ok-one', colour: 'red' } as any])).rejects.toThrow(/unknown field "colour"/);
    await expect(h.batch([{ op: 'addAddr', dev: 'br0', cidr: '10.0.0.1/33' }])).rejects.toThrow(/prefix/);
    await expect(h.batch([{ op: 'addRoute', dst: '10.0.0.1/24', dev: 'br0' }])).rejects.toThrow(/host bits/);
    await expect(h.batch([{ op: 'setLink', dev: 'br0', mac: 'zz:00:00:00:00:00' }])).rejects.toThrow(/mac/);
    await expect(h.batch([{ op: 'frobnicate' } as any])).rejects.toThrow(/unknown op/);
    expect(ipj('-n', name, 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['br0', 'lo']);
    // A name that does not exist (ENODEV), and stopOnError: nothing after a failure is sent.
    const res = await h.batch([
      { op: 'setLink', dev: 'br0', up: true },
      { op: 'addAddr', dev: 'nope0', cidr: '10.3.0.1/24' },
      { op: 'createBridge', name: 'br1' },
    ]);
    expect(res[0].ok).toBe(true);
    expect(res[1]).toMatchObject({ ok: false, error: { code: 'ENODEV', message: expect.stringContaining('"nope0"') } });
    expect(res[2]).toMatchObject({ ok: false, error: { code: 'ECANCELED' } });
    expect(ipj('-n', name, 'link', 'show').map((l: any) => l.ifname)).not.toContain('br1');
    // Without stopOnError the rest still runs.
    const res2 = await h.batch([{ op: 'deleteLink', dev: 'nope0' }, { op: 'createBridge', name: 'br1' }], { stopOnError: false });
    expect(res2.map((r) => r.ok)).toEqual([false, true]);
  });

  it('setSysctl enables forwarding inside one namespace only, and only allow-listed keys', async () => {
    const { name, path } = await nsWithHandle();
    const hostBefore = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    await native.setSysctl(path, 'net.ipv4.ip_forward', '1');
    expect(ip('netns', 'exec', name, 'cat', '/proc/sys/net/ipv4/ip_forward').trim()).toBe('1');
    expect(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostBefore);
    await expect(native.setSysctl(path, 'kernel.panic' as any, '1')).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('kernel.panic') });
    await expect(native.setSysctl(path, 'net.ipv4.ip_forward', '2' as any)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(native.setSysctl('/run/netns/does-not-exist', 'net.ipv4.ip_forward', '1')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('many namespaces with veths to one bridge and addresses apply in one batch (numbers printed, not asserted)', async () => {
    const host = await nsWithHandle();
    const names = Array.from({ length: 30 }, () => fresh('n'));
    const t0 = performance.now();
    await native.createNamedNamespace(names);
    made.push(...names);
    const t1 = performance.now();
    const ops: Parameters<MutatingHandle['batch']>[0] = [{ op: 'createBridge', name: 'br0', up: true }];
    names.forEach((n, i) => {
      ops.push({ op: 'createVeth', name: `v${i}`, peerName: 'eth0', peerNsPath: `/run/netns/${n}`, master: 'br0', up: true, peerUp: true });
      ops.push({ op: 'addAddr', ns: `/run/netns/${n}`, dev: 'eth0', cidr: `10.40.${i}.2/16` });
    });
    const res = await host.h.batch(ops);
    const t2 = performance.now();
    expect(res.filter((r) => !r.ok)).toEqual([]);
    console.log(`[native-mutate] ${names.length} namespaces: create ${(t1 - t0).toFixed(1)} ms, batch of ${ops.length} ops ${(t2 - t1).toFixed(1)} ms`);
    expect(link(names[7], 'eth0').flags).toContain('UP');
    expect(ipj('-n', names[7], 'addr', 'show', 'dev', 'eth0')[0].addr_info.map((a: any) => a.local)).toContain('10.40.7.2');
    expect(ipj('-n', host.name, 'link', 'show').filter((l: any) => l.master === 'br0').length).toBe(names.length);
  });

  it('links made in a netdev group go away together with one deleteGroup; other links stay', async () => {
    const { name, path, h } = await nsWithHandle();
    const peer = await nsWithHandle();
    const G = 0x564e0001;
    const res = await h.batch([
      { op: 'createBridge', name: 'keep0' },                 // not in the group: must survive
      { op: 'createBridge', name: 'gbr', group: G },
      ...Array.from({ length: 20 }, (_, i) => ({ op: 'createVeth' as const, name: `g${i}`, peerName: `e${i}`, peerNsPath: peer.path, master: 'gbr', group: G })),
      ...Array.from({ length: 5 }, (_, i) => ({ op: 'createVeth' as const, name: `h${i}`, peerName: `hp${i}`, group: G })),
    ]);
    expect(res.every((r) => r.ok)).toBe(true);
    expect(ipj('-n', name, 'link', 'show').filter((l: any) => l.group === String(G) || l.group === G).length).toBe(1 + 20 + 10);
    const links = await h.dumpLinks();
    expect(links.find((l) => l.name === 'gbr')?.group).toBe(G);
    expect(links.find((l) => l.name === 'keep0')?.group).toBe(0);
    await expect(h.batch([{ op: 'deleteGroup', group: 0 }])).rejects.toMatchObject({ code: 'EINVAL' });
    const t0 = performance.now();
    const del = await h.batch([{ op: 'deleteGroup', group: G }, { op: 'createBridge', name: 'after0' }]);
    console.log(`[native-mutate] deleteGroup of 31 links: ${(performance.now() - t0).toFixed(1)} ms`);
    expect(del.map((r) => r.ok)).toEqual([true, true]);
    expect(ipj('-n', name, 'link', 'show').map((l: any) => l.ifname).sort()).toEqual(['after0', 'keep0', 'lo']);
    void path;
  });

  it('an op naming a link whose creation failed never reaches another device with that ifindex', async () => {
    const { name, h } = await nsWithHandle();
    // Ask for ifindex 1 (lo's): the kernel refuses the create. The next op names the new link; it
    // must fail (ENODEV) rather than be sent with index 1 and rename... lo's alias.
    const res = await h.batch([
      { op: 'createBridge', name: 'x1', index: 1 },
      { op: 'setLink', dev: 'x1', alias: 'must-not-land-on-lo' },
      { op: 'createBridge', name: 'x2', alias: 'fine' },
    ], { stopOnError: false });
    expect(res[0]).toMatchObject({ ok: false });
    expect(res[1]).toMatchObject({ ok: false, error: { code: 'ENODEV' } });
    expect(res[2]).toMatchObject({ ok: true });
    expect(link(name, 'lo').ifalias).toBeUndefined();
    expect(link(name, 'x2').ifalias).toBe('fine');
  });

  // offset 0: the bridge's index is taken (EEXIST); 1: the veth's own (EEXIST); 2: its same-namespace
  // peer's (EBUSY, from the kernel's index reservation).
  for (const offset of [0, 1, 2]) {
    it(`a create whose picked ifindex another program took is retried with a free one (${['bridge', 'veth', 'veth peer'][offset]})`, async () => {
      const { a, n, prelude } = await takenIndex(offset);
      const res = await a.h.batch([
        ...prelude,
        { op: 'createBridge', name: 'br0', up: true, alias: 'vnet:t' },
        { op: 'createVeth', name: 'v0', peerName: 'v0p', master: 'br0', up: true, peerUp: true },
        { op: 'addAddr', dev: 'br0', cidr: '10.9.0.1/24' },
        { op: 'addAddr', dev: 'v0p', cidr: '10.9.1.1/24' },
        { op: 'setLink', dev: 'v0', mtu: 1400 },
      ], { stopOnError: offset !== 2 });
      expect(res.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual(Array(7).fill('ok'));
      expect(namesIn(a.name)).toEqual(['br0', 'foreign', 'lo', 'v0', 'v0p']);
      // The foreign link: still at its index, as it was (down, no master, alias or address).
      const f = link(a.name, 'foreign');
      expect(f).toMatchObject({ ifindex: n, linkinfo: { info_kind: 'veth' } });
      expect(f.flags).not.toContain('UP');
      expect(f.master).toBeUndefined();
      expect(f.ifalias).toBeUndefined();
      expect(addrsOf(a.name, 'foreign')).toEqual([]);
      // Ours: the results carry the real indexes, and every later op landed on the right device.
      const br0 = link(a.name, 'br0');
      const v0 = link(a.name, 'v0');
      const v0p = link(a.name, 'v0p');
      expect(res[2]).toMatchObject({ index: br0.ifindex });
      expect(res[3]).toMatchObject({ index: v0.ifindex });
      expect(res[6]).toMatchObject({ index: v0.ifindex });
      expect(new Set([n, br0.ifindex, v0.ifindex, v0p.ifindex]).size).toBe(4);
      expect(br0).toMatchObject({ ifalias: 'vnet:t', linkinfo: { info_kind: 'bridge' } });
      expect(br0.flags).toContain('UP');
      expect(v0).toMatchObject({ master: 'br0', mtu: 1400, link: 'v0p', linkinfo: { info_kind: 'veth' } });
      expect(v0p.flags).toContain('UP');
      expect(addrsOf(a.name, 'br0')).toEqual(['10.9.0.1/24']);
      expect(addrsOf(a.name, 'v0p')).toEqual(['10.9.1.1/24']);
      expect(addrsOf(a.name, 'v0')).toEqual([]);
    });
  }

  it('after a retried create, the ops a stopOnError batch had not sent yet (later windows) are sent', async () => {
    const { a, n, prelude } = await takenIndex(0);
    // 300 requests after the bridge in one pipelined segment: more than one window (256), so the
    // second window was held back by the bridge's failure and must go out after its retry.
    const cidrs = Array.from({ length: 300 }, (_, i) => `10.77.${i >> 8}.${i & 255}/32`);
    const res = await a.h.batch([...prelude, { op: 'createBridge', name: 'br0' }, ...cidrs.map((cidr) => ({ op: 'addAddr' as const, dev: 'lo', cidr }))]);
    expect(res.filter((r) => !r.ok).map((r) => !r.ok && r.error.message)).toEqual([]);
    expect(addrsOf(a.name, 'lo').filter((c: string) => c.startsWith('10.77.')).sort()).toEqual([...cidrs].sort());
    expect(link(a.name, 'br0').ifindex).toBe(res[2].ok && res[2].index);
    expect(link(a.name, 'foreign').ifindex).toBe(n);
  });

  it('a tun/tap whose picked ifindex was taken is retried too', async () => {
    const { a, n, prelude } = await takenIndex(0);
    const res = await a.h.batch([...prelude, { op: 'createTunTap', name: 'tap0', mode: 'tap', alias: 'vnet:t' }, { op: 'setLink', dev: 'tap0', up: true }]);
    expect(res.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual(Array(4).fill('ok'));
    const tap = link(a.name, 'tap0');
    expect(tap).toMatchObject({ ifalias: 'vnet:t', linkinfo: { info_data: { type: 'tap', persist: true } } });
    expect(res[2]).toMatchObject({ index: tap.ifindex });
    expect(link(a.name, 'foreign')).toMatchObject({ ifindex: n, linkinfo: { info_kind: 'veth' } });
  });

  // The name taken behind the batch's back: at the index the batch picks (offset 0: the kernel
  // first refuses the index, then the retry the name) or elsewhere (offset 3: the name at once).
  for (const offset of [0, 3]) {
    it(`a true name clash still fails with EEXIST naming the object, and changes nothing (offset ${offset})`, async () => {
      const { a, n, prelude } = await takenIndex(offset, 'br0');
      const res = await a.h.batch([
        ...prelude,
        { op: 'createBridge', name: 'br0', up: true },
        { op: 'addAddr', dev: 'br0', cidr: '10.9.0.1/24' },
        { op: 'createBridge', name: 'br1' },
      ]);
      expect(res.slice(0, 2).map((r) => r.ok)).toEqual([true, true]);
      expect(res[2]).toMatchObject({ ok: false, error: { code: 'EEXIST', message: expect.stringContaining('bridge "br0": File exists (EEXIST)') } });
      expect(res[3]).toMatchObject({ ok: false, error: { code: 'ECANCELED' } });
      expect(res[4]).toMatchObject({ ok: false, error: { code: 'ECANCELED' } });
      expect(namesIn(a.name)).toEqual(['br0', 'lo']);
      const br0 = link(a.name, 'br0');
      expect(br0).toMatchObject({ ifindex: n, linkinfo: { info_kind: 'veth' } });
      expect(br0.flags).not.toContain('UP');
      expect(addrsOf(a.name, 'br0')).toEqual([]);
    });
  }
});
