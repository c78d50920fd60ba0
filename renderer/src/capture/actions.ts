// What the capture panel asks of the engine: start and stop its capture, save the pcapng (the
// browser downloads it; read with captureRead in chunks), open it in Wireshark (desktop only), and
// keep the panel's capture in step after a reconnect.
import { base64ToBytes, CAPTURE_MAX_CHUNK_BYTES, CAPTURE_MAX_FILE_BYTES, ErrorCodes, type CaptureInfo } from '../../../electron/contract';
import { captureStore } from '../store';
import { getClient } from '../transport/current-client';
import type { EngineClient } from '../transport/engine-client';

export const CAPTURE_UNPRIVILEGED_HELP =
  'Capturing needs privileges the engine does not have. In the app, click "Enable editing" in the status bar; '
  + 'with the web host, restart it as root (sudo vnet-studio serve).';

/** An engine error's message and JSON-RPC code (WebSocket: JSONRPCErrorException; Electron: ProtocolError). */
function errorOf(e: unknown): { code: number | null; message: string } {
  const x = e as { code?: unknown; message?: unknown };
  return { code: typeof x?.code === 'number' ? x.code : null, message: typeof x?.message === 'string' ? x.message : String(e) };
}

function fail(action: string, e: unknown): void {
  const { code, message } = errorOf(e);
  captureStore.getState().failed({ action, code, message: code === ErrorCodes.NotPrivileged ? `${message} — ${CAPTURE_UNPRIVILEGED_HELP}` : message });
}

/** Starts a capture on `interfaces` with a pcap-filter expression; the panel switches to it. */
export async function startCapture(interfaces: string[], filter: string): Promise<CaptureInfo | null> {
  const client = getClient();
  const st = captureStore.getState();
  if (!client) { st.failed({ action: 'start', code: null, message: 'not connected to the engine' }); return null; }
  if (interfaces.length === 0) { st.failed({ action: 'start', code: null, message: 'select one or more interfaces on the canvas first (Ctrl+click or Shift+drag for several)' }); return null; }
  // The panel's previous capture, if still running, stops: one capture per panel.
  const prev = st.capture;
  if (prev?.state === 'running') await stopCapture();
  st.beginStart();
  try {
    const info = await client.call('captureStart', { interfaces, filter: filter.trim() });
    captureStore.getState().started(info);
    // The previous capture's file is not shown any more: let the engine forget it.
    if (prev) void client.call('captureDiscard', { id: prev.id }).catch(() => { /* already forgotten */ });
    return info;
  } catch (e) {
    fail('start', e);
    return null;
  }
}

export async function stopCapture(): Promise<void> {
  const client = getClient();
  const c = captureStore.getState().capture;
  if (!client || !c) return;
  try {
    captureStore.getState().update(await client.call('captureStop', { id: c.id }));
  } catch (e) {
    fail('stop', e);
  }
}

/** The capture's whole pcapng as the engine has it now (while running: a valid file up to then). */
export async function readPcapng(client: EngineClient, id: string): Promise<Uint8Array<ArrayBuffer>[]> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (;;) {
    const chunk = await client.call('captureRead', { id, offset, length: CAPTURE_MAX_CHUNK_BYTES });
    if (chunk.bytes === 0) break;
    parts.push(base64ToBytes(chunk.data) as Uint8Array<ArrayBuffer>);
    offset += chunk.bytes;
    if (offset >= chunk.total || offset > CAPTURE_MAX_FILE_BYTES) break;
  }
  return parts;
}

/** The file name a saved capture gets: the interfaces and the start time. */
export function pcapngName(info: CaptureInfo): string {
  const when = new Date(info.startedAt).toISOString().replace(/\..*$/, '').replace(/[:T]/g, '-');
  const ifs = info.interfaces.map((i) => i.name).join('+').replace(/[^A-Za-z0-9_.+-]+/g, '_').slice(0, 80);
  return `vnet-${ifs || 'capture'}-${when}.pcapng`;
}

/** Downloads the capture's pcapng (the browser's own download). */
export async function savePcapng(): Promise<void> {
  const client = getClient();
  const c = captureStore.getState().capture;
  if (!client || !c) return;
  try {
    const parts = await readPcapng(client, c.id);
    const url = URL.createObjectURL(new Blob(parts, { type: 'application/x-pcapng' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = pcapngName(c);
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (e) {
    fail('save', e);
  }
}

/** Desktop only: the pcapng opened in Wireshark. */
export async function openInWireshark(): Promise<void> {
  const client = getClient();
  const c = captureStore.getState().capture;
  if (!client?.captureOpenInWireshark || !c) return;
  try {
    const r = await client.captureOpenInWireshark(c.id);
    if (!r.ok) captureStore.getState().failed({ action: 'open in Wireshark', code: null, message: r.message });
  } catch (e) {
    fail('open in Wireshark', e);
  }
}

/** After a (re)connect or an engine restart: what the engine now says of the panel's capture. */
export async function reconcileCapture(client: EngineClient): Promise<void> {
  if (!captureStore.getState().capture) return;
  try {
    captureStore.getState().reconcile((await client.call('captureList')).captures);
  } catch { /* the next reconnect tries again */ }
}
