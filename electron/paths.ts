// Where the pieces of an installed or checked-out VNet Studio are, in one place, so moving a module
// never breaks a path written relative to it. This file runs from dist/electron/ when built and
// from electron/ under the tests: the app's root is the nearest folder above it with package.json.
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The checkout (or the packaged app's root inside its archive): holds dist/, assets/, native/. */
export const APP_ROOT = findRoot(__dirname);
/** The `vnet-studio` command's entry module; the hosts start the engine process through it. */
export const CLI_PATH = path.join(APP_ROOT, 'dist', 'electron', 'commands', 'cli.js');
/** The renderer build both hosts serve. */
export const RENDERER_DIR = path.join(APP_ROOT, 'dist', 'renderer');
/** Example labs shipped with the app. */
export const SHIPPED_LABS_DIR = path.join(APP_ROOT, 'assets', 'labs');
export const ICON_PATH = path.join(APP_ROOT, 'assets', 'icon.png');
