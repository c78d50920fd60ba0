// "Open in Wireshark" on the desktop: the capture streamed into the program's stdin as it grows
// (here Debian's tshark reading a pcapng from its stdin, `tshark -i -`, the way `wireshark -k -i -`
// does), until the capture's file is complete; a program that cannot start is said so. The
// engine's captureRead is played by a growing pcapng made with the engine's own writer.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openInWireshark } from '../../electron/hosts/desktop/wireshark';
import { enhancedPacket, interfaceDescription, LINKTYPE_ETHERNET, nanos, sectionHeader } from '../../electron/capture/pcapng';

/** A capture whose file grows by one packet every `everyMs` until `packets`, then completes. */
function growingCapture(packets: number, everyMs: number) {
  const parts: Buffer[] = [sectionHeader('test'), interfaceDescription({ name: 'red:eth0', description: '', comment: 'red', linkType: LINKTYPE_ETHERNET, snaplen: 262144 })];
  let made = 0;
  const frame = (n: number) => { const b = new Uint8Array(60); b.fill(0xff, 0, 6); b[12] = 0x08; b[13] = 0x06; b[59] = n; return b; };
  const timer = setInterval(() => {
    if (made < packets) { parts.push(enhancedPacket({ iface: 0, ns: nanos(1_700_000_000 + made, 0), len: 60, data: frame(made), pkttype: 0 })); made++; }
  }, everyMs);
  const calls: number[] = [];
  const request = async (method: string, params?: Record<string, unknown>) => {
    expect(method).toBe('captureRead');
    const all = Buffer.concat(parts);
    const offset = params!.offset as number;
    calls.push(offset);
    const part = all.subarray(offset, offset + (params!.length as number));
    const complete = made >= packets;
    if (complete) clearInterval(timer);
    return { id: params!.id, offset, data: part.toString('base64'), bytes: part.length, total: all.length, complete };
  };
  return { request, calls };
}


describe('open in Wireshark', () => {
  it('streams the capture into the program as it grows, to the end', async () => {
    const cap = growingCapture(8, 40);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-ws-')), 'got.pcapng');
    const r = await openInWireshark(cap.request as never, 'c7', { program: 'tshark', args: ['-q', '-i', '-', '-w', out], pollMs: 20 });
    expect(r).toMatchObject({ ok: true, message: 'capture c7 streams into tshark' });
    await r.done;
    // Read in several steps while it grew, not once at the end.
    expect(new Set(cap.calls).size).toBeGreaterThan(3);
    await expect.poll(() => spawnSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8' }).stdout.trim().split('\n'), { timeout: 10_000 })
      .toEqual(new Array(8).fill('red:eth0'));
    fs.rmSync(path.dirname(out), { recursive: true });
  });

  it('says so when the program cannot start, or the capture cannot be read', async () => {
    const cap = growingCapture(1, 10);
    const r = await openInWireshark(cap.request as never, 'c7', { program: '/nonexistent/wireshark' });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/could not start \/nonexistent\/wireshark: .*ENOENT.*is Wireshark installed\?/);
    const failing = async () => { throw new Error('no capture "c9"'); };
    expect(await openInWireshark(failing as never, 'c9')).toEqual({ ok: false, message: 'could not read capture c9: no capture "c9"' });
  });
});
