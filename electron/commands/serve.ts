// `vnet-studio serve [--host 127.0.0.1] [--port N] [--no-open]`: the engine, a relay and the web host
// in one process tree. Prints exactly one line on stdout — `Open http://HOST:PORT/?token=…` — and
// everything else on stderr, so scripts (and the e2e tests) can read the URL. Stops, engine
// included, on SIGINT, SIGTERM, SIGHUP or when the process that started it dies (untilStopped).
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { EngineSupervisor } from '../hosts/engine-supervisor';
import { Relay } from '../hosts/relay';
import { startServer } from '../hosts/web/server';
import { CLI_PATH, RENDERER_DIR } from '../paths';
import { badUsage, parseOptions, showUsage, usageProblem, UsageError } from './usage';

export interface ServeArgs { host: string; port: number | null; open: boolean; engineArgs: string[] }

/** The port tried when none is given: a stable one keeps the page's origin, and so the node positions
 *  a user arranged (kept in the origin's localStorage), across restarts. Taken → any free port. */
export const DEFAULT_PORT = 7171;

export const SERVE_USAGE = `usage: vnet-studio serve [--host ADDRESS] [--port N] [--no-open] [--engine-arg ARG]...
  --host ADDRESS   address to listen on (default 127.0.0.1; anything else exposes the engine to
                   whoever can reach that address and has the token)
  --port N         TCP port (default 7171, or a free one if that is taken; 0: any free one)
  --no-open        do not open a browser
  --engine-arg ARG pass ARG to the engine (repeatable), e.g. --engine-arg --sample-hz=20`;

/** Parses serve's arguments; throws a UsageError naming the bad one (help is asked for by `help`). */
export function parseServeArgs(argv: string[]): ServeArgs & { help: boolean } {
  // `--engine-arg --sample-hz=20`: the value starts with '-', which parseArgs would refuse as
  // ambiguous; it is the whole point of this option, so it is joined to its flag first.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) args.push(argv[i] === '--engine-arg' && i + 1 < argv.length ? `--engine-arg=${argv[++i]}` : argv[i]);
  const { values } = parseOptions({
    args, strict: true, allowPositionals: false,
    options: {
      host: { type: 'string' }, port: { type: 'string' }, 'no-open': { type: 'boolean' },
      'engine-arg': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
    },
  });
  const out = { host: '127.0.0.1', port: null as number | null, open: !values['no-open'], engineArgs: values['engine-arg'] ?? [], help: !!values.help };
  if (values.host !== undefined) {
    if (!/^[A-Za-z0-9.:-]+$/.test(values.host)) throw new UsageError(`--host: '${values.host}' is not an address or host name`);
    out.host = values.host;
  }
  if (values.port !== undefined) {
    const n = Number(values.port);
    if (!/^\d+$/.test(values.port) || n > 65535) throw new UsageError(`--port: '${values.port}' is not a port number (0-65535)`);
    out.port = n;
  }
  return out;
}

export async function serveMain(argv: string[]): Promise<number> {
  const parent = process.ppid; // before anything slow: it may die while we start
  let args: ServeArgs;
  try {
    const parsed = parseServeArgs(argv);
    if (parsed.help) return showUsage(SERVE_USAGE);
    args = parsed;
  } catch (err) {
    const problem = usageProblem(err);
    if (problem === null) throw err;
    return badUsage('serve', SERVE_USAGE, problem);
  }
  // The engine starts once the port is known: it leaves this port out of captures on lo.
  const engineEnv: NodeJS.ProcessEnv = { ...process.env };
  const supervisor = new EngineSupervisor({ cliPath: CLI_PATH, engineArgs: args.engineArgs, env: engineEnv });
  const relay = new Relay(supervisor);
  supervisor.on('message', (m) => relay.fromEngine(m));
  supervisor.on('notice', (n) => relay.notice(n));
  supervisor.on('exited', (e) => {
    relay.engineGone(e.signal ? `exited with signal ${e.signal}` : `exited with code ${e.code}`);
    if (e.restartInMs !== null) process.stderr.write(`vnet-studio serve: engine exited (${e.signal ?? e.code}); restarting in ${e.restartInMs} ms\n`);
  });

  let server;
  try {
    const listen = (port: number) => startServer({ relay, rendererDir: RENDERER_DIR, host: args.host, port });
    server = args.port !== null ? await listen(args.port)
      : await listen(DEFAULT_PORT).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') throw err;
        return listen(0);
      });
  } catch (err) {
    process.stderr.write(`vnet-studio serve: cannot listen on ${args.host}:${args.port ?? DEFAULT_PORT}: ${(err as Error).message}\n`);
    await supervisor.stop();
    return 1;
  }
  engineEnv.VNET_CAPTURE_EXCLUDE_PORTS = String(server.port);
  supervisor.start();
  process.stdout.write(`Open ${server.url}\n`);
  if (args.host !== '127.0.0.1' && args.host !== 'localhost' && args.host !== '::1') {
    process.stderr.write(`vnet-studio serve: listening on ${args.host}, not only this machine: anyone who can reach it and has the token can use the engine\n`);
  }
  if (args.open) openBrowser(server.url);

  const why = await untilStopped(parent);
  process.stderr.write(`vnet-studio serve: stopping (${why})\n`);
  await server.close();
  await supervisor.stop();
  return 0;
}

/** How often serve checks that whoever started it is still there. */
const PARENT_POLL_MS = 500;

/**
 * Resolves, with the reason, on SIGINT, SIGTERM or SIGHUP, or when the process that started us is
 * gone. That last one matters under npm: `npm run serve` exits on SIGTERM or SIGKILL without waiting
 * for us, and nothing else would tell us. An orphan is handed to another parent (init, a subreaper),
 * so a changed ppid means the first one died; a terminal's ^C or hang-up arrives as a signal.
 */
export function untilStopped(parent = process.ppid, pollMs = PARENT_POLL_MS): Promise<string> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const handlers = signals.map((sig) => [sig, () => done(sig)] as const);
    const timer = setInterval(() => { if (process.ppid !== parent) done(`parent process ${parent} is gone`); }, pollMs);
    const done = (why: string) => {
      clearInterval(timer);
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(why);
    };
    for (const [sig, h] of handlers) process.once(sig, h);
  });
}

/** Best effort: only where a desktop session exists, argv form, no shell. */
function openBrowser(url: string): void {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  try {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => { /* no xdg-open: the printed line is enough */ });
    child.unref();
  } catch { /* ditto */ }
}

// The shape electron/commands/cli.ts expects of a subcommand module.
export const main = serveMain;
export const usage = SERVE_USAGE;
