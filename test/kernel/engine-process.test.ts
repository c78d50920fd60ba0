// The engine as a process: `vnet-studio engine --stdio` (JSON-RPC 2.0, one message per line) and
// `inspect --watch`. (Unprivileged use: engine-unprivileged.test.ts.)
// Runs the built CLI (dist/, made by `npm test`'s build step or `npx tsc -p tsconfig.json`).
import { spawn, execFileSync } from 'node:child_process';
import * as readline from 'node:readline';
import { expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import type { Model } from '../../electron/contract';
import { cli, EngineProc, useBuiltCliWithProcBlue } from '../helpers/engine-proc';
import { ip } from '../helpers/ip';

describeKernel('engine process', () => {
  useBuiltCliWithProcBlue();

  it('engine --stdio: hello, snapshot, delta and counter notifications, strict params, shutdown → exit 0', async () => {
    const e = new EngineProc([], ['--sample-hz', '20']);
    const hello = await e.call(1, 'hello');
    expect(hello.result).toMatchObject({ privileged: true, limitation: null, sampleHz: 20 });
    const snap = await e.call(2, 'snapshot', {});
    const model = snap.result.model as Model;
    expect(model.namespaces.some((n) => n.name === 'proc-blue')).toBe(true);

    ip('link', 'set', 'pv0', 'up');
    const d = await e.next((m) => m.method === 'delta' && m.params.deltas.some((x: any) => x.op === 'interface' && x.iface.name === 'pv0' && x.iface.flags.includes('UP')));
    expect(d.params.seq).toBeGreaterThan(snap.result.seq);
    await e.next((m) => m.method === 'counters');

    const bad = await e.call(3, 'setSampleRate', { hz: 500 });
    expect(bad.error).toMatchObject({ code: -32602, message: expect.stringMatching(/"hz" must be from 0.5 to 50/) });
    const bad2 = await e.call(4, 'setSampleRate', { rate: 5 });
    expect(bad2.error.message).toMatch(/unknown param "rate"/);
    expect((await e.call(5, 'setSampleRate', { hz: 2 })).result).toEqual({ sampleHz: 2 });
    await e.next((m) => m.method === 'status' && m.params.sampleHz === 2);
    expect((await e.call(6, 'nope')).error.code).toBe(-32601);
    e.p.stdin.write('this is not json\n');
    await e.next((m) => m.error?.code === -32700);

    expect((await e.call(7, 'shutdown')).result).toEqual({ ok: true });
    expect(await e.exit).toBe(0);
  });

  it('engine --stdio ends cleanly on stdin end and on SIGTERM', async () => {
    const a = new EngineProc();
    await a.call(1, 'hello');
    a.p.stdin.end();
    expect(await a.exit).toBe(0);
    const b = new EngineProc();
    await b.call(1, 'hello');
    b.p.kill('SIGTERM');
    expect(await b.exit).toBe(0);
    expect(b.stderr).toMatch(/stopping \(SIGTERM\)/);
  });

  it('engine --stdio refuses bad options with a message naming them', () => {
    let err: any;
    try { execFileSync(process.execPath, [cli, 'engine', '--stdio', '--sample-hz', '99'], { stdio: 'pipe' }); } catch (e) { err = e; }
    expect(err?.status).toBe(2);
    expect(String(err.stderr)).toMatch(/--sample-hz must be a number from 0.5 to 50/);
  });

  it('inspect --watch prints one line per change as it happens', async () => {
    const w = spawn(process.execPath, [cli, 'inspect', '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let started = false;
    readline.createInterface({ input: w.stdout }).on('line', (l) => { if (started) lines.push(l); else if (/ interfaces?$/.test(l)) started = true; });
    const waitLine = async (re: RegExp) => {
      for (let i = 0; i < 300; i++) { if (lines.some((l) => re.test(l))) return; await new Promise((r) => setTimeout(r, 50)); }
      throw new Error(`no line ${re}; got:\n${lines.join('\n')}`);
    };
    for (let i = 0; i < 300 && !started; i++) await new Promise((r) => setTimeout(r, 50));
    ip('link', 'add', 'wv0', 'type', 'veth', 'peer', 'name', 'wv1');
    await waitLine(/^\+ wv0 \(veth\) in host: down, peer → wv1$/);
    ip('link', 'set', 'wv0', 'name', 'wv9');
    await waitLine(/^~ wv0 \(veth\) in host: renamed to wv9$/);
    ip('link', 'set', 'wv1', 'netns', 'proc-blue');
    await waitLine(/^\+ wv1 \(veth\) in ns proc-blue/);
    ip('link', 'del', 'wv9');
    await waitLine(/^- wv9 \(veth\) in host$/);
    await waitLine(/^- wv1 \(veth\) in ns proc-blue$/);
    w.kill('SIGINT');
    expect(await new Promise((r) => w.on('exit', r))).toBe(0);
  });

});

