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

export const usage = `usage: vnet-studio lab <command> [options]

  apply FILE [--dry-run]   make the kernel match the lab (only the difference); prints the ip commands
  destroy FILE|NAME        remove exactly what the lab made (also after a crash)
  export FILE [-o OUT]     the lab as a shell script of ip commands (sh OUT; sh OUT down)
  plan FILE [--offline]    the ip commands apply would run (--offline: as on a clean machine)
  validate FILE            check a lab file; errors name the line and the thing
  list                     labs this machine has applied (journal: ${'$'}VNET_STATE_DIR or /var/lib/vnet-studio)
  recover                  clean up after every lab run that was interrupted (kill -9, crash)
  --quiet                  no progress line
`;

function readLab(file: string) {
  const text = fs.readFileSync(file, 'utf8');
  return parseLab(text, path.basename(file));
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

export async function main(argv: string[]): Promise<number> {
  // `vnet-studio lab plan FILE | head`: a closed pipe is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });
  const [cmd, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('-')));
  const args = rest.filter((a, i) => !a.startsWith('-') && rest[i - 1] !== '-o');
  const out = rest.includes('-o') ? rest[rest.indexOf('-o') + 1] : null;
  const quiet = flags.has('--quiet') || flags.has('-q');
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(usage); return cmd ? 0 : 2; }
  try {
    switch (cmd) {
      case 'validate': {
        if (args.length !== 1) break;
        const lab = readLab(args[0]);
        process.stdout.write(`${args[0]}: lab ${lab.name} is valid\n`);
        return 0;
      }
      case 'export': {
        if (args.length !== 1) break;
        const script = exportScript(readLab(args[0]), path.basename(args[0]));
        if (out) { fs.writeFileSync(out, script, { mode: 0o755 }); process.stderr.write(`wrote ${out}\n`); } else process.stdout.write(script);
        return 0;
      }
      case 'plan': case 'apply': {
        if (args.length !== 1) break;
        const lab = readLab(args[0]);
        if (cmd === 'plan' && flags.has('--offline')) {
          for (const l of commandLines(buildActions(lab), lab.name)) process.stdout.write(`${l}\n`);
          return 0;
        }
        const dryRun = cmd === 'plan' || flags.has('--dry-run');
        if (!dryRun) needRoot('apply');
        const k = await kernel();
        try {
          const r = await applyLab(lab, k, { file: path.resolve(args[0]), dryRun, onProgress: progressPrinter(quiet) });
          for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
          for (const l of r.commands) process.stdout.write(`${l}\n`);
          const verb = cmd === 'plan' || flags.has('--dry-run') ? 'would make' : 'made';
          process.stderr.write(r.actions.length ? `lab ${lab.name}: ${verb} ${r.actions.length} changes\n` : `lab ${lab.name}: already as the file says; nothing to do\n`);
          return 0;
        } finally { k.close(); }
      }
      case 'destroy': {
        if (args.length !== 1) break;
        const name = fs.existsSync(args[0]) ? readLab(args[0]).name : args[0];
        needRoot('destroy');
        const k = await kernel();
        try {
          const r = await destroyLab(name, k, { onProgress: progressPrinter(quiet) });
          for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
          for (const l of r.commands) process.stdout.write(`${l}\n`);
          process.stderr.write(`lab ${name}: removed ${r.actions.length} objects\n`);
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
          process.stdout.write(`${lab}  ${j.namespaces.length} namespaces, ${j.links.length} interfaces  ${printable(j.file ?? '')}${state}\n`);
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
  process.stderr.write(usage);
  return 2;
}
