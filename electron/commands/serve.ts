// `vnet-studio serve [--host 127.0.0.1] [--port N] [--no-open]`: the engine, a relay and the web host
// in one process tree. Prints exactly one line on stdout — `Open http://HOST:PORT/?token=…` — and
// everything else on stderr, so scripts (and the e2e tests) can read the URL.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { EngineSupervisor } from '../hosts/engine-supervisor';
import { Relay } from '../hosts/relay';
import { startServer } from '../hosts/web/server';
import { CLI_PATH, RENDERER_DIR } from '../paths';

class HelpRequested extends Error {}

export interface ServeArgs { host: string; port: number | null; open: boolean; engineArgs: string[] }

/** The port tried when none is given: a stable one keeps the page's origin, and so the node positions
 *  a user arranged (kept in the origin's localStorage), across restarts. Taken → any free port. */
export const DEFAULT_PORT = 7171;

export const SERVE_USAGE = `usage: vnet-studio serve [--host ADDRESS] [--port N] [--no-open]
  --host ADDRESS   address to listen on (default 127.0.0.1; anything else exposes the engine to
                   whoever can reach that address and has the token)
  --port N         TCP port (default 7171, or a free one if that is taken; 0: any free one)
  --no-open        do not open a browser
  --engine-arg ARG pass ARG to the engine (repeatable), e.g. --engine-arg --sample-hz=20`;

/** Parses serve's arguments; throws an Error naming the bad one. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const out: ServeArgs = { host: '127.0.0.1', port: null, open: true, engineArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--host': {
        const v = value();
        if (!/^[A-Za-z0-9.:-]+$/.test(v)) throw new Error(`--host: "${v}" is not an address or host name`);
        out.host = v; break;
      }
      case '--port': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) throw new Error(`--port: "${v}" is not a port number (0-65535)`);
        out.port = n; break;
      }
      case '--no-open': out.open = false; break;
      case '--engine-arg': out.engineArgs.push(value()); break;
      case '-h': case '--help': throw new HelpRequested();
      default: throw new Error(`unknown option "${a}"\n${SERVE_USAGE}`);
    }
  }
  return out;
}

export async function serveMain(argv: string[]): Promise<number> {
  let args: ServeArgs;
  try { args = parseServeArgs(argv); } catch (err) {
    if (err instanceof HelpRequested) { process.stdout.write(`${SERVE_USAGE}\n`); return 0; }
    process.stderr.write(`vnet-studio serve: ${(err as Error).message}\n`);
    return 2;
  }
  const supervisor = new EngineSupervisor({ cliPath: CLI_PATH, engineArgs: args.engineArgs });
  const relay = new Relay(supervisor);
  supervisor.on('message', (m) => relay.fromEngine(m));
  supervisor.on('notice', (n) => relay.notice(n));
  supervisor.on('exited', (e) => {
    relay.engineGone(e.signal ? `exited with signal ${e.signal}` : `exited with code ${e.code}`);
    if (e.restartInMs !== null) process.stderr.write(`vnet-studio serve: engine exited (${e.signal ?? e.code}); restarting in ${e.restartInMs} ms\n`);
  });
  supervisor.start();

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
  process.stdout.write(`Open ${server.url}\n`);
  if (args.host !== '127.0.0.1' && args.host !== 'localhost' && args.host !== '::1') {
    process.stderr.write(`vnet-studio serve: listening on ${args.host}, not only this machine: anyone who can reach it and has the token can use the engine\n`);
  }
  if (args.open) openBrowser(server.url);

  await new Promise<void>((resolve) => {
    const quit = () => resolve();
    process.once('SIGINT', quit);
    process.once('SIGTERM', quit);
    process.once('SIGHUP', quit);
  });
  await server.close();
  await supervisor.stop();
  return 0;
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
