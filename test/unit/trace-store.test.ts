// The renderer's trace slice (plain TS, no DOM): a trace running, answered or refused; the steps
// (request then reply); stepping clamped to them; the replay walked by an injected clock; the marks
// the canvas reads (current, passed, the stop) and the edge the current step crossed.
import { describe, expect, it } from 'vitest';
import type { TraceHop, TraceResult } from '../../electron/contract';
import { createTraceStore, edgeLit, markOf, type TraceClock } from '../../renderer/src/store/trace';

/** A clock whose timers run only when the test says so. */
function manualClock() {
  let next = 1;
  const timers = new Map<number, { cb: () => void; ms: number }>();
  const clock: TraceClock = {
    setTimeout: (cb, ms) => { const id = next++; timers.set(id, { cb, ms }); return id; },
    clearTimeout: (h) => { timers.delete(h as number); },
  };
  /** Runs the one pending timer (there is at most one) and says how long it was set for. */
  const fire = (): number | null => {
    const [id, t] = [...timers][0] ?? [];
    if (id === undefined || !t) return null;
    timers.delete(id);
    t.cb();
    return t.ms;
  };
  return { clock, fire, pending: () => timers.size };
}

const hop = (ifc: string, direction: 'rx' | 'tx', tNs: number, extra: Partial<TraceHop> = {}): TraceHop => ({
  interface: ifc, ns: ifc.split('/')[0], name: ifc.split(':').at(-1)!, where: ifc, direction, tNs,
  src: '10.0.0.1', dst: '10.0.0.2', forwardedTo: null, note: null, ...extra,
});

const A = 'ns:1/if:2', PA = 'ns:9/if:5', BR = 'ns:9/if:4', PB = 'ns:9/if:6', B = 'ns:3/if:2';

function answered(): TraceResult {
  const request = [hop(A, 'tx', 0), hop(PA, 'rx', 4000), hop(BR, 'rx', 9000, { forwardedTo: PB, note: 'forwarded to pb' }), hop(PB, 'tx', 9000), hop(B, 'rx', 12000)];
  const reply = [hop(B, 'tx', 30000), hop(A, 'rx', 40000)];
  return { request, reply, stopped: null, echoes: [{ seq: 1, request, reply, stopped: null, rttUs: 50 }], namespace: 'ns:1', address: '10.0.0.2', family: 4, captured: [A, PA, BR, PB, B], notCaptured: 0 };
}

function stoppedAt(at: string | null): TraceResult {
  const request = at ? [hop(A, 'tx', 0)] : [];
  const stopped = { at, ns: 'ns:1', cause: at ? 'no-neighbour' as const : 'no-route' as const, reason: 'nobody answered' };
  return { request, reply: [], stopped, echoes: [{ seq: 1, request, reply: [], stopped, rttUs: null }], namespace: 'ns:1', address: '10.0.0.99', family: 4, captured: [A], notCaptured: 0 };
}

describe('trace slice', () => {
  it('running, then the answer: its steps are the request then the reply, replayed from the first', () => {
    const { clock } = manualClock();
    const s = createTraceStore(clock, 300);
    s.getState().begin({ namespace: 'ns:1', address: '10.0.0.2' });
    expect(s.getState().running).toEqual({ namespace: 'ns:1', address: '10.0.0.2' });
    expect(s.getState().asked).toEqual({ namespace: 'ns:1', address: '10.0.0.2' });
    s.getState().done(answered());
    const st = s.getState();
    expect(st.running).toBeNull();
    expect(st.steps.map((x) => `${x.leg} ${x.hop.interface} ${x.hop.direction}`)).toEqual([
      `request ${A} tx`, `request ${PA} rx`, `request ${BR} rx`, `request ${PB} tx`, `request ${B} rx`, `reply ${B} tx`, `reply ${A} rx`,
    ]);
    expect(st.step).toBe(0);
    expect(st.replaying).toBe(true);
  });

  it('a refused trace keeps its error and the question, and no steps; the next begin clears it', () => {
    const s = createTraceStore(manualClock().clock);
    s.getState().begin({ namespace: 'ns:1', address: 'nonsense' });
    s.getState().failed({ code: -32602, message: 'trace: "address" must be an IPv4 or IPv6 address, got "nonsense"' });
    expect(s.getState().running).toBeNull();
    expect(s.getState().error?.message).toMatch(/"address"/);
    expect(s.getState().asked?.address).toBe('nonsense');
    expect(s.getState().steps).toEqual([]);
    s.getState().begin({ namespace: 'ns:1', address: '10.0.0.2' });
    expect(s.getState().error).toBeNull();
  });

  it('the replay moves one step per timer, each set for the step time, and ends on the last hop', () => {
    const c = manualClock();
    const s = createTraceStore(c.clock, 250);
    s.getState().done(answered());
    const seen = [s.getState().step];
    for (;;) {
      const ms = c.fire();
      if (ms === null) break;
      expect(ms).toBe(250);
      seen.push(s.getState().step);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s.getState().replaying).toBe(false);
    expect(c.pending()).toBe(0);
    // Replay again: from the first hop.
    s.getState().replay();
    expect(s.getState().step).toBe(0);
    expect(s.getState().replaying).toBe(true);
  });

  it('stepping stops the replay and stays within the steps', () => {
    const c = manualClock();
    const s = createTraceStore(c.clock);
    s.getState().done(answered());
    c.fire();
    expect(s.getState().step).toBe(1);
    s.getState().forward();
    expect(s.getState().step).toBe(2);
    expect(s.getState().replaying).toBe(false);
    expect(c.pending()).toBe(0);
    s.getState().back(); s.getState().back(); s.getState().back();
    expect(s.getState().step).toBe(0);
    s.getState().setStep(99);
    expect(s.getState().step).toBe(6);
    s.getState().forward();
    expect(s.getState().step).toBe(6);
    s.getState().stopReplay();
    expect(s.getState().step).toBe(6);
  });

  it('a new trace cancels the running replay; a trace with one hop does not replay', () => {
    const c = manualClock();
    const s = createTraceStore(c.clock);
    s.getState().done(answered());
    expect(c.pending()).toBe(1);
    s.getState().begin({ namespace: 'ns:1', address: '10.0.0.99' });
    expect(c.pending()).toBe(0);
    expect(s.getState().step).toBe(-1);
    s.getState().done(stoppedAt(A));
    expect(s.getState().step).toBe(0);
    expect(s.getState().replaying).toBe(false);
    expect(c.pending()).toBe(0);
  });

  it('marks: the current hop, the hops before it, nothing for the rest; an interface passed twice is current at its second pass', () => {
    const s = createTraceStore(manualClock().clock);
    s.getState().done(answered());
    s.getState().setStep(2);
    const marks = () => [A, PA, BR, PB, B].map((id) => markOf(s.getState(), id));
    expect(marks()).toEqual(['passed', 'passed', 'current', '', '']);
    s.getState().setStep(6);
    expect(marks()).toEqual(['current', 'passed', 'passed', 'passed', 'passed']);
    expect(markOf(s.getState(), 'ns:1/if:1')).toBe('');
  });

  it('the stop is marked whatever the step; a stop inside the namespace marks no interface', () => {
    const s = createTraceStore(manualClock().clock);
    s.getState().done(stoppedAt(A));
    expect(markOf(s.getState(), A)).toBe('stop');
    s.getState().begin({ namespace: 'ns:1', address: '192.0.2.1' });
    s.getState().done(stoppedAt(null));
    expect(s.getState().steps).toEqual([]);
    expect(s.getState().step).toBe(-1);
    expect(markOf(s.getState(), A)).toBe('');
  });

  it('the lit edge joins the current hop and the one before, either way round', () => {
    const s = createTraceStore(manualClock().clock);
    s.getState().done(answered());
    s.getState().setStep(0);
    expect(edgeLit(s.getState(), A, PA)).toBe(false);
    s.getState().setStep(1);
    expect(edgeLit(s.getState(), A, PA)).toBe(true);
    expect(edgeLit(s.getState(), PA, A)).toBe(true);
    expect(edgeLit(s.getState(), PA, BR)).toBe(false);
    s.getState().setStep(3);
    expect(edgeLit(s.getState(), PB, BR)).toBe(true);
  });

  it('clear forgets the result and stops the replay; show bumps the request for the panel', () => {
    const c = manualClock();
    const s = createTraceStore(c.clock);
    s.getState().done(answered());
    s.getState().clear();
    expect(s.getState().result).toBeNull();
    expect(s.getState().steps).toEqual([]);
    expect(c.pending()).toBe(0);
    const before = s.getState().showRequest;
    s.getState().show();
    expect(s.getState().showRequest).toBe(before + 1);
  });
});
