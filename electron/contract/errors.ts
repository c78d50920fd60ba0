// JSON-RPC error codes, all of them in one table: JSON-RPC 2.0's own and the engine's. Every
// layer (engine, hosts, preload, renderer) names a code from here, never a bare number.
import { isObject } from './rpc';

export const ErrorCodes = {
  /** The message is not JSON. */
  ParseError: -32700,
  /** JSON, but not a request this side takes (shape, size, a missing id). */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  /** A request whose params are wrong; the message names the param. */
  InvalidParams: -32602,
  /** Something failed on the way (engine gone, timed out) or inside the engine (a bug). */
  InternalError: -32603,
  /** The engine runs without privileges and cannot change the kernel. */
  NotPrivileged: 1001,
  /** The kernel (or another system call) refused a change; the message names the object. */
  KernelRefused: 1002,
  /** Something in the way that the lab did not make, or another change set running. */
  Conflict: 1004,
  /** A waiting request was cancelled (traceCancel, or its client went). */
  Cancelled: 1005,
  /** What a request waited for did not come in its time (traceFollow: no matching packet). */
  TimedOut: 1006,
} as const;

/** A JSON-RPC error as plain data (the `error` member of a response). */
export interface RpcErrorObject { code: number; message: string; data?: unknown }

export class ProtocolError extends Error {
  constructor(message: string, readonly code: number = ErrorCodes.InvalidParams, readonly data?: unknown) { super(message); }
}

/** A thrown value or a response's `error` member as an RpcErrorObject: its numeric code kept
 *  (InternalError when it has none), its message (else `fallback`), its data when it has some. */
export function rpcErrorOf(e: unknown, fallback: string): RpcErrorObject {
  const x = isObject(e) ? e : {};
  const out: RpcErrorObject = {
    code: typeof x.code === 'number' ? x.code : ErrorCodes.InternalError,
    message: typeof x.message === 'string' ? x.message : fallback,
  };
  if (x.data !== undefined) out.data = x.data;
  return out;
}
