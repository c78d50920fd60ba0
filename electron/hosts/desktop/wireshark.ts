// "Open in Wireshark": the capture streamed live into `wireshark -k -i -` (Wireshark reads a pcapng
// from its stdin and shows packets as they come): the engine's pcapng so far, read in chunks
// (captureRead), then what it adds, polled, until the capture has ended and its file is complete
// (statistics blocks included) or Wireshark is closed. No shell; the page learns at once whether
// Wireshark started (and how to get it when it is not installed). Electron-free: main.ts passes its
// request function.
import { spawn } from 'node:child_process';
import { base64ToBytes, CAPTURE_MAX_CHUNK_BYTES, type CaptureChunk, type MethodName } from '../../contract';

type Request = (method: MethodName, params?: Record<string, unknown>) => Promise<unknown>;

export interface WiresharkOptions {
  /** The program and its arguments (default: wireshark -k -i -). */
  program?: string;
  args?: string[];
  /** How often a running capture is asked for new bytes. */
  pollMs?: number;
}

const readChunk = (request: Request, id: string, offset: number) =>
  request('captureRead', { id, offset, length: CAPTURE_MAX_CHUNK_BYTES }) as Promise<CaptureChunk>;

/** Starts the program and streams capture `id` into it; resolves once it started (or failed to),
 *  with `done` settling when the stream ends (the capture's file complete, or the program gone). */
export async function openInWireshark(request: Request, id: string, opts: WiresharkOptions = {}): Promise<{ ok: boolean; message: string; done?: Promise<void> }> {
  const program = opts.program ?? 'wireshark';
  const args = opts.args ?? ['-k', '-i', '-'];
  let first: CaptureChunk;
  try { first = await readChunk(request, id, 0); } catch (e) {
    return { ok: false, message: `could not read capture ${id}: ${(e as Error).message}` };
  }
  const child = spawn(program, args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const started = await new Promise<Error | null>((resolve) => {
    child.once('error', (e) => resolve(e));
    child.once('spawn', () => resolve(null));
  });
  if (started) {
    const missing = (started as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, message: `could not start ${program}: ${started.message}${missing ? ' (is Wireshark installed? on Debian/Ubuntu: sudo apt-get install wireshark)' : ''}` };
  }
  child.unref();
  const stdin = child.stdin!;
  let gone = false;
  stdin.on('error', () => { gone = true; }); // Wireshark closed: EPIPE
  child.once('exit', () => { gone = true; });
  const write = (bytes: Uint8Array) => new Promise<void>((resolve) => {
    if (gone || stdin.write(bytes)) return resolve();
    const on = () => { stdin.off('drain', on); child.off('exit', on); resolve(); };
    stdin.once('drain', on); child.once('exit', on);
  });
  const done = (async () => {
    let chunk = first, offset = 0;
    try {
      for (;;) {
        if (chunk.bytes > 0) { await write(base64ToBytes(chunk.data)); offset += chunk.bytes; }
        if (gone || (chunk.complete && offset >= chunk.total)) break;
        if (chunk.bytes === 0) await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
        chunk = await readChunk(request, id, offset);
      }
    } catch { /* the capture was discarded or the engine went away: Wireshark keeps what it got */ }
    if (!gone) stdin.end();
  })();
  return { ok: true, message: `capture ${id} streams into ${program}`, done };
}
