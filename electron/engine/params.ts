// The checks every protocol method's params go through (the engine's, the labs', captures' and
// traces'): a refusal is JSON-RPC's InvalidParams with a message naming what is wrong.
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { ErrorCodes, isObject } from '../contract';

/** Refuses the request: InvalidParams, with `msg`. */
export function invalid(msg: string): never { throw new JSONRPCErrorException(msg, ErrorCodes.InvalidParams); }

/** `params` as an object with every `required` field and none but those and `optional`. */
export function fields(method: string, params: unknown, required: string[], optional: string[] = []): Record<string, unknown> {
  if (!isObject(params)) invalid(`${method}: params must be an object`);
  for (const k of Object.keys(params)) if (!required.includes(k) && !optional.includes(k)) invalid(`${method}: unknown param "${k}"`);
  for (const k of required) if (!(k in params)) invalid(`${method}: missing param "${k}"`);
  return params;
}
