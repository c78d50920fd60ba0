// An edge that shows traffic: width and dash speed by the packet rate of the interface it reports
// (quiet when idle). Floating: it joins the two nodes' borders wherever the nodes are, so dragged
// nodes keep tidy edges. Subscribes to one number: the traffic level of one interface (or, for a
// group's edge, of its members' interfaces together).
import { memo } from 'react';
import { getBezierPath, Position, useInternalNode, type EdgeProps, type InternalNode } from '@xyflow/react';
import type { TrafficEdge as TrafficEdgeT } from '../graph/types';
import { useCounters, useTrace } from '../store';
import { edgeLit } from '../store/trace';
import { trafficLevel } from '../format';

function center(n: InternalNode) {
  const w = n.measured.width ?? n.width ?? 0, h = n.measured.height ?? n.height ?? 0;
  return { x: n.internals.positionAbsolute.x + w / 2, y: n.internals.positionAbsolute.y + h / 2, w, h };
}

/** Where the line from `n`'s centre towards `to` leaves `n`'s rectangle, and on which side. */
function borderPoint(n: InternalNode, to: { x: number; y: number }): { x: number; y: number; pos: Position } {
  const c = center(n);
  const dx = to.x - c.x, dy = to.y - c.y;
  if (dx === 0 && dy === 0) return { x: c.x, y: c.y, pos: Position.Top };
  const sx = c.w / 2 / Math.abs(dx || 1e-9), sy = c.h / 2 / Math.abs(dy || 1e-9);
  if (sx < sy) return { x: c.x + Math.sign(dx) * c.w / 2, y: c.y + dy * sx, pos: dx > 0 ? Position.Right : Position.Left };
  return { x: c.x + dx * sy, y: c.y + Math.sign(dy) * c.h / 2, pos: dy > 0 ? Position.Bottom : Position.Top };
}

function TrafficEdgeView({ id, source, target, data }: EdgeProps<TrafficEdgeT>) {
  const s = useInternalNode(source), t = useInternalNode(target);
  const rateOf = data?.rateOf ?? '';
  const all = data?.rateOfAll;
  // A group's edge: the members' packet rates added up (still one number to subscribe to).
  const level = useCounters((st) => {
    if (all) { let pps = 0; for (const id of all) { const c = st.byId[id]; if (c) pps += c.rxPps + c.txPps; } return trafficLevel(pps); }
    const c = st.byId[rateOf]; return c ? trafficLevel(c.rxPps + c.txPps) : 0;
  });
  const faults = useCounters((st) => (all ? all.some((id) => (st.byId[id]?.faults ?? 0) > 0) : (st.byId[rateOf]?.faults ?? 0) > 0));
  // The edge a followed ping just crossed (the trace panel's step and the hop before it).
  const lit = useTrace((st) => edgeLit(st, source, target));
  if (!s || !t) return null;
  const a = borderPoint(s, center(t)), b = borderPoint(t, center(s));
  const [path] = getBezierPath({ sourceX: a.x, sourceY: a.y, sourcePosition: a.pos, targetX: b.x, targetY: b.y, targetPosition: b.pos, curvature: 0.3 });
  const kind = data?.edgeKind ?? 'veth';
  return (
    <g className={`traffic-edge kind-${kind} level-${level}${faults ? ' faults' : ''}${lit ? ' trace-lit' : ''}`}
      data-testid={`edge-${id}`} data-trace-lit={lit || undefined} data-edge-kind={kind} data-source={source} data-target={target} data-level={level}>
      <path className="edge-base" d={path} />
      {level > 0 && <path className="edge-flow" d={path} />}
    </g>
  );
}

export const TrafficEdge = memo(TrafficEdgeView);
