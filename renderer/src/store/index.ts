// The app's store instances and their React hooks (narrow selectors only: subscribe to what you show).
import { useRef } from 'react';
import { useStore } from 'zustand';
import { createTopologyStore, type TopologyStore } from './topology';
import { createCountersStore, type CountersStore, type IfCounters } from './counters';
import { createUiStore, type UiStore } from './ui';
import { createConnectionStore, type ConnectionState } from './connection';
import { createCounterPump } from './counter-pump';
import { createCaptureStore, type CaptureStore } from './capture';
import { createTraceStore, type TraceStore } from './trace';
import { groupRates, sameRates, type GroupRates } from '../graph/groups';
import type { GroupMember } from '../graph/types';

export const topologyStore = createTopologyStore();
export const countersStore = createCountersStore();
export const uiStore = createUiStore();
export const connectionStore = createConnectionStore();
/** The capture panel's capture and its live packets (store/capture.ts). */
export const captureStore = createCaptureStore();
/** "Ping and follow it": the trace panel's result and the step the canvas shows (store/trace.ts). */
export const traceStore = createTraceStore();
/** Counter frames go through the pump (sliced commits, one per animation frame). */
export const counterPump = createCounterPump(countersStore);

export const useTopology = <T,>(sel: (s: TopologyStore) => T) => useStore(topologyStore, sel);
export const useCounters = <T,>(sel: (s: CountersStore) => T) => useStore(countersStore, sel);
export const useUi = <T,>(sel: (s: UiStore) => T) => useStore(uiStore, sel);
export const useConnection = <T,>(sel: (s: ConnectionState) => T) => useStore(connectionStore, sel);
export const useCapture = <T,>(sel: (s: CaptureStore) => T) => useStore(captureStore, sel);
export const useTrace = <T,>(sel: (s: TraceStore) => T) => useStore(traceStore, sel);

/** One interface's counters; re-renders only when that interface's entry changes. */
export const useIfCounters = (id: string): IfCounters | undefined => useStore(countersStore, (s) => s.byId[id]);

/** A group's summed rates and top talkers. The selector sums over the members on each commit of
 *  the counters but hands back the previous object while the numbers are the same, so only this
 *  group's node re-renders, and only when what it shows changed. */
export function useGroupRates(members: readonly GroupMember[]): GroupRates {
  const last = useRef<{ byId: unknown; members: unknown; value: GroupRates } | null>(null);
  return useStore(countersStore, (s) => {
    const l = last.current;
    if (l && l.byId === s.byId && l.members === members) return l.value;
    const next = groupRates(s.byId, members);
    const value = l && sameRates(l.value, next) ? l.value : next;
    last.current = { byId: s.byId, members, value };
    return value;
  });
}
