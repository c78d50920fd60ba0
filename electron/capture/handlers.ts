// The capture methods (the contract's CaptureMethods) on the engine's JSON-RPC server, registered
// by electron/engine-process/index.ts, and their notifications. Every request is validated here:
// exactly the expected fields, each of its type and range; errors name the field.
import { JSONRPCErrorException, type JSONRPCServer } from 'json-rpc-2.0';
import {
  CAPTURE_MAX_CHUNK_BYTES, CAPTURE_MAX_COUNT, CAPTURE_MAX_FILE_BYTES, CAPTURE_MAX_FILTER_BYTES, CAPTURE_MAX_INTERFACES,
  CAPTURE_MAX_LIVE_BYTES, CAPTURE_MAX_SNAPLEN, CAPTURE_MIN_FILE_BYTES, CAPTURE_MIN_SNAPLEN, ErrorCodes, isObject, overBytes,
  parseIfaceId, type CaptureMethods, type CaptureStartParams, type Notifications,
} from '../contract';
import { CaptureError, type CaptureManager } from './manager';
import { fields, invalid } from '../engine/params';

function integer(method: string, name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    invalid(`${method}: "${name}" must be an integer from ${min} to ${max}, got ${JSON.stringify(v) ?? String(v)}`);
  }
  return v;
}

function captureId(method: string, v: unknown): string {
  if (typeof v !== 'string' || !/^c[0-9]{1,12}$/.test(v)) invalid(`${method}: "id" must be a capture id such as "c1", got ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}`);
  return v;
}

export function validateCaptureStart(params: unknown): CaptureStartParams {
  const m = 'captureStart';
  const p = fields(m, params, ['interfaces'], ['filter', 'snaplen', 'count', 'liveBytes', 'maxFileBytes']);
  if (!Array.isArray(p.interfaces) || p.interfaces.length < 1 || p.interfaces.length > CAPTURE_MAX_INTERFACES) {
    invalid(`${m}: "interfaces" must be a list of 1 to ${CAPTURE_MAX_INTERFACES} interface ids`);
  }
  const seen = new Set<string>();
  p.interfaces.forEach((id: unknown, k: number) => {
    if (typeof id !== 'string' || id.length > 128 || !parseIfaceId(id)) invalid(`${m}: interfaces[${k}] must be an interface id such as "ns:4026531840/if:7", got ${JSON.stringify(id)?.slice(0, 60) ?? String(id)}`);
    if (seen.has(id)) invalid(`${m}: interfaces[${k}]: "${id}" is listed twice`);
    seen.add(id);
  });
  const out: CaptureStartParams = { interfaces: p.interfaces as string[] };
  if (p.filter !== undefined) {
    if (typeof p.filter !== 'string') invalid(`${m}: "filter" must be a string (pcap-filter syntax)`);
    if (overBytes(p.filter, CAPTURE_MAX_FILTER_BYTES)) invalid(`${m}: "filter" is longer than ${CAPTURE_MAX_FILTER_BYTES} bytes`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(p.filter.replace(/[\t\n]/g, ' '))) invalid(`${m}: "filter" contains control characters`);
    out.filter = p.filter;
  }
  if (p.snaplen !== undefined) out.snaplen = integer(m, 'snaplen', p.snaplen, CAPTURE_MIN_SNAPLEN, CAPTURE_MAX_SNAPLEN);
  if (p.count !== undefined) out.count = integer(m, 'count', p.count, 1, CAPTURE_MAX_COUNT);
  if (p.liveBytes !== undefined) out.liveBytes = integer(m, 'liveBytes', p.liveBytes, 0, CAPTURE_MAX_LIVE_BYTES);
  if (p.maxFileBytes !== undefined) out.maxFileBytes = integer(m, 'maxFileBytes', p.maxFileBytes, CAPTURE_MIN_FILE_BYTES, CAPTURE_MAX_FILE_BYTES);
  return out;
}

function noParams(method: string, params: unknown): void {
  if (params === undefined || params === null) return;
  if (!isObject(params)) invalid(`${method}: params must be an object (or absent)`);
  const extra = Object.keys(params);
  if (extra.length) invalid(`${method}: unknown param "${extra[0]}" (it takes none)`);
}

function rpc(e: unknown): never {
  if (e instanceof JSONRPCErrorException) throw e;
  if (e instanceof CaptureError) throw new JSONRPCErrorException(e.message, e.code);
  throw new JSONRPCErrorException(`capture: internal error in the engine: ${(e as Error)?.message ?? String(e)}`, ErrorCodes.InternalError);
}

type Notify = <K extends keyof Notifications>(method: K, params: Notifications[K]) => void;

/** Registers the capture methods; the manager's batches and ends go out through `notify`.
 *  Returns the function that stops forwarding them (the connection closed). */
export function registerCaptureMethods(server: JSONRPCServer, notify: Notify, manager: CaptureManager): () => void {
  const M = <K extends keyof CaptureMethods>(name: K, f: (params: unknown) => CaptureMethods[K]['result'] | Promise<CaptureMethods[K]['result']>) => {
    server.addMethod(name, async (params: unknown) => { try { return await f(params); } catch (e) { rpc(e); } });
  };
  M('captureStart', (params) => manager.start(validateCaptureStart(params)));
  M('captureStop', (params) => manager.stop(captureId('captureStop', fields('captureStop', params, ['id']).id)));
  M('captureList', (params) => { noParams('captureList', params); return { captures: manager.list() }; });
  M('captureRead', (params) => {
    const p = fields('captureRead', params, ['id', 'offset'], ['length']);
    const id = captureId('captureRead', p.id);
    const offset = integer('captureRead', 'offset', p.offset, 0, Number.MAX_SAFE_INTEGER);
    const length = p.length === undefined ? CAPTURE_MAX_CHUNK_BYTES : integer('captureRead', 'length', p.length, 1, CAPTURE_MAX_CHUNK_BYTES);
    const s = manager.get(id);
    const b = s.read(offset, length);
    return { id, offset, data: b.toString('base64'), bytes: b.length, total: s.size, complete: !s.running };
  });
  M('captureDiscard', (params) => { manager.discard(captureId('captureDiscard', fields('captureDiscard', params, ['id']).id)); return { ok: true as const }; });

  const onPackets = (b: Notifications['capturePackets']) => notify('capturePackets', b);
  const onEnded = (e: Notifications['captureEnded']) => notify('captureEnded', e);
  manager.on('packets', onPackets);
  manager.on('ended', onEnded);
  return () => { manager.off('packets', onPackets); manager.off('ended', onEnded); };
}
