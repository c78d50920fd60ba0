// scripts/world.sh is a world for labs too: a lab applied inside it journals inside it. Without
// that, the journal lands in the caller's state directory and the caller's `lab list` shows a lab
// that does not exist. The test runs world.sh itself (a world inside the suite's world): there it
// applies a lab and lists it, and the caller's state directories, the default one and one named
// by VNET_STATE_DIR, stay as they were, as do the caller's namespaces.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { describeKernel, WORLD_MOUNTS, worldMounts } from '../helpers/world';
import { kernelState } from '../helpers/lab-kernel';
import { DEFAULT_STATE_DIR, stateDir } from '../../electron/labs/journal';
import { APP_ROOT, CLI_PATH } from '../../electron/paths';

const WORLD_SH = path.join(APP_ROOT, 'scripts', 'world.sh');
const LAB = `wstate${process.pid % 10_000}`;

/** Every file under `dir` with its contents ({} when there is no such directory). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    let names: string[];
    try { names = fs.readdirSync(d); } catch { return; }
    for (const n of names) {
      const p = path.join(d, n);
      if (fs.statSync(p).isDirectory()) walk(p); else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describeKernel('scripts/world.sh: the labs\' state is private to the world', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-world-state-'));
  const callerState = path.join(dir, 'caller-state');
  const file = path.join(dir, `${LAB}.yaml`);
  afterAll(() => {
    // If the world leaked, take away what leaked (the test has failed already).
    for (const d of [DEFAULT_STATE_DIR, callerState]) fs.rmSync(path.join(d, 'journal', `${LAB}.json`), { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the suite\'s own world has a private tmpfs where the journal goes by default', () => {
    expect(WORLD_MOUNTS).toContain(DEFAULT_STATE_DIR);
    expect(worldMounts()).toEqual(expect.arrayContaining(WORLD_MOUNTS));
    const saved = process.env.VNET_STATE_DIR;
    delete process.env.VNET_STATE_DIR;
    try { expect(stateDir()).toBe(DEFAULT_STATE_DIR); } finally { if (saved !== undefined) process.env.VNET_STATE_DIR = saved; }
  });

  test('a lab applied in a world is listed there, and its caller\'s state and namespaces are untouched', () => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first (npx tsc -p tsconfig.json)`);
    fs.writeFileSync(file, `name: ${LAB}\nnamespaces:\n  ${LAB}-a:\n    interfaces:\n      eth0: { addresses: [10.61.0.2/24] }\nbridges:\n  ${LAB}-br: { addresses: [10.61.0.1/24] }\nveths:\n  - [${LAB}-a:eth0, ${LAB}-br]\n`);
    fs.mkdirSync(callerState);
    const before = { byDefault: tree(DEFAULT_STATE_DIR), named: tree(callerState), kernel: kernelState() };
    // Not VNET_WORLD: world.sh would take the suite's world for its own and run the command here.
    const env: NodeJS.ProcessEnv = { ...process.env, VNET_STATE_DIR: callerState };
    delete env.VNET_WORLD;
    // apply, then list, in the same world; the script is fixed, the paths come as its arguments
    const r = spawnSync(WORLD_SH, ['sh', '-c', '"$0" "$1" lab apply "$2" --quiet && "$0" "$1" lab list', process.execPath, CLI_PATH, file],
      { env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // it was applied and journaled in that world...
    expect(r.stdout).toMatch(new RegExp(`^${LAB}  1 namespace, `, 'm'));
    // ...and nowhere its caller can see
    expect(tree(callerState)).toEqual(before.named);
    expect(tree(DEFAULT_STATE_DIR)).toEqual(before.byDefault);
    expect(kernelState()).toBe(before.kernel);
    const list = spawnSync(process.execPath, [CLI_PATH, 'lab', 'list'], { env, encoding: 'utf8' });
    expect(list.stdout).not.toContain(LAB);
  });
});
