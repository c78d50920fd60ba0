// The renderer's engine client over Electron's preload, for the trace method: the call reaches the
// preload's trace() with its params, the answer comes back unwrapped, an engine refusal keeps its
// code and words.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type TraceParams, type VnetPreloadApi } from '../../electron/contract';
import { createEngineClient } from '../../renderer/src/transport/engine-client';

const g = globalThis as { window?: unknown };
afterEach(() => { delete g.window; });

describe('engine client, trace over the Electron preload', () => {
  it('hands trace its params and returns the result', async () => {
    const calls: TraceParams[] = [];
    const api = { trace: (p: TraceParams) => { calls.push(p); return Promise.resolve({ ok: true, result: { address: p.address } }); } };
    g.window = { vnet: api as unknown as VnetPreloadApi };
    const r = await createEngineClient().call('trace', { namespace: 'ns:1', address: '10.0.0.2', timeoutMs: 500 });
    expect(r).toEqual({ address: '10.0.0.2' });
    expect(calls).toEqual([{ namespace: 'ns:1', address: '10.0.0.2', timeoutMs: 500 }]);
  });

  it('an engine refusal keeps its code and message', async () => {
    const message = 'trace: "address" must be an IPv4 or IPv6 address, got "x"';
    const api = { trace: () => Promise.resolve({ ok: false, error: { code: ErrorCodes.InvalidParams, message } }) };
    g.window = { vnet: api as unknown as VnetPreloadApi };
    await expect(createEngineClient().call('trace', { namespace: 'ns:1', address: 'x' })).rejects.toMatchObject({ code: ErrorCodes.InvalidParams, message });
  });
});
