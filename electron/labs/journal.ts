// The state journal: one JSON file per lab that says what the lab has made (or is about to make).
// It is written — and fsync'd — before the kernel is changed, so after a crash (kill -9 mid-apply)
// cleanup knows exactly which objects may be the lab's; it removes only those that are journaled
// and, for interfaces, still carry the lab's alias.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labnameError } from './names';
import type { LabRecord } from './plan';
import type { Desired } from './state';

export interface JournalFile extends LabRecord {
  version: 1;
  /** 'applying' until an apply (or destroy) finished: a journal left in that state was interrupted. */
  state: 'applying' | 'applied' | 'destroying';
  /** What the lab looked like before the apply under way (null = it did not exist): a rollback target. */
  previous: Desired | null;
  /** What the lab looks like once applied. */
  desired: Desired | null;
  updated: string;
  pid: number;
  /** The writer's start time (/proc/PID/stat field 22): tells a live writer from a reused pid. */
  pidStart: string;
}

export function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch { return null; }
}

/** Is the process that wrote this journal still running (same pid, same start time)? */
export function writerAlive(j: JournalFile): boolean {
  return j.pid !== process.pid && processStart(j.pid) === j.pidStart;
}

/** Where the labs' state lives unless $VNET_STATE_DIR names another directory. Inside a throwaway
 *  world, scripts/world.sh mounts a private tmpfs here (keep the two in step). */
export const DEFAULT_STATE_DIR = '/var/lib/vnet-studio';

export function stateDir(): string {
  return process.env.VNET_STATE_DIR || DEFAULT_STATE_DIR;
}
export function journalDir(): string {
  return path.join(stateDir(), 'journal');
}

function fileOf(lab: string): string {
  const why = labnameError(lab);
  if (why) throw new Error(`journal: ${why}`);
  return path.join(journalDir(), `${lab}.json`);
}

export function readJournal(lab: string): JournalFile | null {
  let text: string;
  try { text = fs.readFileSync(fileOf(lab), 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const j = JSON.parse(text) as JournalFile;
  if (j.version !== 1 || j.lab !== lab) throw new Error(`journal ${fileOf(lab)}: not a journal of lab ${lab}`);
  return j;
}

/** Writes atomically and durably: temp file, fsync, rename, fsync of the directory. */
export function writeJournal(j: Omit<JournalFile, 'version' | 'updated' | 'pid' | 'pidStart'>): void {
  const dir = journalDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = fileOf(j.lab);
  const tmp = `${file}.${process.pid}.tmp`;
  const full: JournalFile = { version: 1, ...j, updated: new Date().toISOString(), pid: process.pid, pidStart: processStart(process.pid) ?? '' };
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(full, null, 1));
    fs.fsyncSync(fd);
  } finally { fs.closeSync(fd); }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
}

export function removeJournal(lab: string): void {
  fs.rmSync(fileOf(lab), { force: true });
  try {
    const dfd = fs.openSync(journalDir(), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* no directory: nothing to sync */ }
}

export function listJournals(): JournalFile[] {
  let names: string[];
  try { names = fs.readdirSync(journalDir()); } catch { return []; }
  const out: JournalFile[] = [];
  for (const n of names.sort()) {
    if (!n.endsWith('.json')) continue;
    const lab = n.slice(0, -5);
    if (labnameError(lab)) continue;
    try { const j = readJournal(lab); if (j) out.push(j); } catch { /* unreadable: skip, say nothing */ }
  }
  return out;
}

/** Another live process is changing this lab (a conflict the caller can retry, not a failure). */
export class LabBusy extends Error {
  constructor(message: string) { super(message); this.name = 'LabBusy'; }
}

/**
 * One process at a time changes a lab (the CLI and the engine could both try): an exclusive lock
 * file next to the journal, taken over only when the process that holds it is gone.
 */
export function lockLab(lab: string): () => void {
  const dir = journalDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${lab}.lock`);
  const me = `${process.pid} ${processStart(process.pid) ?? ''}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
      return () => { try { if (fs.readFileSync(file, 'utf8') === me) fs.rmSync(file, { force: true }); } catch { /* gone */ } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = '';
      try { holder = fs.readFileSync(file, 'utf8'); } catch { continue; }
      const [pid, start] = holder.split(' ');
      if (Number(pid) !== process.pid && processStart(Number(pid)) === start && start !== undefined) {
        throw new LabBusy(`lab ${lab} is being changed by another process (pid ${pid}); try again when it is done`);
      }
      fs.rmSync(file, { force: true });   // stale: its process is gone (or it is our own)
    }
  }
  throw new Error(`lab ${lab}: cannot take the lock ${file}`);
}
