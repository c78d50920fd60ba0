// The engine process as shipped (`vnet-studio engine --stdio`): the engine's own protocol methods
// plus the lab and canvas-building methods. Assembled here, above both layers, because the lab code
// is built on the engine (it reads namespaces through it) and the engine must not import it back.
import type { Engine } from '../engine';
import { runEngineProcess, usage } from './stdio';
import { createEngineConnection, type ConnectionOptions, type EngineConnection } from '../engine/server';
import { registerCaptureMethods } from '../capture/handlers';
import { CaptureManager } from '../capture/manager';
import { registerTraceMethods } from '../trace/handlers';
import { Tracer } from '../trace/tracer';
import { LAB_METHOD_NAMES } from '../contract';
import { registerDeferred } from './deferred-methods';

export { usage };

/** The engine's one capture manager (shared by its connections); its captures end and their
 *  files go when the process exits. */
const captureManagers = new WeakMap<Engine, CaptureManager>();
function captureManager(engine: Engine): CaptureManager {
  let m = captureManagers.get(engine);
  if (!m) {
    const manager = new CaptureManager(engine, { excludePorts: excludedPorts(process.env.VNET_CAPTURE_EXCLUDE_PORTS) });
    process.once('exit', () => manager.close());
    captureManagers.set(engine, manager);
    m = manager;
  }
  return m;
}

/** The engine's one tracer (its limit on running traces holds across connections). */
const tracers = new WeakMap<Engine, Tracer>();
function tracer(engine: Engine): Tracer {
  let t = tracers.get(engine);
  if (!t) { t = new Tracer(engine); tracers.set(engine, t); }
  return t;
}

/** VNET_CAPTURE_EXCLUDE_PORTS: the web host's own TCP port(s), comma-separated, left out of
 *  captures on the host namespace's lo (so a capture never shows its own transport). */
export function excludedPorts(env: string | undefined): number[] {
  if (!env) return [];
  return env.split(',').map((x) => x.trim()).filter((x) => /^[0-9]{1,5}$/.test(x) && Number(x) > 0 && Number(x) < 65536).map(Number);
}

/** The full connection: engine methods and notifications, plus contract/ LabMethods, CaptureMethods and TraceMethods. */
export function createEngineProcessConnection(engine: Engine, send: (msg: object) => void, opts: ConnectionOptions = {}): EngineConnection {
  return createEngineConnection(engine, send, {
    ...opts,
    extend: (server, notify) => {
      // Loaded after the first snapshot (deferred-methods.ts).
      registerDeferred(server, LAB_METHOD_NAMES, async (inner) => (await import('../labs/handlers.js')).registerLabMethods(inner, notify,
        // afterChange: lab marks (aliases) on links that stay down reach the engine by no kernel event.
        { privileged: engine.status().privileged, afterChange: () => { void engine.recheckLinks(); } }));
      registerCaptureMethods(server, notify, captureManager(engine));
      registerTraceMethods(server, tracer(engine), captureManager(engine));
      opts.extend?.(server, notify);
    },
  });
}

export function main(argv: string[]): Promise<number> {
  return runEngineProcess(argv, createEngineProcessConnection);
}
