// Many alike namespaces as one node: "40 pods like pid 812 (pause)", what each holds, the sum of
// their live rates and the busiest few members (each clickable: the group opens and that member's
// interface is selected). Clicking the node, or "expand", opens the group into its members' boxes.
// A namespace folded on its own (a group of one) is drawn the same, smaller, without the list.
import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { GroupNode as GroupNodeT } from '../graph/types';
import { KindIcon } from '../icons';
import { uiStore, useGroupRates } from '../store';
import { fmtBytesRate, fmtPps, trafficLevel } from '../format';

/** Opens the group and selects (and brings into view) one member's interface. */
export function revealInGroup(groupId: string, ifId: string): void {
  const ui = uiStore.getState();
  ui.expandGroup(groupId);
  ui.select({ kind: 'iface', id: ifId });
  ui.requestFocus([ifId]);
}

const GroupRatesView = memo(function GroupRatesView({ groupId, members, single }: { groupId: string; members: GroupNodeT['data']['members']; single: boolean }) {
  const r = useGroupRates(members);
  const level = trafficLevel(r.rxPps + r.txPps);
  return (
    <div className={`group-live level-${level}`} data-testid="group-rates"
      data-rx-pps={r.rxPps} data-tx-pps={r.txPps} data-rx-bps={r.rxBps} data-tx-bps={r.txBps} data-level={level}>
      <div className="group-sum">
        <span className="dir rx">↓</span><span>{fmtPps(r.rxPps)}</span><span>{fmtBytesRate(r.rxBps)}</span>
        <span className="dir tx">↑</span><span>{fmtPps(r.txPps)}</span><span>{fmtBytesRate(r.txBps)}</span>
      </div>
      {!single && <div className="group-top" data-testid="group-top">
        {r.top.length === 0 && <span className="muted">all quiet</span>}
        {r.top.map((t) => (
          <button key={t.nsId} className="group-talker nodrag" data-testid="group-talker" data-ns-id={t.nsId} data-if-id={t.ifId}
            title={`Open the group and select ${t.label}'s interface`}
            onClick={(e) => { e.stopPropagation(); revealInGroup(groupId, t.ifId); }}>
            <span className="talker-label">{t.label}</span>
            <span className="talker-rate">{fmtBytesRate(t.bps)}</span>
          </button>
        ))}
      </div>}
    </div>
  );
});

export const GroupNode = memo(function GroupNode({ data }: NodeProps<GroupNodeT>) {
  return (
    <div className={`group-node ns-${data.nsKind}${data.single ? ' single' : ''}`} data-testid={data.single ? 'folded-ns' : 'ns-group'}
      data-group-id={data.groupId} data-count={data.count} data-ns-id={data.single ? data.members[0]?.nsId : undefined}
      title={data.single ? 'A folded namespace: click to unfold it' : 'Alike namespaces drawn as one node: click to show them all'}>
      <Handle type="source" id="c" position={Position.Top} className="center-handle" isConnectable={false} />
      <div className="group-head">
        <KindIcon kind="namespace" />
        <span className="group-title" data-testid="group-title" title={data.title}>{data.title}</span>
        <button className="group-expand nodrag" data-testid="group-expand" title={data.single ? 'Unfold: the namespace as its box again' : 'Show every member as its own box'}
          onClick={(e) => { e.stopPropagation(); uiStore.getState().expandGroup(data.groupId); }}>{data.single ? 'unfold' : 'expand'}</button>
      </div>
      <div className="group-shape muted" title={data.shape}>{data.single ? '' : 'each: '}{data.shape}</div>
      <GroupRatesView groupId={data.groupId} members={data.members} single={data.single} />
    </div>
  );
});
