// Sampling by interest through the engine process: a client that asked for one namespace gets its
// counters at the full rate, with rates right; every other namespace is still read, at the low
// rate, with rates right over that longer interval; a client that asks for nothing gets the low
// rate for everything.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { EngineProc } from '../helpers/engine-proc';
import { ip } from '../helpers/ip';
import { quiet } from '../helpers/processes';
import { decodeCounterFrame, type CounterFrame, type Model } from '../../electron/contract';

const PAIRS = ['hot', 'cold'] as const;

describeKernel('sampling by interest (engine process)', () => {
  const pings: ChildProcess[] = [];
  beforeAll(() => {
    PAIRS.forEach((p, k) => {
      ip('netns', 'add', `int-${p}-a`); ip('netns', 'add', `int-${p}-b`);
      // No IPv6: its router and neighbour chatter would add packets to the 10 a second counted here.
      for (const side of ['a', 'b']) execFileSync('ip', ['netns', 'exec', `int-${p}-${side}`, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      ip('link', 'add', 'eth0', 'netns', `int-${p}-a`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', `int-${p}-b`);
      ip('-n', `int-${p}-a`, 'addr', 'add', `10.77.${k}.1/24`, 'dev', 'eth0'); ip('-n', `int-${p}-b`, 'addr', 'add', `10.77.${k}.2/24`, 'dev', 'eth0');
      for (const s of ['a', 'b']) { ip('-n', `int-${p}-${s}`, 'link', 'set', 'eth0', 'up'); ip('-n', `int-${p}-${s}`, 'link', 'set', 'lo', 'up'); }
    });
  });
  afterAll(() => {
    for (const p of pings) p.kill('SIGKILL');
    for (const p of PAIRS) for (const s of ['a', 'b']) quiet(() => ip('netns', 'del', `int-${p}-${s}`));
  });

  it('one namespace at the full rate, the rest at the low rate, rates right at both', async () => {
    const e = new EngineProc([], ['--sample-hz', '10']);
    try {
      const hello = await e.call(1, 'hello');
      expect(hello.result).toMatchObject({ sampleHz: 10, lowSampleHz: 1 });
      const model = (await e.call(2, 'snapshot')).result.model as Model;
      const ns = (name: string) => model.namespaces.find((n) => n.name === name)!;
      const eth0 = (name: string) => ns(name).interfaces.find((i) => i.name === 'eth0')!.id;
      const hot = eth0('int-hot-a'), cold = eth0('int-cold-a');
      const asked = await e.call(3, 'setInterest', { namespaces: [ns('int-hot-a').id, 'ns:1'] });
      expect(asked.result).toEqual({ namespaces: 1, sampleHz: 10, lowSampleHz: 1 }); // ns:1 does not exist (yet)
      const bad = await e.call(4, 'setInterest', { namespaces: ['int-hot-a'] });
      expect(bad.error).toMatchObject({ code: -32602, message: expect.stringMatching(/"namespaces\[0\]" is not a namespace id/) });

      // 10 echo requests a second out of each "a" namespace.
      PAIRS.forEach((p, k) => {
        const c = spawn('ip', ['netns', 'exec', `int-${p}-a`, 'ping', '-q', '-i', '0.1', '-c', '80', `10.77.${k}.2`], { stdio: 'ignore' });
        pings.push(c);
      });
      await new Promise((r) => setTimeout(r, 1500)); // past the first reads of the traffic
      const from = e.messages.length;
      await new Promise((r) => setTimeout(r, 4000));
      const frames = e.messages.slice(from).filter((m) => m.method === 'counters').map((m) => m.params as CounterFrame);
      const seen = (id: string) => frames.flatMap((f) => decodeCounterFrame(f).filter((x) => x.id === id).map((x) => ({ f, ...x })));
      const hotSeen = seen(hot), coldSeen = seen(cold);
      // Full rate for what was asked for: about 40 frames in 4 s; the other: about one a second.
      expect(hotSeen.length).toBeGreaterThanOrEqual(30);
      expect(coldSeen.length).toBeGreaterThanOrEqual(3);
      expect(coldSeen.length).toBeLessThanOrEqual(6);
      // Frames of the hot namespace alone say so; the cold one is read only in full frames.
      for (const x of coldSeen) expect(x.f.namespaces).toBeUndefined();
      expect(frames.some((f) => f.namespaces?.length === 1 && f.namespaces[0] === ns('int-hot-a').id)).toBe(true);
      // Rates: 10 requests a second each (one 84-byte frame each on the wire: 98 bytes with the header).
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      expect(median(hotSeen.map((x) => x.rates.txPps))).toBeGreaterThan(7);
      expect(median(hotSeen.map((x) => x.rates.txPps))).toBeLessThan(13);
      coldSeen.forEach((x, k) => {
        expect(x.rates.txPps).toBeGreaterThan(8);
        expect(x.rates.txPps).toBeLessThan(12);
        // 98 bytes an echo request; a second with an ARP exchange (42-byte frames) averages less.
        expect(x.rates.txBps / x.rates.txPps).toBeGreaterThan(85);
        expect(x.rates.txBps / x.rates.txPps).toBeLessThanOrEqual(98.5);
        // Timed over the whole low-rate interval, not the full-rate one: packets between two reads
        // over the time between them.
        if (k === 0) return;
        const prev = coldSeen[k - 1];
        const overWall = (x.stats.txPackets - prev.stats.txPackets) / ((x.f.t - prev.f.t) / 1000);
        expect(Math.abs(overWall - x.rates.txPps) / x.rates.txPps).toBeLessThan(0.2);
      });
      // The counters themselves are the kernel's.
      const kernelTx = JSON.parse(ip('-n', 'int-cold-a', '-s', '-j', 'link', 'show', 'eth0'))[0].stats64.tx.packets as number;
      const last = coldSeen.at(-1)!.stats.txPackets;
      expect(kernelTx - last).toBeGreaterThanOrEqual(0);
      expect(kernelTx - last).toBeLessThanOrEqual(15); // at most ~1 s of pings since the last low-rate read

      // Asking for nothing: everything at the low rate.
      await e.call(5, 'setInterest', { namespaces: [] });
      await new Promise((r) => setTimeout(r, 300));
      const from2 = e.messages.length;
      await new Promise((r) => setTimeout(r, 3000));
      const frames2 = e.messages.slice(from2).filter((m) => m.method === 'counters').map((m) => m.params as CounterFrame);
      expect(frames2.length).toBeGreaterThanOrEqual(2);
      expect(frames2.length).toBeLessThanOrEqual(4);
      expect(frames2.filter((f) => f.ids.includes(hot)).length).toBeLessThanOrEqual(4);
    } finally {
      e.p.stdin.end();
      await e.exit;
    }
  });
});
