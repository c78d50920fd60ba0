// The engine as the differential, churn and bench code drive it: in-process (electron/engine's
// Engine), on the real kernel. One thin adapter so those tests depend on the engine's public API
// only (its resync signals and answering re-dumps come from `engine.resyncs` / `engine.stats()`).
import type { Model } from '../../electron/contract';
import { Engine } from '../../electron/engine';
import { readWorld } from './iproute';
import { ModelMirror } from './mirror';

export interface EngineUnderTest {
  engine: Engine | null;
  /** The engine's current model, once it has no work in flight. */
  model(): Promise<Model>;
  /** Resync signals (ENOBUFS / interrupted dump) the kernel gave the engine (engine.resyncs). */
  resyncEvents(): number;
  /** Full re-dumps of a namespace after its first (engine.stats().resyncDumps: its re-reads). */
  redumps(): number;
  /** The model as a client sees it: the first snapshot plus every delta and counter frame since
   *  (taken after the engine flushed what it had queued). Null for the ip stand-in. */
  mirror(): ModelMirror | null;
  /** Times model() gave up waiting for the engine to go idle (2 s). */
  idleTimeouts(): number;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** SO_RCVBUF of the event sockets (small to force ENOBUFS). */
  rcvbuf?: number;
  sampleHz?: number;
  /** Reconciliation period (engine default when absent). */
  reconcileMs?: number;
  log?: (msg: string) => void;
}

export async function startEngine(opts: EngineOptions = {}): Promise<EngineUnderTest> {
  // VNET_TEST_ENGINE=ip: iproute2 stands in for the engine — a check of the test machinery itself
  // (generator, readers, comparison), never the default.
  if (process.env.VNET_TEST_ENGINE === 'ip') {
    return { engine: null, model: async () => readWorld().model, resyncEvents: () => 0, redumps: () => 0, idleTimeouts: () => 0, mirror: () => null, close: async () => {} };
  }
  let idleTimeouts = 0;
  const engine = await Engine.start({
    rcvbuf: opts.rcvbuf,
    reconcileMs: opts.reconcileMs,
    sampleHz: opts.sampleHz ?? 10,
    log: opts.log,
  });
  // Snapshot and subscription in the same tick: no delta can fall between them.
  const mirror = new ModelMirror(engine.snapshot());
  engine.on('delta', (b) => mirror.applyBatch(b));
  engine.on('counters', (f) => mirror.applyCounters(f));
  return {
    engine,
    mirror: () => { engine.model(); /* flushes queued deltas to the listeners */ return mirror; },
    model: async () => {
      // Let in-flight work finish, but never hang on an engine that does not go idle: the
      // comparison then shows what it holds.
      let timer: NodeJS.Timeout | undefined;
      const idle = await Promise.race([
        engine.waitIdle().then(() => true),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 2000); }),
      ]);
      clearTimeout(timer);
      if (!idle) idleTimeouts++;
      return engine.model();
    },
    idleTimeouts: () => idleTimeouts,
    resyncEvents: () => engine.resyncs,
    redumps: () => engine.stats().resyncDumps,
    close: () => engine.stop(),
  };
}
