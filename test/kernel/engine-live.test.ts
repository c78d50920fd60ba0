// Live changes reach the model through kernel events: add, rename, move to another namespace, set
// down, delete, and a named namespace deleted with its interfaces. The engine here has the /proc
// rescan and the reconciliation pass switched off (rescanMs: 0, reconcileMs: 0), so nothing is
// polled: only netlink events, /run/netns inotify and the rescans those events trigger can tell
// it anything.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import type { Delta, DeltaBatch, Model } from '../../electron/contract';
import { ip, ipBatch } from '../helpers/ip';
import { hostNs, iface, nsNamed } from '../helpers/model-lookup';
import { quiet } from '../helpers/processes';

describeKernel('engine: live changes arrive as deltas', () => {
  let e: Engine;
  const deltas: Delta[] = [];

  /** Resolves with the first delta (from now on) matching `pred`. */
  const nextDelta = (pred: (d: Delta) => boolean, timeoutMs = 10_000) => new Promise<Delta>((resolve, reject) => {
    const on = (b: DeltaBatch) => {
      const d = b.deltas.find(pred);
      if (d) { e.off('delta', on); clearTimeout(t); resolve(d); }
    };
    const t = setTimeout(() => { e.off('delta', on); reject(new Error('expected delta did not arrive')); }, timeoutMs);
    e.on('delta', on);
  });

  beforeAll(async () => {
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0 });
    e.on('delta', (b) => deltas.push(...b.deltas));
  });
  afterAll(async () => {
    quiet(() => ip('link', 'del', 'lv0'));
    quiet(() => ip('link', 'del', 'lp0'));
    quiet(() => ip('link', 'del', 'lbr'));
    quiet(() => ip('link', 'del', 'lv-renamed'));
    quiet(() => ip('netns', 'del', 'live-a'));
    quiet(() => ip('netns', 'del', 'live-b'));
    await e?.stop();
  });

  it('add: a new veth pair arrives as interface deltas with their peers', async () => {
    const got = nextDelta((d) => d.op === 'interface' && d.iface.name === 'lv0' && d.iface.peer !== null);
    ip('link', 'add', 'lv0', 'type', 'veth', 'peer', 'name', 'lv1');
    const d = await got as Extract<Delta, { op: 'interface' }>;
    expect(d.iface.kind).toBe('veth');
    expect(d.namespaceId).toBe(hostNs(e.model()).id);
    expect(d.iface.peer).toBe(iface(hostNs(e.model()), 'lv1')!.id);
  });

  it('rename: the same interface id with the new name', async () => {
    const before = iface(hostNs(e.model()), 'lv0')!;
    const got = nextDelta((d) => d.op === 'interface' && d.iface.id === before.id && d.iface.name === 'lv-renamed');
    ip('link', 'set', 'lv0', 'name', 'lv-renamed');
    await got;
    expect(iface(hostNs(e.model()), 'lv0')).toBeUndefined();
    expect(iface(hostNs(e.model()), 'lv-renamed')!.id).toBe(before.id);
  });

  it('up and down: state and flags follow', async () => {
    const id = iface(hostNs(e.model()), 'lv-renamed')!.id;
    let got = nextDelta((d) => d.op === 'interface' && d.iface.id === id && d.iface.flags.includes('UP'));
    ip('link', 'set', 'lv-renamed', 'up');
    await got;
    got = nextDelta((d) => d.op === 'interface' && d.iface.id === id && !d.iface.flags.includes('UP'));
    ip('link', 'set', 'lv-renamed', 'down');
    const d = await got as Extract<Delta, { op: 'interface' }>;
    expect(d.iface.state).toBe('down');
  });

  it('move: into a named namespace (removed here, added there, peer follows)', async () => {
    ip('netns', 'add', 'live-a');
    await e.waitFor((m) => !!nsNamed(m, 'live-a')); // found through /run/netns inotify, not a poll
    const oldId = iface(hostNs(e.model()), 'lv1')!.id;
    const removed = nextDelta((d) => d.op === 'interface-removed' && d.id === oldId);
    const added = nextDelta((d) => d.op === 'interface' && d.iface.name === 'lv1' && d.namespaceId === nsNamed(e.model(), 'live-a')!.id);
    ip('link', 'set', 'lv1', 'netns', 'live-a');
    await removed;
    await added;
    const m = await e.waitFor((x) => {
      const a = iface(hostNs(x), 'lv-renamed'); const b = iface(nsNamed(x, 'live-a'), 'lv1');
      return !!a && !!b && a.peer === b.id && b.peer === a.id;
    });
    expect(iface(hostNs(m), 'lv1')).toBeUndefined();
  });

  it('move between two named namespaces, then delete: both ends go', async () => {
    ip('netns', 'add', 'live-b');
    await e.waitFor((m) => !!nsNamed(m, 'live-b'));
    ip('-n', 'live-a', 'link', 'set', 'lv1', 'netns', 'live-b');
    await e.waitFor((x) => {
      const a = iface(hostNs(x), 'lv-renamed'); const b = iface(nsNamed(x, 'live-b'), 'lv1');
      return !!a && !!b && a.peer === b.id && b.peer === a.id && !iface(nsNamed(x, 'live-a'), 'lv1');
    });
    const hostId = iface(hostNs(e.model()), 'lv-renamed')!.id;
    const bId = iface(nsNamed(e.model(), 'live-b'), 'lv1')!.id;
    const r1 = nextDelta((d) => d.op === 'interface-removed' && d.id === hostId);
    const r2 = nextDelta((d) => d.op === 'interface-removed' && d.id === bId);
    ip('link', 'del', 'lv-renamed');
    await Promise.all([r1, r2]);
  });

  it('bridge ports join and leave: master follows, the port is never mistaken for deleted', async () => {
    ip('link', 'add', 'lbr', 'type', 'bridge');
    ip('link', 'add', 'lp0', 'type', 'veth', 'peer', 'name', 'lp1');
    ip('link', 'set', 'lp0', 'master', 'lbr');
    ip('link', 'set', 'lp0', 'up');
    let m = await e.waitFor((x) => {
      const p = iface(hostNs(x), 'lp0'); const br = iface(hostNs(x), 'lbr');
      return !!p && !!br && p.master === br.id && p.flags.includes('UP');
    });
    const id = iface(hostNs(m), 'lp0')!.id;
    const removed: string[] = [];
    const on = (b: DeltaBatch) => { for (const d of b.deltas) if (d.op === 'interface-removed') removed.push(d.id); };
    e.on('delta', on);
    ip('link', 'set', 'lp0', 'nomaster');
    m = await e.waitFor((x) => iface(hostNs(x), 'lp0')?.master === null);
    await e.waitIdle(50);
    e.off('delta', on);
    expect(removed).not.toContain(id);
    expect(iface(hostNs(e.model()), 'lp0')).toMatchObject({ id, kind: 'veth', master: null, peer: iface(hostNs(e.model()), 'lp1')!.id });
    ip('link', 'del', 'lp0');
    ip('link', 'del', 'lbr');
    await e.waitFor((x) => !iface(hostNs(x), 'lp0') && !iface(hostNs(x), 'lbr'));
  });

  it('a named namespace deleted takes its interfaces with it', async () => {
    ip('-n', 'live-b', 'link', 'add', 'd0', 'type', 'bridge');
    await e.waitFor((m) => !!iface(nsNamed(m, 'live-b'), 'd0'));
    const id = nsNamed(e.model(), 'live-b')!.id;
    const gone = nextDelta((d) => d.op === 'namespace-removed' && d.id === id);
    ip('netns', 'del', 'live-b');
    await gone;
    const m = e.model();
    expect(m.namespaces.find((n) => n.id === id)).toBeUndefined();
    expect(JSON.stringify(m)).not.toContain(`${id}/`);
  });

  it('a burst of 200 veths with a tiny socket buffer: the model stays exact (re-read after any overflow)', async () => {
    const small = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0, rcvbuf: 1024 });
    const names = (m: Model) => hostNs(m).interfaces.map((i) => i.name).filter((n) => /^o[vw]\d/.test(n)).sort();
    try {
      ipBatch(Array.from({ length: 100 }, (_, i) => `link add ov${i} type veth peer name ow${i}`));
      await small.waitFor((m) => names(m).length === 200, 20_000);
      // Whether the kernel overflowed depends on how fast the event thread drains; either way the
      // model must be exact (small.resyncs says how often it re-read).
      ipBatch(Array.from({ length: 100 }, (_, i) => `link del ov${i}`));
      await small.waitFor((m) => names(m).length === 0, 20_000);
      await small.resync();
      await small.waitIdle();
      expect(names(small.model())).toEqual([]);
    } finally {
      for (let i = 0; i < 100; i++) quiet(() => ip('link', 'del', `ov${i}`));
      await small.stop();
    }
  });
});
