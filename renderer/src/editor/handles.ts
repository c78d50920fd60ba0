// Where the build connector dot sits on a node (pure; graph/build.ts declares it, because xyflow
// takes declared handles instead of measuring them): on a namespace box's left border at header
// height, on a bridge node's right border.
import type { NodeHandle, Position } from '@xyflow/react';

export const BUILD_HANDLE_ID = 'build';
export const BUILD_HANDLE_SIZE = 12;

export function buildHandle(on: 'namespace' | 'bridge', width: number): NodeHandle {
  const s = BUILD_HANDLE_SIZE;
  return on === 'namespace'
    ? { id: BUILD_HANDLE_ID, type: 'source', position: 'left' as Position, x: -s / 2, y: 12, width: s, height: s }
    : { id: BUILD_HANDLE_ID, type: 'source', position: 'right' as Position, x: width - s / 2, y: 12, width: s, height: s };
}
