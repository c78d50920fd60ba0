// The connector dot on namespace boxes and bridge nodes: draw a line from one to another to make a
// veth pair. Declared in the node's `handles` too (graph/build.ts), because xyflow takes declared
// handles instead of measuring them (handles.ts).
import { Handle, Position } from '@xyflow/react';
import { CONNECT_HANDLE_ID, CONNECT_HANDLE_SIZE } from './handles';
import { useWhyNotEditable } from './perform';

const SZ = CONNECT_HANDLE_SIZE;

export function ConnectHandle({ on }: { on: 'namespace' | 'bridge' }) {
  const why = useWhyNotEditable();
  return (
    <Handle type="source" id={CONNECT_HANDLE_ID} position={on === 'namespace' ? Position.Left : Position.Right}
      className={`connect-handle on-${on}${why ? ' off' : ''}`} isConnectable={!why} data-testid="connect-handle"
      title={why ?? (on === 'namespace' ? 'Drag to another namespace or a bridge: a veth pair' : 'Drag to a namespace box: a veth pair with a port on this bridge')}
      style={on === 'namespace' ? { left: -SZ / 2, top: 12, transform: 'none' } : { left: 'auto', right: -SZ / 2, top: 12, transform: 'none' }} />
  );
}
