// traceFollow's, traceCancel's and captureLocate's params as the engine checks them (exactly the
// expected fields, each of its type and range, errors naming the field), and the fingerprint that
// recognises one packet at every hop: equal across NAT's rewriting, different for the next packet,
// and what counts as its answer. Packets here are built byte by byte as the kernel sends them.
import { describe, expect, it } from 'vitest';
import { validateCaptureLocate, validateTraceFollow } from '../../electron/trace/handlers';
import { answers, describe as describePacket, dissect } from '../../electron/trace/fingerprint';

describe('traceFollow params', () => {
  const ok = { namespace: 'ns:4026531840', filter: 'tcp port 80' };
  it('takes the fields it knows, in range', () => {
    expect(validateTraceFollow(ok)).toEqual(ok);
    expect(validateTraceFollow({ ...ok, id: 'f-1', timeoutMs: 500 })).toEqual({ ...ok, id: 'f-1', timeoutMs: 500 });
  });
  it.each([
    [null, 'traceFollow: params must be an object'],
    [{ filter: 'icmp' }, 'traceFollow: missing param "namespace"'],
    [{ namespace: ok.namespace }, 'traceFollow: missing param "filter"'],
    [{ ...ok, count: 2 }, 'traceFollow: unknown param "count"'],
    [{ ...ok, namespace: 'red' }, 'traceFollow: "namespace" must be a namespace id such as "ns:4026531840", got "red"'],
    [{ ...ok, filter: 7 }, 'traceFollow: "filter" must be a string (pcap-filter syntax, e.g. "tcp port 80")'],
    [{ ...ok, filter: '  ' }, 'traceFollow: "filter" is empty: name the packet to follow (pcap-filter syntax, e.g. "tcp port 80")'],
    [{ ...ok, filter: 'icmp\u0000' }, 'traceFollow: "filter" contains control characters'],
    [{ ...ok, filter: 'x'.repeat(5000) }, 'traceFollow: "filter" is longer than'],
    [{ ...ok, id: 'a b' }, 'traceFollow: "id" must be 1 to 64 letters, digits or "_.:-", got "a b"'],
    [{ ...ok, timeoutMs: 50 }, 'traceFollow: "timeoutMs" must be an integer from 100 to 300000, got 50'],
  ])('%j is refused: %s', (p, msg) => {
    expect(() => validateTraceFollow(p)).toThrow(msg);
  });
  it('captureLocate: a capture id and a packet number', () => {
    expect(validateCaptureLocate({ id: 'c2', n: 5 })).toEqual({ id: 'c2', n: 5 });
    expect(() => validateCaptureLocate({ id: 'x', n: 5 })).toThrow('captureLocate: "id" must be a capture id such as "c1", got "x"');
    expect(() => validateCaptureLocate({ id: 'c2', n: 0 })).toThrow('captureLocate: "n" must be an integer from 1');
    expect(() => validateCaptureLocate({ id: 'c2' })).toThrow('captureLocate: missing param "n"');
  });
});

/** An Ethernet frame with an IPv4 packet: `l4` is the transport header and payload. */
function ipv4(src: number[], dst: number[], proto: number, id: number, l4: number[]): Uint8Array {
  const ip = [0x45, 0, 0, 0, id >> 8, id & 255, 0x40, 0, 64, proto, 0, 0, ...src, ...dst];
  const len = 20 + l4.length;
  ip[2] = len >> 8; ip[3] = len & 255;
  return new Uint8Array([...Array(12).fill(0), 0x08, 0x00, ...ip, ...l4]);
}
const u16 = (n: number) => [n >> 8, n & 255];
const u32 = (n: number) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
const tcp = (sp: number, dp: number, seq: number, ack: number, flags: number, data: number[] = []) =>
  [...u16(sp), ...u16(dp), ...u32(seq), ...u32(ack), 0x50, flags, 0, 0, 0, 0, 0, 0, ...data];
const A = [172, 17, 0, 2], B = [203, 0, 113, 1], NAT = [203, 0, 113, 2];

describe('fingerprint', () => {
  it('a SYN before and after the masquerade (address and port rewritten) is the same packet; the next is not', () => {
    const before = dissect(ipv4(A, B, 6, 4242, tcp(40000, 80, 1000, 0, 0x02)), 'ethernet')!;
    const after = dissect(ipv4(NAT, B, 6, 4242, tcp(61000, 80, 1000, 0, 0x02)), 'ethernet')!;
    const next = dissect(ipv4(A, B, 6, 4243, tcp(40000, 80, 1000, 0, 0x02)), 'ethernet')!;
    expect(after.key).toBe(before.key);
    expect(next.key).not.toBe(before.key);
    expect(describePacket(before)).toBe('TCP 172.17.0.2:40000 → 203.0.113.1:80 [SYN] seq 1000');
    // its answer where it was after the NAT: the SYN/ACK acknowledging seq + 1
    expect(answers(after, dissect(ipv4(B, NAT, 6, 0, tcp(80, 61000, 77, 1001, 0x12)), 'ethernet')!)).toBe(true);
    expect(answers(after, dissect(ipv4(B, NAT, 6, 0, tcp(80, 61000, 77, 1000, 0x12)), 'ethernet')!)).toBe(false);
    expect(answers(after, dissect(ipv4(B, A, 6, 0, tcp(80, 61000, 77, 1001, 0x12)), 'ethernet')!)).toBe(false);
  });
  it('UDP: the payload tells two datagrams of one flow apart; the reverse 5-tuple answers', () => {
    const one = dissect(ipv4(A, B, 17, 9, [...u16(5000), ...u16(53), 0, 12, 0, 0, 1, 2, 3, 4]), 'ethernet')!;
    const two = dissect(ipv4(A, B, 17, 9, [...u16(5000), ...u16(53), 0, 12, 0, 0, 1, 2, 3, 5]), 'ethernet')!;
    expect(two.key).not.toBe(one.key);
    expect(answers(one, dissect(ipv4(B, A, 17, 1, [...u16(53), ...u16(5000), 0, 9, 0, 0, 7]), 'ethernet')!)).toBe(true);
    expect(answers(one, dissect(ipv4(B, A, 17, 1, [...u16(53), ...u16(5001), 0, 9, 0, 0, 7]), 'ethernet')!)).toBe(false);
  });
  it('an ICMP echo keeps its key when NAT gives it another identifier; its reply has the same one', () => {
    const echo = (src: number[], dst: number[], type: number, ident: number) => ipv4(src, dst, 1, 5, [type, 0, 0, 0, ...u16(ident), ...u16(3), 9, 9, 9]);
    const req = dissect(echo(A, B, 8, 100), 'ethernet')!;
    expect(dissect(echo(NAT, B, 8, 555), 'ethernet')!.key).toBe(req.key);
    expect(answers(req, dissect(echo(B, A, 0, 100), 'ethernet')!)).toBe(true);
    expect(answers(req, dissect(echo(B, A, 0, 101), 'ethernet')!)).toBe(false);
  });
  it('an ICMP error quoting the packet answers it', () => {
    const req = dissect(ipv4(A, B, 17, 77, [...u16(5000), ...u16(9), 0, 9, 0, 0, 1]), 'ethernet')!;
    const quote = [0x45, 0, 0, 29, 0, 77, 0x40, 0, 64, 17, 0, 0, ...A, ...B, ...u16(5000), ...u16(9), 0, 9, 0, 0];
    const err = dissect(ipv4(B, A, 1, 1, [3, 3, 0, 0, 0, 0, 0, 0, ...quote]), 'ethernet')!;
    expect(answers(req, err)).toBe(true);
  });
  it('not IP: null', () => {
    expect(dissect(new Uint8Array([...Array(12).fill(0), 0x08, 0x06, ...Array(28).fill(0)]), 'ethernet')).toBeNull();
  });
});
