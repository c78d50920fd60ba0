// Which namespaces each counter tick reads (engine/interest.ts), and how the renderer applies a
// frame that read only some namespaces (store/counters.ts).
import { describe, expect, it } from 'vitest';
import { InterestPlan } from '../../electron/engine/interest';
import { applyFrame, emptyCounters, seedCounters } from '../../renderer/src/store/counters';
import { STATS_FIELDS, type Stats } from '../../electron/contract';

const ticks = (plan: InterestPlan, seconds: number, fullHz: number, lowHz: number) => {
  const out: string[] = [];
  for (let t = 0; t < seconds * 1000; t += 1000 / fullHz) {
    const c = plan.choose(t, fullHz, lowHz);
    out.push(c === null ? '-' : c.all ? 'all' : [...c.namespaces].join(','));
  }
  return out;
};

describe('sampling by interest', () => {
  it('reads what clients look at at every tick and everything once per low-rate period', () => {
    const plan = new InterestPlan();
    const a = {}, b = {};
    expect(plan.wantsFullRate()).toBe(false);
    plan.set(a, ['ns:1']);
    plan.set(b, ['ns:2', 'ns:1']);
    expect(plan.wantsFullRate()).toBe(true);
    const seen = ticks(plan, 3, 10, 1);
    expect(seen.filter((x) => x === 'all')).toHaveLength(3); // once a second, on time (not every 1.1 s)
    expect(seen.filter((x) => x === 'ns:1,ns:2')).toHaveLength(27);
    expect(plan.countHot(['ns:1', 'ns:3'])).toBe(1);
    plan.set(b, null);
    plan.set(a, null);
    expect(plan.wantsFullRate()).toBe(false);
  });

  it('with no interest nothing is read between low-rate reads; "all" reads everything every tick', () => {
    const plan = new InterestPlan();
    expect(ticks(plan, 2, 10, 1).filter((x) => x !== '-')).toEqual(['all', 'all']);
    plan.set({}, 'all');
    expect(ticks(new InterestPlan(), 0, 10, 1)).toEqual([]);
    expect(ticks(plan, 1, 10, 1).every((x) => x === 'all')).toBe(true);
  });

  it('a low rate above the full rate reads everything at the full rate', () => {
    const plan = new InterestPlan();
    plan.set({}, ['ns:1']);
    expect(ticks(plan, 2, 2, 5)).toEqual(['all', 'all', 'all', 'all']);
  });
});

describe('a frame that read some namespaces (renderer)', () => {
  const stats = (n: number): Stats => Object.fromEntries(STATS_FIELDS.map((f) => [f, n])) as Stats;
  const row = (n: number) => STATS_FIELDS.map(() => n);
  it('zeroes the rates of unlisted interfaces only in the namespaces it read', () => {
    let s = seedCounters(emptyCounters(), { 'ns:1/if:2': stats(0), 'ns:2/if:2': stats(0) });
    s = applyFrame(s, { t: 1, intervalMs: 1000, ids: ['ns:1/if:2', 'ns:2/if:2'], stats: [...row(5), ...row(5)], rates: [1, 1, 100, 100, 2, 2, 200, 200] });
    // A full-rate frame of ns:1 only, where nothing moved: ns:1 goes quiet, ns:2 keeps its rate.
    s = applyFrame(s, { t: 2, intervalMs: 100, ids: [], stats: [], rates: [], namespaces: ['ns:1'] });
    expect(s.byId['ns:1/if:2'].rxBps).toBe(0);
    expect(s.byId['ns:2/if:2'].rxBps).toBe(200);
    // A frame that read everything (no `namespaces`): the quiet ones go to 0.
    s = applyFrame(s, { t: 3, intervalMs: 100, ids: [], stats: [], rates: [] });
    expect(s.byId['ns:2/if:2'].rxBps).toBe(0);
  });
});
