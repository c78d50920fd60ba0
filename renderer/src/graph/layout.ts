// Placing nodes. `toElkGraph`/`positionsFromElk` are pure (tested in node); `gridLayout` is an
// instant first placement shown while ELK runs; `runElk` runs ELK in a Web Worker and falls back to
// the main-thread build when a worker cannot start (e.g. a file:// page whose CSP forbids it).
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

/** An instant placement: namespace boxes in rows, their nodes in a grid inside; clouds below. */
export function gridLayout(g: Graph): Placements {
  const out: Placements = {};
  const children = new Map<string, FlowNode[]>();
  for (const n of g.nodes) if (n.parentId) {
    let l = children.get(n.parentId);
    if (!l) children.set(n.parentId, (l = []));
    l.push(n);
  }
  const boxes = g.nodes.filter((n) => n.type === 'namespace');
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
    const bw = maxW, bh = Math.max(90, cy + lineH + P.bottom);
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
    return { ...n, position } as FlowNode;
  });
  return placed.map((n) => {
    if (n.type !== 'namespace') return n;
    const p = place[n.id];
    const g = grow.get(n.id) ?? { w: 0, h: 0 };
    const w = Math.max(p?.w ?? 180, g.w), h = Math.max(p?.h ?? 90, g.h);
    return { ...n, width: w, height: h, style: { ...n.style, width: w, height: h } };
  });
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
  const elkGraph = toElkGraph(g);
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
    return positionsFromElk(res);
  } catch (e) {
    done = true;
    if (!workerBroken) throw e;
    elkPromise = mainThreadElk();
    elk = await elkPromise;
    return positionsFromElk(await elk.layout(elkGraph));
  }
}
