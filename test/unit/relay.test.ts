import { describe, expect, it } from 'vitest';
import { LAB_METHOD_NAMES, MAX_CLIENT_MESSAGE_BYTES, MAX_LAB_TEXT_BYTES, METHOD_NAMES, NOTIFICATION_NAMES } from '../../electron/contract';
import { MAX_IN_FLIGHT_PER_CLIENT, Relay, type JsonRpcMessage } from '../../electron/hosts/relay';

/** An engine stand-in that records what reaches it (the relay's own logic is under test here). */
function fakeEngine() {
  const sent: JsonRpcMessage[] = [];
  let up = true;
  return { sent, send: (m: JsonRpcMessage) => { if (!up) return false; sent.push(m); return true; }, setUp: (v: boolean) => { up = v; } };
}

function client(relay: Relay) {
  const got: JsonRpcMessage[] = [];
  const c = relay.connect((m) => got.push(m));
  return { got, ...c };
}

describe('relay', () => {
  it('rewrites ids so each response goes back to the client that asked, under its own id', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const a = client(relay); const b = client(relay);
    a.receive({ jsonrpc: '2.0', id: 1, method: 'hello' });
    b.receive(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'snapshot' }));
    b.receive({ jsonrpc: '2.0', id: 'x', method: 'setSampleRate', params: { hz: 5 } });
    expect(engine.sent).toHaveLength(3);
    const ids = engine.sent.map((m) => m.id);
    expect(new Set(ids).size).toBe(3); // distinct engine-side ids even though both clients used 1
    expect(engine.sent[2].params).toEqual({ hz: 5 });
    // Answer out of order.
    relay.fromEngine({ jsonrpc: '2.0', id: ids[1], result: { seq: 0, model: { namespaces: [] } } });
    relay.fromEngine({ jsonrpc: '2.0', id: ids[0], result: { version: 'v' } });
    relay.fromEngine({ jsonrpc: '2.0', id: ids[2], error: { code: -32602, message: 'bad hz' } });
    expect(a.got).toEqual([{ jsonrpc: '2.0', id: 1, result: { version: 'v' } }]);
    expect(b.got).toEqual([
      { jsonrpc: '2.0', id: 1, result: { seq: 0, model: { namespaces: [] } } },
      { jsonrpc: '2.0', id: 'x', error: { code: -32602, message: 'bad hz' } },
    ]);
    expect(relay.pendingCount).toBe(0);
    // A duplicate or unknown response id goes nowhere.
    relay.fromEngine({ jsonrpc: '2.0', id: ids[0], result: {} });
    relay.fromEngine({ jsonrpc: '2.0', id: 999, result: {} });
    expect(a.got).toHaveLength(1);
  });

  it('broadcasts engine notifications to every client', () => {
    const relay = new Relay(fakeEngine());
    const a = client(relay); const b = client(relay);
    const n = { jsonrpc: '2.0', method: 'counters', params: { t: 1, intervalMs: 100, ids: [], stats: [], rates: [] } };
    relay.fromEngine(n);
    expect(a.got).toEqual([n]);
    expect(b.got).toEqual([n]);
    b.close();
    relay.fromEngine(n);
    expect(a.got).toHaveLength(2);
    expect(b.got).toHaveLength(1);
  });

  it('forwards only methods the protocol lists, and rejects malformed messages without reaching the engine', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const a = client(relay);
    const bad: unknown[] = [
      'not json{',
      [{ jsonrpc: '2.0', id: 1, method: 'hello' }],                 // batches are not supported
      { id: 2, method: 'hello' },                                   // no jsonrpc
      { jsonrpc: '2.0', id: 3, method: 'shutdown' },                // not in METHOD_NAMES
      { jsonrpc: '2.0', id: 4, method: 'constructor' },             // prototype names are not methods
      { jsonrpc: '2.0', id: 5, method: 'hello', params: 'x' },      // params must be object/array
      { jsonrpc: '2.0', id: { a: 1 }, method: 'hello' },            // id must be scalar
      { jsonrpc: '2.0', id: 6, result: 1 },                         // clients do not send responses
      { jsonrpc: '2.0', method: 'hello' },                          // our methods need an id
      `"${'é'.repeat(MAX_CLIENT_MESSAGE_BYTES / 2)}"`,           // over the limit in UTF-8 bytes, not in characters
    ];
    for (const m of bad) a.receive(m);
    expect(engine.sent).toEqual([]);
    expect(a.got).toHaveLength(bad.length);
    for (const r of a.got) expect((r.error as { code: number }).code).toBeLessThan(0);
    expect((a.got[3].error as { code: number; message: string })).toMatchObject({ code: -32601 });
    expect((a.got[3].error as { message: string }).message).toContain('shutdown');
    expect(a.got[3].id).toBe(3);
    expect((a.got[bad.length - 1].error as { message: string }).message).toMatch(/too large/);
    // An unknown *notification* gets no answer at all (JSON-RPC 2.0).
    a.receive({ jsonrpc: '2.0', method: 'nope' });
    expect(a.got).toHaveLength(bad.length);
    // Every listed method does get through.
    METHOD_NAMES.forEach((method, i) => a.receive({ jsonrpc: '2.0', id: 100 + i, method }));
    expect(engine.sent.map((m) => m.method)).toEqual([...METHOD_NAMES]);
  });

  it('lets a lab text at its size limit through: the message limit leaves room for it as JSON', () => {
    const engine = fakeEngine();
    const a = client(new Relay(engine));
    const text = `name: x\n# ${'"é'.repeat(MAX_LAB_TEXT_BYTES / 3 - 4)}\n`;     // 3 bytes per '"é', 2 more as JSON
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_LAB_TEXT_BYTES);
    a.receive(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'labValidate', params: { text } }));
    expect(a.got).toEqual([]);
    expect(engine.sent).toHaveLength(1);
    expect((engine.sent[0].params as { text: string }).text).toBe(text);
  });

  it('sends the engine the union of its clients\' interests: when one asks, when one leaves, when the engine is back', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const a = client(relay); const b = client(relay); client(relay); // the third says nothing
    const interestSent = () => engine.sent.filter((m) => m.method === 'setInterest').map((m) => (m.params as { namespaces: unknown }).namespaces);
    a.receive({ jsonrpc: '2.0', id: 1, method: 'setInterest', params: { namespaces: ['ns:5', 'ns:3'] } });
    b.receive({ jsonrpc: '2.0', id: 1, method: 'setInterest', params: { namespaces: ['ns:3', 'ns:9'] } });
    expect(interestSent()).toEqual([['ns:3', 'ns:5'], ['ns:3', 'ns:5', 'ns:9']]);
    // Each asker gets the engine's answer to its own request.
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[1].id, result: { namespaces: 3, sampleHz: 10, lowSampleHz: 1 } });
    expect(b.got).toEqual([{ jsonrpc: '2.0', id: 1, result: { namespaces: 3, sampleHz: 10, lowSampleHz: 1 } }]);
    expect(a.got).toEqual([]);
    // Malformed params reach the engine untouched (its error names the field) and change nothing.
    a.receive({ jsonrpc: '2.0', id: 2, method: 'setInterest', params: { namespaces: 'some' } });
    expect(engine.sent.at(-1)!.params).toEqual({ namespaces: 'some' });
    b.receive({ jsonrpc: '2.0', id: 2, method: 'setInterest', params: { namespaces: 'all' } });
    expect(interestSent().at(-1)).toBe('all');
    b.close();
    expect(interestSent().at(-1)).toEqual(['ns:3', 'ns:5']);
    // A restarted engine starts with no interest: the relay tells it again, answered to no one.
    relay.notice({ engineConnected: true, message: null });
    expect(interestSent().at(-1)).toEqual(['ns:3', 'ns:5']);
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent.at(-1)!.id, result: { namespaces: 2, sampleHz: 10, lowSampleHz: 1 } });
    expect(a.got.filter((m) => 'result' in m)).toEqual([]);
  });

  it('relays lab methods (answers and error codes intact) and broadcasts labProgress to every client', () => {
    expect(METHOD_NAMES).toEqual(expect.arrayContaining([...LAB_METHOD_NAMES]));
    expect(NOTIFICATION_NAMES).toContain('labProgress');
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const a = client(relay); const b = client(relay);
    const text = 'name: two-rooms\n';
    a.receive(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'labApply', params: { text, file: 'two-rooms.yaml' } }));
    b.receive({ jsonrpc: '2.0', id: 1, method: 'build', params: { actions: [{ op: 'ns-add', ns: 'red' }] } });
    expect(engine.sent.map((m) => [m.method, m.params])).toEqual([
      ['labApply', { text, file: 'two-rooms.yaml' }],
      ['build', { actions: [{ op: 'ns-add', ns: 'red' }] }],
    ]);
    // Progress of a's apply reaches every client (b's canvas shows it too).
    const progress = { jsonrpc: '2.0', method: 'labProgress', params: { lab: 'two-rooms', phase: 'apply', done: 3, total: 30, object: 'red' } };
    relay.fromEngine(progress);
    expect(a.got).toEqual([progress]);
    expect(b.got).toEqual([progress]);
    const result = { lab: 'two-rooms', actions: [], commands: ['ip netns add red'], notes: [] };
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[0].id, result });
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[1].id, error: { code: 1001, message: 'build: the engine runs without privileges', data: { why: 'uid 65534' } } });
    expect(a.got[1]).toEqual({ jsonrpc: '2.0', id: 1, result });
    expect(b.got[1]).toEqual({ jsonrpc: '2.0', id: 1, error: { code: 1001, message: 'build: the engine runs without privileges', data: { why: 'uid 65534' } } });
    expect(relay.pendingCount).toBe(0);
  });

  it('fails pending requests when the engine goes, answers at once while it is down, and tells late joiners the engine state', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const a = client(relay);
    a.receive({ jsonrpc: '2.0', id: 7, method: 'snapshot' });
    relay.engineGone('exited with signal SIGKILL');
    expect(a.got).toHaveLength(1);
    expect(a.got[0]).toMatchObject({ id: 7, error: { code: -32603 } });
    engine.setUp(false);
    a.receive({ jsonrpc: '2.0', id: 8, method: 'hello' });
    expect(a.got[1]).toMatchObject({ id: 8, error: { code: -32603 } });
    relay.notice({ engineConnected: false, message: 'engine exited; restarting' });
    expect(a.got[2]).toEqual({ jsonrpc: '2.0', method: 'host', params: { engineConnected: false, message: 'engine exited; restarting' } });
    const late = client(relay);
    expect(late.got).toEqual([a.got[2]]);
  });

  it('drops the responses of a client that left, and one throwing client does not starve others', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    relay.connect(() => { throw new Error('broken pipe'); });
    const a = client(relay);
    const b = client(relay);
    a.receive({ jsonrpc: '2.0', id: 1, method: 'hello' });
    a.close();
    expect(relay.pendingCount).toBe(0);
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[0].id, result: {} });
    expect(a.got).toEqual([]);
    const origError = console.error; console.error = () => {};
    try { relay.fromEngine({ jsonrpc: '2.0', method: 'status', params: {} }); } finally { console.error = origError; }
    expect(b.got).toHaveLength(1);
  });

  it('cancels a waiting traceFollow when its client goes (giving it an id when it had none), and only then', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const a = client(relay); const b = client(relay);
    a.receive({ jsonrpc: '2.0', id: 1, method: 'traceFollow', params: { namespace: 'ns:1', filter: 'icmp' } });
    a.receive({ jsonrpc: '2.0', id: 2, method: 'traceFollow', params: { namespace: 'ns:1', filter: 'udp', id: 'mine' } });
    b.receive({ jsonrpc: '2.0', id: 1, method: 'traceFollow', params: { namespace: 'ns:1', filter: 'tcp', id: 'theirs' } });
    const given = (engine.sent[0].params as { id: string }).id;
    expect(given).toMatch(/^relay-\d+$/);
    expect((engine.sent[1].params as { id: string }).id).toBe('mine');
    // a's second follow answered: nothing left to cancel for it
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[1].id, error: { code: 1006, message: 'none came' } });
    engine.sent.length = 0;
    a.close();
    expect(engine.sent.map((m) => [m.method, m.params])).toEqual([['traceCancel', { id: given }]]);
    expect(relay.pendingCount).toBe(1); // b's
  });

  it('caps the requests one client may have in flight, without hurting other clients', () => {
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const greedy = client(relay); const other = client(relay);
    for (let i = 0; i < MAX_IN_FLIGHT_PER_CLIENT + 5; i++) greedy.receive({ jsonrpc: '2.0', id: i, method: 'hello' });
    expect(engine.sent).toHaveLength(MAX_IN_FLIGHT_PER_CLIENT);
    expect(greedy.got).toHaveLength(5);
    expect(greedy.got[0]).toMatchObject({ id: MAX_IN_FLIGHT_PER_CLIENT, error: { message: expect.stringContaining('too many') } });
    other.receive({ jsonrpc: '2.0', id: 'o', method: 'hello' });
    expect(engine.sent).toHaveLength(MAX_IN_FLIGHT_PER_CLIENT + 1);
    // Answers free the slots.
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[0].id, result: {} });
    greedy.receive({ jsonrpc: '2.0', id: 'again', method: 'hello' });
    expect(engine.sent.at(-1)).toMatchObject({ method: 'hello' });
    expect(engine.sent).toHaveLength(MAX_IN_FLIGHT_PER_CLIENT + 2);
  });
});

describe('relay caller (the Electron window\'s seat at the relay)', () => {
  it('turns calls into requests and answers into settled promises; passes known notifications on', async () => {
    const { RelayCaller, RpcError } = await import('../../electron/hosts/desktop/relay-caller');
    const engine = fakeEngine();
    const relay = new Relay(engine);
    const notes: [string, unknown][] = [];
    const caller = new RelayCaller(relay, (name, params) => notes.push([name, params]), 200);
    const hello = caller.request('hello');
    const rate = caller.request('setSampleRate', { hz: 99 });
    const lost = caller.request('snapshot');
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[0].id, result: { version: '1' } });
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent[1].id, error: { code: -32602, message: 'hz must be 0.5..50' } });
    await expect(hello).resolves.toEqual({ version: '1' });
    await expect(rate).rejects.toThrow('hz must be 0.5..50');
    await expect(rate).rejects.toBeInstanceOf(RpcError);
    await expect(lost).rejects.toThrow(/did not answer "snapshot"/);
    relay.fromEngine({ jsonrpc: '2.0', method: 'counters', params: { t: 1 } });
    relay.fromEngine({ jsonrpc: '2.0', method: 'not-a-notification', params: {} });
    relay.notice({ engineConnected: true, message: null });
    relay.fromEngine({ jsonrpc: '2.0', method: 'labProgress', params: { lab: 'l', phase: 'destroy', done: 1, total: 2, object: 'br0' } });
    expect(notes).toEqual([['counters', { t: 1 }], ['host', { engineConnected: true, message: null }], ['labProgress', { lab: 'l', phase: 'destroy', done: 1, total: 2, object: 'br0' }]]);
    // A lab method's error keeps its code (ipc.ts turns it into an RpcOutcome for the window).
    const denied = caller.request('labDestroy', { name: 'l' });
    relay.fromEngine({ jsonrpc: '2.0', id: engine.sent.at(-1)!.id, error: { code: 1001, message: 'labDestroy: not privileged' } });
    await expect(denied).rejects.toMatchObject({ code: 1001, message: 'labDestroy: not privileged' });
    caller.close();
    expect(relay.clientCount).toBe(0);
  });
});
