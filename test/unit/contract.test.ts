// The contract's shared rules, each with one home: interface ids, the counter-frame reader, size
// limits in UTF-8 bytes, error objects, and the address forms iproute2 prints.
import { describe, expect, it } from 'vitest';
import {
  addressText, canonicalCidr, cidrError, decodeCounterFrame, ErrorCodes, ifaceId, isLinkLocal6, isNetwork, networkOf,
  nsOfIface, overBytes, parseCidr, parseIfaceId, parseIp, routeToError, rpcErrorOf, utf8Length, type CounterFrame,
} from '../../electron/contract';

describe('interface ids', () => {
  it('join and split the namespace id and the ifindex', () => {
    expect(ifaceId('ns:4026531840', 7)).toBe('ns:4026531840/if:7');
    expect(parseIfaceId('ns:4026531840/if:7')).toEqual({ nsId: 'ns:4026531840', index: 7 });
    expect(nsOfIface('ns:12/if:3')).toBe('ns:12');
    for (const bad of ['ns:12', 'ns:12/if:', 'ns:12/if:x', '/if:3', 'ns:12/proc:3']) {
      expect(parseIfaceId(bad), bad).toBeNull();
      expect(nsOfIface(bad), bad).toBe('');
    }
  });
});

describe('counter frames', () => {
  it('decode into each listed interface\'s stats and rates', () => {
    const frame: CounterFrame = {
      t: 1, intervalMs: 100, ids: ['ns:1/if:2', 'ns:1/if:3'],
      stats: [1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80], rates: [0.5, 1, 2, 4, 9, 8, 7],
    };
    expect(decodeCounterFrame(frame)).toEqual([
      { id: 'ns:1/if:2', stats: { rxPackets: 1, txPackets: 2, rxBytes: 3, txBytes: 4, rxErrors: 5, txErrors: 6, rxDropped: 7, txDropped: 8 }, rates: { rxPps: 0.5, txPps: 1, rxBps: 2, txBps: 4 } },
      // a rate the frame lacks counts as 0
      { id: 'ns:1/if:3', stats: { rxPackets: 10, txPackets: 20, rxBytes: 30, txBytes: 40, rxErrors: 50, txErrors: 60, rxDropped: 70, txDropped: 80 }, rates: { rxPps: 9, txPps: 8, rxBps: 7, txBps: 0 } },
    ]);
  });
});

describe('size limits', () => {
  it('measure text in UTF-8 bytes, as Node encodes it', () => {
    const samples = ['', 'plain', 'é', '€', '😀', 'a\ud800b', '\udc00', '\ud83d', `${'é'.repeat(1000)}😀${'x'.repeat(10)}`];
    for (const s of samples) expect(utf8Length(s), JSON.stringify(s)).toBe(Buffer.byteLength(s, 'utf8'));
    const wide = 'é'.repeat(600);       // 600 characters, 1200 bytes
    expect(overBytes(wide, 1000)).toBe(true);
    expect(overBytes(wide, 1200)).toBe(false);
    expect(overBytes('x'.repeat(1001), 1000)).toBe(true);
  });
});

describe('errors', () => {
  it('keep the code, message and data of what was thrown or answered, InternalError when it has no code', () => {
    expect(rpcErrorOf({ code: 1001, message: 'no', data: { a: 1 } }, 'x')).toEqual({ code: 1001, message: 'no', data: { a: 1 } });
    expect(rpcErrorOf(new Error('boom'), 'x')).toEqual({ code: ErrorCodes.InternalError, message: 'boom' });
    expect(rpcErrorOf(undefined, 'malformed')).toEqual({ code: -32603, message: 'malformed' });
  });
});

describe('addresses', () => {
  it('parse into the canonical forms iproute2 prints', () => {
    expect(parseIp('10.0.0.1')).toEqual({ family: 4, bytes: [10, 0, 0, 1], text: '10.0.0.1' });
    expect(parseIp('2001:DB8:0:0:0:0:0:1')?.text).toBe('2001:db8::1');
    expect(parseIp('1:0:0:2:0:0:0:3')?.text).toBe('1:0:0:2::3');     // the longest zero run
    expect(parseIp('1:0:0:2:3:0:0:4')?.text).toBe('1::2:3:0:0:4');    // the first of equal runs
    expect(parseIp('1:0:2:3:4:5:6:7')?.text).toBe('1:0:2:3:4:5:6:7'); // a single zero group stays
    expect(parseIp('::1.2.3.4')?.text).toBe('::102:304');             // IPv4-compatible, not mapped
    expect(canonicalCidr('FD00:0:0::1/64')).toBe('fd00::1/64');
    for (const bad of ['010.0.0.1', '0x7f.0.0.1', '127.1', '1.2.3.256', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '::ffff:01.2.3.4', '12345::1', ' 10.0.0.1']) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });

  it('know networks, in both families', () => {
    expect(isNetwork(parseCidr('10.1.0.0/16')!)).toBe(true);
    expect(networkOf(parseCidr('10.1.2.3/16')!).text).toBe('10.1.0.0/16');
    expect(networkOf(parseCidr('fd00:1:2::9/48')!).text).toBe('fd00:1:2::/48');
    expect(routeToError('fd00:1:2::9/48')).toMatch(/host bits set .*fd00:1:2::\/48/);
    expect(routeToError('10.1.2.3/32')).toBeNull();
    expect(cidrError('10.0.0.1/024')).toMatch(/leading zeros/);
    expect(cidrError('fd00::1/129')).toMatch(/too long for an IPv6 address \(at most \/128\)/);
  });

  it('tell IPv6 link-local addresses (fe80::/10) with or without a prefix', () => {
    expect(['fe80::1/64', 'FE80::2', 'febf::1/64'].map(isLinkLocal6)).toEqual([true, true, true]);
    expect(['fec0::1/64', 'fd00::1/64', 'fe8::1/64', '10.0.0.1/24', 'nonsense'].map(isLinkLocal6)).toEqual([false, false, false, false, false]);
  });

  it('write a point-to-point address with its peer, as `ip address` does', () => {
    const peers = { '10.8.0.1/32': '10.8.0.2/32' };
    expect(addressText('10.8.0.1/32', peers)).toBe('10.8.0.1 peer 10.8.0.2/32');
    expect(addressText('10.0.0.1/24', peers)).toBe('10.0.0.1/24');
    expect(addressText('10.0.0.1/24')).toBe('10.0.0.1/24');
  });
});
