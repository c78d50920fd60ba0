// The canvas side of editing: palette drops (which namespace box the drop lands in, found with
// screenToFlowPosition and the boxes' rectangles), connections drawn between handles, interfaces
// dropped on a bridge, Delete and undo/redo keys. FlowCanvas spreads these props on <ReactFlow>.
import { useCallback, useEffect } from 'react';
import { useReactFlow, type Connection, type Edge, type IsValidConnection, type OnNodeDrag } from '@xyflow/react';
import type { FlowNode } from '../graph/types';
import { uiStore } from '../store';
import { canConnect, connect, deleteSelection, dropOnBridge, dropPalette, PALETTE_MIME, type PaletteKind } from './gestures';
import { editorStore } from './editor-store';
import { redo, undo, useWhyNotEditable } from './perform';

const KINDS: PaletteKind[] = ['namespace', 'bridge', 'veth', 'tun', 'tap'];

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

export function useEditorCanvas() {
  const rf = useReactFlow<FlowNode>();
  const why = useWhyNotEditable();

  /** The namespace box under a flow position (the innermost, i.e. smallest, if they overlap). */
  const boxAt = useCallback((p: { x: number; y: number }): string | null => {
    let best: { id: string; area: number } | null = null;
    for (const n of rf.getNodes()) {
      if (n.type !== 'namespace') continue;
      const r = rf.getInternalNode(n.id);
      if (!r) continue;
      const { x, y } = r.internals.positionAbsolute;
      const w = r.measured.width ?? Number(n.style?.width ?? 0), h = r.measured.height ?? Number(n.style?.height ?? 0);
      if (p.x >= x && p.x <= x + w && p.y >= y && p.y <= y + h && (!best || w * h < best.area)) best = { id: n.id, area: w * h };
    }
    return best?.id ?? null;
  }, [rf]);

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback((e: React.DragEvent) => {
    const kind = e.dataTransfer.getData(PALETTE_MIME) as PaletteKind;
    if (!KINDS.includes(kind)) return;
    e.preventDefault();
    const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    dropPalette(kind, boxAt(p));
  }, [rf, boxAt]);

  const onConnect = useCallback((c: Connection) => { connect(c.source, c.target); }, []);
  const isValidConnection: IsValidConnection<Edge> = useCallback((c) => canConnect(c.source, c.target), []);

  /** An interface dropped on a bridge in its box: make it a port. */
  const onIfaceDragStop: OnNodeDrag<FlowNode> = useCallback((_e, node) => {
    if (node.type !== 'iface') return;
    const hit = rf.getIntersectingNodes(node).find((n) => n.type === 'iface' && n.data.ifKind === 'bridge' && n.id !== node.id && n.parentId === node.parentId);
    if (hit) dropOnBridge(node.id, hit.id);
  }, [rf]);

  // Delete / Backspace remove the selection; Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || editorStore.getState().dialog) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && (e.key === 'z' || e.key === 'Z')) { e.preventDefault(); void (e.shiftKey ? redo() : undo()); return; }
      if (mod && (e.key === 'y' || e.key === 'Y')) { e.preventDefault(); void redo(); return; }
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const ids = new Set(rf.getNodes().filter((n) => n.selected).map((n) => n.id));
        const sel = uiStore.getState().selection;
        if (sel && (sel.kind === 'iface' || sel.kind === 'namespace')) ids.add(sel.id);
        if (ids.size) { e.preventDefault(); deleteSelection([...ids]); }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rf]);

  return {
    onDragOver, onDrop, onConnect, isValidConnection, onIfaceDragStop,
    props: { nodesConnectable: !why, deleteKeyCode: null, onDragOver, onDrop, onConnect, isValidConnection },
  };
}
