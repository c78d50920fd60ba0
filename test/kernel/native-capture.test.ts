// The addon's capture sockets directly: what they refuse (an unknown ifindex, a closed handle, bad
// options, a filter per link type), what they count, and that a JS thread that does not run makes
// them drop and count rather than hold packets without limit; packets framed as the pcapng blocks
// electron/capture/pcapng.ts writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { describeKernel } from '../helpers/world';
import { loadNative, type CaptureBatch, type MutatingHandle } from '../../native';
import { EPB_HEAD, epbLength, enhancedPacket, nanos } from '../../electron/capture/pcapng';

describe('compileFilter', () => {
  const a = loadNative();
  it('compiles per link type, with libpcap\'s own words when it cannot', () => {
    expect(a.compileFilter('icmp or arp', 'ethernet', 65535)).toBeNull();
    expect(a.compileFilter('', 'raw', 65535)).toBeNull();
    expect(a.compileFilter('ether host 02:00:00:00:00:01', 'ethernet', 65535)).toBeNull();
    expect(a.compileFilter('ether host 02:00:00:00:00:01', 'raw', 65535)).toMatch(/does not compile: ethernet addresses supported only on/);
    expect(a.compileFilter('tcp port', 'ethernet', 65535)).toMatch(/^filter "tcp port" does not compile: .*syntax error$/);
    expect(() => a.compileFilter('icmp', 'ppp' as never, 65535)).toThrow(/linkType must be "ethernet" or "raw"/);
  });
});

describeKernel('native capture sockets', () => {
  const a = loadNative();
  let h: MutatingHandle;
  beforeAll(async () => { h = await a.openNamespace(null); });
  afterAll(() => h?.close());

  it('refuses what it cannot open, naming it', async () => {
    await expect(a.openCapture(h, { ifindex: 9999 }, () => {})).rejects.toMatchObject({ code: 'ENODEV', message: expect.stringMatching(/ifindex 9999 in host namespace: no such interface/) });
    await expect(a.openCapture(h, { ifindex: 1, filter: 'nope nope' }, () => {})).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/does not compile/) });
    await expect(a.openCapture(h, { ifindex: 1, snaplen: 1 }, () => {})).rejects.toThrow(/options.snaplen must be an integer from 64 to 262144/);
    await expect(a.openCapture(h, { ifindex: 1, epbInterface: -1 }, () => {})).rejects.toThrow(/options.epbInterface must be an integer from 0 to 2147483647/);
    await expect(a.openCapture({} as never, { ifindex: 1 }, () => {})).rejects.toThrow(/not an open NamespaceHandle/);
    const closed = await a.openNamespace(null);
    closed.close();
    await expect(a.openCapture(closed, { ifindex: 1 }, () => {})).rejects.toThrow(/not an open NamespaceHandle/);
  });

  it('delivers what the filter keeps, with kernel times and lengths, truncated at the snaplen', async () => {
    const got: CaptureBatch[] = [];
    const s = await a.openCapture(h, { ifindex: 1, filter: 'icmp', snaplen: 64 }, (b) => got.push(b));
    expect([s.ifname, s.linkType, s.arphrd]).toEqual(['lo', 'ethernet', 772]);
    spawnSync('ping', ['-n', '-c', '2', '-i', '0.2', '-s', '200', '127.0.0.1']);
    await new Promise((r) => setTimeout(r, 100));
    s.close();
    const n = got.reduce((k, b) => k + b.count, 0);
    expect(n).toBe(4); // lo: each packet once (the outgoing copy is left out)
    const b = got[0];
    expect(b.len[0]).toBe(242);
    expect(b.caplen[0]).toBe(64);
    expect(Math.abs(b.sec[0] * 1000 + b.nsec[0] / 1e6 - Date.now())).toBeLessThan(5000);
    expect(s.stats()).toMatchObject({ kernelDrops: 0, appDropped: 0 });
    expect(s.stats().kernelPackets).toBeGreaterThanOrEqual(4);
  });

  it('with epbInterface, each packet comes as the whole Enhanced Packet Block pcapng.ts makes of it, one after the other', async () => {
    const got: CaptureBatch[] = [];
    const s = await a.openCapture(h, { ifindex: 1, filter: 'icmp', epbInterface: 3 }, (b) => got.push(b));
    // 201 bytes of payload: 243-byte frames, padded to 244 in their blocks
    spawnSync('ping', ['-n', '-c', '2', '-i', '0.2', '-s', '201', '127.0.0.1']);
    await new Promise((r) => setTimeout(r, 100));
    s.close();
    expect(got.reduce((k, b) => k + b.count, 0)).toBe(4);
    for (const b of got) {
      let at = 0;
      for (let i = 0; i < b.count; i++) {
        expect(b.caplen[i]).toBe(243);
        expect(b.offset[i] - EPB_HEAD).toBe(at);
        const block = Buffer.from(b.data.subarray(at, at + epbLength(b.caplen[i])));
        const packet = b.data.subarray(b.offset[i], b.offset[i] + b.caplen[i]);
        expect(block.equals(enhancedPacket({ iface: 3, ns: nanos(b.sec[i], b.nsec[i]), len: b.len[i], data: packet, pkttype: b.pkttype[i] }))).toBe(true);
        at += block.length;
      }
      expect(at).toBe(b.data.length);
    }
  });

  it('a JS thread that does not run: packets dropped and counted past the bound, nothing held beyond it', async () => {
    let bytes = 0;
    const s = await a.openCapture(h, { ifindex: 1, maxQueuedBytes: 1 << 16 }, (b) => { bytes += b.data.length; });
    // spawnSync blocks this thread for the whole flood
    spawnSync('ping', ['-f', '-n', '-q', '-c', '3000', '-s', '1000', '127.0.0.1']);
    await new Promise((r) => setTimeout(r, 200));
    const st = s.stats();
    s.close();
    expect(st.appDropped).toBeGreaterThan(1000);
    // ~3 MB crossed lo; what reached JS is the bound's worth while it was blocked, plus the
    // ring's last block that the kernel handed over after it ran again
    expect(bytes).toBeLessThan(1 << 20);
  });
});
