// The supervisor with a real child process: a tiny stand-in engine script (line-framed JSON-RPC on
// stdio, exits on EOF) so framing, restart after a crash, notices and clean stop are exercised for
// real. The real engine is covered by the e2e test.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineSupervisor, engineCommand } from '../../electron/hosts/engine-supervisor';
import type { HostNotice } from '../../electron/contract';
import type { JsonRpcMessage } from '../../electron/hosts/relay';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-sup-'));
const fakeCli = path.join(dir, 'cli.js');
fs.writeFileSync(fakeCli, `
  if (process.argv[2] !== 'engine' || process.argv[3] !== '--stdio') process.exit(9);
  // A notification split over two writes, and two messages in one write: framing must cope.
  const n = JSON.stringify({ jsonrpc: '2.0', method: 'status', params: { pid: process.pid, runAsNode: process.env.ELECTRON_RUN_AS_NODE } });
  // (stdin is read only once that line is whole, so answers never land inside it.)
  process.stdout.write(n.slice(0, 10));
  setTimeout(() => { process.stdout.write(n.slice(10) + '\\n'); process.stdin.resume(); }, 20);
  process.stdin.pause();
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => {
    buf += c; let i;
    while ((i = buf.indexOf('\\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
      const r = JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { method: m.method, pid: process.pid } });
      process.stdout.write(r + '\\n' + 'not json\\n');
    }
  });
  process.stdin.on('end', () => process.exit(0));
`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function next<T>(sup: EngineSupervisor, event: 'message' | 'exited' | 'started' | 'notice' | 'ready', pred: (v: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const h = (v: T) => { if (pred(v)) { sup.off(event, h as never); resolve(v); } };
    sup.on(event, h as never);
  });
}

describe('engine supervisor', () => {
  it('builds argv arrays, with pkexec + env(1) only when elevating a non-root process', () => {
    const base = { execPath: '/opt/app/electron', cliPath: '/opt/app/cli.js', engineArgs: ['--x'] };
    expect(engineCommand({ ...base, elevated: false, isRoot: false })).toEqual({ file: '/opt/app/electron', args: ['/opt/app/cli.js', 'engine', '--stdio', '--x'] });
    expect(engineCommand({ ...base, elevated: true, isRoot: true }).file).toBe('/opt/app/electron');
    expect(engineCommand({ ...base, elevated: true, isRoot: false })).toEqual({
      file: 'pkexec', args: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/opt/app/electron', '/opt/app/cli.js', 'engine', '--stdio', '--x'],
    });
  });

  it('frames lines, restarts after a crash with a notice, and stops cleanly', async () => {
    const stderr: string[] = [];
    const notices: HostNotice[] = [];
    const sup = new EngineSupervisor({ cliPath: fakeCli, initialBackoffMs: 50, onStderr: (l) => stderr.push(l) });
    sup.on('notice', (n) => notices.push(n));
    const firstStatus = next<JsonRpcMessage>(sup, 'message', (m) => m.method === 'status');
    const ready = next<{ result: { method: string } }>(sup, 'ready');
    sup.start();
    const status = await firstStatus;
    // The supervisor's own hello probe is answered and kept away from clients.
    expect((await ready).result.method).toBe('hello');
    expect((status.params as { runAsNode: string }).runAsNode).toBe('1');
    const pid1 = sup.pid!;

    const answer = next<JsonRpcMessage>(sup, 'message', (m) => m.id === 1);
    expect(sup.send({ jsonrpc: '2.0', id: 1, method: 'hello' })).toBe(true);
    expect(await answer).toEqual({ jsonrpc: '2.0', id: 1, result: { method: 'hello', pid: pid1 } });
    expect(stderr.some((l) => l.includes('non-JSON'))).toBe(true);

    // Crash it: the supervisor says so and starts a new one.
    const exited = next<{ signal: string | null; restartInMs: number | null }>(sup, 'exited');
    const restarted = next<HostNotice>(sup, 'notice', (n) => n.engineConnected);
    process.kill(pid1, 'SIGKILL');
    const e = await exited;
    expect(e.signal).toBe('SIGKILL');
    expect(e.restartInMs).toBe(50);
    expect(notices.some((n) => !n.engineConnected && /SIGKILL/.test(n.message ?? '') && /restarting/.test(n.message ?? ''))).toBe(true);
    await restarted;
    expect(sup.pid).not.toBe(pid1);
    expect(notices.at(-1)?.engineConnected).toBe(true);

    // Stop: EOF on stdin makes it leave; no restart follows.
    const pid2 = sup.pid!;
    await sup.stop();
    expect(sup.running).toBe(false);
    expect(() => process.kill(pid2, 0)).toThrow();
    expect(sup.send({ jsonrpc: '2.0', id: 2, method: 'hello' })).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    expect(sup.running).toBe(false);
    expect(notices.at(-1)).toEqual({ engineConnected: false, message: 'engine stopped' });
  });

  it('backs off: quick deaths double the delay', async () => {
    const crashing = path.join(dir, 'crash.js');
    fs.writeFileSync(crashing, 'process.exit(3)');
    const sup = new EngineSupervisor({ cliPath: crashing, initialBackoffMs: 20, maxBackoffMs: 80 });
    const delays: (number | null)[] = [];
    const done = new Promise<void>((resolve) => sup.on('exited', (e) => { delays.push(e.restartInMs); if (delays.length === 4) resolve(); }));
    sup.start();
    await done;
    await sup.stop();
    expect(delays).toEqual([20, 40, 80, 80]);
  });

  it('"Enable editing": restarts through pkexec; a refusal or a missing pkexec falls back to a viewer engine', async () => {
    // Stand-ins for pkexec: one that says yes (runs its argv, as pkexec does after authorising),
    // one that says no (exit 126, the user dismissed the dialog).
    const yes = path.join(dir, 'pkexec-yes'); const no = path.join(dir, 'pkexec-no');
    fs.writeFileSync(yes, '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    fs.writeFileSync(no, '#!/bin/sh\nexit 126\n', { mode: 0o755 });
    for (const [pkexec, expectOk] of [[yes, true], [no, false], [path.join(dir, 'no-such-pkexec'), false]] as const) {
      const sup = new EngineSupervisor({ cliPath: fakeCli, initialBackoffMs: 20, pkexec, isRoot: false, onStderr: () => {} });
      const firstReady = next(sup, 'ready');
      sup.start();
      await firstReady;
      expect(sup.isElevated).toBe(false);
      const r = await sup.restart({ elevated: true });
      expect(r.ok, pkexec).toBe(expectOk);
      if (expectOk) {
        expect(sup.isElevated).toBe(true);
      } else {
        expect(r.message).toMatch(/without privileges/);
        // It comes back as a viewer, not asking again.
        await next(sup, 'ready');
        expect(sup.isElevated).toBe(false);
      }
      await sup.stop();
    }
  });
});
