// The canvas: topology → groups of alike namespaces (graph/groups.ts) → graph (build.ts) →
// placement (instant grid, then ELK in a worker) → xyflow.
// Counters never pass through here: nodes and edges read them from the counters slice themselves.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ReactFlow, MiniMap, Controls, Background, BackgroundVariant, ConnectionMode, applyNodeChanges, useReactFlow, useStore as useFlowStore,
  type NodeChange, type NodeTypes, type EdgeTypes, type OnNodeDrag,
} from '@xyflow/react';
import { useShallow } from 'zustand/react/shallow';
import { buildGraph, type Graph } from '../graph/build';
import { groupsOf } from '../graph/groups';
import { fitTransform, gridLayout, placeNodes, runElk, type Placements } from '../graph/layout';
import type { FlowNode } from '../graph/types';
import { counterPump, topologyStore, uiStore, useConnection, useTopology, useUi } from '../store';
import { DETAIL_ZOOM, IfaceNode } from './IfaceNode';
import { CloudNode, NamespaceNode, ProcessNode } from './OtherNodes';
import { GroupNode } from './GroupNode';
import { TrafficEdge } from './TrafficEdge';
import { useEditorCanvas } from '../editor/drag-drop';
import { useInterest } from './useInterest';

const nodeTypes: NodeTypes = { iface: IfaceNode, namespace: NamespaceNode, process: ProcessNode, cloud: CloudNode, group: GroupNode };
const edgeTypes: EdgeTypes = { traffic: TrafficEdge };

/** What the layout depends on: node ids, parents and sizes, and edge ends. */
function structureKey(g: Graph): string {
  return g.nodes.map((n) => `${n.id}<${n.parentId ?? ''}:${n.width ?? ''}x${n.height ?? ''}`).join('|')
    + '#' + g.edges.map((e) => `${e.source}>${e.target}`).join('|');
}

/** Above this many edges, busy edges show width, not animated dashes (repainting costs too much). */
const ANIMATE_EDGES_UP_TO = 150;

/** Above this many nodes only those in view are in the DOM. */
const RENDER_VISIBLE_ONLY_ABOVE = 300;

const miniColor = (n: FlowNode) => {
  switch (n.type) {
    case 'namespace': case 'group': return 'var(--mm-ns)';
    case 'iface': return n.data.state === 'up' ? 'var(--mm-up)' : 'var(--mm-down)';
    default: return 'var(--mm-other)';
  }
};

/** Keeps unchanged nodes' identity across rebuilds, so xyflow and memo skip them. */
function reuse(prev: Map<string, FlowNode>, next: FlowNode[]): FlowNode[] {
  return next.map((n) => {
    const p = prev.get(n.id);
    if (p && p.position.x === n.position.x && p.position.y === n.position.y && p.width === n.width && p.height === n.height
      && p.parentId === n.parentId && p.selected === n.selected && JSON.stringify(p.data) === JSON.stringify(n.data)) return p;
    return n;
  });
}

export function FlowCanvas({ onLayoutDone }: { onLayoutDone?: (ms: number) => void }) {
  const topo = useTopology(useShallow((s) => ({ namespaces: s.namespaces, interfaces: s.interfaces, nsOrder: s.nsOrder, seq: s.seq })));
  const filters = useUi((s) => s.filters);
  const grouping = useUi((s) => s.grouping);
  const expandedList = useUi((s) => s.expandedGroups);
  const foldedNs = useUi((s) => s.foldedNs);
  const focus = useUi((s) => s.focus);
  const userPositions = useUi((s) => s.positions);
  const selection = useUi((s) => s.selection);
  const theme = useUi((s) => s.theme);
  const live = useConnection((s) => s.connected && s.engineConnected);
  const everConnected = useTopology((s) => s.seq !== null);
  const { fitView, setViewport } = useReactFlow();
  const boxRef = useRef<HTMLDivElement>(null);
  const viewportSet = useRef(false);
  const editor = useEditorCanvas();

  const graph = useMemo(() => {
    const t = topologyStore.getState();
    return buildGraph(t, filters, groupsOf(t, filters, grouping, foldedNs), new Set(expandedList));
  }, [topo.namespaces, topo.interfaces, topo.nsOrder, filters, grouping, expandedList, foldedNs]);

  // ELK's placements (as they came) over an instant grid placement for nodes ELK has not seen yet:
  // derived in render, so no node is ever shown unplaced.
  const [elkPlacements, setPlacements] = useState<Placements>({});
  const placements = useMemo(() => {
    const grid = gridLayout(graph);
    for (const n of graph.nodes) if (elkPlacements[n.id]) grid[n.id] = elkPlacements[n.id];
    return grid;
  }, [graph, elkPlacements]);
  const [layoutBusy, setLayoutBusy] = useState(false);
  const lastKey = useRef('');
  const gen = useRef(0);
  const fitted = useRef(false);

  useEffect(() => {
    const key = structureKey(graph);
    if (key === lastKey.current) return;
    lastKey.current = key;
    if (graph.nodes.length === 0) return;
    const my = ++gen.current;
    const t0 = performance.now();
    setLayoutBusy(true);
    // Start ELK after the grid placement has painted: on a busy machine its worker competes for the
    // CPU with the first render.
    const start = () => { if (my === gen.current) runLayout(); };
    requestAnimationFrame(() => setTimeout(start, 0));
    const runLayout = () => runElk(graph).then((p) => {
      if (my !== gen.current) return;
      setPlacements(p);
      setLayoutBusy(false);
      onLayoutDone?.(performance.now() - t0);
      if (!fitted.current) {
        fitted.current = true;
        // A big picture opens at a readable scale on its first box (the minimap and "fit" give the
        // overview); a normal one opens fitted.
        const first = graph.nodes.find((n) => n.type === 'namespace');
        const opts = graph.nodes.length > RENDER_VISIBLE_ONLY_ABOVE && first
          ? { nodes: [{ id: first.id }], maxZoom: 1, padding: 0.04 } : { padding: 0.08 };
        requestAnimationFrame(() => requestAnimationFrame(() => void fitView(opts)));
      }
    }).catch((e: unknown) => {
      if (my === gen.current) setLayoutBusy(false);
      console.error('layout failed', e);
    });
  }, [graph, fitView, onLayoutDone]);

  const prevNodes = useRef(new Map<string, FlowNode>());
  const [nodes, setNodes] = useState<FlowNode[]>([]);
  useEffect(() => {
    // xyflow's own multi-selection (Ctrl+click, Shift+drag; Delete acts on it) survives rebuilds; a
    // selection made elsewhere (inspector link, search) of a node not yet selected replaces it.
    const prev = prevNodes.current;
    const keepMulti = !selection || !!prev.get(selection.id)?.selected;
    const placed = placeNodes(graph.nodes, placements, userPositions).map((n) =>
      ((selection && n.id === selection.id) || (keepMulti && prev.get(n.id)?.selected) ? { ...n, selected: true } : n) as FlowNode);
    const next = reuse(prevNodes.current, placed);
    prevNodes.current = new Map(next.map((n) => [n.id, n]));
    // Fit the first picture before its nodes mount: they then render at the zoom they will be seen
    // at (zoomed out, a big picture renders light nodes) instead of rendering twice.
    if (!viewportSet.current && next.length && boxRef.current) {
      viewportSet.current = true;
      const first = next.find((n) => n.type === 'namespace');
      const w = boxRef.current.clientWidth, h = boxRef.current.clientHeight;
      void setViewport(next.length > RENDER_VISIBLE_ONLY_ABOVE && first
        ? fitTransform([first], w, h) : fitTransform(next, w, h));
    }
    setNodes(next);
    if (next.length && !performance.getEntriesByName('vnet:first-nodes').length) performance.mark('vnet:first-nodes');
  }, [graph, placements, userPositions, selection]);

  useInterest(nodes, selection?.id ?? null);

  // A big picture seen from afar: nodes show only activity; refresh it once a second.
  const far = useFlowStore((s) => s.transform[2] < DETAIL_ZOOM);
  const big = graph.nodes.length > RENDER_VISIBLE_ONLY_ABOVE;
  // All nodes mounted and many of them: spread each round of counter changes over 3 paints.
  const slices = !big && graph.nodes.length > 120 ? 3 : 1;
  useEffect(() => { counterPump.setMinInterval(far && big ? 1000 : 0); counterPump.setSlices(slices); }, [far, big, slices]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    setNodes((nds) => {
      const next = applyNodeChanges(changes, nds);
      prevNodes.current = new Map(next.map((n) => [n.id, n]));
      return next;
    });
  }, []);

  const onNodeDragStop: OnNodeDrag<FlowNode> = useCallback((_e, _node, dragged) => {
    for (const n of dragged) uiStore.getState().rememberPosition(n.id, { x: n.position.x, y: n.position.y });
    editor.onIfaceDragStop(_e, _node, dragged);
  }, [editor.onIfaceDragStop]);

  const onNodeClick = useCallback((_e: unknown, n: FlowNode) => {
    if (n.type === 'group') {
      // Open the group and bring its members into view (a huge one: its first few).
      const ui = uiStore.getState();
      ui.expandGroup(n.id);
      ui.requestFocus(n.data.members.slice(0, 24).map((m) => m.nsId));
      return;
    }
    const kind = n.type === 'iface' ? 'iface' : n.type === 'namespace' ? 'namespace' : n.type === 'process' ? 'process' : 'cloud';
    uiStore.getState().select({ kind, id: n.id });
  }, []);
  const onPaneClick = useCallback(() => uiStore.getState().select(null), []);

  // A focus asked for (search, a group's top talker): once those nodes are on the canvas and the
  // layout has settled, bring them into view.
  useEffect(() => {
    if (!focus || layoutBusy) return;
    const present = new Set(nodes.map((n) => n.id));
    if (!focus.ids.every((id) => present.has(id))) return;
    uiStore.getState().requestFocus(null);
    requestAnimationFrame(() => requestAnimationFrame(() =>
      void fitView({ nodes: focus.ids.map((id) => ({ id })), duration: 400, maxZoom: 1.4, padding: focus.ids.length > 1 ? 0.1 : 0.6 })));
  }, [focus, layoutBusy, nodes, fitView]);

  return (
    <div ref={boxRef} className={`canvas${graph.edges.length > ANIMATE_EDGES_UP_TO ? ' many-edges' : ''}${live ? '' : ' stale'}`} data-testid="canvas" data-layout={layoutBusy ? 'running' : 'done'} data-seq={topo.seq ?? ''}>
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={graph.edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeDragStop={onNodeDragStop}
        onNodeClick={onNodeClick}
        onPaneClick={onPaneClick}
        connectionMode={ConnectionMode.Loose}
        {...editor.props}
        colorMode={theme}
        minZoom={0.05}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
        elevateNodesOnSelect={false}
        onlyRenderVisibleElements={big}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1} />
        <MiniMap<FlowNode> pannable zoomable nodeColor={miniColor} nodeStrokeWidth={0} className="minimap" />
        <Controls showInteractive={false} />
      </ReactFlow>
      {layoutBusy && <div className="layout-busy">laying out…</div>}
      {!live && (
        <div className="banner" data-testid="disconnected">
          {everConnected ? 'Not connected to the engine: showing the last picture; reconnecting…' : 'Connecting to the engine…'}
        </div>
      )}
    </div>
  );
}
