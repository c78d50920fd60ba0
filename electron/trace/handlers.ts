// The trace methods (the contract's TraceMethods: trace, traceFollow, traceCancel, captureLocate)
// on the engine's JSON-RPC server, registered by electron/engine-process/index.ts. Their params
// are validated here: exactly the expected fields, each of its type and range; errors name the field.
import { JSONRPCErrorException, type JSONRPCServer } from 'json-rpc-2.0';
import {
  CAPTURE_MAX_FILTER_BYTES, ErrorCodes, isObject, overBytes, parseIp, TRACE_FOLLOW_ID, TRACE_FOLLOW_MAX_TIMEOUT_MS, TRACE_FOLLOW_MIN_TIMEOUT_MS,
  TRACE_MAX_COUNT, TRACE_MAX_TIMEOUT_MS, TRACE_MIN_TIMEOUT_MS, type CaptureLocateParams, type TraceFollowParams, type TraceMethods, type TraceParams,
} from '../contract';
import { TraceError } from './targets';
import type { Tracer } from './tracer';
import { locate } from './locate';
import { CaptureError, type CaptureManager } from '../capture/manager';
import { fields, invalid } from '../engine/params';

const shown = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

function integer(name: string, v: unknown, min: number, max: number, method = 'trace'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`${method}: "${name}" must be an integer from ${min} to ${max}, got ${shown(v)}`);
  return v;
}

function namespaceId(method: string, v: unknown): string {
  if (typeof v !== 'string' || !/^ns:[0-9]{1,20}$/.test(v)) invalid(`${method}: "namespace" must be a namespace id such as "ns:4026531840", got ${shown(v)}`);
  return v;
}

function followId(method: string, v: unknown): string {
  if (typeof v !== 'string' || !TRACE_FOLLOW_ID.test(v)) invalid(`${method}: "id" must be 1 to 64 letters, digits or "_.:-", got ${shown(v)}`);
  return v;
}

export function validateTraceFollow(params: unknown): TraceFollowParams {
  const m = 'traceFollow';
  const p = fields(m, params, ['namespace', 'filter'], ['id', 'timeoutMs']);
  const out: TraceFollowParams = { namespace: namespaceId(m, p.namespace), filter: '' };
  const f = p.filter;
  if (typeof f !== 'string') invalid(`${m}: "filter" must be a string (pcap-filter syntax, e.g. "tcp port 80")`);
  if (!f.trim()) invalid(`${m}: "filter" is empty: name the packet to follow (pcap-filter syntax, e.g. "tcp port 80")`);
  if (overBytes(f, CAPTURE_MAX_FILTER_BYTES)) invalid(`${m}: "filter" is longer than ${CAPTURE_MAX_FILTER_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(f.replace(/[\t\n]/g, ' '))) invalid(`${m}: "filter" contains control characters`);
  out.filter = f.trim();
  if (p.id !== undefined) out.id = followId(m, p.id);
  if (p.timeoutMs !== undefined) out.timeoutMs = integer('timeoutMs', p.timeoutMs, TRACE_FOLLOW_MIN_TIMEOUT_MS, TRACE_FOLLOW_MAX_TIMEOUT_MS, m);
  return out;
}

export function validateCaptureLocate(params: unknown): CaptureLocateParams {
  const m = 'captureLocate';
  const p = fields(m, params, ['id', 'n']);
  if (typeof p.id !== 'string' || !/^c[0-9]{1,12}$/.test(p.id)) invalid(`${m}: "id" must be a capture id such as "c1", got ${shown(p.id)}`);
  return { id: p.id, n: integer('n', p.n, 1, Number.MAX_SAFE_INTEGER, m) };
}

export function validateTrace(params: unknown): TraceParams {
  if (!isObject(params)) invalid('trace: params must be an object {"namespace", "address", "count"?, "timeoutMs"?}');
  const allowed = ['namespace', 'address', 'count', 'timeoutMs'];
  for (const k of Object.keys(params)) if (!allowed.includes(k)) invalid(`trace: unknown param "${k}"`);
  for (const k of ['namespace', 'address']) if (!(k in params)) invalid(`trace: missing param "${k}"`);
  const { namespace, address } = params;
  if (typeof namespace !== 'string' || !/^ns:[0-9]{1,20}$/.test(namespace)) invalid(`trace: "namespace" must be a namespace id such as "ns:4026531840", got ${shown(namespace)}`);
  if (typeof address !== 'string' || address.length > 64 || !parseIp(address)) invalid(`trace: "address" must be an IPv4 or IPv6 address, got ${shown(address)}`);
  const out: TraceParams = { namespace, address };
  if (params.count !== undefined) out.count = integer('count', params.count, 1, TRACE_MAX_COUNT);
  if (params.timeoutMs !== undefined) out.timeoutMs = integer('timeoutMs', params.timeoutMs, TRACE_MIN_TIMEOUT_MS, TRACE_MAX_TIMEOUT_MS);
  return out;
}

function rpc(method: string, e: unknown): never {
  if (e instanceof JSONRPCErrorException) throw e;
  if (e instanceof TraceError || e instanceof CaptureError) throw new JSONRPCErrorException(e.message, e.code);
  throw new JSONRPCErrorException(`${method}: internal error in the engine: ${(e as Error)?.message ?? String(e)}`, ErrorCodes.InternalError);
}

export function registerTraceMethods(server: JSONRPCServer, tracer: Tracer, captures: CaptureManager): void {
  const M = <K extends keyof TraceMethods>(name: K, f: (params: unknown) => TraceMethods[K]['result'] | Promise<TraceMethods[K]['result']>) => {
    server.addMethod(name, async (params: unknown) => { try { return await f(params); } catch (e) { rpc(name, e); } });
  };
  M('trace', (params) => tracer.trace(validateTrace(params)));
  M('traceFollow', (params) => tracer.follow(validateTraceFollow(params)));
  M('traceCancel', (params) => ({ cancelled: tracer.cancel(followId('traceCancel', fields('traceCancel', params, ['id']).id)) }));
  M('captureLocate', (params) => {
    const p = validateCaptureLocate(params);
    return locate(captures.get(p.id), tracer.model(), p.n);
  });
}
