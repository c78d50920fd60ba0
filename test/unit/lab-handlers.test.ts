// The lab handlers' request checks and error mapping (no kernel: the classification of errors and
// the text size limit are decided before or after the kernel is asked).
import { JSONRPCServer } from 'json-rpc-2.0';
import { afterEach, expect, test, vi } from 'vitest';
import { labRpcError, registerLabMethods } from '../../electron/labs/handlers';
import { KernelRefusal } from '../../electron/labs/apply';
import { LabBusy } from '../../electron/labs/journal';
import { PlanConflict } from '../../electron/labs/plan';

afterEach(() => { vi.restoreAllMocks(); });

/** An error as the native addon rejects with one (NativeError: errno + errno name). */
function nativeError(message: string, errno: number, code: string): Error {
  return Object.assign(new Error(message), { errno, code });
}

/** A server with the lab methods. json-rpc-2.0 hands every error a method throws to its
 *  errorListener (by default console.warn, stack and all); the engine's server answers the caller
 *  instead (electron/engine/server.ts). Here the errors are collected, so a test can check them. */
function labServer(): { server: JSONRPCServer; thrown: unknown[] } {
  const thrown: unknown[] = [];
  const server = new JSONRPCServer({ errorListener: (_message, err) => { thrown.push(err); } });
  registerLabMethods(server, () => undefined, { privileged: false });
  return { server, thrown };
}

test('the text limit is in bytes, as the message says', async () => {
  const { server, thrown } = labServer();
  const call = async (params: unknown) => (await server.receive({ jsonrpc: '2.0', id: 1, method: 'labValidate', params }))!;
  // 600,000 characters, 1,200,000 bytes: over the 1 MiB limit although under it in characters
  const wide = `name: x\ndescription: ${'é'.repeat(600_000)}\n`;
  expect(wide.length).toBeLessThan(1 << 20);
  const r = await call({ text: wide });
  expect(r.error?.code).toBe(-32602);
  expect(r.error?.message).toBe('labValidate: "text" is larger than 1048576 bytes (UTF-8)');
  // just under the limit in bytes: read (and found wanting for its content, not its size)
  const ok = await call({ text: `name: x\ndescription: ${'a'.repeat((1 << 20) - 40)}\n` });
  expect(ok.error).toBeUndefined();
  // the one refusal was thrown by the method itself (and answered, above), nothing else
  expect(thrown.map((e) => (e as Error).message)).toEqual(['labValidate: "text" is larger than 1048576 bytes (UTF-8)']);
});

test('kernel refusals (an errno from the native layer, also as a cause) are 1002; conflicts 1004', () => {
  const eexist = nativeError('veth "red-eth0": File exists (EEXIST)', 17, 'EEXIST');
  expect(labRpcError('build', eexist).code).toBe(1002);
  expect(labRpcError('build', eexist).message).toBe('veth "red-eth0": File exists (EEXIST)');
  const refusal = new KernelRefusal({ op: 'bridge-add', ns: 'host', name: 'br0' } as never, eexist);
  expect(labRpcError('build', refusal).code).toBe(1002);
  // applyLab wraps what went wrong after its rollback: the cause decides
  const wrapped = Object.assign(new Error('lab x: veth "red-eth0": File exists (EEXIST); undone, the machine is as it was before'), { cause: eexist });
  expect(labRpcError('labApply', wrapped).code).toBe(1002);
  expect(labRpcError('labApply', new PlanConflict(['br0 already exists in the host namespace and was not made by lab x'])).code).toBe(1004);
  expect(labRpcError('labApply', new LabBusy('lab x is being changed by another process (pid 1)')).code).toBe(1004);
});

test('anything else is an internal error (-32603), said so and logged to stderr, not "kernel refused"', () => {
  const logged: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { logged.push(String(s)); return true; });
  let bug: unknown;
  try { (undefined as unknown as { ns: string }).ns; } catch (e) { bug = e; }
  const r = labRpcError('labApply', bug);
  expect(r.code).toBe(-32603);
  expect(r.message).toMatch(/^labApply: internal error in the engine \(a bug, not the kernel's refusal\): Cannot read properties of undefined/);
  expect(logged.join('')).toMatch(/internal error in labApply: TypeError: Cannot read properties of undefined[\s\S]*at /);
  // an apply that failed for such a reason, after its rollback, is internal too
  expect(labRpcError('labApply', Object.assign(new Error('lab x: oops; undone'), { cause: bug })).code).toBe(-32603);
  expect(labRpcError('build', 'a string').code).toBe(-32603);
});
