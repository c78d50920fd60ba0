// What the user looks at, as the engine's sampler needs it (contract/interest.ts): the namespaces
// whose boxes are at least partly in view, and the namespace of what is selected (its inspector
// chart). A group of alike namespaces drawn as one node adds none: its members' rates are summed
// at the low rate. Pure: the canvas hands it the nodes and the viewport.
import { nsOfIface } from '../../../electron/contract';
import type { FlowNode } from './types';

export interface Viewport { x: number; y: number; zoom: number; width: number; height: number }

/** Namespace ids in view or selected, sorted (so equal sets compare equal as strings). */
export function interestOf(nodes: readonly FlowNode[], vp: Viewport, selectedId: string | null): string[] {
  const out = new Set<string>();
  if (vp.zoom > 0 && vp.width > 0 && vp.height > 0) {
    // The visible rectangle in flow coordinates.
    const x0 = -vp.x / vp.zoom, y0 = -vp.y / vp.zoom;
    const x1 = x0 + vp.width / vp.zoom, y1 = y0 + vp.height / vp.zoom;
    for (const n of nodes) {
      if (n.type !== 'namespace') continue;
      const w = n.width ?? 0, h = n.height ?? 0;
      if (n.position.x < x1 && n.position.x + w > x0 && n.position.y < y1 && n.position.y + h > y0) out.add(n.data.nsId);
    }
  }
  if (selectedId) {
    const n = nodes.find((m) => m.id === selectedId);
    const ns = !n ? '' : n.type === 'cloud' ? nsOfIface(n.data.uplinkOf) : n.type === 'group' ? '' : n.data.nsId;
    if (ns) out.add(ns);
  }
  return [...out].sort();
}
