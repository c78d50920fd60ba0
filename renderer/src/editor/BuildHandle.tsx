// The connector dot on namespace boxes and bridge nodes: draw a line from one to another to make a
// veth pair. Declared in the node's `handles` too (graph/build.ts), because xyflow takes declared
// handles instead of measuring them (build/handles.ts).
import { Handle, Position } from '@xyflow/react';
import { BUILD_HANDLE_ID, BUILD_HANDLE_SIZE } from './handles';
import { useWhyNotBuild } from './perform';

const SZ = BUILD_HANDLE_SIZE;

export function BuildHandle({ on }: { on: 'namespace' | 'bridge' }) {
  const why = useWhyNotBuild();
  return (
    <Handle type="source" id={BUILD_HANDLE_ID} position={on === 'namespace' ? Position.Left : Position.Right}
      className={`build-handle on-${on}${why ? ' off' : ''}`} isConnectable={!why} data-testid="build-handle"
      title={why ?? (on === 'namespace' ? 'Drag to another namespace or a bridge: a veth pair' : 'Drag to a namespace box: a veth pair with a port on this bridge')}
      style={on === 'namespace' ? { left: -SZ / 2, top: 12, transform: 'none' } : { left: 'auto', right: -SZ / 2, top: 12, transform: 'none' }} />
  );
}
