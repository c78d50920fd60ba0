// The engine as the differential, churn and bench code drive it: in-process, on the real kernel.
// One thin adapter so those tests do not depend on the engine's internals beyond its public API.
import type { Model } from '../../electron/protocol';

export interface EngineUnderTest {
  /** The engine's current model. */
  model(): Promise<Model>;
  /** How many times the engine re-dumped a namespace because it may have missed events. */
  resyncs(): number;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** SO_RCVBUF of the event sockets (small to force ENOBUFS). */
  rcvbuf?: number;
  sampleHz?: number;
}

export async function startEngine(opts: EngineOptions = {}): Promise<EngineUnderTest> {
  // VNET_TEST_ENGINE=ip: iproute2 stands in for the engine — a check of the test machinery itself
  // (generator, readers, comparison), never the default.
  if (process.env.VNET_TEST_ENGINE === 'ip') {
    const { readWorld } = await import('./iproute');
    return { model: async () => readWorld().model, resyncs: () => 0, close: async () => {} };
  }
  void opts;
  throw new Error('engine not wired yet (see /work/notes/engine-status.md)');
}
