// The renderer's capture slice (plain TS, no DOM): the bounded ring, the list's text filter, batches
// of the panel's capture only (and those that come before captureStart's answer), pause, the end of
// a capture, lazy decoding; and the details' hex dump and timestamps.
import { describe, expect, it } from 'vitest';
import type { CaptureInfo, CapturePacket, CapturePacketsBatch, CaptureStats } from '../../electron/contract';
import { createCaptureStore, PacketRing, PacketView, rowBytes, rowDecoded, rowSummary, rowText, type PacketRow } from '../../renderer/src/store/capture';
import { hexDump, utcMicros } from '../../renderer/src/capture/packet-format';
import { pcapngName } from '../../renderer/src/capture/actions';
import { rowWindow } from '../../renderer/src/capture/windowed-rows';

/** An Ethernet + IPv4 + ICMP echo frame, as the kernel would hand it over (checksums not checked). */
function icmpEcho(src: number, dst: number, seq: number, request = true): Uint8Array {
  const b = new Uint8Array(14 + 20 + 8 + 8);
  b.set([2, 0, 0, 0, 0, dst, 2, 0, 0, 0, 0, src, 0x08, 0x00], 0);
  b.set([0x45, 0, 0, 36, 0, 1, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, src, 10, 0, 0, dst], 14);
  b.set([request ? 8 : 0, 0, 0, 0, 0, 7, seq >> 8, seq & 0xff], 34);
  return b;
}
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

const stats = (received: number, extra: Partial<CaptureStats> = {}): CaptureStats => ({
  received, kernelDropped: 0, appDropped: 0, saved: received, liveSkipped: 0, fileBytes: 1000 + received * 100, fileFull: false, interfaces: [], ...extra,
});

function info(id: string, extra: Partial<CaptureInfo> = {}): CaptureInfo {
  return {
    id, state: 'running', filter: 'icmp', kernelFilter: 'icmp', snaplen: 262144, count: null, liveBytes: 256, maxFileBytes: 1 << 26,
    startedAt: 1_700_000_000_000, endedAt: null, reason: null, message: null, stats: stats(0),
    interfaces: [
      { id: 'ns:2/if:5', nsId: 'ns:2', name: 'ns1:eth0', nsLabel: 'ns1', linkType: 'ethernet', kernelFilter: 'icmp' },
      { id: 'ns:3/if:5', nsId: 'ns:3', name: 'ns2:eth0', nsLabel: 'ns2', linkType: 'ethernet', kernelFilter: 'icmp' },
    ],
    ...extra,
  };
}

let n = 0;
function pkt(iface: string, seq: number, request = true): CapturePacket {
  const data = icmpEcho(1, 2, seq, request);
  return { n: ++n, iface, t: 1_700_000_000_000 + n * 0.5, dir: request ? 'tx' : 'rx', type: request ? 'outgoing' : 'host', len: data.length, caplen: data.length, data: b64(data) };
}
const batch = (id: string, packets: CapturePacket[], skipped = 0, received = packets.length): CapturePacketsBatch => ({ id, packets, skipped, stats: stats(received, { liveSkipped: skipped }) });

const rowsOf = (v: PacketView): PacketRow[] => Array.from({ length: v.length }, (_, i) => v.at(i)!);

describe('packet ring', () => {
  it('keeps the newest `capacity` rows, addressed by sequence number; a clear empties it', () => {
    const r = new PacketRing(3);
    for (let i = 0; i < 5; i++) r.push({ p: pkt('a', i), link: 'ethernet', ifName: 'x' });
    expect(r.length).toBe(3);
    expect([r.start, r.total]).toEqual([2, 5]);
    expect(r.get(1)).toBeUndefined();
    expect(r.get(2)!.seq).toBe(2);
    expect(r.get(4)!.seq).toBe(4);
    expect(r.get(5)).toBeUndefined();
    r.clear();
    expect(r.length).toBe(0);
    expect(r.get(4)).toBeUndefined();
    r.push({ p: pkt('a', 9), link: 'ethernet', ifName: 'x' });
    expect(r.get(5)!.seq).toBe(5);
  });

  it('the text filter matches each row once, follows new rows and forgets rows that fell out', () => {
    const r = new PacketRing(4);
    const v = new PacketView(r);
    const add = (seq: number, request: boolean) => { r.push({ p: pkt('a', seq, request), link: 'ethernet', ifName: 'ns1:eth0' }); v.sync(); };
    add(1, true); add(1, false); add(2, true);
    expect(v.length).toBe(3);
    v.setFilter('  Echo REPLY ');
    expect(rowsOf(v).map((x) => rowSummary(x).info)).toEqual(['echo reply id 7 seq 1']);
    add(2, false); add(3, true); add(3, false);
    // The ring holds the last 4 (seq 2 request .. seq 3 reply): of the replies, seq 1's fell out.
    expect(rowsOf(v).map((x) => rowSummary(x).info)).toEqual(['echo reply id 7 seq 2', 'echo reply id 7 seq 3']);
    expect(v.indexOf(rowsOf(v)[1].seq)).toBe(1);
    expect(v.indexOf(r.start)).toBe(-1); // a request: not in the filtered list
    v.setFilter('');
    expect(v.length).toBe(4);
    expect(v.indexOf(r.start + 2)).toBe(2);
  });

  it('decodes a row only when asked, then keeps it', () => {
    const r = new PacketRing(10);
    const row = r.push({ p: pkt('a', 4), link: 'ethernet', ifName: 'ns1:eth0' });
    expect(row.summary).toBeUndefined();
    const s = rowSummary(row);
    expect(s).toMatchObject({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 'ICMP', info: 'echo request id 7 seq 4' });
    expect(rowSummary(row)).toBe(s);
    expect(rowText(row)).toContain('ns1:eth0');
    expect(rowText(row)).toContain('↑ tx');
  });

  it('a frame that does not decode says so in its row instead of throwing', () => {
    const r = new PacketRing(10);
    const row = r.push({ p: { ...pkt('a', 1), data: '!!!' }, link: 'ethernet', ifName: 'x' });
    expect(rowSummary(row).info).toMatch(/cannot decode: base64ToBytes/);
  });
});

describe('capture slice', () => {
  it('lists the batches of its own capture only, with their interface names and link types', () => {
    const s = createCaptureStore();
    s.getState().beginStart();
    s.getState().started(info('c1'));
    expect(s.getState().capturing).toEqual({ 'ns:2/if:5': true, 'ns:3/if:5': true });
    s.getState().applyBatch(batch('c1', [pkt('ns:2/if:5', 1), pkt('ns:3/if:5', 1, false)]));
    s.getState().applyBatch(batch('other', [pkt('ns:9/if:1', 1)]));
    const st = s.getState();
    expect(st.view.length).toBe(2);
    expect(rowsOf(st.view).map((r) => r.ifName)).toEqual(['ns1:eth0', 'ns2:eth0']);
    expect(st.stats!.received).toBe(2);
    expect(st.tick).toBeGreaterThan(0);
  });

  it('keeps batches that come before captureStart answers, and takes those of its capture', () => {
    const s = createCaptureStore();
    s.getState().beginStart();
    s.getState().applyBatch(batch('c2', [pkt('ns:2/if:5', 1)]));
    s.getState().applyBatch(batch('someone-else', [pkt('ns:2/if:5', 2)]));
    expect(s.getState().view.length).toBe(0);
    s.getState().started(info('c2'));
    expect(rowsOf(s.getState().view).map((r) => rowSummary(r).info)).toEqual(['echo request id 7 seq 1']);
  });

  it('an end that comes before captureStart answers ends the capture once it is known', () => {
    const s = createCaptureStore();
    s.getState().beginStart();
    s.getState().applyBatch(batch('c9', [pkt('ns:2/if:5', 1)]));
    s.getState().applyEnded({ id: 'c9', reason: 'count', message: null, stats: stats(1) });
    s.getState().started(info('c9', { count: 1 }));
    const st = s.getState();
    expect([st.capture!.state, st.capture!.reason, st.view.length]).toEqual(['ended', 'count', 1]);
    expect(st.capturing).toEqual({});
  });

  it('a row whose data is not base64 shows an undecoded layer and no bytes, without throwing', () => {
    const r = new PacketRing(2);
    const row = r.push({ p: { ...pkt('a', 1), data: '@@' }, link: 'ethernet', ifName: 'x' });
    expect(rowDecoded(row).layers).toEqual([{ name: 'Undecoded', fields: [{ name: 'error', value: expect.stringMatching(/^cannot decode: /) }] }]);
    expect(rowBytes(row)).toHaveLength(0);
  });

  it('counts what the engine skipped and what came while paused; a new capture starts an empty list', () => {
    const s = createCaptureStore();
    s.getState().beginStart(); s.getState().started(info('c3'));
    s.getState().applyBatch(batch('c3', [pkt('ns:2/if:5', 1)], 40, 41));
    s.getState().setPaused(true);
    s.getState().applyBatch(batch('c3', [pkt('ns:2/if:5', 2), pkt('ns:2/if:5', 3)], 5, 48));
    let st = s.getState();
    expect(st.view.length).toBe(1);
    expect([st.skipped, st.pausedOut, st.stats!.received]).toEqual([45, 2, 48]);
    st.setPaused(false);
    s.getState().applyBatch(batch('c3', [pkt('ns:2/if:5', 4)]));
    expect(s.getState().view.length).toBe(2);
    s.getState().select(s.getState().view.at(0)!);
    s.getState().clearList();
    st = s.getState();
    expect(st.view.length).toBe(0);
    expect(st.selected).not.toBeNull(); // the details stay until another packet is picked
    s.getState().beginStart(); s.getState().started(info('c4'));
    st = s.getState();
    expect([st.view.length, st.skipped, st.pausedOut, st.selected]).toEqual([0, 0, 0, null]);
  });

  it('keeps only the newest rows of a fast capture', () => {
    const s = createCaptureStore(100);
    s.getState().beginStart(); s.getState().started(info('c5'));
    for (let b = 0; b < 5; b++) s.getState().applyBatch(batch('c5', Array.from({ length: 50 }, (_, i) => pkt('ns:2/if:5', b * 50 + i))));
    const v = s.getState().view;
    expect(v.length).toBe(100);
    expect(rowSummary(v.at(0)!).info).toBe('echo request id 7 seq 150');
    expect(rowSummary(v.at(99)!).info).toBe('echo request id 7 seq 249');
  });

  it('the list filter applies to rows already there and to those that come', () => {
    const s = createCaptureStore();
    s.getState().beginStart(); s.getState().started(info('c6'));
    s.getState().applyBatch(batch('c6', [pkt('ns:2/if:5', 1), pkt('ns:3/if:5', 1, false)]));
    s.getState().setListFilter('ns2:');
    expect(s.getState().view.length).toBe(1);
    s.getState().applyBatch(batch('c6', [pkt('ns:3/if:5', 2, false), pkt('ns:2/if:5', 3)]));
    expect(rowsOf(s.getState().view).map((r) => r.p.iface)).toEqual(['ns:3/if:5', 'ns:3/if:5']);
  });

  it('an end of its capture ends it (reason and message kept, the canvas marks gone); others are ignored', () => {
    const s = createCaptureStore();
    s.getState().beginStart(); s.getState().started(info('c7'));
    s.getState().applyEnded({ id: 'other', reason: 'stopped', message: null, stats: stats(0) });
    expect(s.getState().capture!.state).toBe('running');
    s.getState().applyEnded({ id: 'c7', reason: 'interface-gone', message: 'eth0 in ns2 was deleted', stats: stats(12) });
    const c = s.getState().capture!;
    expect([c.state, c.reason, c.message]).toEqual(['ended', 'interface-gone', 'eth0 in ns2 was deleted']);
    expect(s.getState().capturing).toEqual({});
    expect(s.getState().stats!.received).toBe(12);
  });

  it('after a reconnect, a running capture the engine no longer has ended with the engine', () => {
    const s = createCaptureStore();
    s.getState().beginStart(); s.getState().started(info('c8'));
    s.getState().reconcile([info('c8', { stats: stats(3) })]);
    expect(s.getState().capture!.state).toBe('running');
    expect(s.getState().stats!.received).toBe(3);
    s.getState().reconcile([]);
    expect(s.getState().capture).toMatchObject({ state: 'ended', reason: 'engine-stopped' });
    expect(s.getState().capturing).toEqual({});
  });

  it('a failed start keeps the previous capture and says why', () => {
    const s = createCaptureStore();
    s.getState().beginStart();
    s.getState().applyBatch(batch('x', [pkt('ns:2/if:5', 1)]));
    s.getState().failed({ action: 'start', code: -32602, message: 'filter: syntax error' });
    const st = s.getState();
    expect([st.starting, st.capture, st.error]).toEqual([false, null, { action: 'start', code: -32602, message: 'filter: syntax error' }]);
    // The batches kept while it started are dropped, not adopted by a later start.
    s.getState().beginStart(); s.getState().started(info('x'));
    expect(s.getState().view.length).toBe(0);
  });

  it('picked interfaces have no repeats', () => {
    const s = createCaptureStore();
    s.getState().setTargets(['a', 'b', 'a']);
    s.getState().removeTarget('b');
    expect(s.getState().targets).toEqual(['a']);
  });
});

describe('packet details formatting', () => {
  it('writes bytes as a hex dump of 16 a line with printable ASCII', () => {
    const bytes = new Uint8Array(20).map((_, i) => (i < 4 ? 0x41 + i : i));
    const lines = hexDump(bytes);
    expect(lines).toEqual([
      { offset: '0000', hex: '41 42 43 44 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f', ascii: 'ABCD............' },
      { offset: '0010', hex: '10 11 12 13', ascii: '....' },
    ]);
    expect(hexDump(new Uint8Array(0))).toEqual([]);
  });

  it('writes a kernel timestamp in UTC to the microsecond', () => {
    expect(utcMicros(1_700_000_000_123.456)).toBe('2023-11-14 22:13:20.123456 UTC');
    expect(utcMicros(1_700_000_000_000)).toBe('2023-11-14 22:13:20.000000 UTC');
  });

  it('names a saved capture by its interfaces and start time, in characters a file name takes', () => {
    expect(pcapngName(info('c1', { interfaces: [{ id: 'a', nsId: 'n', name: 'pid:812:eth0', nsLabel: 'x', linkType: 'ethernet', kernelFilter: '' }] })))
      .toBe('vnet-pid_812_eth0-2023-11-14-22-13-20.pcapng');
  });
});

describe('list windowing', () => {
  it('renders the rows in view and a margin, never past either end', () => {
    // 20 px rows, a 200 px box: 10 rows in view.
    expect(rowWindow(20_000, 20, 0, 200, 5)).toEqual({ first: 0, last: 15 });
    expect(rowWindow(20_000, 20, 1000, 200, 5)).toEqual({ first: 45, last: 65 });
    expect(rowWindow(20_000, 20, 20_000 * 20 - 200, 200, 5)).toEqual({ first: 19_985, last: 20_000 });
    expect(rowWindow(3, 20, 0, 200, 5)).toEqual({ first: 0, last: 3 });
    expect(rowWindow(0, 20, 0, 200, 5)).toEqual({ first: 0, last: 0 });
    // A box not measured yet renders only the margin.
    expect(rowWindow(100, 20, 0, 0, 5)).toEqual({ first: 0, last: 5 });
  });
});
