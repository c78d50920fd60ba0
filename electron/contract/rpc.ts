// The protocol between the engine, its hosts (Electron main, web host) and the renderer: JSON-RPC
// 2.0. On the engine's stdio (`vnet-studio engine --stdio`) one message per line (newline-delimited
// JSON); over the web host's WebSocket one message per text frame. Methods are client → engine
// requests; notifications go engine (or host) → client.
import { CAPTURE_METHOD_NAMES, CAPTURE_NOTIFICATION_NAMES, type CaptureMethods, type CaptureNotifications } from './capture';
import type { CounterFrame } from './counter-frame';
import type { DeltaBatch } from './deltas';
import type { SetInterestParams, SetInterestResult } from './interest';
import { LAB_METHOD_NAMES, type LabMethods, type LabProgress } from './labs';
import type { Model } from './model';
import type { EngineStatus, HostNotice } from './status';
import { TRACE_METHOD_NAMES, type TraceMethods } from './trace';

/** Every method a client may call: the model's own, plus the lab, building, capture and trace methods. */
export interface Methods extends LabMethods, CaptureMethods, TraceMethods {
  /** Status and capabilities. */
  hello: { params: Record<string, never> | undefined; result: EngineStatus };
  /** The whole model; deltas with seq > result.seq follow it. */
  snapshot: { params: Record<string, never> | undefined; result: { seq: number; model: Model } };
  /** Counter sample rate, 0.5..50 Hz. */
  setSampleRate: { params: { hz: number }; result: { sampleHz: number } };
  /** What this client looks at: those namespaces' counters at the full rate (interest.ts). */
  setInterest: { params: SetInterestParams; result: SetInterestResult };
}
export type MethodName = keyof Methods;
/** Every method a client may call, at run time: the hosts' allow-list comes from here and nowhere
 * else. The type check below fails the build if this list and `Methods` ever disagree. */
export const METHOD_NAMES = ['hello', 'snapshot', 'setSampleRate', 'setInterest', ...LAB_METHOD_NAMES, ...CAPTURE_METHOD_NAMES, ...TRACE_METHOD_NAMES] as const satisfies readonly MethodName[];
type _MethodNamesComplete = Exclude<MethodName, (typeof METHOD_NAMES)[number]> extends never ? true : never;
const _methodNamesComplete: _MethodNamesComplete = true; void _methodNamesComplete;
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

export interface Notifications extends CaptureNotifications {
  delta: DeltaBatch;
  counters: CounterFrame;
  status: EngineStatus;
  /** From the host, not the engine (see HostNotice). */
  host: HostNotice;
  /** Progress of a running labApply/labDestroy (sent to every client, not only the caller). */
  labProgress: LabProgress;
}
export type NotificationName = keyof Notifications;
/** Every notification, at run time (same completeness check as METHOD_NAMES). */
export const NOTIFICATION_NAMES = ['delta', 'counters', 'status', 'host', 'labProgress', ...CAPTURE_NOTIFICATION_NAMES] as const satisfies readonly NotificationName[];
type _NotificationNamesComplete = Exclude<NotificationName, (typeof NOTIFICATION_NAMES)[number]> extends never ? true : never;
const _notificationNamesComplete: _NotificationNamesComplete = true; void _notificationNamesComplete;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape of one JSON-RPC message; returns a reason string when it is malformed. The
 *  engine and the hosts check every message with it before acting on it. */
export function jsonRpcShapeError(msg: unknown): string | null {
  if (!isObject(msg)) return 'message is not a JSON object';
  if (msg.jsonrpc !== '2.0') return 'message lacks "jsonrpc": "2.0"';
  const hasMethod = 'method' in msg;
  if (hasMethod && typeof msg.method !== 'string') return '"method" must be a string';
  if ('id' in msg && !(typeof msg.id === 'number' || typeof msg.id === 'string' || msg.id === null)) {
    return '"id" must be a number, string or null';
  }
  if (hasMethod && 'params' in msg && msg.params !== undefined && !(isObject(msg.params) || Array.isArray(msg.params))) {
    return '"params" must be an object or array';
  }
  if (!hasMethod && !('result' in msg) && !('error' in msg)) return 'message is neither a request nor a response';
  return null;
}
