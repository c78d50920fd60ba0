// The one place that loads the native binary (native/build/Release/vnet_native.node) and gives it
// its typed face (native/types.ts). Everything else imports `native` or `loadNative()` from here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MutatingAddon } from './types';

export type * from './types';

/** Where the binary may be: next to this file's source (native/index.ts under vitest) or, when
 *  compiled, from dist/native/index.js back to <repo>/native. VNET_NATIVE_PATH overrides both. */
function candidates(): string[] {
  const rel = path.join('build', 'Release', 'vnet_native.node');
  const list = [
    path.resolve(__dirname, rel),                       // <repo>/native/index.ts
    path.resolve(__dirname, '..', '..', 'native', rel), // <repo>/dist/native/index.js
  ];
  if (process.env.VNET_NATIVE_PATH) list.unshift(path.resolve(process.env.VNET_NATIVE_PATH));
  return list;
}

let loaded: MutatingAddon | null = null;

/** Loads the addon once; throws an Error saying how to build it when the binary is missing. */
export function loadNative(): MutatingAddon {
  if (loaded) return loaded;
  const tried = candidates();
  const found = tried.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`native addon not built: none of ${tried.join(', ')} exists; run \`npm run install\` (node-gyp rebuild --directory native)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(found) as MutatingAddon;
  return loaded;
}

/** The addon, loaded on first use (importing this module never fails on a machine without the binary). */
export const native: MutatingAddon = new Proxy({} as MutatingAddon, {
  get(_t, prop) {
    const addon = loadNative() as unknown as Record<string | symbol, unknown>;
    return addon[prop];
  },
});
