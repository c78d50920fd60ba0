// The reconciliation turns (electron/engine/reconcile-turns.ts) on a fake clock: who gets a turn
// and how many turns a second there are, with few namespaces and with many.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReconcileTurns, type ReconcileCandidate } from '../../electron/engine/reconcile-turns';

interface Rec extends ReconcileCandidate { id: number }
const rec = (id: number): Rec => ({ id, closed: false, resyncing: false, needs: { resync: false }, lastEventAt: 0, reconcileDeferred: 0 });

/** The ids given turns in `ms` of fake time; `change` runs half way (its turns after it are in `after`). */
function run(n: number, periodMs: number, perSecond: number, ms: number, change?: (recs: Map<number, Rec>) => void): number[] & { after?: number[] } {
  const recs = new Map(Array.from({ length: n }, (_, i) => [i, rec(i)] as const));
  const due: number[] = [];
  const t = new ReconcileTurns<Rec>(periodMs, perSecond, () => recs.values(), () => recs.size, () => false, (r) => due.push(r.id));
  t.start();
  vi.advanceTimersByTime(ms / 2);
  change?.(recs);
  const half = due.length;
  vi.advanceTimersByTime(ms / 2);
  t.stop();
  return Object.assign(due, { after: due.slice(half) });
}

describe('reconciliation turns', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('few namespaces: each once per period, in order', () => {
    const due = run(3, 3000, 10, 9000);
    expect([...due]).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('many namespaces: no more turns a second than the budget; a round takes N / budget seconds', () => {
    const due = run(1000, 3000, 10, 10_000);
    expect(due.length).toBe(100);
    expect([...due]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ReconcileTurns.stepMs(3000, 10, 1000) * 1000).toBe(100_000);
    expect(ReconcileTurns.stepMs(3000, 10, 20)).toBe(150);
  });

  it('namespaces that come and go meanwhile are taken or skipped by the walk', () => {
    const { after } = run(4, 400, 100, 1600, (recs) => { recs.delete(2); recs.set(9, rec(9)); });
    expect(after).not.toContain(2);
    expect(after).toContain(9);
    expect(after).toContain(3);
  });

  it('a namespace with events flowing waits (up to three turns); one being re-read skips its turn', () => {
    const recs = new Map([[0, rec(0)], [1, rec(1)]]);
    recs.get(1)!.resyncing = true;
    const due: number[] = [];
    const t = new ReconcileTurns<Rec>(200, 100, () => recs.values(), () => recs.size, () => false, (r) => due.push(r.id));
    recs.get(0)!.lastEventAt = Date.now() + 1_000_000; // busy for the whole test
    t.start();
    vi.advanceTimersByTime(1000);
    t.stop();
    expect(due.filter((id) => id === 1)).toEqual([]);
    expect(due.filter((id) => id === 0).length).toBeGreaterThan(0);
    expect(recs.get(0)!.reconcileDeferred).toBeLessThanOrEqual(3);
  });
});
