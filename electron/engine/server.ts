// The engine's side of the protocol: JSON-RPC 2.0 request handling (by the json-rpc-2.0 package)
// plus the delta/counters/status notifications, over any transport that moves JSON messages.
// `engine --stdio` wires it to newline-delimited stdin/stdout; tests and in-process hosts call
// `createEngineConnection` directly. Layers above the engine (the lab methods) add their methods
// through the `extend` hook, so this file never imports them (see electron/engine-process/index.ts).
//
// Every request is validated here (the engine is the privileged boundary): params must have
// exactly the expected fields and types, and errors name the field that is wrong.
import { JSONRPCServer, createJSONRPCErrorResponse, type JSONRPCRequest } from 'json-rpc-2.0';
import { checkInterestParams, ErrorCodes, isObject, jsonRpcShapeError, type Methods, type Notifications } from '../contract';
import { Engine, MAX_HZ, MIN_HZ } from './index';
import { invalid } from './params';

export interface EngineConnection {
  /** One incoming message: a JSON text (one line / one frame) or an already parsed value. */
  receive(message: string | unknown): Promise<void>;
  /** Stops sending notifications (the engine keeps running). */
  close(): void;
}

export interface ConnectionOptions {
  /** Called after answering a `shutdown` request (engine-process control; hosts do not relay it). */
  onShutdown?: () => void;
  /** Adds methods from a layer above the engine; `notify` sends a notification on this connection
   *  (nothing once it is closed). */
  extend?: (server: JSONRPCServer, notify: <K extends keyof Notifications>(method: K, params: Notifications[K]) => void) => void;
}

/** Params of a method that takes none: absent, or an empty object. */
function noParams(method: string, params: unknown): void {
  if (params === undefined || params === null) return;
  if (!isObject(params)) invalid(`${method}: params must be an object (or absent)`);
  const extra = Object.keys(params);
  if (extra.length) invalid(`${method}: unknown param "${extra[0]}" (it takes none)`);
}

function validateSetSampleRate(params: unknown): Methods['setSampleRate']['params'] {
  if (!isObject(params)) invalid('setSampleRate: params must be an object {"hz": number}');
  for (const k of Object.keys(params)) if (k !== 'hz') invalid(`setSampleRate: unknown param "${k}"`);
  if (!('hz' in params)) invalid('setSampleRate: missing param "hz"');
  const hz = params.hz;
  if (typeof hz !== 'number' || !Number.isFinite(hz)) invalid(`setSampleRate: "hz" must be a number, got ${JSON.stringify(hz) ?? String(hz)}`);
  if (hz < MIN_HZ || hz > MAX_HZ) invalid(`setSampleRate: "hz" must be from ${MIN_HZ} to ${MAX_HZ}, got ${hz}`);
  return { hz };
}

export function createEngineConnection(engine: Engine, send: (msg: object) => void, opts: ConnectionOptions = {}): EngineConnection {
  const server = new JSONRPCServer({ errorListener: () => { /* errors go back to the caller */ } });
  let closed = false;

  server.addMethod('hello', (params): Methods['hello']['result'] => {
    noParams('hello', params);
    return engine.status();
  });
  server.addMethod('snapshot', (params): Methods['snapshot']['result'] => {
    noParams('snapshot', params);
    return engine.snapshot();
  });
  server.addMethod('setSampleRate', (params): Methods['setSampleRate']['result'] => {
    const { hz } = validateSetSampleRate(params);
    return { sampleHz: engine.setSampleRate(hz) };
  });
  // What this connection looks at; a host relaying many clients sends their union (relay.ts).
  const self = {};
  server.addMethod('setInterest', (params): Methods['setInterest']['result'] => {
    const checked = checkInterestParams(params);
    if (typeof checked === 'string') invalid(checked);
    const namespaces = engine.setInterest(self, checked.namespaces);
    const st = engine.status();
    return { namespaces, sampleHz: st.sampleHz, lowSampleHz: st.lowSampleHz };
  });
  server.addMethod('shutdown', (params) => {
    noParams('shutdown', params);
    if (opts.onShutdown) setImmediate(opts.onShutdown);
    return { ok: true };
  });

  opts.extend?.(server, (method, params) => { if (!closed) send({ jsonrpc: '2.0', method, params }); });

  const notify = <K extends keyof Notifications>(method: K) => (params: Notifications[K]) => {
    if (!closed) send({ jsonrpc: '2.0', method, params });
  };
  const onDelta = notify('delta'); const onCounters = notify('counters'); const onStatus = notify('status');
  engine.on('delta', onDelta); engine.on('counters', onCounters); engine.on('status', onStatus);

  return {
    async receive(message) {
      let msg: unknown = message;
      if (typeof message === 'string') {
        try { msg = JSON.parse(message); } catch {
          send(createJSONRPCErrorResponse(null, ErrorCodes.ParseError, 'Parse error: the message is not valid JSON'));
          return;
        }
      }
      // Batches are not part of this protocol: one message, one answer.
      const shapeError = jsonRpcShapeError(msg);
      if (shapeError) {
        const id = isObject(msg) && (typeof msg.id === 'number' || typeof msg.id === 'string') ? msg.id : null;
        send(createJSONRPCErrorResponse(id, ErrorCodes.InvalidRequest, `Invalid request: ${shapeError}`));
        return;
      }
      const req = msg as Record<string, unknown>;
      if (!('method' in req)) return; // a response: the engine makes no requests, so nothing awaits it
      const res = await server.receive(req as unknown as JSONRPCRequest);
      if (res && !closed) send(res);
    },
    close() {
      closed = true;
      engine.setInterest(self, null);
      engine.off('delta', onDelta); engine.off('counters', onCounters); engine.off('status', onStatus);
    },
  };
}
