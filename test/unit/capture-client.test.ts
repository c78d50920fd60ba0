// The renderer's engine client over Electron's preload, for the capture methods: each call reaches
// its preload function with its arguments, engine errors come back with their code, and Open in
// Wireshark (desktop only) is there.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type VnetPreloadApi } from '../../electron/contract';
import { createEngineClient } from '../../renderer/src/transport/engine-client';

const g = globalThis as { window?: unknown };
afterEach(() => { delete g.window; });

function preload(calls: unknown[][]): VnetPreloadApi {
  const record = (name: string) => (...args: unknown[]) => { calls.push([name, ...args]); return Promise.resolve({ ok: true, result: { name } }); };
  const api: Record<string, unknown> = {};
  for (const m of ['captureStart', 'captureStop', 'captureList', 'captureRead', 'captureDiscard']) api[m] = record(m);
  api.captureOpenInWireshark = (id: string) => { calls.push(['captureOpenInWireshark', id]); return Promise.resolve({ ok: false, message: 'could not start wireshark: ENOENT' }); };
  return api as unknown as VnetPreloadApi;
}

describe('engine client, capture methods over the Electron preload', () => {
  it('hands each method its arguments and offers Open in Wireshark', async () => {
    const calls: unknown[][] = [];
    g.window = { vnet: preload(calls) };
    const c = createEngineClient();
    expect(c.transport).toBe('electron');
    await c.call('captureStart', { interfaces: ['ns:1/if:2'], filter: 'icmp' });
    await c.call('captureRead', { id: 'c1', offset: 4096, length: 1024 });
    await c.call('captureStop', { id: 'c1' });
    await c.call('captureDiscard', { id: 'c1' });
    await c.call('captureList');
    expect(await c.captureOpenInWireshark!('c1')).toEqual({ ok: false, message: 'could not start wireshark: ENOENT' });
    expect(calls).toEqual([
      ['captureStart', { interfaces: ['ns:1/if:2'], filter: 'icmp' }], ['captureRead', 'c1', 4096, 1024], ['captureStop', 'c1'],
      ['captureDiscard', 'c1'], ['captureList'], ['captureOpenInWireshark', 'c1'],
    ]);
  });

  it('an engine refusal keeps its code (not privileged)', async () => {
    const api = preload([]);
    api.captureStart = () => Promise.resolve({ ok: false, error: { code: ErrorCodes.NotPrivileged, message: 'capturing needs CAP_NET_RAW' } });
    g.window = { vnet: api };
    await expect(createEngineClient().call('captureStart', { interfaces: ['x'] })).rejects.toMatchObject({ code: ErrorCodes.NotPrivileged, message: 'capturing needs CAP_NET_RAW' });
  });
});
