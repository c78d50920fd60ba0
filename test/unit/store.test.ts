// The renderer's store logic (plain TS, no DOM): topology deltas, counter frames, rates, history.
import { describe, expect, it } from 'vitest';
import type { CounterFrame, Interface, Model, Namespace, Stats } from '../../electron/contract';
import { applyBatch, createTopologyStore, fdbByPort, fromSnapshot, interfacesOf } from '../../renderer/src/store/topology';
import { HistoryRing, applyFrame, addMissing, createCountersStore, emptyCounters, historyCapacity, seedCounters } from '../../renderer/src/store/counters';
import { createUiStore, matchesSearch } from '../../renderer/src/store/ui';
import { createCounterPump } from '../../renderer/src/store/counter-pump';

const zero: Stats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };

function iface(nsId: string, index: number, name: string, extra: Partial<Interface> = {}): Interface {
  return {
    id: `${nsId}/if:${index}`, index, name, kind: 'veth', linkKind: 'veth', mac: null, mtu: 1500, state: 'up', flags: ['UP'],
    master: null, peer: null, tun: null, alias: null, addresses: [], stats: { ...zero }, ...extra,
  };
}
function ns(id: string, label: string, interfaces: Interface[], kind: Namespace['kind'] = 'named'): Namespace {
  return { id, inode: Number(id.slice(3)), kind, name: label, label, pids: [], interfaces, routes: [] };
}
const model = (): Model => ({
  namespaces: [
    ns('ns:1', 'host', [iface('ns:1', 1, 'lo', { kind: 'loopback' }), iface('ns:1', 2, 'veth-h', { peer: 'ns:2/if:5' })], 'host'),
    ns('ns:2', 'red', [iface('ns:2', 1, 'lo', { kind: 'loopback' }), iface('ns:2', 5, 'eth0', { peer: 'ns:1/if:2' })]),
  ],
});

describe('topology deltas', () => {
  it('keeps bridges\' tables apart from their interfaces: an fdb delta changes the table only', () => {
    const learned = (mac: string, port: string) => ({ mac, vlan: null, port, state: 'learned' as const, ageSeconds: 0, readAt: 0 });
    const m = model();
    m.namespaces[0].interfaces.push(iface('ns:1', 3, 'br0', { kind: 'bridge', fdb: [
      { mac: '02:00:00:00:00:02', vlan: null, port: 'ns:1/if:2', state: 'local', ageSeconds: null, readAt: null },
    ] }));
    let s = fromSnapshot(1, m);
    expect('fdb' in s.interfaces['ns:1/if:3']).toBe(false);
    expect(s.fdb['ns:1/if:3']).toHaveLength(1);
    const ifs = s.interfaces;
    s = applyBatch(s, { seq: 2, deltas: [{ op: 'fdb', bridge: 'ns:1/if:3', set: [learned('0a:00:00:00:00:01', 'ns:1/if:2')], removed: [] }] }).state;
    expect(s.interfaces).toBe(ifs);
    expect(s.fdb['ns:1/if:3'].map((e) => e.mac)).toEqual(['02:00:00:00:00:02', '0a:00:00:00:00:01']);
    expect(fdbByPort(s.fdb['ns:1/if:3']).get('ns:1/if:2')!.map((e) => e.mac)).toEqual(['0a:00:00:00:00:01']);
    s = applyBatch(s, { seq: 3, deltas: [{ op: 'fdb', bridge: 'ns:1/if:3', set: [], removed: [{ mac: '0a:00:00:00:00:01', vlan: null }] }] }).state;
    expect(fdbByPort(s.fdb['ns:1/if:3']).get('ns:1/if:2')).toBeUndefined();
    // the bridge's interface delta brings its whole table; its removal takes it
    s = applyBatch(s, { seq: 4, deltas: [{ op: 'interface', namespaceId: 'ns:1', iface: iface('ns:1', 3, 'br0', { kind: 'bridge', fdb: [] }) }] }).state;
    expect(s.fdb['ns:1/if:3']).toEqual([]);
    s = applyBatch(s, { seq: 5, deltas: [{ op: 'interface-removed', id: 'ns:1/if:3' }] }).state;
    expect(s.fdb['ns:1/if:3']).toBeUndefined();
  });

  it('takes a snapshot apart into namespaces, interfaces and routes', () => {
    const s = fromSnapshot(7, model());
    expect(s.seq).toBe(7);
    expect(s.nsOrder).toEqual(['ns:1', 'ns:2']);
    expect(Object.keys(s.interfaces).sort()).toEqual(['ns:1/if:1', 'ns:1/if:2', 'ns:2/if:1', 'ns:2/if:5']);
    expect(s.interfaces['ns:2/if:5'].namespaceId).toBe('ns:2');
    expect(interfacesOf(s, 'ns:2').map((i) => i.name)).toEqual(['lo', 'eth0']);
  });

  it('adds, changes and removes an interface', () => {
    let s = fromSnapshot(1, model());
    const before = s.interfaces['ns:1/if:1'];
    s = applyBatch(s, { seq: 2, deltas: [{ op: 'interface', namespaceId: 'ns:2', iface: iface('ns:2', 9, 'dummy0', { kind: 'dummy' }) }] }).state;
    expect(s.interfaces['ns:2/if:9'].name).toBe('dummy0');
    expect(s.interfaces['ns:1/if:1']).toBe(before); // untouched entries keep their identity
    s = applyBatch(s, { seq: 3, deltas: [{ op: 'interface', namespaceId: 'ns:2', iface: iface('ns:2', 9, 'renamed0', { state: 'down' }) }] }).state;
    expect(s.interfaces['ns:2/if:9']).toMatchObject({ name: 'renamed0', state: 'down' });
    const r = applyBatch(s, { seq: 4, deltas: [{ op: 'interface-removed', id: 'ns:2/if:9' }] });
    expect(r.result).toBe('applied');
    expect(r.state.interfaces['ns:2/if:9']).toBeUndefined();
    expect(r.state.seq).toBe(4);
  });

  it('adds a namespace and removes one with its interfaces and routes', () => {
    let s = fromSnapshot(1, model());
    s = applyBatch(s, { seq: 2, deltas: [
      { op: 'namespace', namespace: { id: 'ns:3', inode: 3, kind: 'named', name: 'blue', label: 'blue', pids: [] } },
      { op: 'interface', namespaceId: 'ns:3', iface: iface('ns:3', 1, 'lo', { kind: 'loopback' }) },
    ] }).state;
    expect(s.nsOrder).toEqual(['ns:1', 'ns:2', 'ns:3']);
    expect(s.routes['ns:3']).toEqual([]);
    s = applyBatch(s, { seq: 3, deltas: [{ op: 'namespace-removed', id: 'ns:2' }] }).state;
    expect(s.namespaces['ns:2']).toBeUndefined();
    expect(s.nsOrder).toEqual(['ns:1', 'ns:3']);
    expect(Object.keys(s.interfaces).filter((id) => id.startsWith('ns:2/'))).toEqual([]);
    expect(s.routes['ns:2']).toBeUndefined();
    expect(s.interfaces['ns:3/if:1']).toBeDefined();
  });

  it('replaces a namespace\'s routes', () => {
    let s = fromSnapshot(1, model());
    const route = { dst: 'default', gateway: '10.0.0.1', dev: 'ns:2/if:5', family: 4 as const, table: 254, protocol: 'static', scope: 'universe', metric: null, type: 'unicast' };
    s = applyBatch(s, { seq: 2, deltas: [{ op: 'routes', namespaceId: 'ns:2', routes: [route] }] }).state;
    expect(s.routes['ns:2']).toEqual([route]);
    s = applyBatch(s, { seq: 3, deltas: [{ op: 'routes', namespaceId: 'ns:2', routes: [] }] }).state;
    expect(s.routes['ns:2']).toEqual([]);
  });

  it('ignores stale batches and flags a gap without applying it', () => {
    const s = fromSnapshot(5, model());
    const stale = applyBatch(s, { seq: 5, deltas: [{ op: 'interface-removed', id: 'ns:1/if:1' }] });
    expect(stale.result).toBe('stale');
    expect(stale.state).toBe(s);
    const gap = applyBatch(s, { seq: 7, deltas: [{ op: 'interface-removed', id: 'ns:1/if:1' }] });
    expect(gap.result).toBe('gap');
    expect(gap.state.needsSnapshot).toBe(true);
    expect(gap.state.interfaces['ns:1/if:1']).toBeDefined();
    expect(gap.state.seq).toBe(5);
  });

  it('flags a delta before any snapshot as needing one', () => {
    const store = createTopologyStore();
    expect(store.getState().applyBatch({ seq: 1, deltas: [] })).toBe('gap');
    expect(store.getState().needsSnapshot).toBe(true);
    store.getState().setSnapshot(1, model());
    expect(store.getState().needsSnapshot).toBe(false);
    expect(store.getState().applyBatch({ seq: 2, deltas: [] })).toBe('applied');
  });
});

function frame(t: number, rows: [string, number[], number[]][], intervalMs = 100): CounterFrame {
  return { t, intervalMs, ids: rows.map((r) => r[0]), stats: rows.flatMap((r) => r[1]), rates: rows.flatMap((r) => r[2]) };
}

describe('counters', () => {
  it('merges a columnar frame into per-interface entries', () => {
    const s = applyFrame(emptyCounters(), frame(1000, [
      ['a', [1, 2, 3, 4, 5, 6, 7, 8], [10, 20, 30, 40]],
      ['b', [9, 9, 9, 9, 0, 0, 0, 0], [1, 1, 1, 1]],
    ]));
    expect(s.byId.a.stats).toEqual({ rxPackets: 1, txPackets: 2, rxBytes: 3, txBytes: 4, rxErrors: 5, txErrors: 6, rxDropped: 7, txDropped: 8 });
    expect(s.byId.a).toMatchObject({ rxPps: 10, txPps: 20, rxBps: 30, txBps: 40, faults: 26 });
    expect(s.byId.b.faults).toBe(0);
    expect(s.lastT).toBe(1000);
  });

  it('gives ids absent from a frame rate 0 and keeps their totals', () => {
    let s = applyFrame(emptyCounters(), frame(1000, [['a', [5, 5, 50, 50, 0, 0, 0, 0], [3, 3, 30, 30]], ['b', [1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0]]]));
    const b = s.byId.b;
    s = applyFrame(s, frame(1100, []));
    expect(s.byId.a).toMatchObject({ rxPps: 0, txPps: 0, rxBps: 0, txBps: 0 });
    expect(s.byId.a.stats.rxPackets).toBe(5);
    expect(s.byId.b).toBe(b); // already idle: same object, so its node does not re-render
  });

  it('keeps the identity of entries a frame does not touch', () => {
    let s = seedCounters(emptyCounters(), { a: { ...zero }, b: { ...zero } });
    const b = s.byId.b;
    s = applyFrame(s, frame(1, [['a', [1, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0]]]));
    expect(s.byId.b).toBe(b);
    expect(s.byId.a.stats.rxPackets).toBe(1);
  });

  it('seeds totals from a snapshot and drops entries and history of vanished ids', () => {
    let s = applyFrame(emptyCounters(), frame(1, [['gone', [1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1]]]));
    expect(s.history.has('gone')).toBe(true);
    s = seedCounters(s, { a: { ...zero, rxPackets: 42 } });
    expect(s.byId.gone).toBeUndefined();
    expect(s.history.has('gone')).toBe(false);
    expect(s.byId.a.stats.rxPackets).toBe(42);
    expect(addMissing(s, { a: { ...zero } })).toBe(s);
    expect(addMissing(s, { c: { ...zero, txPackets: 3 } }).byId.c.stats.txPackets).toBe(3);
  });

  it('keeps a 60 s history ring per interface, zeros included', () => {
    const store = createCountersStore();
    for (let i = 0; i < 700; i++) {
      const busy = i % 2 === 0;
      store.getState().applyFrame(frame(i * 100, busy ? [['a', [i, i, i, i, 0, 0, 0, 0], [i, i, i * 10, i * 20]]] : []));
    }
    const ring = store.getState().history.get('a')!;
    expect(ring.capacity).toBe(historyCapacity(100));
    expect(ring.length).toBe(ring.capacity);
    const samples = ring.samples(69_900);
    expect(samples.length).toBe(601); // 60 s at 10 Hz, both ends included
    expect(samples[0].t).toBe(9_900);
    expect(samples.at(-1)).toEqual({ t: 69_900, rxBps: 0, txBps: 0, rxPps: 0, txPps: 0 }); // absent: rate 0
    expect(samples.at(-2)).toMatchObject({ t: 69_800, rxBps: 6980, txBps: 13960, rxPps: 698 });
    expect(store.getState().historyTick).toBe(700);
  });

  it('rings only grow: frames at irregular intervals do not resize them back and forth', () => {
    const store = createCountersStore();
    store.getState().applyFrame({ ...frame(0, [['a', [1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0]]]), intervalMs: 3000 });
    const small = store.getState().history.get('a')!;
    expect(small.capacity).toBe(historyCapacity(3000));
    store.getState().applyFrame({ ...frame(100, []), intervalMs: 100 });
    const grown = store.getState().history.get('a')!;
    expect(grown.capacity).toBe(historyCapacity(100));
    store.getState().applyFrame({ ...frame(3100, []), intervalMs: 3000 });
    store.getState().applyFrame({ ...frame(3200, []), intervalMs: 100 });
    expect(store.getState().history.get('a')).toBe(grown);
  });

  it('resizes the ring when the sample rate changes, keeping the newest samples', () => {
    const r = new HistoryRing(5);
    for (let i = 1; i <= 7; i++) r.push(i * 1000, i, i, i, i);
    expect(r.samples(7000, 1e9).map((s) => s.t)).toEqual([3000, 4000, 5000, 6000, 7000]);
    const small = r.resized(3);
    expect(small.samples(7000, 1e9).map((s) => s.rxBps)).toEqual([5, 6, 7]);
    expect(historyCapacity(20)).toBe(3001);
    expect(historyCapacity(2000)).toBe(31);
  });
});

describe('ui', () => {
  it('matches search text against names and addresses', () => {
    expect(matchesSearch('ETH', 'eth0', [])).toBe(true);
    expect(matchesSearch('10.0.0', 'x', ['10.0.0.1/24'])).toBe(true);
    expect(matchesSearch('  ', 'eth0', [])).toBe(false);
    expect(matchesSearch('br', 'eth0', ['fe80::1/64'])).toBe(false);
  });

  it('groups alike namespaces by default from 8; opens and closes groups; folds and unfolds one namespace', () => {
    const ui = createUiStore(false);
    expect(ui.getState().grouping).toEqual({ enabled: true, minMembers: 8 });
    ui.getState().setGrouping({ minMembers: 20 });
    expect(ui.getState().grouping).toEqual({ enabled: true, minMembers: 20 });
    ui.getState().expandGroup('group:a');
    ui.getState().expandGroup('group:a');
    expect(ui.getState().expandedGroups).toEqual(['group:a']);
    ui.getState().collapseGroup('group:a');
    expect(ui.getState().expandedGroups).toEqual([]);
    ui.getState().foldNamespace('ns:5');
    expect(ui.getState().foldedNs).toEqual(['ns:5']);
    ui.getState().expandGroup('fold:ns:5'); // opening a folded namespace's node unfolds it
    expect([ui.getState().foldedNs, ui.getState().expandedGroups]).toEqual([[], []]);
    ui.getState().requestFocus(['x']);
    expect(ui.getState().focus).toEqual({ ids: ['x'] });
    ui.getState().requestFocus([]);
    expect(ui.getState().focus).toBeNull();
  });

  it('remembers dragged positions and hidden namespaces', () => {
    const ui = createUiStore(false);
    ui.getState().rememberPosition('n1', { x: 5, y: 6 });
    ui.getState().toggleNamespace('ns:2');
    expect(ui.getState().positions.n1).toEqual({ x: 5, y: 6 });
    expect(ui.getState().filters.hiddenNs).toEqual(['ns:2']);
    ui.getState().toggleNamespace('ns:2');
    expect(ui.getState().filters.hiddenNs).toEqual([]);
    ui.getState().forgetPositions();
    expect(ui.getState().positions).toEqual({});
  });
});

describe('counter pump', () => {
  const frameAll = (t: number, ids: string[], v: number): CounterFrame =>
    ({ t, intervalMs: 100, ids, stats: ids.flatMap(() => [v, v, v, v, 0, 0, 0, 0]), rates: ids.flatMap(() => [v, v, v, v]) });

  it('commits changed entries in slices, one per scheduled tick, newest values winning', () => {
    const store = createCountersStore();
    const ticks: (() => void)[] = [];
    const pump = createCounterPump(store, { schedule: (cb) => ticks.push(cb), slices: 2, minSlice: 1 });
    const ids = ['a', 'b', 'c', 'd'];
    pump.push(frameAll(100, ids, 1));
    expect(store.getState().byId.a).toBeUndefined(); // nothing before the first tick
    expect(pump.pending()).toBe(4);
    ticks.shift()!();
    expect(Object.keys(store.getState().byId).length).toBe(2);
    pump.push(frameAll(200, ids, 7)); // arrives mid-round: the shadow takes it
    while (ticks.length) ticks.shift()!();
    expect(pump.pending()).toBe(0);
    for (const id of ids) expect(store.getState().byId[id].stats.rxPackets).toBe(7);
    expect(store.getState().history.get('a')!.length).toBe(2); // history saw both frames
  });

  it('seeds at once and commits everything in one go when throttled', () => {
    const store = createCountersStore();
    const ticks: (() => void)[] = [];
    const pump = createCounterPump(store, { schedule: (cb) => ticks.push(cb), slices: 3, minSlice: 1, now: () => 0 });
    pump.seed({ a: { ...zero, txPackets: 5 } });
    expect(store.getState().byId.a.stats.txPackets).toBe(5);
    pump.setMinInterval(1000);
    pump.push(frameAll(100, ['a', 'b', 'c'], 2));
    ticks.shift()!();
    expect(pump.pending()).toBe(0);
    expect(store.getState().byId.c.stats.rxPackets).toBe(2);
  });
});
