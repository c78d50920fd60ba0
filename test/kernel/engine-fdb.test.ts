// A bridge's forwarding table, live: a ping from a namespace made during the test has the bridge
// learn its MAC on its port, and with a short ageing time (3 s) the kernel ages it out again; both
// reach the engine's model through AF_BRIDGE neighbour events alone. Nothing is polled: the
// /proc rescan and the reconciliation pass are off (rescanMs: 0, reconcileMs: 0), and the FDB is
// dumped only by full reads of a namespace, which the engine's counters show did not happen.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import type { Delta, DeltaBatch, FdbEntry } from '../../electron/contract';
import { bridgeJson, ip } from '../helpers/ip';
import { iface, nsNamed } from '../helpers/model-lookup';
import { quiet } from '../helpers/processes';
import { ModelMirror } from '../helpers/mirror';

const BR_NS = 'fdb-br';
const NEW_NS = 'fdb-new';

describeKernel('engine: a bridge learns and forgets a MAC, seen through events', () => {
  let e: Engine;
  const batches: DeltaBatch[] = [];

  /** Resolves with the first delta (from now on) matching `pred`. */
  const nextDelta = (pred: (d: Delta) => boolean, timeoutMs = 15_000) => new Promise<Delta>((resolve, reject) => {
    const on = (b: DeltaBatch) => {
      const d = b.deltas.find(pred);
      if (d) { e.off('delta', on); clearTimeout(t); resolve(d); }
    };
    const t = setTimeout(() => { e.off('delta', on); reject(new Error('expected delta did not arrive')); }, timeoutMs);
    e.on('delta', on);
  });
  const sysctl = (ns: string, kv: string) => execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', kv]);

  beforeAll(async () => {
    // The article's picture: a bridge with an address, its port's far end in another namespace.
    ip('netns', 'add', BR_NS);
    // No IPv6 chatter (router solicitations, MLD) to refresh entries behind our back.
    sysctl(BR_NS, 'net.ipv6.conf.all.disable_ipv6=1'); sysctl(BR_NS, 'net.ipv6.conf.default.disable_ipv6=1');
    ip('-n', BR_NS, 'link', 'add', 'br0', 'type', 'bridge', 'ageing_time', '300'); // 3 s (centiseconds)
    ip('-n', BR_NS, 'addr', 'add', '10.77.0.254/24', 'dev', 'br0');
    ip('-n', BR_NS, 'link', 'set', 'br0', 'up');
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0 });
    e.on('delta', (b) => batches.push(b));
  });
  afterAll(async () => {
    quiet(() => ip('netns', 'del', NEW_NS));
    quiet(() => ip('netns', 'del', BR_NS));
    await e?.stop();
  });

  it('a ping from a new namespace: its MAC appears on its port (learned, young), then ages out', async () => {
    const before = e.stats();
    const brId = iface(nsNamed(e.model(), BR_NS), 'br0')!.id;
    // A new namespace, its veth's other end made a port of br0.
    ip('netns', 'add', NEW_NS);
    sysctl(NEW_NS, 'net.ipv6.conf.all.disable_ipv6=1'); sysctl(NEW_NS, 'net.ipv6.conf.default.disable_ipv6=1');
    ip('-n', NEW_NS, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'port1', 'netns', BR_NS);
    ip('-n', BR_NS, 'link', 'set', 'port1', 'master', 'br0');
    ip('-n', BR_NS, 'link', 'set', 'port1', 'up');
    ip('-n', NEW_NS, 'addr', 'add', '10.77.0.1/24', 'dev', 'eth0');
    ip('-n', NEW_NS, 'link', 'set', 'eth0', 'up');
    const mac = JSON.parse(ip('-n', NEW_NS, '-j', 'link', 'show', 'eth0'))[0].address as string;
    const learned = nextDelta((d) => d.op === 'fdb' && d.bridge === brId && d.set.some((x) => x.mac === mac));

    execFileSync('ip', ['netns', 'exec', NEW_NS, 'ping', '-c', '1', '-W', '2', '10.77.0.254']);
    const d = await learned as Extract<Delta, { op: 'fdb' }>;
    const entry = d.set.find((x) => x.mac === mac)!;
    const portId = iface(nsNamed(e.model(), BR_NS), 'port1')!.id;
    expect(entry).toMatchObject({ mac, vlan: null, port: portId, state: 'learned' } satisfies Partial<FdbEntry>);
    expect(entry.ageSeconds).toBeLessThan(2);
    expect(entry.readAt).toBeGreaterThan(Date.now() - 10_000);
    // A small delta: the entries that changed, not the bridge's whole table.
    expect(d.set.length + d.removed.length).toBeLessThanOrEqual(2);
    // As `bridge fdb` has it, and in the model (the bridge interface carries it).
    const kernel = bridgeJson<{ mac: string; ifname: string; master?: string; state: string }[]>('-n', BR_NS, 'fdb', 'show', 'br', 'br0');
    expect(kernel.find((x) => x.mac === mac)).toMatchObject({ ifname: 'port1', master: 'br0', state: '' });
    const held = iface(nsNamed(e.model(), BR_NS), 'br0')!.fdb!;
    expect(held.find((x) => x.mac === mac)).toMatchObject({ port: portId, state: 'learned' });
    expect(held.find((x) => x.port === portId && x.state === 'local')?.mac).toBe(
      JSON.parse(ip('-n', BR_NS, '-j', 'link', 'show', 'port1'))[0].address);

    // Ageing (3 s, and the kernel's clean-up runs every ageing period): removed by RTM_DELNEIGH.
    const gone = await nextDelta((x) => x.op === 'fdb' && x.bridge === brId && x.removed.some((k) => k.mac === mac), 20_000);
    expect(gone).toMatchObject({ op: 'fdb', bridge: brId, set: [] });
    expect(bridgeJson<{ mac: string }[]>('-n', BR_NS, 'fdb', 'show', 'br', 'br0').some((x) => x.mac === mac)).toBe(false);
    expect(iface(nsNamed(e.model(), BR_NS), 'br0')!.fdb!.some((x) => x.mac === mac)).toBe(false);

    // No full read of any namespace happened meanwhile: the FDB came by events.
    const after = e.stats();
    expect(after.resyncDumps - before.resyncDumps).toBe(0);
    expect(after.reconcilePasses - before.reconcilePasses).toBe(0);
  }, 40_000);

  it('a port that goes takes its entries along; the bridge that goes takes its table (a client copy follows)', async () => {
    // What a client holds: the snapshot, then every delta (the bridge's own interface deltas carry
    // its whole table, fdb deltas the entries that changed).
    const mirror = new ModelMirror(e.snapshot());
    e.on('delta', (b) => mirror.applyBatch(b));
    const until = async (what: string, pred: () => boolean) => {
      const t0 = Date.now();
      while (!pred()) {
        if (Date.now() - t0 > 10_000) throw new Error(`the client's copy never showed ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const table = () => iface(nsNamed(mirror.model, BR_NS), 'br0')?.fdb;
    const brId = iface(nsNamed(e.model(), BR_NS), 'br0')!.id;
    ip('-n', BR_NS, 'link', 'add', 'port2', 'type', 'veth', 'peer', 'name', 'port2b');
    ip('-n', BR_NS, 'link', 'set', 'port2', 'master', 'br0');
    execFileSync('bridge', ['-n', BR_NS, 'fdb', 'add', '0a:00:00:00:77:01', 'dev', 'port2', 'master', 'static']);
    const port2 = () => iface(nsNamed(mirror.model, BR_NS), 'port2')?.id;
    await until('the static entry on port2', () => !!table()?.some((x) => x.mac === '0a:00:00:00:77:01' && x.state === 'static' && x.port === port2()));
    ip('-n', BR_NS, 'link', 'del', 'port2');
    await until('port2 and its entries gone', () => !port2() && !table()?.some((x) => x.mac === '0a:00:00:00:77:01'));
    ip('-n', BR_NS, 'link', 'del', 'br0');
    await until('br0 gone', () => !table());
    await e.waitIdle(50);
    expect(mirror.problems).toEqual([]);
    // Nothing is said of the gone bridge's table afterwards.
    const i = batches.findIndex((b) => b.deltas.some((d) => d.op === 'interface-removed' && d.id === brId));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(batches.slice(i).some((b) => b.deltas.some((d) => d.op === 'fdb' && d.bridge === brId))).toBe(false);
  }, 30_000);
});
