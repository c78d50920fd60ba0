// Placing nodes. `toElkGraph`/`positionsFromElk` are pure (tested in node); `gridLayout` is an
// instant first placement shown while ELK runs; `runElk` runs ELK in a Web Worker and falls back to
// ELK on the main thread when a worker cannot start or fails to load.
import type { ElkExtendedEdge, ElkNode, ELK } from 'elkjs/lib/elk-api';
import { SIZE } from './types';
import type { Graph } from './build';
import type { FlowNode } from './types';

export interface Placement { x: number; y: number; w?: number; h?: number }
export type Placements = Record<string, Placement>;

const P = SIZE.nsPadding;

export const ELK_ROOT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  // Edges cross namespace boxes (veth peers): lay out the whole hierarchy in one pass.
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '48',
  'elk.spacing.componentComponent': '40',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.aspectRatio': '2.0',
};

function sizeOf(n: FlowNode): { w: number; h: number } {
  return { w: n.width ?? 150, h: n.height ?? 60 };
}

export function toElkGraph(g: Graph): ElkNode {
  const boxes = new Map<string, ElkNode>();
  const root: ElkNode = { id: '__root', layoutOptions: ELK_ROOT_OPTIONS, children: [], edges: [] };
  for (const n of g.nodes) {
    if (n.type === 'namespace') {
      const box: ElkNode = {
        id: n.id, children: [],
        layoutOptions: { 'elk.padding': `[top=${P.top},left=${P.side},bottom=${P.bottom},right=${P.side}]`, 'elk.nodeSize.minimum': '(180,90)', 'elk.nodeSize.constraints': 'MINIMUM_SIZE' },
      };
      boxes.set(n.id, box);
      root.children!.push(box);
    }
  }
  for (const n of g.nodes) {
    if (n.type === 'namespace') continue;
    const { w, h } = sizeOf(n);
    const child: ElkNode = { id: n.id, width: w, height: h };
    const parent = n.parentId ? boxes.get(n.parentId) : undefined;
    (parent ? parent.children! : root.children!).push(child);
  }
  const ids = new Set(g.nodes.map((n) => n.id));
  root.edges = g.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target)
    .map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.source], targets: [e.target] }));
  return root;
}

/** Above this many nodes one hierarchical ELK pass is too slow (tens of seconds for 1,000
 *  interfaces) and a layered picture of a hundred boxes reads badly anyway: each box is laid out in
 *  tiers (as the article draws them: processes, devices, bridge ports, bridges), and ELK packs the
 *  boxes. */
export const TWO_LEVEL_ABOVE = 250;

const GAP = 24;
const MAX_PER_ROW = 5;

/** Rows inside each namespace box: processes, then plain devices, then bridge ports (grouped by
 *  bridge), then bridges. Returns child placements and each box's size. */
export function tieredBoxLayout(g: Graph): Placements {
  const out: Placements = {};
  const kids = new Map<string, FlowNode[]>();
  for (const n of g.nodes) if (n.parentId) {
    let l = kids.get(n.parentId);
    if (!l) kids.set(n.parentId, (l = []));
    l.push(n);
  }
  const tier = (n: FlowNode): number => {
    if (n.type === 'process') return 0;
    if (n.type !== 'iface') return 1;
    if (n.data.ifKind === 'bridge') return 3;
    if (n.data.master) return 2;
    return 1;
  };
  for (const box of g.nodes) {
    if (box.type !== 'namespace') continue;
    const list = (kids.get(box.id) ?? []).slice().sort((a, b) => {
      const t = tier(a) - tier(b);
      if (t) return t;
      const ma = a.type === 'iface' ? a.data.master ?? '' : '', mb = b.type === 'iface' ? b.data.master ?? '' : '';
      return ma < mb ? -1 : ma > mb ? 1 : 0;
    });
    let y = P.top, maxW = 180;
    for (let t = 0; t <= 3; t++) {
      const row = list.filter((n) => tier(n) === t);
      for (let i = 0; i < row.length; i += MAX_PER_ROW) {
        let x = P.side, rowH = 0;
        for (const n of row.slice(i, i + MAX_PER_ROW)) {
          const { w, h } = sizeOf(n);
          out[n.id] = { x, y };
          x += w + GAP; rowH = Math.max(rowH, h);
        }
        maxW = Math.max(maxW, x - GAP + P.side);
        y += rowH + GAP;
      }
    }
    out[box.id] = { x: 0, y: 0, w: maxW, h: Math.max(90, y - GAP + P.bottom) };
  }
  return out;
}

/** The top level for large graphs: boxes (sized by tieredBoxLayout) and clouds, packed by ELK. */
export function toElkPacking(g: Graph, inner: Placements): ElkNode {
  const children: ElkNode[] = [];
  for (const n of g.nodes) {
    if (n.parentId) continue;
    const p = inner[n.id];
    const { w, h } = n.type === 'namespace' ? { w: p?.w ?? 180, h: p?.h ?? 90 } : sizeOf(n);
    children.push({ id: n.id, width: w, height: h });
  }
  return {
    id: '__root', children, edges: [],
    layoutOptions: { 'elk.algorithm': 'rectpacking', 'elk.aspectRatio': '1.6', 'elk.spacing.nodeNode': '40' },
  };
}

/** ELK's answer → positions relative to each node's parent (as xyflow wants them), plus box sizes. */
export function positionsFromElk(root: ElkNode): Placements {
  const out: Placements = {};
  const walk = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      out[c.id] = { x: c.x ?? 0, y: c.y ?? 0, w: c.width, h: c.height };
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** An instant placement: namespace boxes (and group nodes) in rows, their nodes in a grid inside;
 *  clouds below. */
export function gridLayout(g: Graph): Placements {
  const out: Placements = {};
  const children = new Map<string, FlowNode[]>();
  for (const n of g.nodes) if (n.parentId) {
    let l = children.get(n.parentId);
    if (!l) children.set(n.parentId, (l = []));
    l.push(n);
  }
  // Namespace boxes and group nodes share the rows.
  const boxes = g.nodes.filter((n) => n.type === 'namespace' || n.type === 'group');
  const perRow = Math.max(1, Math.ceil(Math.sqrt(boxes.length * 1.2)));
  let x = 0, y = 0, rowH = 0, col = 0;
  for (const box of boxes) {
    const kids = children.get(box.id) ?? [];
    const cols = Math.max(1, Math.min(4, Math.ceil(Math.sqrt(kids.length))));
    let cx = P.side, cy = P.top, lineH = 0, i = 0, maxW = 180;
    for (const k of kids) {
      const { w, h } = sizeOf(k);
      if (i > 0 && i % cols === 0) { cx = P.side; cy += lineH + 24; lineH = 0; }
      out[k.id] = { x: cx, y: cy };
      cx += w + 24; lineH = Math.max(lineH, h); i++;
      maxW = Math.max(maxW, cx - 24 + P.side);
    }
    const own = box.type === 'group' ? sizeOf(box) : null;
    const bw = own ? own.w : maxW, bh = own ? own.h : Math.max(90, cy + lineH + P.bottom);
    if (col === perRow) { col = 0; x = 0; y += rowH + 40; rowH = 0; }
    out[box.id] = { x, y, w: bw, h: bh };
    x += bw + 40; rowH = Math.max(rowH, bh); col++;
  }
  let cloudX = 0;
  const cloudY = y + rowH + 60;
  for (const n of g.nodes) if (n.type === 'cloud') { out[n.id] = { x: cloudX, y: cloudY }; cloudX += SIZE.cloud.w + 40; }
  return out;
}

/** Node positions from a placement, the user's dragged positions winning. Namespace boxes take the
 *  placement's size, grown if a dragged child would stick out. */
export function placeNodes(nodes: FlowNode[], place: Placements, user: Record<string, { x: number; y: number }>): FlowNode[] {
  const grow = new Map<string, { w: number; h: number }>();
  const placed = nodes.map((n) => {
    const p = place[n.id];
    const position = user[n.id] ?? (p ? { x: p.x, y: p.y } : n.position);
    if (n.parentId) {
      const { w, h } = sizeOf(n);
      const g = grow.get(n.parentId) ?? { w: 0, h: 0 };
      grow.set(n.parentId, { w: Math.max(g.w, position.x + w + P.side), h: Math.max(g.h, position.y + h + P.bottom) });
    }
    // Sizes are known, so say so (`measured`): xyflow then counts the node as initialised (fitView
    // works at once) and need not mount it just to measure it.
    return { ...n, position, measured: { width: n.width, height: n.height } } as FlowNode;
  });
  return placed.map((n) => {
    if (n.type !== 'namespace') return n;
    const p = place[n.id];
    const g = grow.get(n.id) ?? { w: 0, h: 0 };
    const w = Math.max(p?.w ?? 180, g.w), h = Math.max(p?.h ?? 90, g.h);
    return { ...n, width: w, height: h, measured: { width: w, height: h }, style: { ...n.style, width: w, height: h } };
  });
}

/** The viewport that shows every top-level node (what fitView would do, without waiting for the
 *  nodes to be measured). */
export function fitTransform(nodes: FlowNode[], width: number, height: number): { x: number; y: number; zoom: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of nodes) {
    if (n.parentId) continue;
    x0 = Math.min(x0, n.position.x); y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x + (n.width ?? 0)); y1 = Math.max(y1, n.position.y + (n.height ?? 0));
  }
  if (!Number.isFinite(x0) || width <= 0 || height <= 0) return { x: 0, y: 0, zoom: 1 };
  const pad = 0.08;
  const zoom = Math.max(0.05, Math.min(1, (width * (1 - 2 * pad)) / (x1 - x0 || 1), (height * (1 - 2 * pad)) / (y1 - y0 || 1)));
  return { x: (width - (x1 - x0) * zoom) / 2 - x0 * zoom, y: (height - (y1 - y0) * zoom) / 2 - y0 * zoom, zoom };
}

// ---------------------------------------------------------------------------------------------
// Running ELK (browser only).

let elkPromise: Promise<ELK> | null = null;
let workerBroken = false;

async function mainThreadElk(): Promise<ELK> {
  const { default: ElkBundled } = await import('elkjs/lib/elk.bundled.js');
  return new ElkBundled() as ELK;
}

async function getElk(): Promise<ELK> {
  if (elkPromise) return elkPromise;
  elkPromise = (async () => {
    if (typeof Worker === 'undefined') return mainThreadElk();
    try {
      const [{ default: ElkApi }, { default: workerUrl }] = await Promise.all([
        import('elkjs/lib/elk-api.js'),
        import('elkjs/lib/elk-worker.min.js?url'),
      ]);
      return new ElkApi({
        workerUrl,
        workerFactory: (url?: string) => {
          const w = new Worker(url!);
          w.addEventListener('error', () => { workerBroken = true; });
          return w;
        },
      }) as ELK;
    } catch {
      return mainThreadElk();
    }
  })();
  return elkPromise;
}

/** Lays out the graph with ELK; resolves to placements (rejects only if ELK itself fails). */
export async function runElk(g: Graph): Promise<Placements> {
  if (g.nodes.length > TWO_LEVEL_ABOVE) {
    const inner = tieredBoxLayout(g);
    const top = positionsFromElk(await elkLayout(toElkPacking(g, inner)));
    const out: Placements = { ...inner };
    for (const [id, p] of Object.entries(top)) out[id] = { ...p, w: inner[id]?.w ?? p.w, h: inner[id]?.h ?? p.h };
    return out;
  }
  return positionsFromElk(await elkLayout(toElkGraph(g)));
}

async function elkLayout(elkGraph: ElkNode): Promise<ElkNode> {
  let elk = await getElk();
  let done = false;
  try {
    const res = await Promise.race([
      elk.layout(elkGraph),
      // A worker that failed to load never answers: notice its error event.
      new Promise<never>((_, rej) => {
        const tick = () => {
          if (done) return;
          if (workerBroken) rej(new Error('ELK worker failed to start'));
          else setTimeout(tick, 200);
        };
        setTimeout(tick, 200);
      }),
    ]);
    done = true;
    return res;
  } catch (e) {
    done = true;
    if (!workerBroken) throw e;
    elkPromise = mainThreadElk();
    elk = await elkPromise;
    return elk.layout(elkGraph);
  }
}
