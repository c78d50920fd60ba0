// "Open in Wireshark" on the desktop: the capture's pcapng read from the engine in chunks into a
// private file, handed to the program as a file argument; a program that cannot start is said so.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { openInWireshark, readCapture } from '../../electron/hosts/desktop/wireshark';

function engine(bytes: Buffer, chunk: number) {
  const calls: unknown[] = [];
  const request = async (method: string, params?: Record<string, unknown>) => {
    calls.push({ method, params });
    const offset = params!.offset as number;
    const part = bytes.subarray(offset, offset + Math.min(chunk, params!.length as number));
    return { id: params!.id, offset, data: part.toString('base64'), bytes: part.length, total: bytes.length, complete: true };
  };
  return { request, calls };
}

describe('open in Wireshark', () => {
  const file = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i & 0xff));

  it('reads the whole pcapng in chunks', async () => {
    const e = engine(file, 3000);
    const parts = await readCapture(e.request as never, 'c1');
    expect(Buffer.concat(parts)).toEqual(file);
    expect(e.calls).toHaveLength(4);
    expect(e.calls[0]).toEqual({ method: 'captureRead', params: { id: 'c1', offset: 0, length: 1 << 20 } });
  });

  it('writes a private file and starts the program on it', async () => {
    const e = engine(file, 4096);
    const r = await openInWireshark(e.request as never, 'c7', '/bin/true');
    expect(r.ok).toBe(true);
    const written = /opened (\S+) in/.exec(r.message)![1];
    expect(fs.readFileSync(written)).toEqual(file);
    expect(fs.statSync(written).mode & 0o777).toBe(0o600);
    fs.rmSync(written.replace(/\/[^/]+$/, ''), { recursive: true });
  });

  it('says so when the program cannot start, or the capture cannot be read', async () => {
    const e = engine(file, 4096);
    const r = await openInWireshark(e.request as never, 'c7', '/nonexistent/wireshark');
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/could not start \/nonexistent\/wireshark: .*ENOENT.*\(the pcapng is at /);
    fs.rmSync(/the pcapng is at (\S+)\)/.exec(r.message)![1].replace(/\/[^/]+$/, ''), { recursive: true });
    const failing = async () => { throw new Error('no capture "c9"'); };
    expect(await openInWireshark(failing as never, 'c9')).toEqual({ ok: false, message: 'could not read capture c9: no capture "c9"' });
  });
});
