// Starts the engine process (`vnet-studio engine --stdio`), speaks newline-delimited JSON-RPC with
// it, restarts it with backoff when it dies, and stops it cleanly.
//
// The engine runs on the app's own runtime: `process.execPath` is node under `vnet-studio serve` and
// the Electron binary inside the app; ELECTRON_RUN_AS_NODE=1 makes the latter behave as plain node
// (and is ignored by node). Elevation goes through pkexec with an argv array — never a shell string.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { HostNotice } from '../contract';
import type { EngineLink, JsonRpcMessage } from './relay';
import { CLI_PATH } from '../paths';

export interface SupervisorOptions {
  /** The vnet-studio CLI module (default: paths.ts CLI_PATH). */
  cliPath?: string;
  /** Extra engine arguments after `engine --stdio`. */
  engineArgs?: string[];
  /** Runtime to run the CLI with (default process.execPath). */
  execPath?: string;
  /** Start elevated through pkexec (ignored when already root). */
  elevated?: boolean;
  /** The pkexec binary (tests use a stand-in). */
  pkexec?: string;
  /** Whether we already run as root (default: from getuid; tests override it). */
  isRoot?: boolean;
  /** First restart delay; doubles per quick death up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run this long counts as healthy: the next death restarts after initialBackoffMs again. */
  healthyAfterMs?: number;
  /** How long stop() waits for the engine to leave after its stdin closes, before signalling it. */
  stopGraceMs?: number;
  /** Where the engine's stderr goes (default: our stderr, prefixed). */
  onStderr?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Exit codes pkexec uses when the user dismissed the dialog or was not authorised. */
const PKEXEC_DENIED = new Set([126, 127]);
const MAX_LINE_BYTES = 64 << 20; // a snapshot of a big machine is large, but not this large

export interface SupervisorEvents {
  message: [JsonRpcMessage];
  notice: [HostNotice];
  /** The engine process started (it may still be loading). */
  started: [{ pid: number | undefined; elevated: boolean }];
  /** The engine answered the supervisor's own `hello` probe: it is up and serving. */
  ready: [{ pid: number | undefined; elevated: boolean; result: unknown }];
  /** The engine process ended; `restartInMs` is null when it will not be restarted. */
  exited: [{ code: number | null; signal: NodeJS.Signals | null; restartInMs: number | null; reason: string }];
}

/** The argv to run, as an array (never a shell string). Exported for tests. */
export function engineCommand(opts: { execPath: string; cliPath: string; engineArgs: string[]; elevated: boolean; isRoot: boolean; pkexec?: string }): { file: string; args: string[] } {
  const base = [opts.cliPath, 'engine', '--stdio', ...opts.engineArgs];
  if (!opts.elevated || opts.isRoot) return { file: opts.execPath, args: base };
  // pkexec wipes the environment, so ELECTRON_RUN_AS_NODE is passed through env(1) in argv form.
  return { file: opts.pkexec ?? 'pkexec', args: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', opts.execPath, ...base] };
}

export class EngineSupervisor extends EventEmitter<SupervisorEvents> implements EngineLink {
  private child: ChildProcess | null = null;
  private stopping = false;
  private backoff: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private elevated: boolean;
  private probes = 0;
  private probeId: string | null = null;
  private readonly o: Required<Omit<SupervisorOptions, 'onStderr' | 'env' | 'elevated' | 'isRoot'>> & Pick<SupervisorOptions, 'onStderr' | 'env' | 'isRoot'>;

  constructor(opts: SupervisorOptions = {}) {
    super();
    this.o = {
      cliPath: opts.cliPath ?? CLI_PATH,
      engineArgs: opts.engineArgs ?? [],
      execPath: opts.execPath ?? process.execPath,
      initialBackoffMs: opts.initialBackoffMs ?? 250,
      maxBackoffMs: opts.maxBackoffMs ?? 10_000,
      healthyAfterMs: opts.healthyAfterMs ?? 10_000,
      stopGraceMs: opts.stopGraceMs ?? 2_000,
      onStderr: opts.onStderr,
      env: opts.env,
      pkexec: opts.pkexec ?? 'pkexec',
      isRoot: opts.isRoot,
    };
    this.elevated = opts.elevated ?? false;
    this.backoff = this.o.initialBackoffMs;
  }

  get running(): boolean { return this.child !== null; }
  get pid(): number | undefined { return this.child?.pid; }
  get isElevated(): boolean { return this.elevated; }

  start(): void {
    this.stopping = false;
    if (this.child) return;
    this.spawnEngine();
  }

  send(msg: JsonRpcMessage): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable) return false;
    stdin.write(JSON.stringify(msg) + '\n');
    return true;
  }

  /**
   * Restarts the engine, elevated or not (the "Enable editing" button). Resolves once the new process
   * has started, or with ok:false and the reason when pkexec was refused (the old mode is resumed).
   */
  async restart(opts: { elevated: boolean }): Promise<{ ok: boolean; message: string }> {
    await this.stop();
    this.elevated = opts.elevated;
    this.stopping = false;
    this.backoff = this.o.initialBackoffMs;
    return new Promise((resolve) => {
      // Ended before it answered: pkexec refused/cancelled, pkexec missing, or the engine failed.
      const onExit = (e: SupervisorEvents['exited'][0]) => {
        cleanup();
        const denied = opts.elevated && e.code !== null && PKEXEC_DENIED.has(e.code);
        resolve({ ok: false, message: denied
          ? 'Elevation was refused or cancelled (pkexec); still running without privileges.'
          : `The engine did not start${opts.elevated ? ' with privileges' : ''} (${e.reason}); ${opts.elevated ? 'still running without privileges' : 'retrying'}.` });
      };
      // Ready = it answered the probe (through pkexec that means the user said yes).
      const onReady = () => { cleanup(); resolve({ ok: true, message: opts.elevated ? 'Engine restarted with privileges.' : 'Engine restarted.' }); };
      const cleanup = () => { this.off('exited', onExit); this.off('ready', onReady); };
      this.on('exited', onExit);
      this.on('ready', onReady);
      this.spawnEngine();
    });
  }

  /** Stops the engine: closes its stdin (the engine exits on EOF), then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) { clearTimeout(this.restartTimer); this.restartTimer = null; }
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      // 'close' (not 'exit'): by then the output is drained and this.child is cleared.
      child.once('close', () => { timers.forEach(clearTimeout); resolve(); });
      child.stdin?.end();
      // An elevated (root) engine cannot be signalled by us; EOF on stdin is how it learns to go.
      timers.push(setTimeout(() => child.kill('SIGTERM'), this.o.stopGraceMs));
      timers.push(setTimeout(() => { child.kill('SIGKILL'); }, this.o.stopGraceMs * 2));
      timers.push(setTimeout(resolve, this.o.stopGraceMs * 3));
    });
  }

  private spawnEngine(): void {
    const isRoot = this.o.isRoot ?? process.getuid?.() === 0;
    if (this.elevated && isRoot) this.elevated = false; // already root: nothing to elevate
    const cmd = engineCommand({ execPath: this.o.execPath, cliPath: this.o.cliPath, engineArgs: this.o.engineArgs, elevated: this.elevated, isRoot, pkexec: this.o.pkexec });
    const env = { ...(this.o.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' };
    let child: ChildProcess;
    try {
      child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    } catch (err) {
      this.afterExit(null, null, `could not start the engine: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.startedAt = Date.now();
    let spawnError: string | null = null;
    child.on('error', (err) => { spawnError = err.message; });
    child.stdin!.on('error', () => { /* EPIPE when it died mid-write: the exit handler reports it */ });
    readLines(child.stdout!, (line) => {
      if (!line.trim()) return;
      let msg: unknown;
      try { msg = JSON.parse(line); } catch {
        this.o.onStderr?.(`engine wrote a non-JSON line on stdout: ${line.slice(0, 200)}`);
        return;
      }
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return;
      const m = msg as JsonRpcMessage;
      if (this.probeId !== null && m.id === this.probeId && this.child === child) {
        // Our own probe's answer: not for any client (the relay only routes numeric ids anyway).
        this.probeId = null;
        const elevated = this.elevated;
        this.emit('ready', { pid: child.pid, elevated, result: m.result });
        this.emit('notice', { engineConnected: true, message: elevated ? 'engine running with privileges' : null });
        return;
      }
      this.emit('message', m);
    }, (why) => this.o.onStderr?.(`engine: ${why}`));
    readLines(child.stderr!, (line) => {
      if (this.o.onStderr) this.o.onStderr(line); else process.stderr.write(`[engine] ${line}\n`);
    }, () => {});
    this.emit('started', { pid: child.pid, elevated: this.elevated });
    // "Connected" is announced when the engine answers this, not when the process merely exists.
    this.probeId = `supervisor-probe-${++this.probes}`;
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id: this.probeId, method: 'hello' })}\n`);
    child.on('close', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.afterExit(code, signal, spawnError);
    });
  }

  private afterExit(code: number | null, signal: NodeJS.Signals | null, spawnError: string | null): void {
    const how = spawnError ? spawnError : signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping) {
      this.emit('exited', { code, signal, restartInMs: null, reason: how });
      this.emit('notice', { engineConnected: false, message: 'engine stopped' });
      return;
    }
    if (this.elevated && (spawnError || (code !== null && PKEXEC_DENIED.has(code) && Date.now() - this.startedAt < 120_000))) {
      // The user cancelled the pkexec dialog (or was not authorised), or there is no pkexec: fall
      // back to a viewer engine instead of asking again and again.
      this.elevated = false;
    }
    if (Date.now() - this.startedAt >= this.o.healthyAfterMs) this.backoff = this.o.initialBackoffMs;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.o.maxBackoffMs);
    this.emit('exited', { code, signal, restartInMs: delay, reason: how });
    this.emit('notice', { engineConnected: false, message: `engine exited (${how}); restarting in ${(delay / 1000).toFixed(1)} s` });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping && !this.child) this.spawnEngine();
    }, delay);
  }
}

/** Newline framing: calls onLine per complete line (a partial last line waits for its newline). */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void, onError: (why: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let start = 0; let nl: number;
    while ((nl = buf.indexOf('\n', start)) >= 0) {
      onLine(buf.slice(start, nl));
      start = nl + 1;
    }
    if (start > 0) buf = buf.slice(start);
    if (buf.length > MAX_LINE_BYTES) {
      onError(`a line over ${MAX_LINE_BYTES} bytes without a newline; dropped`);
      buf = '';
    }
  });
  stream.on('end', () => { if (buf) onLine(buf); buf = ''; });
}
