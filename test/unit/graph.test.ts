// Model → flow nodes and edges, and the ELK graph/placement built from them (plain TS, no DOM).
import { describe, expect, it } from 'vitest';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { Interface, Model, Namespace, Stats } from '../../electron/contract';
import { fromSnapshot } from '../../renderer/src/store/topology';
import { buildGraph, cloudNodeId, nodeAddresses, procNodeId } from '../../renderer/src/graph/build';
import { fitTransform, gridLayout, placeNodes, positionsFromElk, tieredBoxLayout, toElkGraph, toElkPacking, ELK_ROOT_OPTIONS, TWO_LEVEL_ABOVE } from '../../renderer/src/graph/layout';
import { SIZE, type FlowNode } from '../../renderer/src/graph/types';
import type { Filters } from '../../renderer/src/store/ui';

const zero: Stats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };
const noFilter: Filters = { hideLoopback: false, hidePhysical: false, hiddenNs: [] };

function iface(nsId: string, index: number, name: string, extra: Partial<Interface> = {}): Interface {
  return {
    id: `${nsId}/if:${index}`, index, name, kind: 'veth', linkKind: 'veth', mac: null, mtu: 1500, state: 'up', flags: ['UP'],
    master: null, peer: null, tun: null, alias: null, addresses: [], stats: { ...zero }, ...extra,
  };
}
function ns(id: string, label: string, kind: Namespace['kind'], interfaces: Interface[]): Namespace {
  return { id, inode: Number(id.slice(3)), kind, name: kind === 'process' ? null : label, label, pids: [], interfaces, routes: [] };
}

/** The article's bridge picture plus a tun held by a process and the host's uplink. */
function article(): Model {
  const H = 'ns:100', R = 'ns:200', B = 'ns:300';
  return {
    namespaces: [
      ns(H, 'host', 'host', [
        iface(H, 1, 'lo', { kind: 'loopback', linkKind: '' }),
        iface(H, 2, 'eth0', { kind: 'physical', linkKind: '', addresses: ['192.168.1.10/24'] }),
        iface(H, 3, 'br0', { kind: 'bridge', linkKind: 'bridge', addresses: ['10.0.0.1/24'] }),
        iface(H, 4, 'veth-red', { master: `${H}/if:3`, peer: `${R}/if:2` }),
        iface(H, 5, 'veth-blue', { master: `${H}/if:3`, peer: `${B}/if:2` }),
        iface(H, 6, 'tun0', { kind: 'tun', linkKind: 'tun', tun: { mode: 'tun', persistent: false, owners: [{ pid: 812, comm: 'vpnd' }] } }),
      ]),
      ns(R, 'red', 'named', [iface(R, 1, 'lo', { kind: 'loopback' }), iface(R, 2, 'eth0', { peer: `${H}/if:4`, addresses: ['10.0.0.2/24'] })]),
      ns(B, 'pid 900 (nginx)', 'process', [iface(B, 1, 'lo', { kind: 'loopback' }), iface(B, 2, 'eth0', { peer: `${H}/if:5`, addresses: ['10.0.0.3/24'] })]),
    ],
  };
}

const byKind = (edges: ReturnType<typeof buildGraph>['edges'], k: string) => edges.filter((e) => e.data!.edgeKind === k);

describe('graph building', () => {
  it('makes a box per namespace with its interfaces inside, parents first', () => {
    const g = buildGraph(fromSnapshot(1, article()), noFilter);
    const boxes = g.nodes.filter((n) => n.type === 'namespace');
    expect(boxes.map((b) => b.data.label)).toEqual(['host', 'red', 'pid 900 (nginx)']);
    const red = g.nodes.find((n) => n.id === 'ns:200/if:2')!;
    expect(red).toMatchObject({ type: 'iface', parentId: 'ns:200', extent: 'parent' });
    expect(red.data).toMatchObject({ name: 'eth0', ifKind: 'veth', state: 'up', addresses: ['10.0.0.2/24'] });
    expect('stats' in red.data).toBe(false); // counters live in their own slice, not in node data
    const index = new Map(g.nodes.map((n, i) => [n.id, i]));
    for (const n of g.nodes) if (n.parentId) expect(index.get(n.parentId)!).toBeLessThan(index.get(n.id)!);
  });

  it('joins veth peers across namespaces once, from the far end to the host end', () => {
    const g = buildGraph(fromSnapshot(1, article()), noFilter);
    const veths = byKind(g.edges, 'veth');
    expect(veths.map((e) => [e.source, e.target]).sort()).toEqual([['ns:200/if:2', 'ns:100/if:4'], ['ns:300/if:2', 'ns:100/if:5']]);
  });

  it('joins bridge ports to their bridge, tun/tap to the process holding it, physical to the network', () => {
    const g = buildGraph(fromSnapshot(1, article()), noFilter);
    expect(byKind(g.edges, 'port').map((e) => [e.source, e.target]).sort()).toEqual([['ns:100/if:4', 'ns:100/if:3'], ['ns:100/if:5', 'ns:100/if:3']]);
    const proc = g.nodes.find((n) => n.id === procNodeId('ns:100', 812))!;
    expect(proc).toMatchObject({ type: 'process', parentId: 'ns:100', data: { pid: 812, comm: 'vpnd' } });
    expect(byKind(g.edges, 'tun-owner').map((e) => [e.source, e.target])).toEqual([[proc.id, 'ns:100/if:6']]);
    const cloud = g.nodes.find((n) => n.id === cloudNodeId('ns:100/if:2'))!;
    expect(cloud).toMatchObject({ type: 'cloud' });
    expect(cloud.parentId).toBeUndefined();
    expect(byKind(g.edges, 'uplink').map((e) => [e.source, e.target])).toEqual([['ns:100/if:2', cloud.id]]);
    for (const e of g.edges) expect(e.data!.rateOf).toMatch(/\/if:\d+$/);
    expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
  });

  it('hides loopbacks, the host physical side, and chosen namespaces with their edges', () => {
    const t = fromSnapshot(1, article());
    let g = buildGraph(t, { ...noFilter, hideLoopback: true });
    expect(g.nodes.some((n) => n.type === 'iface' && n.data.ifKind === 'loopback')).toBe(false);
    g = buildGraph(t, { ...noFilter, hidePhysical: true });
    expect(g.nodes.some((n) => n.type === 'cloud' || n.id === 'ns:100/if:2')).toBe(false);
    expect(byKind(g.edges, 'uplink')).toEqual([]);
    g = buildGraph(t, { ...noFilter, hiddenNs: ['ns:200'] });
    expect(g.nodes.some((n) => n.id === 'ns:200' || n.parentId === 'ns:200')).toBe(false);
    expect(byKind(g.edges, 'veth').map((e) => e.source)).toEqual(['ns:300/if:2']);
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const e of g.edges) { expect(ids.has(e.source)).toBe(true); expect(ids.has(e.target)).toBe(true); }
  });

  it('draws no veth edge to a peer it cannot see', () => {
    const m = article();
    m.namespaces.splice(1, 1); // red is gone from the model: host's veth-red peer dangles
    const g = buildGraph(fromSnapshot(1, m), noFilter);
    expect(byKind(g.edges, 'veth').map((e) => e.source)).toEqual(['ns:300/if:2']);
  });
});

describe('layout', () => {
  it('builds a hierarchical ELK graph with edges crossing boxes', () => {
    const g = buildGraph(fromSnapshot(1, article()), noFilter);
    const e = toElkGraph(g);
    expect(e.layoutOptions!['elk.hierarchyHandling']).toBe('INCLUDE_CHILDREN');
    expect(e.children!.filter((c) => c.children).map((c) => c.id)).toEqual(['ns:100', 'ns:200', 'ns:300']);
    expect(e.children!.find((c) => c.id === 'ns:200')!.children!.map((c) => c.id)).toEqual(['ns:200/if:1', 'ns:200/if:2']);
    expect(e.edges!.length).toBe(g.edges.length);
  });

  it('places every node with ELK: children inside their box, user-dragged nodes where they were put', async () => {
    const g = buildGraph(fromSnapshot(1, article()), noFilter);
    const elk = new ELK();
    const placed = positionsFromElk(await elk.layout(toElkGraph(g)));
    for (const n of g.nodes) expect(placed[n.id], n.id).toBeDefined();
    const nodes = placeNodes(g.nodes, placed, { 'ns:200/if:1': { x: 33, y: 77 } });
    const byId = new Map(nodes.map((n) => [n.id, n] as [string, FlowNode]));
    for (const n of nodes) {
      if (!n.parentId) continue;
      const box = byId.get(n.parentId)!;
      expect(n.position.x).toBeGreaterThanOrEqual(0);
      expect(n.position.x + n.width!).toBeLessThanOrEqual(box.width!);
      expect(n.position.y + n.height!).toBeLessThanOrEqual(box.height!);
    }
    expect(byId.get('ns:200/if:1')!.position).toEqual({ x: 33, y: 77 });
    // Boxes do not overlap.
    const boxes = nodes.filter((n) => n.type === 'namespace');
    for (const a of boxes) for (const b of boxes) {
      if (a === b) continue;
      const apart = a.position.x + a.width! <= b.position.x || b.position.x + b.width! <= a.position.x
        || a.position.y + a.height! <= b.position.y || b.position.y + b.height! <= a.position.y;
      expect(apart, `${a.id} vs ${b.id}`).toBe(true);
    }
    expect(ELK_ROOT_OPTIONS['elk.direction']).toBe('DOWN');
  });

  it('has an instant grid placement for every node', () => {
    const g = buildGraph(fromSnapshot(1, article()), noFilter);
    const p = gridLayout(g);
    for (const n of g.nodes) expect(p[n.id], n.id).toBeDefined();
    expect(p['ns:100'].w).toBeGreaterThan(0);
  });
});

/** A ring of namespaces: each has lo, a bridge, k bridge ports (peers in the next namespace) and k
 *  plain veths (peers of the previous namespace's ports). */
function ring(n: number, k: number): Model {
  const out: Namespace[] = [];
  for (let i = 0; i < n; i++) {
    const id = `ns:${1000 + i}`, next = `ns:${1000 + ((i + 1) % n)}`, prev = `ns:${1000 + ((i - 1 + n) % n)}`;
    const ifs = [iface(id, 1, 'lo', { kind: 'loopback' }), iface(id, 2, `br${i}`, { kind: 'bridge' })];
    for (let j = 0; j < k; j++) ifs.push(iface(id, 10 + j, `p${i}-${j}`, { master: `${id}/if:2`, peer: `${next}/if:${30 + j}` }));
    for (let j = 0; j < k; j++) ifs.push(iface(id, 30 + j, `u${i}-${j}`, { peer: `${prev}/if:${10 + j}` }));
    out.push(ns(id, i ? `lab${i}` : 'host', i ? 'named' : 'host', ifs));
  }
  return { namespaces: out };
}

describe('layout of big pictures', () => {
  it('tiers each box: plain devices, then bridge ports, then bridges', () => {
    const g = buildGraph(fromSnapshot(1, ring(3, 2)), noFilter);
    const p = tieredBoxLayout(g);
    const y = (id: string) => p[id].y;
    expect(y('ns:1001/if:30')).toBeLessThan(y('ns:1001/if:10')); // plain veth above bridge port
    expect(y('ns:1001/if:10')).toBeLessThan(y('ns:1001/if:2'));  // port above its bridge
    const box = p['ns:1001'];
    for (const n of g.nodes.filter((x) => x.parentId === 'ns:1001')) {
      expect(p[n.id].x + n.width!).toBeLessThanOrEqual(box.w!);
      expect(p[n.id].y + n.height!).toBeLessThanOrEqual(box.h!);
    }
  });

  it('packs the boxes with ELK without overlaps', async () => {
    const g = buildGraph(fromSnapshot(1, ring(30, 4)), noFilter);
    expect(g.nodes.length).toBeGreaterThan(TWO_LEVEL_ABOVE);
    const inner = tieredBoxLayout(g);
    const top = positionsFromElk(await new ELK().layout(toElkPacking(g, inner)));
    const boxes = g.nodes.filter((n) => n.type === 'namespace').map((n) => ({ id: n.id, x: top[n.id].x, y: top[n.id].y, w: inner[n.id].w!, h: inner[n.id].h! }));
    for (const a of boxes) for (const b of boxes) {
      if (a === b) continue;
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      expect(apart, `${a.id} vs ${b.id}`).toBe(true);
    }
  });

  it('computes a viewport that shows every top-level node', () => {
    const g = buildGraph(fromSnapshot(1, ring(4, 1)), noFilter);
    const nodes = placeNodes(g.nodes, gridLayout(g), {});
    const vp = fitTransform(nodes, 1000, 600);
    for (const n of nodes) {
      if (n.parentId) continue;
      const x0 = n.position.x * vp.zoom + vp.x, y0 = n.position.y * vp.zoom + vp.y;
      expect(x0).toBeGreaterThanOrEqual(-0.001);
      expect(y0).toBeGreaterThanOrEqual(-0.001);
      expect(x0 + n.width! * vp.zoom).toBeLessThanOrEqual(1000.001);
      expect(y0 + n.height! * vp.zoom).toBeLessThanOrEqual(600.001);
    }
    expect(vp.zoom).toBeLessThanOrEqual(1);
  });
});

describe('node addresses', () => {
  it('shows configured addresses on nodes and leaves IPv6 link-local ones to the inspector', () => {
    expect(nodeAddresses(['10.0.0.1/24', 'fe80::1/64', 'FE80::2/64', 'fd00::1/64', 'febf::1/64'])).toEqual(['10.0.0.1/24', 'fd00::1/64']);
    const m = article();
    m.namespaces[1].interfaces[1].addresses.push('fe80::abcd/64');
    const n = buildGraph(fromSnapshot(1, m), noFilter).nodes.find((x) => x.id === 'ns:200/if:2')!;
    expect(n.type === 'iface' && n.data.shownAddresses).toEqual(['10.0.0.2/24']);
    expect(n.type === 'iface' && n.data.addresses).toContain('fe80::abcd/64'); // still searchable
  });

  it('writes a point-to-point address with its peer, as `ip address` does', () => {
    const peers = { '10.8.0.1/32': '10.8.0.2/32' };
    expect(nodeAddresses(['10.8.0.1/32', '10.0.0.1/24', 'fe80::1/64'], peers)).toEqual(['10.8.0.1 peer 10.8.0.2/32', '10.0.0.1/24']);
    const m = article();
    Object.assign(m.namespaces[1].interfaces[1], { addresses: ['10.0.0.2/24', '10.8.0.1/32'], peers });
    const n = buildGraph(fromSnapshot(1, m), noFilter).nodes.find((x) => x.id === 'ns:200/if:2')!;
    expect(n.type === 'iface' && n.data.shownAddresses).toEqual(['10.0.0.2/24', '10.8.0.1 peer 10.8.0.2/32']);
    expect(n.type === 'iface' && n.data.addresses).toContain('10.8.0.1 peer 10.8.0.2/32'); // the peer is searchable too
    expect(n.height).toBe(buildGraph(fromSnapshot(1, article()), noFilter).nodes.find((x) => x.id === 'ns:200/if:2')!.height! + SIZE.iface.perExtraAddress);
  });
});
