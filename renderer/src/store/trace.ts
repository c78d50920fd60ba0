// The trace slice: "ping ADDRESS and follow it" from a namespace's inspector (with its count and
// timeout), "follow the next packet matching FILTER" from the trace panel, "where else was this
// packet seen" from the capture panel, the trace panel's result (the engine's `trace`,
// `traceFollow` or `captureLocate` answer), and where the timeline stands: the step (one hop of the
// request, then of the reply) that the canvas lights up, and the replay that walks the steps one
// after the other. The replay's timer comes from an injected clock, so tests step it themselves.
import { createStore } from 'zustand/vanilla';
import { TRACE_DEFAULT_TIMEOUT_MS, TRACE_FOLLOW_DEFAULT_TIMEOUT_MS, type TraceHop, type TraceParams, type TraceResult } from '../../../electron/contract';

/** How long the replay dwells on each hop. */
export const TRACE_STEP_MS = 300;

export interface TraceClock {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const realClock: TraceClock = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** "Follow the next packet matching FILTER" as asked: `id` names it for traceCancel. */
export interface FollowAsk { namespace: string; filter: string; id: string; timeoutMs?: number }
/** "Where else was this packet seen": packet `n` of capture `capture`, seen at `where`. */
export interface LocateAsk { capture: string; n: number; where: string }
/** What the trace panel was asked for. */
export type TraceAsk = TraceParams | FollowAsk | LocateAsk;
export const isFollowAsk = (a: TraceAsk | null): a is FollowAsk => !!a && 'filter' in a;
export const isLocateAsk = (a: TraceAsk | null): a is LocateAsk => !!a && 'capture' in a;

/** The forms' fields: the ping's count and timeout, the follow's namespace, filter and timeout. */
export interface TraceOptions {
  count: number;
  timeoutMs: number;
  /** The namespace the follow form watches (null: none picked yet). */
  followNs: string | null;
  filter: string;
  followTimeoutMs: number;
}

/** One step of the timeline: a hop of the request or of the reply. */
export interface TraceStep { leg: 'request' | 'reply'; hop: TraceHop }

export interface TraceError {
  message: string;
  /** The engine's JSON-RPC code (ErrorCodes), when it sent one. */
  code: number | null;
}

/** How an interface is marked on the canvas: the hop shown now, one passed before it, where the
 *  packet stopped; '' for none. */
export type TraceMark = 'current' | 'passed' | 'stop' | '';

export interface TraceState {
  /** The address typed in the inspector's "ping ADDRESS and follow it". */
  draft: string;
  options: TraceOptions;
  /** What runs now (null: nothing). */
  running: TraceAsk | null;
  /** What was asked for the result shown (or the error). */
  asked: TraceAsk | null;
  result: TraceResult | null;
  error: TraceError | null;
  /** The request's hops, then the reply's. */
  steps: TraceStep[];
  /** The step shown (-1: none yet). */
  step: number;
  replaying: boolean;
  /** Bumps to ask for the trace panel to be shown. */
  showRequest: number;
}

export interface TraceStore extends TraceState {
  setDraft(text: string): void;
  setOptions(o: Partial<TraceOptions>): void;
  /** A trace was asked for: the previous result goes. */
  begin(params: TraceAsk): void;
  /** Its answer: shown, and replayed from the first hop. */
  done(result: TraceResult): void;
  failed(err: TraceError): void;
  clear(): void;
  /** Walks the steps from the first, one every `stepMs`. */
  replay(): void;
  stopReplay(): void;
  /** Shows step `i` (clamped to the steps); stops a replay. */
  setStep(i: number): void;
  forward(): void;
  back(): void;
  show(): void;
}

export function stepsOf(r: TraceResult): TraceStep[] {
  return [...r.request.map((hop) => ({ leg: 'request' as const, hop })), ...r.reply.map((hop) => ({ leg: 'reply' as const, hop }))];
}

/** How interface `ifId` is marked at the state's step. The stop wins over the rest: it is where
 *  the story ends. */
export function markOf(s: Pick<TraceState, 'steps' | 'step' | 'result'>, ifId: string): TraceMark {
  if (s.result?.stopped?.at === ifId) return 'stop';
  if (s.step < 0) return '';
  if (s.steps[s.step]?.hop.interface === ifId) return 'current';
  for (let i = 0; i < s.step; i++) if (s.steps[i].hop.interface === ifId) return 'passed';
  return '';
}

/** Is the edge between `a` and `b` the one the current step just crossed (from the hop before)? */
export function edgeLit(s: Pick<TraceState, 'steps' | 'step'>, a: string, b: string): boolean {
  if (s.step < 1) return false;
  const from = s.steps[s.step - 1]?.hop.interface, to = s.steps[s.step]?.hop.interface;
  return (from === a && to === b) || (from === b && to === a);
}

export function createTraceStore(clock: TraceClock = realClock, stepMs = TRACE_STEP_MS) {
  let timer: unknown = null;
  const cancel = () => { if (timer !== null) { clock.clearTimeout(timer); timer = null; } };
  return createStore<TraceStore>()((set, get) => {
    const tick = () => {
      timer = null;
      const { step, steps } = get();
      if (step + 1 >= steps.length) { set({ replaying: false }); return; }
      set({ step: step + 1 });
      if (step + 2 >= steps.length) set({ replaying: false });
      else timer = clock.setTimeout(tick, stepMs);
    };
    return {
      draft: '', options: { count: 1, timeoutMs: TRACE_DEFAULT_TIMEOUT_MS, followNs: null, filter: '', followTimeoutMs: TRACE_FOLLOW_DEFAULT_TIMEOUT_MS },
      running: null, asked: null, result: null, error: null, steps: [], step: -1, replaying: false, showRequest: 0,
      setDraft: (draft) => set({ draft }),
      setOptions: (o) => set({ options: { ...get().options, ...o } }),
      begin: (params) => { cancel(); set({ running: params, asked: params, result: null, error: null, steps: [], step: -1, replaying: false }); },
      done: (result) => {
        set({ running: null, result, error: null, steps: stepsOf(result), step: -1 });
        get().replay();
      },
      failed: (error) => { cancel(); set({ running: null, error, replaying: false }); },
      clear: () => { cancel(); set({ result: null, error: null, asked: null, steps: [], step: -1, replaying: false }); },
      replay: () => {
        cancel();
        const n = get().steps.length;
        if (!n) { set({ step: -1, replaying: false }); return; }
        set({ step: 0, replaying: n > 1 });
        if (n > 1) timer = clock.setTimeout(tick, stepMs);
      },
      stopReplay: () => { cancel(); set({ replaying: false }); },
      setStep: (i) => {
        cancel();
        const n = get().steps.length;
        set({ step: n ? Math.max(0, Math.min(n - 1, i)) : -1, replaying: false });
      },
      forward: () => get().setStep(get().step + 1),
      back: () => get().setStep(get().step - 1),
      show: () => set({ showRequest: get().showRequest + 1 }),
    };
  });
}
