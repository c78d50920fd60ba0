// Grouping alike namespaces (a dense host: many pods, each an eth0 whose veth peer is a port of
// the same bridge), the group's summed rates and top talkers, and search inside folded groups.
import { describe, expect, it } from 'vitest';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { Interface, Model, Namespace, Stats } from '../../electron/contract';
import { fromSnapshot } from '../../renderer/src/store/topology';
import type { IfCounters } from '../../renderer/src/store/counters';
import { buildGraph } from '../../renderer/src/graph/build';
import { findGroups, foldedNamespaces, groupRates, groupTitle, groupsOf, hiddenBy, shapeKey, type GroupingPrefs } from '../../renderer/src/graph/groups';
import { findMatches } from '../../renderer/src/graph/search';
import { gridLayout, positionsFromElk, toElkGraph, toElkPacking, tieredBoxLayout, placeNodes } from '../../renderer/src/graph/layout';
import type { Filters } from '../../renderer/src/store/ui';
import { SIZE } from '../../renderer/src/graph/types';

const zero: Stats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };
const noFilter: Filters = { hideLoopback: false, hidePhysical: false, hiddenNs: [] };
const K8: GroupingPrefs = { enabled: true, minMembers: 8 };
const H = 'ns:1';

function iface(nsId: string, index: number, name: string, extra: Partial<Interface> = {}): Interface {
  return {
    id: `${nsId}/if:${index}`, index, name, kind: 'veth', linkKind: 'veth', mac: null, mtu: 1500, state: 'up', flags: ['UP'],
    master: null, peer: null, tun: null, alias: null, addresses: [], stats: { ...zero }, ...extra,
  };
}
const podId = (i: number) => `ns:${1000 + i}`;

/** The host with bridges cni0 (if:2) and docker0 (if:3), and `n` pods: pid 100+i (pause), lo +
 *  eth0 (10.88.0.i) whose peer vh<i> (host if:10+i) is a port of cni0 (or of `bridgeOf(i)`). */
function dense(n: number, opts: { bridgeOf?: (i: number) => 2 | 3; extraIn?: number; kindOf?: (i: number) => Namespace['kind'] } = {}): Model {
  const host: Namespace = {
    id: H, inode: 1, kind: 'host', name: 'host', label: 'host', pids: [1], routes: [],
    interfaces: [iface(H, 1, 'lo', { kind: 'loopback' }), iface(H, 2, 'cni0', { kind: 'bridge' }), iface(H, 3, 'docker0', { kind: 'bridge' })],
  };
  const pods: Namespace[] = [];
  for (let i = 0; i < n; i++) {
    const id = podId(i);
    const br = opts.bridgeOf?.(i) ?? 2;
    host.interfaces.push(iface(H, 10 + i, `vh${i}`, { master: `${H}/if:${br}`, peer: `${id}/if:2` }));
    const ifs = [iface(id, 1, 'lo', { kind: 'loopback' }), iface(id, 2, 'eth0', { peer: `${H}/if:${10 + i}`, addresses: [`10.88.0.${i + 2}/16`] })];
    if (opts.extraIn === i) ifs.push(iface(id, 3, 'tun0', { kind: 'tun' }));
    const kind = opts.kindOf?.(i) ?? 'process';
    pods.push({ id, inode: 1000 + i, kind, name: kind === 'process' ? null : `pod${i}`, label: kind === 'process' ? `pid ${100 + i} (pause)` : `pod${i}`, pids: [100 + i], interfaces: ifs, routes: [] });
  }
  return { namespaces: [host, ...pods] };
}

function counters(rates: Record<string, [number, number, number, number]>): Record<string, IfCounters> {
  const out: Record<string, IfCounters> = {};
  for (const [id, [rxPps, txPps, rxBps, txBps]] of Object.entries(rates)) out[id] = { stats: { ...zero }, rxPps, txPps, rxBps, txBps, faults: 0 };
  return out;
}

describe('grouping alike namespaces', () => {
  it('puts pods with the same shape (kind, interfaces, veths to the same bridge) in one group', () => {
    const t = fromSnapshot(1, dense(10));
    const groups = findGroups(t, noFilter, K8);
    expect(groups).toHaveLength(1);
    const [g] = groups;
    expect(g.members.map((m) => m.nsId)).toEqual(Array.from({ length: 10 }, (_, i) => podId(i)));
    expect(g.members[0]).toEqual({ nsId: podId(0), label: 'pid 100 (pause)', ifIds: [`${podId(0)}/if:2`] }); // lo is not counted
    expect(groupTitle(g)).toBe('10 pods like pid 100 (pause)');
    expect(g.shape).toBe('eth0 (veth) → cni0');
    expect(g.links).toEqual([{ to: `${H}/if:2`, ifIds: g.members.map((m) => m.ifIds[0]) }]);
    // it hides the pods' interfaces and the host ends of their veths, not the bridge
    expect(new Set(g.hidden)).toEqual(new Set([...g.members.flatMap((m) => [`${m.nsId}/if:1`, `${m.nsId}/if:2`]), ...Array.from({ length: 10 }, (_, i) => `${H}/if:${10 + i}`)]));
    expect(g.hidden).not.toContain(`${H}/if:2`);
    // The host is never a member, whatever it holds.
    expect(shapeKey(t, H, Object.values(t.interfaces).filter((i) => i.namespaceId === H))).toBeNull();
  });

  it('groups only from K members on (and not at all when grouping is off)', () => {
    expect(findGroups(fromSnapshot(1, dense(7)), noFilter, K8)).toEqual([]);
    expect(findGroups(fromSnapshot(1, dense(8)), noFilter, K8)).toHaveLength(1);
    expect(findGroups(fromSnapshot(1, dense(3)), noFilter, { enabled: true, minMembers: 3 })).toHaveLength(1);
    expect(findGroups(fromSnapshot(1, dense(50)), noFilter, { enabled: false, minMembers: 8 })).toEqual([]);
    // The few namespaces of the article's pictures never group.
    expect(findGroups(fromSnapshot(1, dense(2)), noFilter, K8)).toEqual([]);
  });

  it('leaves a namespace that differs on its own: an extra interface, another bridge, another kind', () => {
    const extra = findGroups(fromSnapshot(1, dense(10, { extraIn: 4 })), noFilter, K8);
    expect(extra).toHaveLength(1);
    expect(extra[0].members.map((m) => m.nsId)).not.toContain(podId(4));
    expect(extra[0].members).toHaveLength(9);

    // 9 pods on cni0, 9 on docker0: two groups, each to its own bridge.
    const two = findGroups(fromSnapshot(1, dense(18, { bridgeOf: (i) => (i % 2 ? 3 : 2) })), noFilter, K8);
    expect(two.map((g) => [g.members.length, g.links.map((l) => l.to)])).toEqual([[9, [`${H}/if:2`]], [9, [`${H}/if:3`]]]);
    // 10 on cni0 and 2 on docker0: the two stay boxes.
    const few = findGroups(fromSnapshot(1, dense(12, { bridgeOf: (i) => (i >= 10 ? 3 : 2) })), noFilter, K8);
    expect(few.map((g) => g.members.length)).toEqual([10]);

    const kinds = findGroups(fromSnapshot(1, dense(10, { kindOf: (i) => (i === 0 ? 'named' : 'process') })), noFilter, K8);
    expect(kinds.map((g) => g.members.length)).toEqual([9]);
    expect(groupTitle(kinds[0])).toBe('9 pods like pid 101 (pause)');
  });

  it('leaves out namespaces the filters hide', () => {
    const t = fromSnapshot(1, dense(8));
    expect(findGroups(t, { ...noFilter, hiddenNs: [podId(3)] }, K8)).toEqual([]);
  });

  it('draws a folded group as one node with one edge to the bridge; expanded, as today\'s boxes', () => {
    const t = fromSnapshot(1, dense(40));
    const groups = findGroups(t, noFilter, K8);
    const g = buildGraph(t, noFilter, groups);
    expect(g.nodes.filter((n) => n.type === 'namespace').map((n) => n.id)).toEqual([H]);
    const node = g.nodes.find((n) => n.type === 'group')!;
    expect(node.type === 'group' && [node.data.title, node.data.count]).toEqual(['40 pods like pid 100 (pause)', 40]);
    // the host keeps lo and its bridges; its 40 veth ends are folded into the group
    expect(g.nodes.filter((n) => n.parentId === H).map((n) => n.id)).toEqual([`${H}/if:1`, `${H}/if:2`, `${H}/if:3`]);
    expect(g.edges).toHaveLength(1);
    expect(g.edges[0]).toMatchObject({ source: node.id, target: `${H}/if:2`, data: { edgeKind: 'group' } });
    expect(g.edges[0].data!.rateOfAll).toHaveLength(40);

    const open = buildGraph(t, noFilter, groups, new Set([groups[0].id]));
    const boxes = open.nodes.filter((n) => n.type === 'namespace');
    expect(boxes).toHaveLength(41);
    expect(boxes[1].type === 'namespace' && boxes[1].data.group).toEqual({ id: groups[0].id, count: 40 });
    expect(open.nodes.some((n) => n.type === 'group')).toBe(false);
    expect(open.edges.filter((e) => e.data!.edgeKind === 'veth')).toHaveLength(40);
    expect(open.edges.filter((e) => e.data!.edgeKind === 'port')).toHaveLength(40);
    // the same as with no grouping at all
    expect(open.nodes.map((n) => n.id)).toEqual(buildGraph(t, noFilter).nodes.map((n) => n.id));
  });

  it('pods whose veths end on no bridge (routed, as some CNIs do): one edge to the box holding the far ends', async () => {
    const m = dense(10);
    for (const i of m.namespaces[0].interfaces) if (i.name.startsWith('vh')) i.master = null;
    const t = fromSnapshot(1, m);
    const groups = findGroups(t, noFilter, K8);
    expect(groups.map((g) => [g.members.length, g.links.map((l) => l.to), g.shape])).toEqual([[10, [H], 'eth0 (veth) → host']]);
    const g = buildGraph(t, noFilter, groups);
    expect(g.nodes.filter((n) => n.parentId === H)).toHaveLength(3); // the far ends are folded in too
    expect(g.edges.map((e) => [e.source, e.target, e.data!.edgeKind])).toEqual([[groups[0].id, H, 'group']]);
    // a box an edge may end on has the centre handle edges use
    expect(g.nodes.find((n) => n.id === H)!.handles!.some((h) => h.id === 'c')).toBe(true);
    // and ELK lays out an edge that ends on a box
    const p = positionsFromElk(await new ELK().layout(toElkGraph(g)));
    for (const n of g.nodes) expect(p[n.id], n.id).toBeDefined();
  });

  it('folds one namespace into a small node: its bridge-port far end folded in, a plain far end kept', () => {
    const m = dense(3);
    // pod 2's veth ends on no bridge: its far end stays, and the fold's edge goes to it
    m.namespaces[0].interfaces.find((i) => i.name === 'vh2')!.master = null;
    const t = fromSnapshot(1, m);
    const folds = foldedNamespaces(t, noFilter, [podId(0), podId(2), H]); // the host is never folded
    expect(folds.map((g) => [g.id, groupTitle(g), g.links.map((l) => l.to)])).toEqual([
      [`fold:${podId(0)}`, 'pid 100 (pause)', [`${H}/if:2`]], [`fold:${podId(2)}`, 'pid 102 (pause)', [`${H}/if:12`]]]);
    const g = buildGraph(t, noFilter, folds);
    expect(g.nodes.filter((n) => n.type === 'namespace').map((n) => n.id)).toEqual([H, podId(1)]);
    expect(g.nodes.filter((n) => n.parentId === H).map((n) => n.data.name)).toEqual(['lo', 'cni0', 'docker0', 'vh1', 'vh2']);
    expect(g.edges.filter((e) => e.data!.edgeKind === 'group').map((e) => [e.source, e.target]))
      .toEqual([[`fold:${podId(0)}`, `${H}/if:2`], [`fold:${podId(2)}`, `${H}/if:12`]]);
    const node = g.nodes.find((n) => n.id === `fold:${podId(0)}`)!;
    expect(node.type === 'group' && node.data.single).toBe(true);
    // Folded while inside a collapsed group of alike ones: the group draws it, once.
    const t10 = fromSnapshot(1, dense(10));
    const all = groupsOf(t10, noFilter, K8, [podId(4)]);
    expect(all.map((x) => x.id.split(':')[0])).toEqual(['group', 'fold']);
    const folded = buildGraph(t10, noFilter, all);
    expect(folded.nodes.filter((n) => n.type === 'group')).toHaveLength(1);
    const open = buildGraph(t10, noFilter, all, new Set([all[0].id]));
    expect(open.nodes.filter((n) => n.type === 'group').map((n) => n.id)).toEqual([`fold:${podId(4)}`]);
    expect(open.nodes.filter((n) => n.type === 'namespace')).toHaveLength(10); // the host and 9 pods
  });

  it('lays out the folded and the expanded picture (ELK, both layout paths, the grid, dragged positions)', async () => {
    const t = fromSnapshot(1, dense(300));
    const groups = findGroups(t, noFilter, K8);
    const elk = new ELK();
    const folded = buildGraph(t, noFilter, groups);
    const p = positionsFromElk(await elk.layout(toElkGraph(folded)));
    for (const n of folded.nodes) expect(p[n.id], n.id).toBeDefined();
    const grid = gridLayout(folded);
    expect(grid[groups[0].id]).toMatchObject({ w: SIZE.group.w, h: SIZE.group.h });
    const placed = placeNodes(folded.nodes, p, { [groups[0].id]: { x: 5000, y: 7 } });
    expect(placed.find((n) => n.id === groups[0].id)!.position).toEqual({ x: 5000, y: 7 });
    // expanded: 300 boxes and 600 interfaces, the two-level path
    const open = buildGraph(t, noFilter, groups, new Set([groups[0].id]));
    const inner = tieredBoxLayout(open);
    const top = positionsFromElk(await elk.layout(toElkPacking(open, inner)));
    for (const n of open.nodes) if (!n.parentId) expect(top[n.id], n.id).toBeDefined();
  });

  it('sums the members\' live rates and lists the busiest members', () => {
    const t = fromSnapshot(1, dense(10));
    const [g] = findGroups(t, noFilter, K8);
    const e = (i: number) => `${podId(i)}/if:2`;
    const byId = counters({
      [e(1)]: [10, 10, 1000, 1000], [e(4)]: [5, 5, 8000, 8000], [e(7)]: [1, 1, 300, 100], [e(8)]: [2, 2, 50, 50],
      [`${podId(4)}/if:1`]: [999, 999, 99999, 99999], // a loopback's traffic is not the pod's
    });
    const r = groupRates(byId, g.members);
    expect([r.rxPps, r.txPps, r.rxBps, r.txBps]).toEqual([18, 18, 9350, 9150]);
    expect(r.top.map((x) => [x.nsId, x.bps, x.ifId])).toEqual([[podId(4), 16000, e(4)], [podId(1), 2000, e(1)], [podId(7), 400, e(7)]]);
    expect(groupRates({}, g.members)).toEqual({ rxPps: 0, txPps: 0, rxBps: 0, txBps: 0, top: [] });
  });

  it('search finds interfaces inside a folded group by name, address, label and pid, and says which group hides them', () => {
    const t = fromSnapshot(1, dense(10));
    const groups = findGroups(t, noFilter, K8);
    const folded = hiddenBy(groups, new Set());
    expect(findMatches(t, noFilter, '10.88.0.7')).toEqual([`${podId(5)}/if:2`]);
    expect(findMatches(t, noFilter, 'pid 103 (pause)')).toEqual([`${podId(3)}/if:2`]); // its eth0, not its lo
    expect(findMatches(t, noFilter, '106')).toEqual([`${podId(6)}/if:2`]);
    expect(findMatches(t, noFilter, 'vh9')).toEqual([`${H}/if:19`]); // a host end folded with its pod
    expect(findMatches(t, noFilter, 'eth0')).toHaveLength(10);
    expect(findMatches(t, { ...noFilter, hiddenNs: [podId(5)] }, '10.88.0.7')).toEqual([]);
    for (const id of [`${podId(5)}/if:2`, `${H}/if:19`]) expect(folded.get(id)).toBe(groups[0].id);
    expect(folded.get(`${H}/if:2`)).toBeUndefined(); // the bridge stays on the canvas
    expect(hiddenBy(groups, new Set([groups[0].id])).size).toBe(0);
  });
});
