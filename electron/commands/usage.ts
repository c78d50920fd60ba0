// How every `vnet-studio` command treats its command line, in one style:
//   --help / -h            the command's usage on stdout, exit 0
//   bad usage              stderr: `vnet-studio <command>: <what is wrong>`, a blank line, the
//                          command's usage; exit 2
// Options are read with node:util parseArgs (strict); its errors are put into words here, naming
// the option. A command may also throw a UsageError (or let a parseArgs error through): cli.ts
// prints it the same way, with that command's usage. Also: counted(), for "1 namespace".
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad usage, in words naming the option or argument that is wrong. `command`/`usage` name a
 *  subcommand ("lab validate") when it is not the command cli.ts dispatched to. Its code is how
 *  layers below the commands mark one without importing this file (electron/engine-process/stdio.ts). */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE';
  constructor(message: string, readonly command?: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs, whose errors come back as UsageErrors naming the option. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const words = usageProblem(err);
    if (words === null) throw err;
    throw new UsageError(words);
  }
}

/** What is wrong, for a UsageError, an error marked ERR_USAGE, or a node:util parseArgs error;
 *  null for any other error (not a usage error). */
export function usageProblem(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') return null;
  const message = String(e.message ?? '');
  if (e.code === 'ERR_USAGE') return message;
  if (!e.code.startsWith('ERR_PARSE_ARGS_')) return null;
  // parseArgs names the option as typed, or as "-o, --out <value>" when its value is missing
  const named = /'([^']*)'/.exec(message)?.[1]?.replace(/ <value>$/, '') ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option '${named}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument '${named}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // "ambiguous": the next word starts with '-', so parseArgs does not take it as the value
      if (/argument missing|ambiguous/.test(message)) return `option '${named}' needs a value`;
      if (/does not take an argument/.test(message)) return `option '${named}' takes no value`;
  }
  return message.split('\n')[0];
}

/** `--help`: the usage on stdout; returns the exit code 0. */
export function showUsage(usage: string): 0 {
  process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
  return 0;
}

/** Bad usage: `vnet-studio <command>: <problem>`, a blank line and the usage on stderr; returns
 *  the exit code 2. `command` is '' for `vnet-studio` itself. */
export function badUsage(command: string, usage: string, problem: string): 2 {
  const who = command ? `vnet-studio ${command}` : 'vnet-studio';
  process.stderr.write(`${who}: ${problem}\n\n${usage.endsWith('\n') ? usage : `${usage}\n`}`);
  return 2;
}

/** A count with its noun: "1 namespace", "3 namespaces". */
/** An option's whole-number value from `min` to `max` (undefined when absent); a UsageError naming
 *  the option otherwise. */
export function wholeNumber(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
