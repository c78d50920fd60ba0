// The engine as the differential, churn and bench code drive it: in-process (electron/engine's
// Engine), on the real kernel. One thin adapter so those tests depend on the engine's public API
// only. The addon is passed through a counting wrapper (the real addon underneath; nothing is
// faked) so a test can see the kernel's resync signals and the engine's answering re-dumps.
import type { Model } from '../../electron/protocol';
import type { NamespaceHandle, NativeAddon, RawEvent } from '../../native/types';
import { loadNative } from '../../native/index';
import { Engine } from '../../electron/engine/index';
import { readWorld } from './iproute';
import { ModelMirror } from './mirror';

export interface EngineUnderTest {
  engine: Engine | null;
  /** The engine's current model, once it has no work in flight. */
  model(): Promise<Model>;
  /** Resync signals (ENOBUFS / interrupted dump) the addon delivered to the engine. */
  resyncEvents(): number;
  /** Full link dumps the engine asked for after its first one per namespace (its re-reads). */
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
  log?: (msg: string) => void;
}

interface Counters { resyncEvents: number; linkDumps: number; handles: number }

/** The real addon, with handles that count what passes through them. */
function countingAddon(real: NativeAddon, c: Counters): NativeAddon {
  return {
    async openNamespace(nsPath: string | null): Promise<NamespaceHandle> {
      const h = await real.openNamespace(nsPath);
      let firstDump = true;
      c.handles++;
      // Everything not counted passes straight through to the real handle.
      const counted: Partial<NamespaceHandle> = {
        dumpLinks: () => {
          if (firstDump) firstDump = false; else c.linkDumps++;
          return h.dumpLinks();
        },
        subscribe: (cb: (evs: RawEvent[]) => void, opts) => h.subscribe((evs) => {
          for (const e of evs) if (e.type === 'resync') c.resyncEvents++;
          cb(evs);
        }, opts),
      };
      const wrapped = new Proxy(h, {
        get(target, prop) {
          if (prop in counted) return counted[prop as keyof NamespaceHandle];
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      return wrapped;
    },
  };
}

export async function startEngine(opts: EngineOptions = {}): Promise<EngineUnderTest> {
  // VNET_TEST_ENGINE=ip: iproute2 stands in for the engine — a check of the test machinery itself
  // (generator, readers, comparison), never the default.
  if (process.env.VNET_TEST_ENGINE === 'ip') {
    return { engine: null, model: async () => readWorld().model, resyncEvents: () => 0, redumps: () => 0, idleTimeouts: () => 0, mirror: () => null, close: async () => {} };
  }
  const c: Counters = { resyncEvents: 0, linkDumps: 0, handles: 0 };
  let idleTimeouts = 0;
  const engine = await Engine.start({
    native: countingAddon(loadNative(), c),
    rcvbuf: opts.rcvbuf,
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
    resyncEvents: () => c.resyncEvents,
    redumps: () => c.linkDumps,
    close: () => engine.stop(),
  };
}
