// Where the connector dot sits on a node (pure; graph/build.ts declares it, because xyflow
// takes declared handles instead of measuring them): on a namespace box's left border at header
// height, on a bridge node's right border.
import type { NodeHandle, Position } from '@xyflow/react';

export const CONNECT_HANDLE_ID = 'connect';
export const CONNECT_HANDLE_SIZE = 12;

export function connectHandle(on: 'namespace' | 'bridge', width: number): NodeHandle {
  const s = CONNECT_HANDLE_SIZE;
  return on === 'namespace'
    ? { id: CONNECT_HANDLE_ID, type: 'source', position: 'left' as Position, x: -s / 2, y: 12, width: s, height: s }
    : { id: CONNECT_HANDLE_ID, type: 'source', position: 'right' as Position, x: width - s / 2, y: 12, width: s, height: s };
}
