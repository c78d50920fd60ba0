// Run without privileges (as `nobody`, inside the world): the engine still runs, shows its own
// namespace, lists what it cannot read, and says plainly why. Runs the built CLI (dist/).
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import type { Model } from '../../electron/contract';
import { cli, EngineProc, useBuiltCliWithProcBlue } from '../helpers/engine-proc';
import { NOBODY } from '../helpers/processes';

function spawnSyncText(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeKernel('engine without privileges', () => {
  useBuiltCliWithProcBlue();

  it('as nobody: the engine says it is not privileged and why, and shows its own namespace', async () => {
    const e = new EngineProc(NOBODY);
    const hello = await e.call(1, 'hello');
    expect(hello.result.privileged).toBe(false);
    expect(hello.result.limitation).toMatch(/Not running as root: showing only this process's network namespace; run with sudo/);
    const model = (await e.call(2, 'snapshot')).result.model as Model;
    const own = model.namespaces.find((n) => !n.error)!;
    expect(own.interfaces.map((i) => i.name)).toEqual(expect.arrayContaining(['lo', 'pv0']));
    const blue = model.namespaces.find((n) => n.name === 'proc-blue')!;
    expect(blue.error).toMatch(/not privileged/);
    expect(blue.interfaces).toEqual([]);
    e.p.stdin.end();
    expect(await e.exit).toBe(0);
  });

  it('as nobody: inspect prints what it can see and says what it cannot', () => {
    const r = spawnSyncText([...NOBODY, process.execPath, cli, 'inspect']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/┌─ host/);
    expect(r.stdout).toMatch(/pv0\s+veth/);
    expect(r.stdout).toMatch(/ns proc-blue[\s\S]*cannot read this namespace: not privileged/);
    expect(r.stderr).toMatch(/NOTE: Not running as root/);
    const j = spawnSyncText([...NOBODY, process.execPath, cli, 'inspect', '--json']);
    const m = JSON.parse(j.stdout) as Model;
    expect(m.namespaces[0].interfaces.some((i) => i.name === 'pv0')).toBe(true);
  });
});
