// `vnet-studio engine --stdio`: the engine process. JSON-RPC 2.0, one message per line on
// stdin/stdout; logs on stderr only (stdout carries nothing but protocol). Ends cleanly (exit 0)
// on stdin end, SIGTERM/SIGINT, or a `shutdown` request: unsubscribes, closes every handle.
// The command itself is electron/engine-process/index.ts, which passes in the connection with the lab
// methods: the engine layer does not import the layers above it.
import { parseArgs } from 'node:util';
import * as readline from 'node:readline';
import { Engine, defaultSampleHz } from '../engine';
import type { ConnectionOptions, EngineConnection } from '../engine/server';
import { MAX_RECONCILE_PER_SEC } from '../engine/options';

export const usage = `usage: vnet-studio engine --stdio [--sample-hz HZ] [--low-sample-hz HZ] [--rescan-ms MS] [--reconcile-ms MS] [--reconcile-per-sec N]
  Runs the engine, speaking JSON-RPC 2.0 (newline-delimited) on stdin/stdout.
  --stdio            the transport (required: the only one the engine process speaks)
  --sample-hz HZ     counter sample rate, 0.5..50 (default 10, or $VNET_SAMPLE_HZ), for the
                     namespaces clients look at (setInterest)
  --low-sample-hz HZ the rate for every other namespace, 0.5..50 (default 1, or $VNET_LOW_SAMPLE_HZ)
  --rescan-ms MS     /proc rescan period for process namespaces (default 1000; 0 = events only)
  --reconcile-ms MS  period in which every namespace is re-read once, for changes the kernel
                     never announces (default 3000, or $VNET_RECONCILE_MS; 0 = off)
  --reconcile-per-sec N  at most N namespaces re-read a second, so the cost does not grow with
                     the machine (default 10, or $VNET_RECONCILE_PER_SEC): with more namespaces
                     than fit in one period, a round takes namespaces / N seconds
  -h, --help         this text`;

/** Bad usage: thrown, not printed, so the command line (electron/commands/cli.ts) says it in the
 *  one style of every command (electron/commands/usage.ts), which this layer may not import; the
 *  code marks it. node:util parseArgs's own errors are thrown as they are, for the same reason. */
function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_USAGE' });
}

function num(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw usageError(`--${name} must be a number from ${min} to ${max}, got "${v}"`);
  return n;
}

/** Builds the protocol connection for the engine process (createEngineConnection plus extensions). */
export type ConnectEngine = (engine: Engine, send: (msg: object) => void, opts: ConnectionOptions) => EngineConnection;

/** Runs the engine process; resolves to its exit code. Bad usage rejects (see usageError). */
export async function runEngineProcess(argv: string[], connect: ConnectEngine): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    stdio: { type: 'boolean', default: false }, 'sample-hz': { type: 'string' }, 'low-sample-hz': { type: 'string' }, 'rescan-ms': { type: 'string' }, 'reconcile-ms': { type: 'string' },
    'reconcile-per-sec': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
  }, strict: true, allowPositionals: false });
  if (values.help) { process.stdout.write(`${usage}\n`); return 0; }
  if (!values.stdio) throw usageError('--stdio is required (the only transport the engine process speaks)');
  const sampleHz = num('sample-hz', values['sample-hz'], 0.5, 50) ?? defaultSampleHz();
  const lowSampleHz = num('low-sample-hz', values['low-sample-hz'], 0.5, 50);
  const rescanMs = num('rescan-ms', values['rescan-ms'], 0, 3_600_000);
  const reconcileMs = num('reconcile-ms', values['reconcile-ms'], 0, 3_600_000);
  const reconcilePerSec = num('reconcile-per-sec', values['reconcile-per-sec'], 0.1, MAX_RECONCILE_PER_SEC);

  const log = (m: string) => process.stderr.write(`engine[${process.pid}]: ${m}\n`);
  const engine = await Engine.start({ sampleHz, lowSampleHz, rescanMs, reconcileMs, reconcilePerSec, log });
  const st = engine.status();
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  log(`started: ${count(st.namespaces, 'namespace')}, ${count(st.interfaces, 'interface')}${st.limitation ? `; ${st.limitation}` : ''}`);

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => { resolveDone = r; });
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      log(`stopping (${why})`);
      conn.close();
      rl.close();
      await engine.stop();
      // Let stdout drain before exiting.
      await new Promise<void>((r) => (process.stdout.writableLength ? process.stdout.once('drain', () => r()) : r()));
      resolveDone(0);
    })();
  };
  // A host that stops reading must not make us buffer without end: counter frames (each one
  // supersedes the last) and live capture batches (numbered; the capture's file keeps every
  // packet) are dropped while more than STDOUT_LIMIT bytes wait; deltas and responses never are.
  const STDOUT_LIMIT = 4 << 20;
  let dropping = false;
  const conn = connect(engine, (msg) => {
    const method = (msg as { method?: string }).method;
    if ((method === 'counters' || method === 'capturePackets') && process.stdout.writableLength > STDOUT_LIMIT) {
      if (!dropping) log('stdout is not being read: dropping counter frames and live capture batches until it drains');
      dropping = true;
      return;
    }
    dropping = false;
    process.stdout.write(`${JSON.stringify(msg)}\n`);
  }, { onShutdown: () => stop('shutdown request') });

  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => { if (line.trim()) void conn.receive(line); });
  rl.on('close', () => stop('stdin ended'));
  process.stdout.on('error', () => stop('stdout closed'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return done;
}
