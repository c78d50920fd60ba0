// The built CLI's `vnet-studio engine --stdio` as a child process, for the suites that test the
// engine process itself (its protocol on stdio, its exit, running unprivileged).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import { CLI_PATH } from '../../electron/paths';
import { ip } from './ip';
import { quiet } from './processes';

export const cli = CLI_PATH;

/** The process suites' world (call inside a describeKernel): the built CLI must exist; veth pv0 in
 *  the host, its peer pv1 in the named namespace proc-blue; removed after the suite. */
export function useBuiltCliWithProcBlue(): void {
  beforeAll(() => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: build first (npx tsc -p tsconfig.json)`);
    ip('netns', 'add', 'proc-blue');
    ip('link', 'add', 'pv0', 'type', 'veth', 'peer', 'name', 'pv1');
    ip('link', 'set', 'pv1', 'netns', 'proc-blue');
  });
  afterAll(() => {
    quiet(() => ip('link', 'del', 'pv0'));
    quiet(() => ip('netns', 'del', 'proc-blue'));
  });
}

/** `vnet-studio engine --stdio` as a child process (optionally behind a prefix such as NOBODY). */
export class EngineProc {
  readonly p: ChildProcessWithoutNullStreams;
  readonly messages: Record<string, any>[] = [];
  private waiters: (() => void)[] = [];
  stderr = '';
  exit: Promise<number | null>;
  constructor(prefix: string[] = [], args: string[] = []) {
    const argv = [...prefix, process.execPath, cli, 'engine', '--stdio', ...args];
    this.p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.p.stdout }).on('line', (l) => {
      this.messages.push(JSON.parse(l)); // stdout carries only protocol: every line must be JSON
      for (const w of this.waiters.splice(0)) w();
    });
    this.p.stderr.on('data', (d) => { this.stderr += d; });
    this.exit = new Promise((r) => this.p.on('exit', (code) => r(code)));
  }
  send(msg: object): void { this.p.stdin.write(`${JSON.stringify(msg)}\n`); }
  async next(pred: (m: Record<string, any>) => boolean, timeoutMs = 15_000): Promise<Record<string, any>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no such message; stderr: ${this.stderr}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
  }
  async call(id: number, method: string, params?: unknown) {
    this.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return this.next((m) => m.id === id);
  }
}
