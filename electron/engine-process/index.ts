// The engine process as shipped (`vnet-studio engine --stdio`): the engine's own protocol methods
// plus the lab and canvas-building methods. Assembled here, above both layers, because the lab code
// is built on the engine (it reads namespaces through it) and the engine must not import it back.
import type { Engine } from '../engine';
import { runEngineProcess, usage } from './stdio';
import { createEngineConnection, type ConnectionOptions, type EngineConnection } from '../engine/server';
import { LAB_METHOD_NAMES } from '../contract';
import { registerDeferred } from './deferred-methods';

export { usage };

/** The full connection: engine methods and notifications, plus contract/ LabMethods. */
export function createEngineProcessConnection(engine: Engine, send: (msg: object) => void, opts: ConnectionOptions = {}): EngineConnection {
  return createEngineConnection(engine, send, {
    ...opts,
    extend: (server, notify) => {
      // Loaded after the first snapshot (deferred-methods.ts).
      registerDeferred(server, LAB_METHOD_NAMES, async (inner) => (await import('../labs/handlers.js')).registerLabMethods(inner, notify,
        // afterChange: lab marks (aliases) on links that stay down reach the engine by no kernel event.
        { privileged: engine.status().privileged, afterChange: () => { void engine.recheckLinks(); } }));
      opts.extend?.(server, notify);
    },
  });
}

export function main(argv: string[]): Promise<number> {
  return runEngineProcess(argv, createEngineProcessConnection);
}
