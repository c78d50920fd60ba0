// The engine's lab and canvas-building methods (the contract's LabMethods), registered on the
// engine's JSON-RPC server by electron/engine-process/index.ts (the engine itself knows no lab code). Every request
// is validated here; lab runs are serialized (one kernel change set at a time); progress goes out
// as `labProgress` notifications.
import { JSONRPCErrorException, type JSONRPCServer } from 'json-rpc-2.0';
import {
  ErrorCodes, MAX_ACTIONS, MAX_FILE_NAME_BYTES, MAX_LAB_TEXT_BYTES, overBytes, type LabMethods, type LabProgress,
} from '../contract';
import { applyLab, destroyLab, KernelRefusal, recoverInterrupted, type LabKernel } from './apply';
import { CANVAS_LAB, performBuild } from './builder';
import { commandLines } from './commands';
import { exportScript } from './export';
import { LabBusy, listJournals } from './journal';
import { labnameError, printable } from './names';
import { NativeLabKernel } from './native-kernel';
import { parseLab, parseLabIssues } from './parse';
import { PlanConflict } from './plan';
import { LabError } from './types';
import { validateAction } from './validate-action';
import { fields, invalid } from '../engine/params';

function labText(method: string, params: unknown): { text: string; file: string } {
  const p = fields(method, params, ['text'], ['file']);
  if (typeof p.text !== 'string') invalid(`${method}: "text" must be a string`);
  if (overBytes(p.text, MAX_LAB_TEXT_BYTES)) invalid(`${method}: "text" is larger than ${MAX_LAB_TEXT_BYTES} bytes (UTF-8)`);
  if (p.file !== undefined && (typeof p.file !== 'string' || overBytes(p.file, MAX_FILE_NAME_BYTES))) invalid(`${method}: "file" must be a string of at most ${MAX_FILE_NAME_BYTES} bytes`);
  // the file name is only a label (errors, journal, `lab list`): kept printable, so a client cannot
  // put terminal escape sequences into what the CLI later prints
  return { text: p.text, file: printable((p.file as string | undefined) ?? 'lab.yaml') };
}

function parseOrInvalid(text: string, file: string) {
  try { return parseLab(text, file); } catch (e) {
    if (e instanceof LabError) invalid(e.message);
    throw e;
  }
}

/** Did the system refuse (an errno from the native layer or a syscall), here or in a cause? */
function systemRefusal(e: unknown): boolean {
  for (let c = e, depth = 0; c && typeof c === 'object' && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    if (c instanceof KernelRefusal) return true;
    const { errno, code } = c as { errno?: unknown; code?: unknown };
    if (typeof errno === 'number' && typeof code === 'string') return true;
  }
  return false;
}

/** Maps a lab failure to a protocol error. Conflicts and kernel refusals name the object; anything
 *  else (no errno: a bug, a broken invariant) is an internal error — said so, and logged with its
 *  stack to stderr, not passed off as the kernel's refusal. */
export function labRpcError(method: string, e: unknown): JSONRPCErrorException {
  if (e instanceof JSONRPCErrorException) return e;
  if (e instanceof PlanConflict || e instanceof LabBusy) return new JSONRPCErrorException(e.message, ErrorCodes.Conflict);
  if (systemRefusal(e)) return new JSONRPCErrorException((e as Error).message, ErrorCodes.KernelRefused);
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`vnet-studio engine: internal error in ${method}: ${err.stack ?? err.message}\n`);
  return new JSONRPCErrorException(`${method}: internal error in the engine (a bug, not the kernel's refusal): ${err.message}`, ErrorCodes.InternalError);
}

async function guarded<T>(method: string, f: () => Promise<T>): Promise<T> {
  try { return await f(); } catch (e) { throw labRpcError(method, e); }
}

let queue: Promise<unknown> = Promise.resolve();
/** One kernel change set at a time, whichever client asks. */
function serial<T>(f: () => Promise<T>): Promise<T> {
  const run = queue.then(f, f);
  queue = run.catch(() => undefined);
  return run;
}

let sharedKernel: LabKernel | null = null;
let recovered = false;
function defaultKernel(): LabKernel {
  if (!sharedKernel) {
    sharedKernel = new NativeLabKernel();
  }
  return sharedKernel;
}

export interface LabHandlerOptions {
  /** The kernel side (default: the native addon). */
  kernel?: () => LabKernel;
  /** May this engine change the kernel? (false: apply/destroy/build refuse with NotPrivileged) */
  privileged?: boolean;
  /** Called after every change set (done or failed): the engine re-reads links, since the marks
   *  (aliases) put on links that stay down reach it by no kernel event. */
  afterChange?: () => void;
}

/** Registers the LabMethods on `server`; `notify` sends a notification to this connection. */
export function registerLabMethods(server: JSONRPCServer, notify: (method: 'labProgress', params: LabProgress) => void, opts: LabHandlerOptions = {}): void {
  const kernel = opts.kernel ?? defaultKernel;
  /** One kernel change set at a time; then tell the engine. */
  const change = <T>(f: () => Promise<T>): Promise<T> => serial(async () => {
    try { return await f(); } finally { opts.afterChange?.(); }
  });
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  const needPriv = (method: string) => {
    if (!privileged) throw new JSONRPCErrorException(`${method}: the engine runs without privileges; enable editing (it restarts the engine as root)`, ErrorCodes.NotPrivileged);
  };
  // The next start cleans up after a crash: finish interrupted applies/destroys once per process.
  if (privileged && !recovered) {
    recovered = true;
    void change(() => recoverInterrupted(kernel())).catch(() => undefined);
  }
  type R<K extends keyof LabMethods> = LabMethods[K]['result'];

  server.addMethod('labValidate', (params): R<'labValidate'> => {
    const { text } = labText('labValidate', params);
    const { lab, issues } = parseLabIssues(text);
    return { ok: issues.length === 0, name: lab?.name ?? null, issues };
  });
  server.addMethod('labExport', (params): R<'labExport'> => {
    const { text, file } = labText('labExport', params);
    return { script: exportScript(parseOrInvalid(text, file), file) };
  });
  server.addMethod('labPlan', async (params): Promise<R<'labPlan'>> => {
    const { text, file } = labText('labPlan', params);
    const lab = parseOrInvalid(text, file);
    return guarded('labPlan', () => serial(async () => {
      const r = await applyLab(lab, kernel(), { dryRun: true, file });
      return { lab: r.lab, actions: r.actions, commands: r.commands, notes: r.notes };
    }));
  });
  server.addMethod('labApply', async (params): Promise<R<'labApply'>> => {
    needPriv('labApply');
    const { text, file } = labText('labApply', params);
    const lab = parseOrInvalid(text, file);
    return guarded('labApply', () => change(async () => {
      const r = await applyLab(lab, kernel(), { file, onProgress: (p) => notify('labProgress', { lab: lab.name, ...p }) });
      return { lab: r.lab, actions: r.actions, commands: r.commands, notes: r.notes };
    }));
  });
  server.addMethod('labDestroy', async (params): Promise<R<'labDestroy'>> => {
    needPriv('labDestroy');
    const p = fields('labDestroy', params, ['name']);
    if (typeof p.name !== 'string') invalid('labDestroy: "name" must be a string');
    const why = labnameError(p.name);
    if (why) invalid(`labDestroy: ${why}`);
    const name = p.name;
    return guarded('labDestroy', () => change(async () => {
      const r = await destroyLab(name, kernel(), { onProgress: (pr) => notify('labProgress', { lab: name, ...pr }) });
      return { lab: r.lab, actions: r.actions, commands: r.commands, notes: r.notes };
    }));
  });
  server.addMethod('labList', (params): R<'labList'> => {
    if (params !== undefined && params !== null) fields('labList', params, []);
    return {
      labs: listJournals().map((j) => ({ name: j.lab, file: j.file === null ? null : printable(j.file), state: j.state, namespaces: j.namespaces, links: j.links, updated: j.updated })),
    };
  });
  const actionsOf = (method: string, params: unknown) => {
    const p = fields(method, params, ['actions']);
    if (!Array.isArray(p.actions)) invalid(`${method}: "actions" must be a list`);
    if (p.actions.length > MAX_ACTIONS) invalid(`${method}: at most ${MAX_ACTIONS} actions at once`);
    try { return p.actions.map((a, i) => validateAction(a, `actions[${i}]`)); } catch (e) { invalid(`${method}: ${(e as Error).message}`); }
  };
  server.addMethod('buildCommands', (params): R<'buildCommands'> => ({ commands: commandLines(actionsOf('buildCommands', params), CANVAS_LAB) }));
  server.addMethod('build', async (params): Promise<R<'build'>> => {
    needPriv('build');
    const actions = actionsOf('build', params);
    return guarded('build', () => change(() => performBuild(kernel(), actions)));
  });
}
