// "Open in Wireshark": the capture's pcapng as it is now, read from the engine in chunks
// (captureRead), written to a private temporary file (the engine's own file may belong to root),
// and handed to Wireshark as a file argument (no shell). Electron-free: main.ts passes its request.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { base64ToBytes, CAPTURE_MAX_CHUNK_BYTES, CAPTURE_MAX_FILE_BYTES, type CaptureChunk, type MethodName } from '../../contract';

type Request = (method: MethodName, params?: Record<string, unknown>) => Promise<unknown>;

/** The whole pcapng of capture `id` as the engine has it now. */
export async function readCapture(request: Request, id: string): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const chunk = await request('captureRead', { id, offset, length: CAPTURE_MAX_CHUNK_BYTES }) as CaptureChunk;
    if (chunk.bytes === 0) break;
    parts.push(base64ToBytes(chunk.data));
    offset += chunk.bytes;
    if (offset >= chunk.total || offset > CAPTURE_MAX_FILE_BYTES) break;
  }
  return parts;
}

export async function openInWireshark(request: Request, id: string, program = 'wireshark'): Promise<{ ok: boolean; message: string }> {
  let file: string;
  try {
    const parts = await readCapture(request, id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-capture-'));
    file = path.join(dir, `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.pcapng`);
    const fd = fs.openSync(file, 'wx', 0o600);
    try { for (const p of parts) fs.writeSync(fd, p); } finally { fs.closeSync(fd); }
  } catch (e) {
    return { ok: false, message: `could not read capture ${id}: ${(e as Error).message}` };
  }
  return new Promise((resolve) => {
    const child = spawn(program, [file], { detached: true, stdio: 'ignore' });
    child.once('error', (e) => resolve({ ok: false, message: `could not start ${program}: ${e.message} (the pcapng is at ${file})` }));
    child.once('spawn', () => { child.unref(); resolve({ ok: true, message: `opened ${file} in ${program}` }); });
  });
}
