// The `trace` method (the contract's TraceMethods) on the engine's JSON-RPC server, registered by
// electron/engine-process/index.ts. Its params are validated here: exactly the expected fields,
// each of its type and range; errors name the field.
import { JSONRPCErrorException, type JSONRPCServer } from 'json-rpc-2.0';
import {
  ErrorCodes, isObject, parseIp, TRACE_MAX_COUNT, TRACE_MAX_TIMEOUT_MS, TRACE_MIN_TIMEOUT_MS, type TraceMethods, type TraceParams,
} from '../contract';
import { TraceError, type Tracer } from './tracer';
import { invalid } from '../engine/params';

const shown = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

function integer(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`trace: "${name}" must be an integer from ${min} to ${max}, got ${shown(v)}`);
  return v;
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

export function registerTraceMethods(server: JSONRPCServer, tracer: Tracer): void {
  server.addMethod('trace', async (params: unknown): Promise<TraceMethods['trace']['result']> => {
    const p = validateTrace(params);
    try { return await tracer.trace(p); } catch (e) {
      if (e instanceof TraceError) throw new JSONRPCErrorException(e.message, e.code);
      throw new JSONRPCErrorException(`trace: internal error in the engine: ${(e as Error)?.message ?? String(e)}`, ErrorCodes.InternalError);
    }
  });
}
