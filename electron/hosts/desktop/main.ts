// Electron main: thin on purpose. It supervises the engine process, relays the protocol to one
// locked-down window, and holds nothing else; the logic it uses lives in plain modules the tests run
// (../relay.ts, ../engine-supervisor.ts, ipc.ts, sender-check.ts, app-protocol.ts).
import { app, BrowserWindow, ipcMain, protocol, session, type WebContents } from 'electron';
import * as path from 'node:path';
import { APP_ENTRY_URL, APP_SCHEME } from './app-origin';
import { appProtocolResponse } from './app-protocol';
import { EngineSupervisor } from '../engine-supervisor';
import { NOTIFY_CHANNELS, registerIpc } from './ipc';
import type { HostNotice } from '../../contract';
import { Relay } from '../relay';
import { RelayCaller } from './relay-caller';
import { makeSenderCheck } from './sender-check';
import { openInWireshark } from './wireshark';
import { CLI_PATH, ICON_PATH, RENDERER_DIR } from '../../paths';

const isRoot = process.getuid?.() === 0;
if (isRoot) {
  // Started with sudo. Chromium refuses to run as root with its sandbox on (a root process cannot
  // set up the setuid/user-namespace sandbox it relies on, and a sandbox escape would be an escape
  // to root), so --no-sandbox is required. scripts/start.js passes it on the command line, because
  // Chromium checks before this script runs; appending it here covers launchers that reach us.
  // The window still has contextIsolation, the renderer sandbox flag (preload limited to
  // 'electron') and the CSP, and the engine needs no pkexec. The recommended way remains running as
  // a normal user and pressing "Enable editing", which elevates only the engine.
  app.commandLine.appendSwitch('no-sandbox');
  process.stderr.write('vnet-studio: running as root: Chromium\'s OS sandbox is off (--no-sandbox). Prefer a normal user and "Enable editing".\n');
} else {
  app.enableSandbox(); // every renderer sandboxed, whatever a window's options say
}

// vnet://app serves dist/renderer (see app-origin.ts for why not file://).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

const rendererDir = RENDERER_DIR;
const supervisor = new EngineSupervisor({ cliPath: CLI_PATH });
const relay = new Relay(supervisor);
let mainWindow: BrowserWindow | null = null;
let lastNotice: HostNotice | null = null;

const toWindow = (channel: string, payload: unknown) => {
  const wc = mainWindow?.webContents;
  if (wc && !wc.isDestroyed()) wc.send(channel, payload);
};
const caller = new RelayCaller(relay, (name, params) => {
  if (name === 'host') lastNotice = params as HostNotice;
  toWindow(NOTIFY_CHANNELS[name], params);
});
supervisor.on('message', (m) => relay.fromEngine(m));
supervisor.on('notice', (n) => relay.notice(n));
supervisor.on('exited', (e) => relay.engineGone(e.signal ? `signal ${e.signal}` : `code ${e.code}`));

registerIpc(ipcMain, makeSenderCheck({ webContentsId: () => mainWindow?.webContents.id ?? null }), {
  request: (method, params) => caller.request(method, params),
  // Only { ok, message } crosses IPC (the stream goes on in the background).
  openInWireshark: (id) => openInWireshark((method, params) => caller.request(method, params), id).then(({ ok, message }) => ({ ok, message })),
  enableEditing: async () => {
    if (isRoot) return { ok: true, message: 'Already running as root: editing is enabled.' };
    return supervisor.restart({ elevated: true });
  },
});

/** Locks any web contents down: no navigation, no redirects, no new windows, no webviews. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
app.on('web-contents-created', (_event, contents) => lockDown(contents));

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'VNet Studio',
    icon: ICON_PATH,
    show: false,
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  // The page may load after the engine's first notice: tell it where things stand.
  mainWindow.webContents.on('did-finish-load', () => { if (lastNotice) toWindow(NOTIFY_CHANNELS.host, lastNotice); });
  mainWindow.on('closed', () => { mainWindow = null; });
  void mainWindow.loadURL(APP_ENTRY_URL);
}

app.whenReady().then(() => {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = await appProtocolResponse(rendererDir, request.url);
    return new Response(new Uint8Array(file.body), { status: file.status, headers: file.headers });
  });
  // The page needs no camera, notifications, clipboard reads or anything else a permission guards.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  supervisor.start();
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
}).catch((err: unknown) => {
  process.stderr.write(`vnet-studio: failed to start: ${(err as Error).message}\n`);
  app.exit(1);
});

app.on('window-all-closed', () => app.quit());
let stopped = false;
app.on('will-quit', (event) => {
  if (stopped) return;
  event.preventDefault();
  caller.close();
  void supervisor.stop().finally(() => { stopped = true; app.quit(); });
});
