// Namespace boxes, the processes that hold a tun/tap, and the physical network beyond an uplink.
import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { CloudNode as CloudNodeT, NamespaceNode as NamespaceNodeT, ProcessNode as ProcessNodeT } from '../graph/types';
import { KindIcon } from '../icons';
import { ConnectHandle } from '../editor/ConnectHandle';
import { uiStore } from '../store';

export const NamespaceNode = memo(function NamespaceNode({ data, selected }: NodeProps<NamespaceNodeT>) {
  return (
    <div className={`ns-box ns-${data.nsKind}${selected ? ' selected' : ''}`}
      data-testid={`ns-${data.label}`} data-ns-id={data.nsId} data-ns-kind={data.nsKind} data-group-id={data.group?.id}>
      <Handle type="source" id="c" position={Position.Top} className="center-handle" isConnectable={false} />
      {data.nsKind !== 'process' && <ConnectHandle on="namespace" />}
      <div className="ns-header">
        <KindIcon kind="namespace" />
        <span className="ns-label" title={data.label}>{data.label}</span>
        <span className="ns-kind">{data.nsKind === 'host' ? 'host namespace' : data.nsKind === 'named' ? 'netns' : 'process netns'}</span>
        <span className="ns-count">{data.ifCount} if</span>
        {data.group && (
          <button className="ns-collapse nodrag" data-testid="collapse-group" title={`Draw the ${data.group.count} alike namespaces as one node again`}
            onClick={(e) => { e.stopPropagation(); uiStore.getState().collapseGroup(data.group!.id); }}>collapse {data.group.count}</button>
        )}
        {data.nsKind !== 'host' && (
          <button className="ns-fold nodrag" data-testid="fold-ns" title="Fold this namespace into a small node"
            onClick={(e) => { e.stopPropagation(); uiStore.getState().foldNamespace(data.nsId); }}>fold</button>
        )}
      </div>
      {data.error && <div className="ns-error" title={data.error}>{data.error}</div>}
    </div>
  );
});

export const ProcessNode = memo(function ProcessNode({ data }: NodeProps<ProcessNodeT>) {
  return (
    <div className="proc-node" data-testid={`proc-${data.pid}`} data-pid={data.pid}>
      <Handle type="source" id="c" position={Position.Top} className="center-handle" isConnectable={false} />
      <KindIcon kind="process" />
      <div className="proc-text">
        <span className="proc-comm" title={data.comm}>{data.comm}</span>
        <span className="muted">pid {data.pid}</span>
      </div>
    </div>
  );
});

export const CloudNode = memo(function CloudNode({ data }: NodeProps<CloudNodeT>) {
  return (
    <div className="cloud-node" data-testid="cloud" data-uplink-of={data.uplinkOf}>
      <Handle type="source" id="c" position={Position.Top} className="center-handle" isConnectable={false} />
      <KindIcon kind="cloud" />
      <span>{data.label}</span>
    </div>
  );
});
