// The engine process as shipped (`vnet-studio engine --stdio`): the engine's own protocol methods
// plus the lab and canvas-building methods. Assembled here, above both layers, because the lab code
// is built on the engine (it reads namespaces through it) and the engine must not import it back.
import type { Engine } from '../engine';
import { runEngineProcess, usage } from './stdio';
import { createEngineConnection, type ConnectionOptions, type EngineConnection } from '../engine/server';
import type { CaptureManager } from '../capture/manager';
import type { Tracer } from '../trace/tracer';
import { CAPTURE_METHOD_NAMES, LAB_METHOD_NAMES, TRACE_METHOD_NAMES } from '../contract';
import { registerDeferred } from './deferred-methods';

export { usage };

/** The engine's one capture manager (shared by its connections); its captures end and their
 *  files go when the process exits. */
const captureManagers = new WeakMap<Engine, CaptureManager>();
function captureManager(engine: Engine, Manager: typeof CaptureManager): CaptureManager {
  let m = captureManagers.get(engine);
  if (!m) {
    const manager = new Manager(engine, { excludePorts: excludedPorts(process.env.VNET_CAPTURE_EXCLUDE_PORTS) });
    process.once('exit', () => manager.close());
    captureManagers.set(engine, manager);
    m = manager;
  }
  return m;
}

/** The engine's one tracer (its limit on running traces holds across connections). */
const tracers = new WeakMap<Engine, Tracer>();
function tracer(engine: Engine, TracerClass: typeof Tracer): Tracer {
  let t = tracers.get(engine);
  if (!t) { t = new TracerClass(engine); tracers.set(engine, t); }
  return t;
}

/** The capture methods of connections whose modules are not loaded yet: once one connection
 *  loads them (a call, or its warm-up), the others load too, so that every connection already
 *  open gets the notifications of a capture from its start. */
const captureLoads = new Set<() => void>();

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
      // The capture and trace modules (and what they load) too: nothing before the first
      // snapshot needs them.
      const loadCapture = registerDeferred(server, CAPTURE_METHOD_NAMES, async (inner) => {
        captureLoads.delete(loadCapture);
        const [{ registerCaptureMethods }, { CaptureManager }] = await Promise.all([import('../capture/handlers.js'), import('../capture/manager.js')]);
        registerCaptureMethods(inner, notify, captureManager(engine, CaptureManager));
        for (const other of [...captureLoads]) other();
      });
      captureLoads.add(loadCapture);
      registerDeferred(server, TRACE_METHOD_NAMES, async (inner) => {
        const [{ registerTraceMethods }, { Tracer }, { CaptureManager }] = await Promise.all([
          import('../trace/handlers.js'), import('../trace/tracer.js'), import('../capture/manager.js')]);
        registerTraceMethods(inner, tracer(engine, Tracer), captureManager(engine, CaptureManager));
      });
      opts.extend?.(server, notify);
    },
  });
}

export function main(argv: string[]): Promise<number> {
  return runEngineProcess(argv, createEngineProcessConnection);
}
