// The JSON-RPC side of the engine: request validation and notifications, with a stand-in for the
// Engine's few methods (the kernel side is covered by the kernel suites).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/engine';
import { createEngineConnection } from '../../electron/engine/server';

function fake() {
  const e = new EventEmitter() as EventEmitter & Record<string, unknown>;
  let hz = 10;
  e.status = () => ({ version: 't', pid: 1, privileged: true, limitation: null, sampleHz: hz, namespaces: 1, interfaces: 0 });
  e.snapshot = () => ({ seq: 3, model: { namespaces: [] } });
  e.setSampleRate = (h: number) => (hz = h);
  const interests: [object, unknown][] = [];
  e.interests = interests;
  e.setInterest = (client: object, ns: unknown) => { interests.push([client, ns]); return Array.isArray(ns) ? ns.length : 1; };
  e.status = () => ({ version: 't', pid: 1, privileged: true, limitation: null, sampleHz: hz, lowSampleHz: 1, namespaces: 1, interfaces: 0 });
  return e as unknown as Engine;
}

function conn() {
  const sent: Record<string, any>[] = [];
  let shut = 0;
  const engine = fake();
  const c = createEngineConnection(engine, (m) => sent.push(m as Record<string, any>), { onShutdown: () => { shut++; } });
  return { engine, c, sent, shut: () => shut };
}

describe('engine JSON-RPC connection', () => {
  it('hello, snapshot, setSampleRate', async () => {
    const { c, sent } = conn();
    await c.receive('{"jsonrpc":"2.0","id":1,"method":"hello"}');
    await c.receive({ jsonrpc: '2.0', id: 2, method: 'snapshot', params: {} });
    await c.receive({ jsonrpc: '2.0', id: 3, method: 'setSampleRate', params: { hz: 2.5 } });
    expect(sent[0]).toMatchObject({ id: 1, result: { privileged: true, sampleHz: 10 } });
    expect(sent[1]).toEqual({ jsonrpc: '2.0', id: 2, result: { seq: 3, model: { namespaces: [] } } });
    expect(sent[2]).toEqual({ jsonrpc: '2.0', id: 3, result: { sampleHz: 2.5 } });
  });

  it('bad params are refused with -32602 naming the field; nothing changes', async () => {
    const { c, sent, engine } = conn();
    const bad: [unknown, RegExp][] = [
      [undefined, /params must be an object/], [{}, /missing param "hz"/], [{ hz: '5' }, /"hz" must be a number/],
      [{ hz: 0.1 }, /"hz" must be from 0.5 to 50/], [{ hz: 51 }, /from 0.5 to 50/], [{ hz: 5, x: 1 }, /unknown param "x"/],
      [[5], /params must be an object/],
    ];
    let id = 10;
    for (const [params, re] of bad) {
      await c.receive({ jsonrpc: '2.0', id: ++id, method: 'setSampleRate', params });
      const r = sent.pop()!;
      expect(r.error?.code, JSON.stringify(params)).toBe(-32602);
      expect(r.error.message).toMatch(re);
    }
    expect(engine.status().sampleHz).toBe(10);
    await c.receive({ jsonrpc: '2.0', id: 99, method: 'hello', params: { x: 1 } });
    expect(sent.pop()!.error).toMatchObject({ code: -32602, message: expect.stringMatching(/unknown param "x"/) });
  });

  it('setInterest: checked, given to the engine as this connection\'s, withdrawn when it closes', async () => {
    const { c, sent, engine } = conn();
    const interests = (engine as unknown as { interests: [object, unknown][] }).interests;
    const bad: [unknown, RegExp][] = [
      [undefined, /params must be an object/], [{}, /missing param "namespaces"/], [{ namespaces: 'some' }, /"namespaces" must be "all" or an array/],
      [{ namespaces: ['ns:1', 7] }, /"namespaces\[1\]" is not a namespace id/], [{ namespaces: ['red'] }, /"namespaces\[0\]" is not a namespace id/],
      [{ namespaces: [], x: 1 }, /unknown param "x"/], [{ namespaces: new Array(20_001).fill('ns:1') }, /at most 20000/],
    ];
    let id = 10;
    for (const [params, re] of bad) {
      await c.receive({ jsonrpc: '2.0', id: ++id, method: 'setInterest', params });
      const r = sent.pop()!;
      expect(r.error?.code, JSON.stringify(params)?.slice(0, 80)).toBe(-32602);
      expect(r.error.message).toMatch(re);
    }
    expect(interests).toEqual([]);
    await c.receive({ jsonrpc: '2.0', id: 1, method: 'setInterest', params: { namespaces: ['ns:2', 'ns:1', 'ns:2'] } });
    expect(sent.pop()).toEqual({ jsonrpc: '2.0', id: 1, result: { namespaces: 2, sampleHz: 10, lowSampleHz: 1 } });
    await c.receive({ jsonrpc: '2.0', id: 2, method: 'setInterest', params: { namespaces: 'all' } });
    expect(interests.map(([, ns]) => ns)).toEqual([['ns:2', 'ns:1'], 'all']);
    c.close();
    expect(interests[2][1]).toBeNull();
    expect(new Set(interests.map(([who]) => who)).size).toBe(1); // one connection, one client key
  });

  it('malformed messages and unknown methods get JSON-RPC errors', async () => {
    const { c, sent } = conn();
    await c.receive('{not json');
    expect(sent.pop()).toMatchObject({ id: null, error: { code: -32700 } });
    await c.receive({ id: 1, method: 'hello' });
    expect(sent.pop()).toMatchObject({ id: 1, error: { code: -32600, message: expect.stringMatching(/jsonrpc/) } });
    await c.receive({ jsonrpc: '2.0', id: 2, method: 'rm -rf' });
    expect(sent.pop()).toMatchObject({ id: 2, error: { code: -32601 } });
  });

  it('forwards notifications until closed; shutdown answers then calls back', async () => {
    const { c, sent, engine, shut } = conn();
    engine.emit('delta', { seq: 1, deltas: [] });
    engine.emit('counters', { t: 0, intervalMs: 100, ids: [], stats: [], rates: [] });
    expect(sent.map((m) => m.method)).toEqual(['delta', 'counters']);
    await c.receive({ jsonrpc: '2.0', id: 5, method: 'shutdown' });
    expect(sent.pop()).toEqual({ jsonrpc: '2.0', id: 5, result: { ok: true } });
    await new Promise((r) => setImmediate(r));
    expect(shut()).toBe(1);
    c.close();
    engine.emit('delta', { seq: 2, deltas: [] });
    expect(sent).toHaveLength(2);
  });
});
