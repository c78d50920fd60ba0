// Every ipcMain handler the Electron main process has, registered in one place, each behind the one
// sender check (sender-check.ts). test/unit/ipc-sender.test.ts fails if a handler skips it or if the
// preload calls a channel that has no handler here. Electron-free at run time (types only), so the
// tests can drive it with a recording ipcMain.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  isObject, MAX_ACTIONS, MAX_FILE_NAME_BYTES, MAX_LAB_TEXT_BYTES, overBytes, rpcErrorOf,
  type MethodName, type NotificationName, type RpcOutcome, type VnetPreloadApi,
} from '../../contract';
import type { SenderCheck } from './sender-check';

/** Request channels: one per VnetPreloadApi function (the preload spells these same strings). */
export const INVOKE_CHANNELS = {
  hello: 'vnet:hello',
  snapshot: 'vnet:snapshot',
  setSampleRate: 'vnet:setSampleRate',
  setInterest: 'vnet:setInterest',
  enableEditing: 'vnet:enableEditing',
  labValidate: 'vnet:labValidate',
  labPlan: 'vnet:labPlan',
  labApply: 'vnet:labApply',
  labDestroy: 'vnet:labDestroy',
  labExport: 'vnet:labExport',
  labList: 'vnet:labList',
  buildCommands: 'vnet:buildCommands',
  build: 'vnet:build',
  captureStart: 'vnet:captureStart',
  captureStop: 'vnet:captureStop',
  captureList: 'vnet:captureList',
  captureRead: 'vnet:captureRead',
  captureDiscard: 'vnet:captureDiscard',
  captureOpenInWireshark: 'vnet:captureOpenInWireshark',
  trace: 'vnet:trace',
  traceFollow: 'vnet:traceFollow',
  traceCancel: 'vnet:traceCancel',
  captureLocate: 'vnet:captureLocate',
} as const satisfies Partial<Record<keyof VnetPreloadApi, string>>;

/** Notification channels, main → window (webContents.send). */
export const NOTIFY_CHANNELS = {
  delta: 'vnet:delta',
  counters: 'vnet:counters',
  status: 'vnet:status',
  host: 'vnet:host',
  labProgress: 'vnet:labProgress',
  capturePackets: 'vnet:capturePackets',
  captureEnded: 'vnet:captureEnded',
} as const satisfies Record<NotificationName, string>;

export interface IpcBackend {
  /** Sends a protocol request to the engine (through the relay) and resolves with its result. */
  request(method: MethodName, params?: Record<string, unknown>): Promise<unknown>;
  /** Restarts the engine elevated (pkexec). */
  enableEditing(): Promise<{ ok: boolean; message: string }>;
  /** Copies a capture's pcapng to a private temporary file and opens it in Wireshark. */
  openInWireshark(id: string): Promise<{ ok: boolean; message: string }>;
}

export class IpcRefused extends Error {}

/** The engine's answer as data: an Error thrown from an ipcMain handler reaches the page with its
 *  message only, so engine errors (RpcError, with a numeric code) are returned, not thrown. */
async function outcome(p: Promise<unknown>): Promise<RpcOutcome<unknown>> {
  try {
    return { ok: true, result: await p };
  } catch (err) {
    return { ok: false, error: rpcErrorOf(err, String(err)) };
  }
}

function labTextParams(method: string, args: unknown[]): { text: string; file?: string } {
  const [text, file, ...rest] = args;
  if (rest.length > 0) throw new Error(`${method} takes (text, file?)`);
  if (typeof text !== 'string' || overBytes(text, MAX_LAB_TEXT_BYTES)) throw new Error(`${method} needs the lab file's text (a string of at most ${MAX_LAB_TEXT_BYTES} bytes, UTF-8)`);
  if (file === undefined) return { text };
  if (typeof file !== 'string' || overBytes(file, MAX_FILE_NAME_BYTES)) throw new Error(`${method}: the file name must be a string of at most ${MAX_FILE_NAME_BYTES} bytes`);
  return { text, file };
}

function actionsParams(method: string, args: unknown[]): { actions: Record<string, unknown>[] } {
  const [actions, ...rest] = args;
  if (rest.length > 0 || !Array.isArray(actions)) throw new Error(`${method} needs one list of actions`);
  if (actions.length > MAX_ACTIONS) throw new Error(`${method}: at most ${MAX_ACTIONS} actions at once`);
  actions.forEach((a, i) => {
    if (!isObject(a) || typeof a.op !== 'string') throw new Error(`${method}: actions[${i}] must be an object with an "op"`);
  });
  return { actions };
}

/** A capture id argument (shape only: the engine says whether it knows it). */
function captureId(method: string, id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw new Error(`${method} needs a capture id (a string)`);
  return id;
}

type Handler = (...args: unknown[]) => unknown;

/**
 * Registers every handler. The only call to ipcMain.handle in the code base is inside `guarded`
 * below, so no handler can exist without the check.
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, check: SenderCheck, backend: IpcBackend): void {
  const guarded = (channel: string, handler: Handler) => {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const refused = check(event);
      if (refused) throw new IpcRefused(`IPC "${channel}" refused: ${refused}`);
      return handler(...args);
    });
  };
  const noArgs = (channel: string, args: unknown[]) => {
    if (args.length > 0) throw new Error(`${channel} takes no arguments`);
  };
  guarded(INVOKE_CHANNELS.hello, (...a) => { noArgs('hello', a); return backend.request('hello'); });
  guarded(INVOKE_CHANNELS.snapshot, (...a) => { noArgs('snapshot', a); return backend.request('snapshot'); });
  guarded(INVOKE_CHANNELS.setSampleRate, (hz, ...rest) => {
    if (rest.length > 0 || typeof hz !== 'number' || !Number.isFinite(hz)) throw new Error('setSampleRate needs one finite number (Hz)');
    return backend.request('setSampleRate', { hz }); // the engine checks the range
  });
  guarded(INVOKE_CHANNELS.setInterest, (namespaces, ...rest) => {
    if (rest.length > 0) throw new Error('setInterest takes one argument ("all" or a list of namespace ids)');
    return backend.request('setInterest', { namespaces }); // the relay and the engine check it
  });
  guarded(INVOKE_CHANNELS.enableEditing, (...a) => { noArgs('enableEditing', a); return backend.enableEditing(); });

  // Lab and building methods: arguments checked here, answers (and engine errors) returned as RpcOutcome.
  for (const method of ['labValidate', 'labPlan', 'labApply', 'labExport'] as const) {
    guarded(INVOKE_CHANNELS[method], (...a) => { const params = labTextParams(method, a); return outcome(backend.request(method, params)); });
  }
  guarded(INVOKE_CHANNELS.labDestroy, (name, ...rest) => {
    // Shape only: the engine checks the name itself and says what is wrong with it.
    if (rest.length > 0 || typeof name !== 'string' || name.length > 256) throw new Error('labDestroy needs one lab name (a string)');
    return outcome(backend.request('labDestroy', { name }));
  });
  guarded(INVOKE_CHANNELS.labList, (...a) => { noArgs('labList', a); return outcome(backend.request('labList')); });
  for (const method of ['buildCommands', 'build'] as const) {
    guarded(INVOKE_CHANNELS[method], (...a) => { const params = actionsParams(method, a); return outcome(backend.request(method, params)); });
  }

  // Capture methods: shapes checked here (the engine validates every field again).
  guarded(INVOKE_CHANNELS.captureStart, (params, ...rest) => {
    if (rest.length > 0 || !isObject(params)) throw new Error('captureStart needs one params object');
    return outcome(backend.request('captureStart', params));
  });
  for (const method of ['captureStop', 'captureDiscard'] as const) {
    guarded(INVOKE_CHANNELS[method], (id, ...rest) => {
      if (rest.length > 0) throw new Error(`${method} takes (id)`);
      return outcome(backend.request(method, { id: captureId(method, id) }));
    });
  }
  guarded(INVOKE_CHANNELS.captureList, (...a) => { noArgs('captureList', a); return outcome(backend.request('captureList')); });
  guarded(INVOKE_CHANNELS.captureRead, (id, offset, length, ...rest) => {
    if (rest.length > 0 || typeof offset !== 'number' || (length !== undefined && typeof length !== 'number')) throw new Error('captureRead takes (id, offset, length?)');
    const params: Record<string, unknown> = { id: captureId('captureRead', id), offset };
    if (length !== undefined) params.length = length;
    return outcome(backend.request('captureRead', params));
  });
  guarded(INVOKE_CHANNELS.captureOpenInWireshark, (id, ...rest) => {
    if (rest.length > 0) throw new Error('captureOpenInWireshark takes (id)');
    return backend.openInWireshark(captureId('captureOpenInWireshark', id));
  });
  // The trace methods: the shapes checked here (the engine validates every field again).
  for (const method of ['trace', 'traceFollow', 'traceCancel', 'captureLocate'] as const) {
    guarded(INVOKE_CHANNELS[method], (params, ...rest) => {
      if (rest.length > 0 || !isObject(params)) throw new Error(`${method} needs one params object`);
      return outcome(backend.request(method, params));
    });
  }
}
