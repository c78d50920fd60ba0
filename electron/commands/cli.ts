// `vnet-studio <command>`: one entry point, a table of subcommands. Each command lives in its own
// module, loaded only when used (so `inspect` never loads the web host). To add one: a module
// exporting `main(argv): Promise<number>` and `usage`, and a line in COMMANDS. How commands treat
// --help and bad usage: usage.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APP_ROOT } from '../paths';
import { badUsage, showUsage, usageProblem, UsageError } from './usage';

interface Command { main(argv: string[]): Promise<number>; usage: string }

const COMMANDS: Record<string, { load: () => Command; summary: string }> = {
  inspect: { load: () => require('./inspect') as Command, summary: 'print the machine\'s virtual network (--json, --watch)' },
  engine: { load: () => require('../engine-process') as Command, summary: 'run the engine process (--stdio: JSON-RPC 2.0 on stdin/stdout)' },
  serve: { load: () => require('./serve') as Command, summary: 'serve the app to a browser (127.0.0.1 + token)' },
  lab: { load: () => require('./lab') as Command, summary: 'lab files: validate | plan | apply | destroy | export | list | recover' },
  capture: { load: () => require('./capture') as Command, summary: 'capture packets on interfaces of any namespaces (-w - | wireshark -k -i -)' },
  trace: { load: () => require('./trace') as Command, summary: 'ping an address from a namespace and follow it hop by hop (--json)' },
};

function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return ['usage: vnet-studio <command> [options]', '',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`), '',
    '  -h, --help     this text; vnet-studio <command> --help: that command\'s own',
    '  -V, --version  the version of VNet Studio'].join('\n');
}

/** The version in package.json, read at run time so a checkout always tells its own. */
function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) { process.stderr.write(`${usage()}\n`); return 2; }
  if (name === '--help' || name === '-h') return showUsage(usage());
  if (name === 'help') return rest.length ? run([rest[0], '--help']) : showUsage(usage());
  if (name === '--version' || name === '-V') { process.stdout.write(`vnet-studio ${version()}\n`); return 0; }
  if (name.startsWith('-')) return badUsage('', usage(), `unknown option '${name}'`);
  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) return badUsage('', usage(), `unknown command '${name}'`);
  const cmd = entry.load();
  try {
    return await cmd.main(rest);
  } catch (err) {
    // bad usage a command threw (or a parseArgs error it let through): said in the one style
    const problem = usageProblem(err);
    if (problem === null) throw err;
    const sub = err instanceof UsageError ? err : null;
    return badUsage(sub?.command ?? name, sub?.usage ?? cmd.usage, problem);
  }
}

// Run when executed directly (node dist/electron/commands/cli.js) or through bin/vnet-studio.
if (require.main === module || /[\\/]vnet-studio$/.test(require.main?.filename ?? '')) {
  run(process.argv.slice(2)).then((code) => process.exit(code),
    (err) => { process.stderr.write(`vnet-studio: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`); process.exit(1); });
}
