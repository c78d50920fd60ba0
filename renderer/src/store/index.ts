// The app's store instances and their React hooks (narrow selectors only: subscribe to what you show).
import { useStore } from 'zustand';
import { createTopologyStore, type TopologyStore } from './topology';
import { createCountersStore, type CountersStore, type IfCounters } from './counters';
import { createUiStore, type UiStore } from './ui';
import { createConnectionStore, type ConnectionState } from './connection';
import { createCounterPump } from './counter-pump';

export const topologyStore = createTopologyStore();
export const countersStore = createCountersStore();
export const uiStore = createUiStore();
export const connectionStore = createConnectionStore();
/** Counter frames go through the pump (sliced commits, one per animation frame). */
export const counterPump = createCounterPump(countersStore);

export const useTopology = <T,>(sel: (s: TopologyStore) => T) => useStore(topologyStore, sel);
export const useCounters = <T,>(sel: (s: CountersStore) => T) => useStore(countersStore, sel);
export const useUi = <T,>(sel: (s: UiStore) => T) => useStore(uiStore, sel);
export const useConnection = <T,>(sel: (s: ConnectionState) => T) => useStore(connectionStore, sel);

/** One interface's counters; re-renders only when that interface's entry changes. */
export const useIfCounters = (id: string): IfCounters | undefined => useStore(countersStore, (s) => s.byId[id]);
