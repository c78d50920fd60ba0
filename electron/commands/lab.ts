// `vnet-studio lab apply|destroy|export|plan|validate|list|recover`: lab files from the command line.
// apply/destroy need privileges (they change the kernel through the native netlink API); export,
// plan --offline and validate do not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyLab, destroyLab, recoverInterrupted, type Progress } from '../labs/apply';
import { exportScript, buildActions } from '../labs/export';
import { listJournals, journalDir } from '../labs/journal';
import { commandLines } from '../labs/commands';
import { PlanConflict } from '../labs/plan';
import { parseLab } from '../labs/parse';
import { LabError } from '../labs/types';
import { NativeLabKernel } from '../labs/native-kernel';
import { labPrivilegeError } from '../labs/privilege';
import { printable } from '../labs/names';
import { SHIPPED_LABS_DIR } from '../paths';
import { counted, parseOptions, showUsage, UsageError } from './usage';

/** One lab command: its arguments and options, and the lines of its own --help. */
interface Sub {
  args: string;                          // as shown in the usage ('' = none)
  operand: string | null;                // the one argument it takes ("lab FILE"), or none
  options: Record<string, { type: 'boolean' | 'string'; short?: string }>;
  summary: string;                       // one line, for `lab --help`
  help: string[];                        // what `lab CMD --help` says besides the summary
}

// Every lab command takes --quiet, so one can be passed to any of them (scripts, the tests).
const QUIET = { quiet: { type: 'boolean', short: 'q' } } as const;
const QUIET_HELP = '-q, --quiet    no progress lines';
const QUIET_NONE = '-q, --quiet    accepted as by the other lab commands; this one prints no progress anyway';

const SUBS: Record<string, Sub> = {
  apply: { args: 'FILE [--dry-run]', operand: 'lab FILE', options: { 'dry-run': { type: 'boolean' }, ...QUIET },
    summary: 'make the kernel match the lab (only the difference); prints the ip commands',
    help: ['Needs root.', '--dry-run      print the ip commands, change nothing (as lab plan)', QUIET_HELP] },
  destroy: { args: 'FILE|NAME', operand: 'lab FILE or NAME', options: { ...QUIET },
    summary: 'remove exactly what the lab made (also after a crash)',
    help: ['NAME: the lab\'s name (lab list shows them); a FILE is read for its name. Needs root.', QUIET_HELP] },
  export: { args: 'FILE [-o OUT]', operand: 'lab FILE', options: { out: { type: 'string', short: 'o' }, ...QUIET },
    summary: 'the lab as a shell script of ip commands (sh OUT; sh OUT down)',
    help: ['-o, --out OUT  write the script to OUT (mode 755) instead of stdout', QUIET_NONE] },
  plan: { args: 'FILE [--offline]', operand: 'lab FILE', options: { offline: { type: 'boolean' }, ...QUIET },
    summary: 'the ip commands apply would run (--offline: as on a clean machine)',
    help: ['--offline      as on a clean machine: read no kernel state', QUIET_HELP] },
  validate: { args: 'FILE', operand: 'lab FILE', options: { ...QUIET },
    summary: 'check a lab file: every problem, in line order, as FILE:LINE: PATH: MESSAGE',
    help: ['Exit 0 when the file is valid, 1 when it is not. Touches nothing.', QUIET_NONE] },
  list: { args: '', operand: null, options: { ...QUIET },
    summary: `labs this machine has applied (journal: ${'$'}VNET_STATE_DIR or /var/lib/vnet-studio)`,
    help: [QUIET_NONE] },
  recover: { args: '', operand: null, options: { ...QUIET },
    summary: 'clean up after every lab run that was interrupted (kill -9, crash)',
    help: ['Needs root.', QUIET_HELP] },
};

function subUsage(name: string): string {
  const s = SUBS[name];
  return [`usage: vnet-studio lab ${name}${s.args ? ` ${s.args}` : ''} [--quiet]`, `  ${s.summary}`,
    ...s.help.map((h) => `  ${h}`), '  -h, --help     this text'].join('\n');
}

export const usage = (() => {
  const rows = Object.entries(SUBS).map(([k, s]) => [`${k}${s.args ? ` ${s.args}` : ''}`, s.summary]);
  rows.push(['-q, --quiet', 'no progress lines (every lab command takes it)'],
    ['-h, --help', 'this text; vnet-studio lab <command> --help: that command\'s own']);
  const w = Math.max(...rows.map(([a]) => a.length));
  return ['usage: vnet-studio lab <command> [options]', '', ...rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`)].join('\n');
})();

/** Why a lab file cannot be read, in one line (not Node's "EISDIR: illegal operation ..."). */
function unreadable(file: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EISDIR': return `${file} is a directory, not a lab file`;
    case 'ENOENT': return `${file} does not exist`;
    case 'ENOTDIR': return `${file} does not exist (a part of the path is not a directory)`;
    case 'EACCES': case 'EPERM': return `${file} is not readable (permission denied)`;
    default: return `cannot read ${file}: ${err.message}`;
  }
}

/** Reads and parses a lab file; its problems are named by the path as given (an editor can jump
 *  to them), and a file that cannot be read says why in one line. */
function readLab(file: string) {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new Error(unreadable(file, e as NodeJS.ErrnoException)); }
  return parseLab(text, file);
}

function progressPrinter(quiet: boolean): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  const tty = process.stderr.isTTY;
  let lastShown = 0;
  return (p) => {
    // on a terminal: one line rewritten in place; otherwise every 10% (and the last)
    if (tty) process.stderr.write(`\r\x1b[K[${p.done}/${p.total}] ${p.phase} ${p.object}`);
    else if (p.done === p.total || p.done - lastShown >= Math.max(1, Math.ceil(p.total / 10))) {
      process.stderr.write(`[${p.done}/${p.total}] ${p.phase} ${p.object}\n`);
      lastShown = p.done;
    }
    if (tty && p.done === p.total) process.stderr.write('\n');
  };
}

/** Thrown when this process may not change the kernel: said plainly, before anything changed. */
class NotPrivileged extends Error {}
function needRoot(what: string): void {
  const why = labPrivilegeError(`vnet-studio lab ${what}`);
  if (why) throw new NotPrivileged(why);
}

async function kernel() {
  // the addon is loaded only here: validate/export/plan --offline work without it
  return new NativeLabKernel();
}

/** `lab list | head`: a closed pipe ends the command quietly. Added once, however often main runs
 *  in one process (tests call it hundreds of times). */
function exitOnEpipe(e: NodeJS.ErrnoException): void { if (e.code === 'EPIPE') process.exit(0); }

export async function main(argv: string[]): Promise<number> {
  // `vnet-studio lab plan FILE | head`: a closed pipe is not an error
  process.stdout.off('error', exitOnEpipe).on('error', exitOnEpipe);
  const [cmd, ...rest] = argv;
  if (cmd === undefined) { process.stderr.write(`${usage}\n`); return 2; }
  if (cmd === '--help' || cmd === '-h') return showUsage(usage);
  if (cmd === 'help') return rest.length ? main([rest[0], '--help']) : showUsage(usage);
  if (!Object.prototype.hasOwnProperty.call(SUBS, cmd)) {
    throw new UsageError(cmd.startsWith('-') ? `a command must come before options ('${cmd}')` : `unknown command '${cmd}'`, 'lab', usage);
  }
  const sub = SUBS[cmd];
  const bad = (problem: string) => new UsageError(problem, `lab ${cmd}`, subUsage(cmd));
  let parsed;
  try {
    parsed = parseOptions({ args: rest, options: { ...sub.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) { throw e instanceof UsageError ? bad(e.message) : e; }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.help) return showUsage(subUsage(cmd));
  const args = parsed.positionals;
  if (sub.operand && args.length === 0) throw bad(`missing the ${sub.operand}`);
  const most = sub.operand ? 1 : 0;
  if (args.length > most) throw bad(`unexpected argument '${args[most]}'${sub.operand ? ` (one ${sub.operand} at a time)` : ''}`);
  const quiet = flags.quiet === true;
  const out = typeof flags.out === 'string' ? flags.out : null;
  try {
    switch (cmd) {
      case 'validate': {
        const lab = readLab(args[0]);
        process.stdout.write(`${args[0]}: lab ${lab.name} is valid\n`);
        return 0;
      }
      case 'export': {
        const script = exportScript(readLab(args[0]), path.basename(args[0]));
        if (out) { fs.writeFileSync(out, script, { mode: 0o755 }); process.stderr.write(`wrote ${out}\n`); } else process.stdout.write(script);
        return 0;
      }
      case 'plan': case 'apply': {
        const lab = readLab(args[0]);
        if (cmd === 'plan' && flags.offline) {
          for (const l of commandLines(buildActions(lab), lab.name)) process.stdout.write(`${l}\n`);
          return 0;
        }
        const dryRun = cmd === 'plan' || flags['dry-run'] === true;
        if (!dryRun) needRoot('apply');
        const k = await kernel();
        try {
          const r = await applyLab(lab, k, { file: path.resolve(args[0]), dryRun, onProgress: progressPrinter(quiet) });
          for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
          for (const l of r.commands) process.stdout.write(`${l}\n`);
          const verb = dryRun ? 'would make' : 'made';
          process.stderr.write(r.actions.length ? `lab ${lab.name}: ${verb} ${counted(r.actions.length, 'change')}\n` : `lab ${lab.name}: already as the file says; nothing to do\n`);
          return 0;
        } finally { k.close(); }
      }
      case 'destroy': {
        const name = fs.existsSync(args[0]) ? readLab(args[0]).name : args[0];
        needRoot('destroy');
        const k = await kernel();
        try {
          const r = await destroyLab(name, k, { onProgress: progressPrinter(quiet) });
          for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
          for (const l of r.commands) process.stdout.write(`${l}\n`);
          process.stderr.write(`lab ${name}: removed ${counted(r.actions.length, 'object')}\n`);
          return 0;
        } finally { k.close(); }
      }
      case 'recover': {
        needRoot('recover');
        const k = await kernel();
        try {
          const labs = await recoverInterrupted(k);
          process.stderr.write(labs.length ? `cleaned up after interrupted runs of: ${labs.join(', ')}\n` : 'nothing interrupted\n');
          return 0;
        } finally { k.close(); }
      }
      case 'list': {
        const labs = listJournals();
        if (!labs.length) process.stdout.write(`no labs applied on this machine (journal: ${journalDir()})\n`);
        for (const j of labs) {
          // the journal keeps what a client sent as the file name: printed only made printable
          const lab = printable(j.lab);
          const state = j.state === 'applied' ? '' : `  [${printable(j.state)}: interrupted; run: vnet-studio lab destroy ${lab}]`;
          process.stdout.write(`${lab}  ${counted(j.namespaces.length, 'namespace')}, ${counted(j.links.length, 'interface')}  ${printable(j.file ?? '')}${state}\n`);
        }
        const shipped = SHIPPED_LABS_DIR;
        if (fs.existsSync(shipped)) {
          process.stdout.write(`\nexample labs in ${shipped}:\n`);
          for (const f of fs.readdirSync(shipped).filter((x) => x.endsWith('.yaml')).sort()) process.stdout.write(`  ${f}\n`);
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof LabError || e instanceof PlanConflict || e instanceof NotPrivileged) { process.stderr.write(`${e.message}\n`); return 1; }
    const err = e as Error;
    process.stderr.write(`vnet-studio lab ${cmd}: ${err.message}\n`);
    return 1;
  }
  return 0;
}
