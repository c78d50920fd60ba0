// The packet decoder's edges (its decoding of real packets is checked against tshark in
// test/kernel/capture-decode.test.ts): frames cut short anywhere, random bytes, hostile DNS names,
// and the address forms.
import { describe, expect, it } from 'vitest';
import { base64ToBytes, decodePacket, ipv6Text } from '../../electron/contract';
import { rng } from '../helpers/topology';

const hex = (s: string) => Uint8Array.from(s.replace(/\s/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
// An Ethernet frame with an IPv4 UDP DNS query for example.test (from 10.77.0.1 to 10.77.0.2).
const DNS_FRAME = hex(`0200000000020200000000010800 4500003a000100004011 0000 0a4d0001 0a4d0002
  9c410035002600 00 1234010000010000000000000765 78616d706c6504746573740000010001`);

describe('packet decoder', () => {
  it('decodes a frame into layers and one line', () => {
    const d = decodePacket(DNS_FRAME, 'ethernet');
    expect(d.layers.map((l) => l.name)).toEqual(['Ethernet', 'IPv4', 'UDP', 'DNS']);
    expect(d.summary).toEqual({ src: '10.77.0.1', dst: '10.77.0.2', protocol: 'DNS', info: 'query 0x1234 A example.test' });
  });

  it('never throws on a frame cut short at any byte, and says it is truncated', () => {
    for (let n = 0; n < DNS_FRAME.length; n++) {
      const d = decodePacket(DNS_FRAME.subarray(0, n), 'ethernet');
      expect(d.summary.protocol.length, `cut at ${n}`).toBeGreaterThan(0);
    }
    expect(decodePacket(DNS_FRAME.subarray(0, 20), 'ethernet').summary.info).toMatch(/truncated/);
  });

  it('never throws on random bytes, either link type', () => {
    const r = rng(7);
    for (let k = 0; k < 2000; k++) {
      const b = Uint8Array.from({ length: Math.floor(r() * 120) }, () => Math.floor(r() * 256));
      if (b.length > 14 && k % 2) { b[12] = 0x08; b[13] = 0x00; b[14] = 0x45; }
      expect(() => decodePacket(b, k % 3 ? 'ethernet' : 'raw')).not.toThrow();
    }
  });

  it('follows DNS compression pointers only so far (a pointer loop ends)', () => {
    const looped = hex(`4500002c000100004011 0000 0a4d0001 0a4d0002 9c4100350018 0000 123401000001000000000000 c00c 0001 0001`);
    expect(() => decodePacket(looped, 'raw')).not.toThrow();
    expect(decodePacket(looped, 'raw').summary.protocol).toBe('DNS');
  });

  it('writes IPv6 addresses as RFC 5952 says and decodes base64 without Buffer', () => {
    expect(ipv6Text(hex('fd770000000000000000000000000002'), 0)).toBe('fd77::2');
    expect(ipv6Text(hex('00010000000000020000000000000003'), 0)).toBe('1:0:0:2::3');   // the longest zero run
    expect(ipv6Text(hex('00010000000000020000000000030004'), 0)).toBe('1::2:0:0:3:4'); // the first of equal runs
    expect(ipv6Text(hex('00010000000200030004000500060007'), 0)).toBe('1:0:2:3:4:5:6:7'); // one zero group stays
    for (const s of ['', 'a', 'ab', 'abc', 'hello world', '\u0000\u00ff']) {
      const b = Buffer.from(s, 'latin1');
      expect([...base64ToBytes(b.toString('base64'))]).toEqual([...b]);
    }
    expect(() => base64ToBytes('a$b')).toThrow(/not base64/);
  });
});
