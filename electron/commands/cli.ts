// `vnet-studio <command>`: one entry point, a table of subcommands. Each command lives in its own
// module, loaded only when used (so `inspect` never loads the web host, and a command whose module
// is not in this build says so). To add one: a module exporting `main(argv): Promise<number>` and
// `usage`, and a line in COMMANDS.
interface Command { main(argv: string[]): Promise<number>; usage?: string }

const COMMANDS: Record<string, { load: () => Command; summary: string }> = {
  inspect: { load: () => require('./inspect') as Command, summary: 'print the machine\'s virtual network (--json, --watch)' },
  engine: { load: () => require('../engine-process') as Command, summary: 'run the engine process (--stdio: JSON-RPC 2.0 on stdin/stdout)' },
  serve: { load: () => require('./serve') as Command, summary: 'serve the app to a browser (127.0.0.1 + token)' },
  lab: { load: () => require('./lab') as Command, summary: 'lab files: validate | plan | apply | destroy | export | list | recover' },
};

function help(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return ['usage: vnet-studio <command> [options]', '',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`), '',
    'vnet-studio <command> --help for a command\'s options'].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) { process.stderr.write(`vnet-studio: unknown command "${name}"\n${help()}\n`); return 2; }
  let cmd: Command;
  try { cmd = entry.load(); } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && /serve-cli|lab-cli/.test(e.message)) {
      process.stderr.write(`vnet-studio: "${name}" is not available in this build\n`);
      return 2;
    }
    throw err;
  }
  return cmd.main(rest);
}

// Run when executed directly (node dist/electron/commands/cli.js) or through bin/vnet-studio.
if (require.main === module || /[\\/]vnet-studio$/.test(require.main?.filename ?? '')) {
  run(process.argv.slice(2)).then((code) => process.exit(code),
    (err) => { process.stderr.write(`vnet-studio: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`); process.exit(1); });
}
