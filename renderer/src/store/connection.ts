// The connection slice: is the host reachable, is the engine running, and what the engine says
// about itself (privileges, limitation, counts, sample rate).
import { createStore } from 'zustand/vanilla';
import type { EngineStatus } from '../../../electron/contract';

export interface ConnectionState {
  transport: 'electron' | 'websocket' | 'none';
  /** The transport (WebSocket or preload) is up. */
  connected: boolean;
  /** The host says the engine process runs and answers. */
  engineConnected: boolean;
  hostMessage: string | null;
  status: EngineStatus | null;
  lastError: string | null;
}

export function createConnectionStore() {
  return createStore<ConnectionState>()(() => ({
    transport: 'none', connected: false, engineConnected: false, hostMessage: null, status: null, lastError: null,
  }));
}
