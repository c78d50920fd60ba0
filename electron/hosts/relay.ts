// One engine, many clients (browser tabs over the web host's WebSocket, the Electron window over IPC).
//
// Clients pick their own request ids, so two clients may both send id 1: the relay gives every
// forwarded request a fresh engine-side id and remembers whose it was, so each response goes back to
// the client that asked, under the id it used. Engine notifications go to every client.
//
// What clients look at (setInterest, contract/interest.ts) is one engine connection's interest, so
// the relay keeps each client's and sends the engine their union: when one asks, when one leaves,
// and when a restarted engine is back. Counter frames then cover what any client looks at.
//
// A traceFollow waits (up to minutes) for a packet: when its client goes, the relay sends the
// engine a traceCancel for it, so it ends with its client. A follow sent without an id gets one
// from the relay for that (the engine takes any id of the contract's TRACE_FOLLOW_ID).
//
// The relay is also the hosts' gate: every client message is checked with jsonRpcShapeError and only
// methods in contract/'s METHOD_NAMES are forwarded. (The engine validates parameters itself: it is
// the security boundary; this only keeps garbage and unknown methods from reaching it.)
import {
  checkInterestParams, ErrorCodes, type HostNotice, type Interest, isMethodName, isObject, jsonRpcShapeError,
  MAX_CLIENT_MESSAGE_BYTES, overBytes, unionInterest,
} from '../contract';

export type JsonRpcMessage = Record<string, unknown>;

/** The engine side, as the relay needs it (EngineSupervisor implements it). */
export interface EngineLink {
  /** Sends one message to the engine; returns false when the engine is not running. */
  send(msg: JsonRpcMessage): boolean;
}

export interface RelayClient {
  /** Hands one message from this client to the relay (an already-parsed object, or raw JSON text). */
  receive(raw: unknown): void;
  /** The client went away: its pending responses are dropped. */
  close(): void;
}

interface Pending { client: ClientState; clientId: string | number | null; method: string; followId?: string }
interface ClientState { deliver: (msg: JsonRpcMessage) => void; open: boolean; inFlight: number; interest: Interest | null }

/** Requests one client may have waiting on the engine at once (a runaway tab cannot pile up work). */
export const MAX_IN_FLIGHT_PER_CLIENT = 256;

export class Relay {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly clients = new Set<ClientState>();
  private lastNotice: HostNotice | null = null;

  constructor(private readonly engine: EngineLink) {}

  get clientCount(): number { return this.clients.size; }
  get pendingCount(): number { return this.pending.size; }

  /** Adds a client; `deliver` gets every message meant for it (responses and notifications). */
  connect(deliver: (msg: JsonRpcMessage) => void): RelayClient {
    const state: ClientState = { deliver, open: true, inFlight: 0, interest: null };
    this.clients.add(state);
    // A new client learns at once whether the engine is there.
    if (this.lastNotice) this.safeDeliver(state, notification('host', this.lastNotice));
    return {
      receive: (raw) => this.fromClient(state, raw),
      close: () => {
        state.open = false;
        this.clients.delete(state);
        for (const [id, p] of this.pending) {
          if (p.client !== state) continue;
          this.pending.delete(id);
          if (p.followId !== undefined) this.sendQuiet('traceCancel', { id: p.followId });
        }
        if (state.interest !== null) this.sendInterest();
      },
    };
  }

  /** One message from the engine (already parsed). */
  fromEngine(msg: unknown): void {
    if (!isObject(msg)) return;
    if (typeof msg.method === 'string') {
      // A notification (the engine sends no requests to clients): everyone gets it.
      if ('id' in msg) return;
      for (const c of this.clients) this.safeDeliver(c, msg);
      return;
    }
    if (typeof msg.id !== 'number') return; // not one of ours
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    p.client.inFlight--;
    if (!p.client.open) return;
    this.safeDeliver(p.client, { ...msg, id: p.clientId });
  }

  /** A host notice (engine up/down/restarting) to every client, and to clients that join later. */
  notice(notice: HostNotice): void {
    this.lastNotice = notice;
    if (notice.engineConnected) this.sendInterest();
    const msg = notification('host', notice);
    for (const c of this.clients) this.safeDeliver(c, msg);
  }

  /** The engine went away: requests it will never answer fail now instead of hanging. */
  engineGone(reason: string): void {
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) {
      p.client.inFlight--;
      if (p.client.open) this.safeDeliver(p.client, errorResponse(p.clientId, ErrorCodes.InternalError, `engine unavailable: ${reason}`));
    }
  }

  private fromClient(client: ClientState, raw: unknown): void {
    if (!client.open) return;
    let msg: unknown = raw;
    if (typeof raw === 'string') {
      if (overBytes(raw, MAX_CLIENT_MESSAGE_BYTES)) {
        return this.safeDeliver(client, errorResponse(null, ErrorCodes.InvalidRequest, `message too large (over ${MAX_CLIENT_MESSAGE_BYTES} bytes)`));
      }
      try { msg = JSON.parse(raw); } catch {
        return this.safeDeliver(client, errorResponse(null, ErrorCodes.ParseError, 'message is not valid JSON'));
      }
    }
    const shape = jsonRpcShapeError(msg);
    const m = msg as JsonRpcMessage;
    const id = isObject(msg) && (typeof m.id === 'number' || typeof m.id === 'string') ? m.id : null;
    if (shape) return this.safeDeliver(client, errorResponse(id, ErrorCodes.InvalidRequest, `invalid JSON-RPC message: ${shape}`));
    if (typeof m.method !== 'string') {
      // A response or error object: the engine never asks clients anything, so nothing to route.
      return this.safeDeliver(client, errorResponse(id, ErrorCodes.InvalidRequest, 'clients may only send requests'));
    }
    if (!isMethodName(m.method)) {
      if (!('id' in m)) return; // a notification gets no answer, even an error (JSON-RPC 2.0 §4.1)
      return this.safeDeliver(client, errorResponse(id, ErrorCodes.MethodNotFound, `unknown method "${m.method.slice(0, 64)}"`));
    }
    if (!('id' in m) || m.id === null) {
      // The protocol has no client notifications; an id-less call could never be answered.
      return this.safeDeliver(client, errorResponse(null, ErrorCodes.InvalidRequest, `"${m.method}" needs an "id"`));
    }
    if (client.inFlight >= MAX_IN_FLIGHT_PER_CLIENT) {
      return this.safeDeliver(client, errorResponse(m.id as string | number, ErrorCodes.InternalError, `too many requests in flight (${MAX_IN_FLIGHT_PER_CLIENT}); wait for answers`));
    }
    const engineId = this.nextId++;
    if (this.nextId > Number.MAX_SAFE_INTEGER) this.nextId = 1;
    const out: JsonRpcMessage = { jsonrpc: '2.0', id: engineId, method: m.method };
    if (m.params !== undefined) out.params = m.params;
    if (m.method === 'setInterest') {
      // Malformed params go to the engine as they are: its answer names what is wrong.
      const checked = checkInterestParams(m.params);
      if (typeof checked !== 'string') { client.interest = checked.namespaces; out.params = { namespaces: this.union() }; }
    }
    let followId: string | undefined;
    if (m.method === 'traceFollow' && isObject(m.params)) {
      // Malformed params go as they are: the engine's answer names what is wrong.
      if (m.params.id === undefined) out.params = { ...m.params, id: `relay-${engineId}` };
      const id = (out.params as Record<string, unknown>).id;
      if (typeof id === 'string') followId = id;
    }
    this.pending.set(engineId, { client, clientId: m.id as string | number, method: m.method, ...(followId === undefined ? {} : { followId }) });
    client.inFlight++;
    if (!this.engine.send(out)) {
      this.pending.delete(engineId);
      client.inFlight--;
      this.safeDeliver(client, errorResponse(m.id as string | number, ErrorCodes.InternalError, 'engine unavailable: it is not running (restarting?)'));
    }
  }

  private union(): Interest {
    return unionInterest([...this.clients].flatMap((c) => (c.interest === null ? [] : [c.interest])));
  }

  /** The clients' union to the engine, answered to no one (a client's own setInterest is answered to it). */
  private sendInterest(): void {
    this.sendQuiet('setInterest', { namespaces: this.union() });
  }

  /** A request of the relay's own, whose answer goes to no one. */
  private sendQuiet(method: string, params: Record<string, unknown>): void {
    const engineId = this.nextId++;
    if (this.nextId > Number.MAX_SAFE_INTEGER) this.nextId = 1;
    this.engine.send({ jsonrpc: '2.0', id: engineId, method, params });
  }

  private safeDeliver(client: ClientState, msg: JsonRpcMessage): void {
    try { client.deliver(msg); } catch (err) {
      // One broken client must not stop the others from getting the message.
      console.error(`relay: delivering to a client failed: ${(err as Error).message}`);
    }
  }
}

export function notification(method: string, params: unknown): JsonRpcMessage {
  return { jsonrpc: '2.0', method, params };
}

export function errorResponse(id: string | number | null, code: number, message: string): JsonRpcMessage {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
