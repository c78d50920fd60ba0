// `ip` for the tests that set up or read the throwaway world: the one helper that runs iproute2.
// Argv arrays only (never a shell string); a failure throws with ip's own stderr in the message.
//
//   ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');   // in the test's namespace
//   ip('-n', 'blue', 'addr', 'show');                                  // in a named namespace
//   ip({ pid: container.pid }, 'link', 'set', 'eth0', 'up');           // where only a process is
//   ip({ input: 'link add a type dummy\n' }, '-batch', '-');           // stdin for -batch
import { execFile, execFileSync } from 'node:child_process';

export interface IpOptions {
  /** Run inside the network namespace of this process (`nsenter -t PID -n ip ...`). */
  pid?: number;
  /** What ip reads on stdin (`-batch -`). */
  input?: string;
}

type IpArgs = string[] | [IpOptions, ...string[]];

function argv(a: IpArgs, tool = 'ip'): { cmd: string; args: string[]; input?: string } {
  const [first, ...rest] = a;
  const o: IpOptions = typeof first === 'object' ? first : {};
  const ipArgs = (typeof first === 'object' ? rest : a) as string[];
  if (o.pid === undefined) return { cmd: tool, args: ipArgs, input: o.input };
  return { cmd: 'nsenter', args: ['-t', String(o.pid), '-n', tool, ...ipArgs], input: o.input };
}

function failure(cmd: string, args: string[], how: string, stderr: string): Error {
  return new Error(`${cmd} ${args.join(' ')} failed (${how}): ${stderr.trim()}`);
}

const MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs `ip ARGS` (optionally preceded by IpOptions); returns its stdout. */
export function ip(...a: IpArgs): string { return run(argv(a)); }

/** Runs iproute2's `bridge ARGS` the same way (`bridge -n blue fdb show`, or { pid } first). */
export function bridge(...a: IpArgs): string { return run(argv(a, 'bridge')); }

/** `bridge -j ARGS` parsed (nothing printed is []). */
export function bridgeJson<T = any>(...a: IpArgs): T {
  const out = typeof a[0] === 'object' ? bridge(a[0], '-j', ...(a.slice(1) as string[])) : bridge('-j', ...(a as string[]));
  return (out.trim() ? JSON.parse(out) : []) as T;
}

function run({ cmd, args, input }: { cmd: string; args: string[]; input?: string }): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], maxBuffer: MAX_OUTPUT });
  } catch (e) {
    const err = e as Error & { status?: number | null; stderr?: string };
    throw failure(cmd, args, err.status != null ? `exit ${err.status}` : err.message, err.stderr ?? '');
  }
}

/** ip() without blocking the test's thread (e.g. two namespaces churning at once). */
export function ipAsync(...a: IpArgs): Promise<string> {
  const { cmd, args, input } = argv(a);
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'utf8', maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
      if (err) reject(failure(cmd, args, typeof err.code === 'number' ? `exit ${err.code}` : err.message, stderr));
      else resolve(stdout);
    });
    child.stdin!.end(input ?? '');
  });
}

/** `ip -j ARGS` parsed (ip prints nothing at all for an empty list: that is []). */
export function ipJson<T = any>(...a: IpArgs): T {
  const out = typeof a[0] === 'object' ? ip(a[0], '-j', ...(a.slice(1) as string[])) : ip('-j', ...(a as string[]));
  return (out.trim() ? JSON.parse(out) : []) as T;
}

/** `ip [GLOBAL...] -batch -`: one command per line, e.g. ipBatch(lines, '-n', 'blue') or
 *  ipBatch(lines, { pid }). */
export function ipBatch(lines: readonly string[], ...a: IpArgs): string {
  const [first, ...rest] = a;
  const [o, global] = typeof first === 'object' ? [first, rest as string[]] : [{}, a as string[]];
  return ip({ ...o, input: `${lines.join('\n')}\n` }, ...global, '-batch', '-');
}
