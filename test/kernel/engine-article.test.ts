// The article's pictures, rebuilt with `ip` in the throwaway world, read back through the engine:
// tun with an address held by a process (and its route appearing when it comes up), a tap, a veth
// pair with one end in a named namespace renamed eth0, a bridge with veth and tap ports and an
// address, two "container" namespaces held only by processes joined to the bridge, a vxlan.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { applyDelta } from '../../electron/engine/apply';
import type { CounterFrame, Model } from '../../electron/contract';
import { ip } from '../helpers/ip';
import { hostNs, iface, nsNamed, nsOfPid } from '../helpers/model-lookup';
import { holdTun, quiet, runAsync, startContainer } from '../helpers/processes';

describeKernel('engine: the article\'s pictures', () => {
  let e: Engine;
  const procs: ChildProcess[] = [];
  const mirror: Model = { namespaces: [] };
  let lastSeq = 0;
  const frames: CounterFrame[] = [];

  beforeAll(async () => {
    e = await Engine.start({ sampleHz: 10 });
    e.setInterest(frames, 'all'); // this test looks at every namespace: all at the full rate
    const s = e.snapshot();
    Object.assign(mirror, JSON.parse(JSON.stringify(s.model)));
    lastSeq = s.seq;
    e.on('delta', (b) => {
      expect(b.seq).toBe(lastSeq + 1); // no gaps
      lastSeq = b.seq;
      for (const d of b.deltas) applyDelta(mirror, d);
    });
    e.on('counters', (f) => frames.push(f));
  });

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    quiet(() => ip('link', 'del', 'vx0'));
    quiet(() => ip('link', 'del', 'br0'));
    quiet(() => ip('link', 'del', 'veth0'));
    quiet(() => ip('link', 'del', 'tap0'));
    quiet(() => ip('netns', 'del', 'blue'));
    await e?.stop();
  });

  it('a tun held by a process, with an address; its route appears when it comes up', async () => {
    const holder = await holdTun('tun0', 'tun');
    procs.push(holder);
    let m = await e.waitFor((x) => iface(hostNs(x), 'tun0')?.tun?.owners.some((o) => o.pid === holder.pid) ?? false);
    let t = iface(hostNs(m), 'tun0')!;
    expect(t.kind).toBe('tun');
    expect(t.tun).toEqual({ mode: 'tun', persistent: false, owners: [{ pid: holder.pid, comm: 'python3' }] });
    expect(t.mac).toBeNull();

    ip('addr', 'add', '10.0.0.1/24', 'dev', 'tun0');
    m = await e.waitFor((x) => iface(hostNs(x), 'tun0')?.addresses.includes('10.0.0.1/24') ?? false);
    await e.waitIdle();
    expect(hostNs(e.model()).routes.find((r) => r.dst === '10.0.0.0/24')).toBeUndefined(); // down: no route yet

    ip('link', 'set', 'tun0', 'up');
    m = await e.waitFor((x) => hostNs(x).routes.some((r) => r.dst === '10.0.0.0/24'));
    t = iface(hostNs(m), 'tun0')!;
    expect(t.flags).toContain('UP');
    expect(t.state).not.toBe('down'); // a held tun that is up has carrier (the kernel says UNKNOWN)
    expect(hostNs(m).routes.find((r) => r.dst === '10.0.0.0/24')).toMatchObject({ dev: t.id, protocol: 'kernel', scope: 'link', family: 4 });
  });

  it('a tap, persistent, held by nobody: down although set up', async () => {
    ip('tuntap', 'add', 'dev', 'tap0', 'mode', 'tap');
    ip('link', 'set', 'tap0', 'up');
    const m = await e.waitFor((x) => iface(hostNs(x), 'tap0')?.flags.includes('UP') ?? false);
    const t = iface(hostNs(m), 'tap0')!;
    expect(t.kind).toBe('tap');
    expect(t.tun).toEqual({ mode: 'tap', persistent: true, owners: [] });
    expect(t.state).toBe('down');
    expect(t.flags).toContain('NO-CARRIER');
    expect(t.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('a veth pair, one end moved into a named namespace and renamed eth0: peers resolved both ways', async () => {
    ip('netns', 'add', 'blue');
    ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1');
    ip('link', 'set', 'veth1', 'netns', 'blue');
    ip('-n', 'blue', 'link', 'set', 'veth1', 'name', 'eth0');
    ip('-n', 'blue', 'addr', 'add', '10.1.0.2/24', 'dev', 'eth0');
    ip('-n', 'blue', 'link', 'set', 'eth0', 'up');
    ip('link', 'set', 'veth0', 'up');
    const m = await e.waitFor((x) => {
      const a = iface(hostNs(x), 'veth0'); const b = iface(nsNamed(x, 'blue'), 'eth0');
      return !!a && !!b && a.peer === b.id && b.peer === a.id && b.addresses.includes('10.1.0.2/24');
    });
    const blue = nsNamed(m, 'blue')!;
    expect(blue).toMatchObject({ kind: 'named', name: 'blue', label: 'blue' });
    expect(blue.id).toBe(`ns:${blue.inode}`);
    expect(iface(blue, 'eth0')).toMatchObject({ kind: 'veth', state: 'up' });
    expect(iface(hostNs(m), 'veth1')).toBeUndefined();
  });

  it('a bridge with veth and tap ports and an address', async () => {
    ip('link', 'add', 'br0', 'type', 'bridge');
    ip('link', 'set', 'veth0', 'master', 'br0');
    ip('link', 'set', 'tap0', 'master', 'br0');
    ip('addr', 'add', '10.10.0.1/24', 'dev', 'br0');
    ip('link', 'set', 'br0', 'up');
    const m = await e.waitFor((x) => {
      const h = hostNs(x); const br = iface(h, 'br0');
      return !!br && iface(h, 'veth0')?.master === br.id && iface(h, 'tap0')?.master === br.id && br.addresses.includes('10.10.0.1/24');
    });
    const h = hostNs(m);
    expect(iface(h, 'br0')).toMatchObject({ kind: 'bridge', master: null, peer: null });
    expect(iface(h, 'veth0')!.peer).toBe(iface(nsNamed(m, 'blue'), 'eth0')!.id); // still its peer
  });

  it('two container namespaces held only by processes, joined to the bridge; ping moves their counters', async () => {
    const c = [await startContainer(), await startContainer()];
    procs.push(...c);
    c.forEach((p, i) => {
      ip('link', 'add', `vc${i}`, 'type', 'veth', 'peer', 'name', `ceth${i}`);
      ip('link', 'set', `ceth${i}`, 'netns', String(p.pid));
      ip({ pid: p.pid }, 'link', 'set', `ceth${i}`, 'name', 'eth0');
      ip({ pid: p.pid }, 'addr', 'add', `10.10.0.1${i + 1}/24`, 'dev', 'eth0');
      ip({ pid: p.pid }, 'link', 'set', 'eth0', 'up');
      ip({ pid: p.pid }, 'link', 'set', 'lo', 'up');
      ip('link', 'set', `vc${i}`, 'master', 'br0');
      ip('link', 'set', `vc${i}`, 'up');
    });
    const m = await e.waitFor((x) => c.every((p, i) => {
      const ns = nsOfPid(x, p.pid); const hv = iface(hostNs(x), `vc${i}`); const ce = iface(ns, 'eth0');
      return !!ns && !!hv && !!ce && ce.peer === hv.id && hv.peer === ce.id && hv.master === iface(hostNs(x), 'br0')?.id
        && ce.addresses.includes(`10.10.0.1${i + 1}/24`);
    }));
    for (const p of c) {
      const entries = m.namespaces.filter((n) => n.pids.includes(p.pid));
      expect(entries).toHaveLength(1); // one entry per namespace
      expect(entries[0]).toMatchObject({ kind: 'process', name: null, label: `pid ${p.pid} (sleep)`, pids: [p.pid] });
      expect(entries[0].routes.some((r) => r.dst === '10.10.0.0/24')).toBe(true);
    }

    const eth0 = iface(nsOfPid(m, c[0].pid), 'eth0')!.id;
    const vc0 = iface(hostNs(m), 'vc0')!.id;
    frames.length = 0;
    // Asynchronously, so the sampler runs while the packets flow.
    await runAsync('nsenter', '-t', String(c[0].pid), '-n', 'ping', '-c', '5', '-i', '0.2', '-W', '2', '10.10.0.12');
    // The sampler runs at 10 Hz: wait (by frames, not time) until a frame shows all the pings
    // (frames from during the ping may show fewer).
    const txOf = (f: CounterFrame, id: string) => { const j = f.ids.indexOf(id); return j < 0 ? -1 : f.stats[j * 8 + 1]; };
    const rxOf = (f: CounterFrame, id: string) => { const j = f.ids.indexOf(id); return j < 0 ? -1 : f.stats[j * 8]; };
    await new Promise<void>((resolve) => {
      const look = () => frames.some((x) => txOf(x, eth0) >= 5 && rxOf(x, eth0) >= 5) && frames.some((x) => x.ids.includes(vc0));
      if (look()) return resolve();
      const onF = () => { if (look()) { e.off('counters', onF); resolve(); } };
      e.on('counters', onF);
    });
    const f = frames.filter((x) => x.ids.includes(eth0)).at(-1)!;
    expect(txOf(f, eth0)).toBeGreaterThanOrEqual(5); // txPackets of the container's eth0
    expect(f.intervalMs).toBeGreaterThan(0);
    const withRate = frames.find((x) => { const j = x.ids.indexOf(eth0); return j >= 0 && x.rates[j * 4 + 1] > 0; });
    expect(withRate).toBeDefined();
    const stats = iface(nsOfPid(e.model(), c[0].pid), 'eth0')!.stats;
    expect(stats.txPackets).toBeGreaterThanOrEqual(5);
    expect(stats.rxPackets).toBeGreaterThanOrEqual(5);
  });

  it('a vxlan on the bridge', async () => {
    ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'remote', '10.10.0.99', 'local', '10.10.0.1', 'dev', 'br0');
    const m = await e.waitFor((x) => !!iface(hostNs(x), 'vx0'));
    const h = hostNs(m);
    expect(iface(h, 'vx0')).toMatchObject({
      kind: 'vxlan', linkKind: 'vxlan',
      vxlan: { vni: 42, remote: '10.10.0.99', local: '10.10.0.1', port: 4789, dev: iface(h, 'br0')!.id },
    });
  });

  it('the delta stream from the first snapshot adds up to the model', async () => {
    await e.waitIdle();
    const strip = (x: Model) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'stats' ? undefined : v)));
    expect(strip(mirror)).toEqual(strip(e.model()));
  });
});
