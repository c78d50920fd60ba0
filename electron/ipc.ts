// Every ipcMain handler the Electron main process has, registered in one place, each behind the one
// sender check (sender-check.ts). test/unit/ipc-sender.test.ts fails if a handler skips it or if the
// preload calls a channel that has no handler here. Electron-free at run time (types only), so the
// tests can drive it with a recording ipcMain.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { MethodName, NotificationName, VnetPreloadApi } from './protocol';
import type { SenderCheck } from './sender-check';

/** Request channels: one per VnetPreloadApi function (the preload spells these same strings). */
export const INVOKE_CHANNELS = {
  hello: 'vnet:hello',
  snapshot: 'vnet:snapshot',
  setSampleRate: 'vnet:setSampleRate',
  enableEditing: 'vnet:enableEditing',
} as const satisfies Partial<Record<keyof VnetPreloadApi, string>>;

/** Notification channels, main → window (webContents.send). */
export const NOTIFY_CHANNELS = {
  delta: 'vnet:delta',
  counters: 'vnet:counters',
  status: 'vnet:status',
  host: 'vnet:host',
} as const satisfies Record<NotificationName, string>;

export interface IpcBackend {
  /** Sends a protocol request to the engine (through the relay) and resolves with its result. */
  request(method: MethodName, params?: Record<string, unknown>): Promise<unknown>;
  /** Restarts the engine elevated (pkexec). */
  enableEditing(): Promise<{ ok: boolean; message: string }>;
}

export class IpcRefused extends Error {}

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
  guarded(INVOKE_CHANNELS.enableEditing, (...a) => { noArgs('enableEditing', a); return backend.enableEditing(); });
}
