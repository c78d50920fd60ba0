// The one engine client of this page (set at start-up by main.tsx).
import type { EngineClient } from './engine-client';

let client: EngineClient | null = null;
export const setClient = (c: EngineClient) => { client = c; };
export const getClient = (): EngineClient | null => client;
