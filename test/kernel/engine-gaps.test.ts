// Where the kernel is silent or its events arrive out of order with a dump, the model must still end
// right:
// - a veth end moved next to its peer: the kernel sends no event for the end that did not move;
// - an alias set on a DOWN link: no RTM_NEWLINK at all (the periodic reconciliation finds it);
// - events that were already on their way when a re-dump started and are replayed after it.
// The last ones use the real addon behind a wrapper that only delays the delivery of the kernel's
// own events (as a busy event thread would), so a dump deterministically runs in between.
import { afterEach, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import type { NativeAddon, RawEvent } from '../../native/types';
import { wrappedAddon } from '../helpers/wrapped-addon';
import type { Interface } from '../../electron/contract';
import { ip, ipBatch } from '../helpers/ip';
import { hostNs, iface, nsNamed } from '../helpers/model-lookup';
import { quiet } from '../helpers/processes';

/** Both ends exist and name each other. */
const paired = (a: Interface | undefined, b: Interface | undefined) => !!a && !!b && a.peer === b.id && b.peer === a.id;

interface Gate {
  closed: boolean;
  /** 'during': the kept events are delivered while the next link dump is still running (the engine
   *  holds them and replays them after it); 'after': just after that dump has returned. */
  release: 'during' | 'after';
  /** Names of the links whose records were kept back. */
  keptNames: string[];
}

/** The real addon; while `gate.closed`, every namespace's kernel events are kept back, and they are
 *  delivered (all of them, in order) when the next link dump has read the kernel. */
function delayingAddon(gate: Gate): NativeAddon {
  return wrappedAddon((h) => {
    let deliver: ((evs: RawEvent[]) => void) | null = null;
    const kept: RawEvent[] = [];
    const release = () => { if (kept.length && deliver) deliver(kept.splice(0)); };
    /** A link dump has read the kernel: the kept events go now or just after. */
    const opened = () => {
      if (!gate.closed) return;
      gate.closed = false;
      if (gate.release === 'during') release(); else setTimeout(release, 1);
    };
    return {
      subscribe: (cb, opts) => {
        deliver = cb;
        h.subscribe((evs) => {
          if (!gate.closed) { release(); cb(evs); return; }
          kept.push(...evs);
          for (const e of evs) if (e.type === 'newlink') gate.keptNames.push(e.link.name);
        }, opts);
      },
      dumpLinks: async () => {
        const links = await h.dumpLinks();
        opened();
        return links;
      },
      // A full re-read reads the links too (one call for all four dumps).
      dumpAll: async () => {
        const all = await h.dumpAll();
        opened();
        return all;
      },
    };
  });
}

describeKernel('engine: kernel silence and late events', () => {
  let e: Engine | undefined;
  const cleanup: string[][] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) quiet(() => ip(...c));
    await e?.stop(); e = undefined;
  });

  it('a veth end moved next to its peer: the end that did not move points at the new place', async () => {
    // Events only (no /proc rescan, no reconciliation): the moved end's newlink must fix its peer.
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0 });
    cleanup.push(['netns', 'del', 'gap-a'], ['netns', 'del', 'gap-b'], ['link', 'del', 'gx5']);
    ip('netns', 'add', 'gap-a'); ip('netns', 'add', 'gap-b');
    await e.waitFor((m) => !!nsNamed(m, 'gap-a') && !!nsNamed(m, 'gap-b'));
    ip('link', 'add', 'gx4', 'netns', 'gap-b', 'type', 'veth', 'peer', 'name', 'gx5', 'netns', 'gap-a');
    await e.waitFor((m) => paired(iface(nsNamed(m, 'gap-b'), 'gx4'), iface(nsNamed(m, 'gap-a'), 'gx5')));
    // Both moves back to back, as a script (or the differential test) does them.
    ip('-n', 'gap-a', 'link', 'set', 'dev', 'gx5', 'netns', '1');
    ip('-n', 'gap-b', 'link', 'set', 'dev', 'gx4', 'netns', '1');
    await e.waitFor((m) => paired(iface(hostNs(m), 'gx4'), iface(hostNs(m), 'gx5')), 5_000).catch(() => undefined);
    const m = e.model();
    const x4 = iface(hostNs(m), 'gx4'); const x5 = iface(hostNs(m), 'gx5');
    expect({ x4: x4?.peer, x5: x5?.peer }).toEqual({ x4: x5?.id, x5: x4?.id });
  });

  it('an alias set on a DOWN link (no kernel event at all) is found by the reconciliation pass', async () => {
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 200 });
    cleanup.push(['link', 'del', 'gva']);
    ip('link', 'add', 'gva', 'type', 'veth', 'peer', 'name', 'gvb');
    await e.waitFor((m) => paired(iface(hostNs(m), 'gva'), iface(hostNs(m), 'gvb')));
    await e.waitIdle(50);
    const before = e.stats().reconcileFixes;
    const seen = new Promise<void>((resolve) => {
      const on = (b: { deltas: { op: string; iface?: { name: string; alias: string | null } }[] }) => {
        if (b.deltas.some((d) => d.op === 'interface' && d.iface?.name === 'gva' && d.iface.alias === 'hello')) { e?.off('delta', on); resolve(); }
      };
      e!.on('delta', on);
    });
    ip('link', 'set', 'dev', 'gva', 'alias', 'hello');
    await e.waitFor((m) => iface(hostNs(m), 'gva')?.alias === 'hello', 5_000);
    await seen; // clients hear of it as a normal delta
    expect(e.stats().reconcileFixes).toBeGreaterThan(before);
    expect(e.stats().reconcilePasses).toBeGreaterThan(0);
  });

  /** Until the addon has kept back the records of `names` (the kernel's events for them). */
  const kept = async (gate: Gate, names: string[]) => {
    for (let i = 0; i < 500 && !names.every((n) => gate.keptNames.includes(n)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(gate.keptNames).toEqual(expect.arrayContaining(names));
  };

  it.each(['during', 'after'] as const)('a half-built veth record arriving %s a re-dump does not wipe the peer', async (when) => {
    const gate: Gate = { closed: false, release: when, keptNames: [] };
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0, native: delayingAddon(gate) });
    cleanup.push(['link', 'del', 'gra']);
    gate.closed = true;
    ip('link', 'add', 'gra', 'type', 'veth', 'peer', 'name', 'grb'); // grb announced first, with IFLA_LINK 0
    await kept(gate, ['grb', 'gra']);
    await e.resync(); // its dump sees the whole pair; the kept events arrive during / right after it
    expect(gate.closed).toBe(false);
    await e.waitFor((m) => paired(iface(hostNs(m), 'gra'), iface(hostNs(m), 'grb')), 3_000).catch(() => undefined);
    await e.waitIdle(50);
    const m = e.model();
    expect(iface(hostNs(m), 'grb')?.peer).toBe(iface(hostNs(m), 'gra')?.id);
    expect(iface(hostNs(m), 'gra')?.peer).toBe(iface(hostNs(m), 'grb')?.id);
  });

  it.each(['during', 'after'] as const)('events older than a re-dump, arriving %s it, do not turn back what it read (a silent alias change)', async (when) => {
    const gate: Gate = { closed: false, release: when, keptNames: [] };
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0, native: delayingAddon(gate) });
    cleanup.push(['link', 'del', 'gsa']);
    gate.closed = true;
    ip('link', 'add', 'gsa', 'type', 'veth', 'peer', 'name', 'gsb'); // events kept back: alias null
    await kept(gate, ['gsb', 'gsa']);
    ip('link', 'set', 'dev', 'gsa', 'alias', 'late');                // down: no event at all
    await e.resync();
    expect(gate.closed).toBe(false);
    await e.waitFor((m) => iface(hostNs(m), 'gsa')?.alias === 'late', 3_000).catch(() => undefined);
    await e.waitIdle(50);
    expect(iface(hostNs(e.model()), 'gsa')?.alias).toBe('late');
  });

  it('resync signals are public: a counter and a "resync" event', async () => {
    // A tiny buffer and one batch allowed to wait for JS, while the synchronous ipBatch below keeps JS busy:
    // the reader must stop and the kernel overflow (without the queue limit the reader may keep up).
    e = await Engine.start({ sampleHz: 0, rescanMs: 0, reconcileMs: 0, rcvbuf: 1024, maxQueuedBatches: 1 });
    const events: { nsId: string; reason: string }[] = [];
    e.on('resync', (r) => events.push(r));
    cleanup.push(['link', 'del', 'group', '9']);
    // 1,000 pairs in one `ip -batch`: far more than a 2 KiB socket buffer holds.
    ipBatch(Array.from({ length: 1000 }, (_, i) => `link add gq${i} group 9 type veth peer name gr${i} group 9`));
    await e.waitFor((m) => hostNs(m).interfaces.filter((i) => /^g[qr]\d/.test(i.name)).length === 2000, 20_000);
    await e.waitIdle(50);
    expect(e.resyncs).toBeGreaterThan(0);
    expect(events.length).toBe(e.resyncs);
    expect(events[0].nsId).toBe(hostNs(e.model()).id);
    expect(e.stats().resyncDumps).toBeGreaterThan(0);
  });
});

