// Labs against the real kernel, in the throwaway world: apply, check with `ip -j`, ping across
// (between world namespaces only), apply again (no-op), edit (diff), destroy (nothing left), and
// never touch what the lab did not make.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { describeKernel } from '../helpers/world';
import { addrs, kernelState, links, markedLinks, netnsList, ping, sh, tmpStateDir, until } from '../helpers/lab-kernel';
import { applyLab, destroyLab } from '../../electron/labs/apply';
import { readJournal } from '../../electron/labs/journal';
import { NativeLabKernel } from '../../electron/labs/native-kernel';
import { parseLab } from '../../electron/labs/parse';
import { PlanConflict } from '../../electron/labs/plan';

const LABS = path.join(__dirname, '../../assets/labs');
const read = (f: string) => readFileSync(path.join(LABS, f), 'utf8');
const hasNft = (() => { try { execFileSync('nft', ['--version']); return true; } catch { return false; } })();

describeKernel('labs in the kernel', () => {
  let k: NativeLabKernel;
  beforeAll(() => { tmpStateDir(); k = new NativeLabKernel(); });
  afterAll(() => k?.close());
  // a failed test must not leave its lab to the next one
  afterEach(async () => {
    for (const name of ['two-rooms', 'veth-pair', 'docker-like', 'vm-tap', 'tun-device', 'cross', 'rooms-b']) if (readJournal(name)) await destroyLab(name, k);
  });

  async function destroyAndCheck(name: string, before: string) {
    const r = await destroyLab(name, k);
    expect(r.actions.length).toBeGreaterThan(0);
    await until(() => markedLinks(name).length === 0, `lab ${name}'s interfaces to go`);
    expect(readJournal(name)).toBeNull();
    expect(kernelState()).toBe(before);
  }

  test('the example (two-rooms): apply, ip -j agrees, ping, apply again is a no-op, destroy leaves nothing', async () => {
    const before = kernelState();
    const lab = parseLab(read('two-rooms.yaml'), 'two-rooms.yaml');
    const seen: number[] = [];
    const r = await applyLab(lab, k, { onProgress: (p) => seen.push(p.done) });
    expect(r.actions.length).toBeGreaterThan(20);
    expect(seen.at(-1)).toBe(r.actions.length);

    expect(netnsList()).toEqual(['blue', 'red']);
    const host = new Map(links().map((l) => [l.ifname, l]));
    expect(host.get('br-rooms')?.linkinfo?.info_kind).toBe('bridge');
    expect(host.get('br-rooms')?.ifalias).toBe('vnet-studio:two-rooms');
    expect(host.get('red-eth0')?.master).toBe('br-rooms');
    expect(host.get('blue-eth0')?.master).toBe('br-rooms');
    expect(host.get('tap-vm')?.master).toBe('br-rooms');
    expect(host.get('tun-demo')?.linkinfo?.info_data?.type).toBe('tun');
    expect(host.get('tap-vm')?.linkinfo?.info_data?.type).toBe('tap');
    expect(addrs('host', 'br-rooms')).toContain('10.20.0.1/24');
    expect(addrs('host', 'tun-demo')).toContain('192.168.77.1/24');
    expect(addrs('red', 'eth0')).toContain('10.20.0.2/24');
    const blueEth0 = links('blue').find((l) => l.ifname === 'eth0');
    expect(blueEth0?.mtu).toBe(1400);
    expect(blueEth0?.ifalias).toBe('vnet-studio:two-rooms');
    expect(sh(['ip', '-n', 'red', 'route', 'show', 'default'])).toContain('via 10.20.0.1 dev eth0');

    expect(ping('red', '10.20.0.3')).toBe(true);
    expect(ping('blue', '10.20.0.2')).toBe(true);
    expect(ping('red', '10.20.0.1')).toBe(true);

    const again = await applyLab(lab, k);
    expect(again.actions).toEqual([]);

    await destroyAndCheck('two-rooms', before);
    expect(netnsList()).toEqual([]);
  });

  test('an edited lab applies as a diff (and the edit then is a no-op)', async () => {
    const before = kernelState();
    const text = read('two-rooms.yaml');
    await applyLab(parseLab(text), k);
    const edited = text
      .replace('eth0: { addresses: [10.20.0.3/24], mtu: 1400 }', 'eth0: { addresses: [10.20.0.4/24], mtu: 1300 }')
      .replace(/\n {2}tap-vm: .*\n/, '\n')
      .replace('  tun-demo:', '  tap-new: { mode: tap, bridge: br-rooms }\n  tun-demo:');
    const r = await applyLab(parseLab(edited), k);
    expect(r.commands).toEqual([
      'ip link del tap-vm',
      'ip tuntap add dev tap-new mode tap',
      'ip link set dev tap-new alias vnet-studio:two-rooms',
      'ip -n blue link set dev eth0 mtu 1300',
      'ip link set dev tap-new master br-rooms',
      'ip -n blue addr del 10.20.0.3/24 dev eth0',
      'ip -n blue addr add 10.20.0.4/24 dev eth0',
      'ip link set dev tap-new up',
    ]);
    expect(links().map((l) => l.ifname)).not.toContain('tap-vm');
    expect(links().find((l) => l.ifname === 'tap-new')?.master).toBe('br-rooms');
    expect(addrs('blue', 'eth0')).toContain('10.20.0.4/24');
    expect(ping('red', '10.20.0.4')).toBe(true);
    expect((await applyLab(parseLab(edited), k)).actions).toEqual([]);
    await destroyAndCheck('two-rooms', before);
  });

  for (const f of readdirSync(LABS).filter((x) => x.endsWith('.yaml') && x !== 'two-rooms.yaml').sort()) {
    test(`shipped lab ${f}: apply, check, ping, re-apply no-op, destroy`, async () => {
      const lab = parseLab(read(f), f);
      if (lab.namespaces.some((n) => n.nat.length) && !hasNft) {
        // NAT needs the nft tool: the apply must refuse clearly and undo itself
        const before = kernelState();
        await expect(applyLab(lab, k)).rejects.toThrow(/nft|nsenter/);
        expect(kernelState()).toBe(before);
        return;
      }
      const before = kernelState();
      await applyLab(lab, k);
      for (const b of lab.bridges) expect(links(b.namespace).find((l) => l.ifname === b.name)?.linkinfo?.info_kind).toBe('bridge');
      for (const t of lab.tuntaps) expect(links(t.namespace).find((l) => l.ifname === t.name)?.linkinfo?.info_data?.type).toBe(t.mode);
      for (const v of lab.veths) for (const e of v.ends) {
        const l = links(e.namespace).find((x) => x.ifname === e.name);
        expect(l?.linkinfo?.info_kind, `${e.namespace}:${e.name}`).toBe('veth');
        expect(l?.ifalias).toBe(`vnet-studio:${lab.name}`);
        if (e.bridge) expect(l?.master).toBe(e.bridge);
      }
      for (const ns of lab.namespaces) for (const [ifname, c] of ns.interfaces) for (const a of c.addresses) expect(addrs(ns.name, ifname)).toContain(a);
      if (lab.name === 'veth-pair') expect(ping('vp-left', '10.1.0.2')).toBe(true);
      if (lab.name === 'vm-tap') expect(ping('vm-lan', '10.30.0.1')).toBe(true);
      if (lab.name === 'docker-like') {
        expect(ping('dk-c1', '172.17.0.3')).toBe(true);               // across docker0
        expect(ping('dk-c1', '203.0.113.1')).toBe(true);              // out, thanks to the masquerade
        expect(sh(['ip', 'netns', 'exec', 'dk-host', 'nft', 'list', 'ruleset'])).toContain('masquerade');
        expect(sh(['ip', 'netns', 'exec', 'dk-host', 'sysctl', '-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
      }
      if (lab.name === 'tun-device') expect(addrs('host', 'vtun0')).toContain('192.168.88.1/24');
      expect((await applyLab(lab, k)).actions).toEqual([]);
      await destroyAndCheck(lab.name, before);
    });
  }

  test('links made into a namespace from two sides (its own bridge, peers from other namespaces): every apply works, also right after a destroy', async () => {
    // The addon picks a new link's ifindex up front; links made into the same namespace by
    // parallel batches took each other's indexes at times (EEXIST on docker0 or eth0).
    const text = [
      'name: cross', 'namespaces:',
      '  x-hub: { interfaces: { eth0: { addresses: [10.40.0.1/24] } } }',
      '  x-far: { interfaces: { eth0: { addresses: [10.40.0.2/24] } } }',
      '  x-c1: { interfaces: { eth0: { addresses: [10.41.0.2/24] } } }',
      '  x-c2: { interfaces: { eth0: { addresses: [10.41.0.3/24] } } }',
      'bridges:', '  br-x: { namespace: x-hub, addresses: [10.41.0.1/24] }',
      'veths:', '  - [x-c1:eth0, br-x]', '  - [x-c2:eth0, br-x]', '  - [x-hub:eth0, x-far:eth0]', '',
    ].join('\n');
    const before = kernelState();
    for (let i = 0; i < 10; i++) {
      await applyLab(parseLab(text), k);
      expect(links('x-hub').map((l) => l.ifname).sort()).toEqual(['br-x', 'eth0', 'lo', 'x-c1-eth0', 'x-c2-eth0'].sort());
      if (i === 0) expect(ping('x-c1', '10.41.0.3')).toBe(true);
      await destroyLab('cross', k);   // and the next apply right after it
    }
    await until(() => markedLinks('cross').length === 0 && netnsList().length === 0, 'lab cross to go');
    expect(kernelState()).toBe(before);
  });

  test('another lab with the same interface names right after a destroy: applies; while the first lab\'s namespace lives on, a conflict', async () => {
    const text = read('two-rooms.yaml');
    const as = (name: string) => parseLab(text.replace('name: two-rooms', `name: ${name}`));
    const before = kernelState();
    for (let i = 0; i < 6; i++) {
      // the host ends of the destroyed lab's veths may still be dying: the next lab waits for them
      await applyLab(as(i % 2 ? 'two-rooms' : 'rooms-b'), k);
      await destroyLab(i % 2 ? 'two-rooms' : 'rooms-b', k);
    }
    await until(() => markedLinks('two-rooms').length + markedLinks('rooms-b').length === 0, 'both labs to go');
    expect(kernelState()).toBe(before);
    // a process keeps a destroyed lab's namespace (and so its veth's host end) alive: a real conflict
    await applyLab(as('rooms-b'), k);
    const holder = spawn('ip', ['netns', 'exec', 'red', 'sleep', '30'], { stdio: 'ignore' });
    try {
      await until(() => spawnSync('ip', ['netns', 'pids', 'red'], { encoding: 'utf8' }).stdout.trim() !== '', 'the holder to start');
      await destroyLab('rooms-b', k);
      const err = await applyLab(as('two-rooms'), k).catch((e) => e);
      expect(err).toBeInstanceOf(PlanConflict);
      expect(String(err.message)).toContain('red-eth0 already exists in the host namespace and was not made by lab two-rooms');
    } finally { holder.kill('SIGKILL'); }
    await until(() => markedLinks('rooms-b').length === 0, 'the held namespace to go');
    expect(kernelState()).toBe(before);
  });

  test('objects the lab did not make stay untouched; one in the way stops the apply before anything changes', async () => {
    // a user's own bridge and a "docker-like" veth made with ip
    sh(['ip', 'link', 'add', 'br-user', 'type', 'bridge']);
    sh(['ip', 'link', 'add', 'vethdock0', 'type', 'veth', 'peer', 'name', 'vethdock1']);
    sh(['ip', 'link', 'set', 'vethdock0', 'master', 'br-user']);
    try {
      const before = kernelState();
      await applyLab(parseLab(read('two-rooms.yaml')), k);
      await destroyAndCheck('two-rooms', before);
      const names = links().map((l) => l.ifname);
      expect(names).toEqual(expect.arrayContaining(['br-user', 'vethdock0', 'vethdock1']));

      // a bridge of the same name that the lab did not make: refused, nothing changed
      sh(['ip', 'link', 'add', 'br-rooms', 'type', 'bridge']);
      const state = kernelState();
      const err = await applyLab(parseLab(read('two-rooms.yaml')), k).catch((e) => e);
      expect(err).toBeInstanceOf(PlanConflict);
      expect(String(err.message)).toContain('br-rooms already exists in the host namespace and was not made by lab two-rooms');
      expect(kernelState()).toBe(state);
      expect(readJournal('two-rooms')).toBeNull();
      sh(['ip', 'link', 'del', 'br-rooms']);
    } finally {
      sh(['ip', 'link', 'del', 'br-user']);
      sh(['ip', 'link', 'del', 'vethdock0']);
    }
  });

  test('a kernel refusal half way names the object and undoes the apply', async () => {
    const before = kernelState();
    // the gateway is not on any connected network: the kernel refuses the route, after the
    // namespaces, veths and addresses were made
    const text = read('two-rooms.yaml').replace('      - { to: default, via: 10.20.0.1 }', '      - { to: 10.99.0.0/24, via: 10.98.0.1 }');
    const err = await applyLab(parseLab(text), k).catch((e) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('route 10.99.0.0/24 via 10.98.0.1');
    expect(err.message).toContain('undone');
    await until(() => markedLinks('two-rooms').length === 0, 'rollback to finish');
    expect(kernelState()).toBe(before);
    expect(netnsList()).toEqual([]);
    expect(readJournal('two-rooms')).toBeNull();
  });

  test('a failed edit rolls back to the lab as it was (not to nothing)', async () => {
    const before = kernelState();
    const text = read('two-rooms.yaml');
    await applyLab(parseLab(text), k);
    const applied = kernelState();
    // the edit removes a tap, adds a namespace and a veth, then a route the kernel refuses
    const edited = text
      .replace(/\n {2}tap-vm: .*\n/, '\n')
      .replace('  blue:\n', '  green:\n    interfaces:\n      eth0: { addresses: [10.20.0.9/24] }\n  blue:\n')
      .replace('  - [blue:eth0, br-rooms]', '  - [blue:eth0, br-rooms]\n  - [green:eth0, br-rooms]')
      .replace('      - { to: default, via: 10.20.0.1 }', '      - { to: 10.99.0.0/24, via: 10.98.0.1 }');
    const err = await applyLab(parseLab(edited), k).catch((e) => e as Error);
    expect(err.message).toContain('route 10.99.0.0/24 via 10.98.0.1');
    await until(() => !links().some((l) => l.ifname === 'green-eth0'), 'the new veth to go');
    // the same links, addresses, marks and routes as after the first apply (the tap is back)
    expect(kernelState()).toBe(applied);
    expect(sh(['ip', '-n', 'red', 'route', 'show', 'default'])).toContain('via 10.20.0.1');
    expect(netnsList()).toEqual(['blue', 'red']);
    expect(readJournal('two-rooms')?.state).toBe('applied');
    expect((await applyLab(parseLab(text), k)).actions).toEqual([]);
    await destroyAndCheck('two-rooms', before);
  });
});
