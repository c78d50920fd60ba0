import { describe, expect, it } from 'vitest';
import { FrameClock, LastRows, RateTracker as NsRates, SimpleRates as RateTracker } from '../../electron/engine/rates';

const v = (...n: number[]) => [...n, ...Array(8 - n.length).fill(0)];

describe('engine counter frames', () => {
  it('first frame lists everything with zero rates; then only changed or previously busy', () => {
    const r = new RateTracker();
    let f = r.frame(new Map([['a', v(1, 1, 100, 100)], ['b', v()]]), 1000, 5);
    expect(f.ids).toEqual(['a', 'b']);
    expect(f.rates).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(f.intervalMs).toBe(0);

    // 500 ms later: a moved by 10 packets / 1000 bytes each way
    f = r.frame(new Map([['a', v(11, 6, 1100, 600)], ['b', v()]]), 1500, 6);
    expect(f).toEqual({ t: 6, intervalMs: 500, ids: ['a'], stats: v(11, 6, 1100, 600), rates: [20, 10, 2000, 1000] });

    // a idle now: listed once more with rate 0, then not at all
    f = r.frame(new Map([['a', v(11, 6, 1100, 600)], ['b', v()]]), 2000, 7);
    expect(f.ids).toEqual(['a']);
    expect(f.rates).toEqual([0, 0, 0, 0]);
    f = r.frame(new Map([['a', v(11, 6, 1100, 600)], ['b', v()]]), 2500, 8);
    expect(f.ids).toEqual([]);
  });

  it('uses the actual interval; errors alone count as a change without a rate', () => {
    const r = new RateTracker();
    r.frame(new Map([['a', v(0, 0, 0, 0)]]), 0, 0);
    let f = r.frame(new Map([['a', v(30)]]), 300, 0);
    expect(f.rates[0]).toBeCloseTo(100);
    f = r.frame(new Map([['a', v(30, 0, 0, 0, 1)]]), 400, 0);
    expect(f.ids).toEqual(['a']);
    expect(f.rates).toEqual([0, 0, 0, 0]);
  });

  it('a counter going backwards (ifindex reused) gives no rate; vanished ids are forgotten', () => {
    const r = new RateTracker();
    r.frame(new Map([['a', v(100, 100, 100, 100)]]), 0, 0);
    let f = r.frame(new Map([['a', v(5, 5, 5, 5)]]), 100, 0);
    expect(f.rates).toEqual([0, 0, 0, 0]);
    r.frame(new Map(), 200, 0);
    f = r.frame(new Map([['a', v(5, 5, 5, 5)]]), 300, 0);
    expect(f.ids).toEqual(['a']); // new again
  });

  it('times each namespace from its own last read: a namespace skipped in a sweep gets no inflated rate', () => {
    const clock = new FrameClock();
    const a = new NsRates<number>(); const b = new NsRates<number>();
    const sweep = (t: number, reads: [NsRates<number>, number][]) => {
      const { parts } = clock.begin(t);
      for (const [tracker, rxBytes] of reads) {
        tracker.begin(parts, t); tracker.add(1, v(0, 0, rxBytes), 0, () => (tracker === a ? 'a' : 'b')); tracker.end();
      }
      return parts;
    };
    sweep(0, [[a, 0], [b, 0]]);
    sweep(100, [[a, 100]]);                     // b's read failed in this sweep
    const parts = sweep(200, [[a, 200], [b, 200]]);
    // both moved 1,000 B/s; b's 200 bytes span 200 ms, not the 100 ms since the last sweep
    expect(parts.ids).toEqual(['a', 'b']);
    expect(parts.rates[2]).toBeCloseTo(1000);
    expect(parts.rates[6]).toBeCloseTo(1000);
  });

  it('idle: true only when no key has a non-zero rate; an unchanged read times the next rate', () => {
    const t = new NsRates<number>();
    const read = (at: number, rx: number) => {
      const { parts } = new FrameClock().begin(at);
      t.begin(parts, at); t.add(1, v(0, 0, rx), 0, () => 'x'); t.add(2, v(), 0, () => 'y'); t.end();
      return parts;
    };
    read(0, 0);
    expect(t.idle).toBe(true);
    read(100, 100);                 // 1,000 B/s: busy
    expect(t.idle).toBe(false);
    read(200, 100);                 // listed once more at zero, then idle
    expect(t.idle).toBe(true);
    t.unchanged(300);               // a read that changed nothing moves only the clock
    const parts = read(400, 200);   // 100 bytes in the 100 ms since that read
    expect(parts.rates[2]).toBeCloseTo(1000);
    // a busy key that vanishes leaves the tracker idle
    const { parts: p2 } = new FrameClock().begin(500);
    t.begin(p2, 500); t.add(2, v(), 0, () => 'y'); t.end();
    expect(t.idle).toBe(true);
  });

  it('LastRows: the same rows (keys and all 8 counters) or not, copied, forgettable', () => {
    const rows = new LastRows();
    const keys = new Int32Array([7, 1, 2, 9]);
    const values = new Float64Array(4 * 8).map((_, i) => i);
    expect(rows.same(keys, values, 1, 3)).toBe(false);            // nothing remembered yet
    rows.remember(keys, values, 1, 3);
    expect(rows.same(keys, values, 1, 3)).toBe(true);
    // the same rows elsewhere in another sweep's arrays
    const k2 = new Int32Array([1, 2]); const v2 = values.slice(8, 24);
    expect(rows.same(k2, v2, 0, 2)).toBe(true);
    values[8 + 7] = -1;                                            // copied: the sweep's arrays may change
    expect(rows.same(k2, v2, 0, 2)).toBe(true);
    v2[15] += 1;                                                   // the last counter of the last row
    expect(rows.same(k2, v2, 0, 2)).toBe(false);
    expect(rows.same(new Int32Array([1, 3]), values.slice(8, 24), 0, 2)).toBe(false);
    expect(rows.same(keys, values, 1, 2)).toBe(false);             // fewer rows
    rows.forget();
    expect(rows.same(k2, values.slice(8, 24), 0, 2)).toBe(false);
  });
});
