// The one check every ipcMain handler goes through (test/unit/ipc-sender.test.ts holds it to that):
// a message is accepted only from the main frame of our own window, showing our own renderer.
// Anything else — another window, an iframe, a page the window was somehow navigated to — is refused.
// Structural types so tests can pass plain objects; Electron's IpcMainInvokeEvent fits them.
import { APP_ORIGIN } from './app-origin';

export interface SenderLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export interface TrustedSender {
  /** The main window's webContents id, or null while there is no window. */
  webContentsId(): number | null;
  /** The origin our renderer is served from (default vnet://app). */
  origin?: string;
}

export type SenderCheck = (event: SenderLike) => string | null;

/** Returns a function that says why an IPC event is refused, or null when it is ours. */
export function makeSenderCheck(trusted: TrustedSender): SenderCheck {
  const origin = trusted.origin ?? APP_ORIGIN;
  return (event) => {
    const id = trusted.webContentsId();
    if (id === null || event?.sender?.id !== id) return 'not the main window';
    const frame = event.senderFrame;
    if (!frame) return 'the sending frame is gone (navigated or destroyed)';
    if (frame.parent !== null) return 'not the main frame';
    let url: URL;
    try { url = new URL(frame.url); } catch { return 'the sending frame has no valid URL'; }
    // URL.origin is "null" for non-special schemes, so compare scheme and host ourselves.
    if (`${url.protocol}//${url.host}` !== origin) return `the sending frame shows ${url.protocol}//${url.host}, not ${origin}`;
    return null;
  };
}
