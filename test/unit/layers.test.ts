// The layers, held by a test rather than by comments: native ← engine ← engine-process ← hosts and
// commands, with the contract shared by all and the renderer importing nothing else from outside
// renderer/. Every import of every source file (static, dynamic and require() with a literal
// name, as TypeScript's own scanner finds them) is checked against the rules below.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');

/** Repo-relative folders, most specific first; a file belongs to the first that contains it. */
const LAYERS = [
  'electron/contract', 'electron/engine-process', 'electron/engine', 'electron/labs', 'electron/capture', 'electron/trace',
  'electron/hosts/desktop', 'electron/hosts', 'electron/commands', 'electron/paths.ts',
  'native', 'renderer/src',
] as const;
type Layer = (typeof LAYERS)[number];

/** What each layer may import from this repository (besides itself). */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  'electron/contract': [],
  'native': [],
  'electron/paths.ts': [],
  'electron/engine': ['native', 'electron/contract'],
  'electron/labs': ['electron/engine', 'native', 'electron/contract', 'electron/paths.ts'],
  // Captures are built on the engine (its model, its namespace handles), like the labs.
  'electron/capture': ['electron/engine', 'native', 'electron/contract'],
  // A trace captures (through the capture layer's naming and link types) and sends pings.
  'electron/trace': ['electron/capture', 'electron/engine', 'native', 'electron/contract'],
  'electron/engine-process': ['electron/engine', 'electron/labs', 'electron/capture', 'electron/trace', 'native', 'electron/contract'],
  // The hosts run no engine code: the engine is a separate process they start and relay to.
  'electron/hosts': ['electron/contract', 'electron/paths.ts'],
  'electron/hosts/desktop': ['electron/hosts', 'electron/contract', 'electron/paths.ts'],
  'electron/commands': ['electron/engine-process', 'electron/engine', 'electron/labs', 'electron/capture', 'electron/trace', 'electron/hosts',
    'native', 'electron/contract', 'electron/paths.ts'],
  'renderer/src': ['electron/contract'],
};

/** Packages only some layers may load. */
const NODE_BUILTIN = (spec: string) => spec.startsWith('node:') || (require('node:module').builtinModules as string[]).includes(spec);
function packageRule(layer: Layer, spec: string): string | null {
  if (spec === 'electron' && layer !== 'electron/hosts/desktop') return 'only electron/hosts/desktop may load Electron';
  if ((layer === 'renderer/src' || layer === 'electron/contract') && NODE_BUILTIN(spec)) return `${layer} runs in the browser too: no Node modules`;
  return null;
}

const layerOf = (rel: string): Layer | null =>
  LAYERS.find((l) => rel === l || rel.startsWith(`${l}/`)) ?? null;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'build') out.push(...sourceFiles(rel)); }
    else if (/\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(root, file), 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The violations of one file's imports, as sentences. */
export function violations(file: string, specs: string[]): string[] {
  const layer = layerOf(file);
  if (!layer) return [];
  const out: string[] = [];
  for (const spec of specs) {
    if (!spec.startsWith('.')) {
      const bad = packageRule(layer, spec);
      if (bad) out.push(`${file} imports '${spec}': ${bad}`);
      continue;
    }
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    const to = layerOf(target) ?? layerOf(`${target}.ts`);
    if (!to) { out.push(`${file} imports '${spec}', outside every layer`); continue; }
    if (to !== layer && !MAY_IMPORT[layer].includes(to)) out.push(`${file} (${layer}) imports ${target} (${to})`);
  }
  return out;
}

describe('layers', () => {
  it('every source file imports only what its layer may', () => {
    const files = ['electron', 'native', 'renderer/src'].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(50);
    const bad = files.flatMap((f) => violations(f, importsOf(f)));
    expect(bad).toEqual([]);
  });

  it('the checker itself catches each kind of violation', () => {
    expect(violations('renderer/src/x.ts', ['../../electron/engine/model'])).toHaveLength(1);
    expect(violations('renderer/src/x.ts', ['node:fs'])).toHaveLength(1);
    expect(violations('electron/engine/x.ts', ['../labs/plan'])).toHaveLength(1);
    expect(violations('electron/engine/x.ts', ['../hosts/relay'])).toHaveLength(1);
    expect(violations('native/x.ts', ['../electron/contract'])).toHaveLength(1);
    expect(violations('electron/hosts/web/server.ts', ['electron'])).toHaveLength(1);
    expect(violations('electron/contract/x.ts', ['node:net'])).toHaveLength(1);
    expect(violations('electron/engine/x.ts', ['../contract', '../../native', './model'])).toEqual([]);
  });
});
