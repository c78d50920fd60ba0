// Apply and destroy a lab: plan against the kernel, journal (fsync) what will be made, run the
// actions, and on a kernel refusal undo what this apply did so the machine is as it was before.
// An apply or destroy left half-done by a crash is finished by `recoverInterrupted`.
import { actionObject, type Action } from './actions';
import { commandLines } from './commands';
import { listJournals, lockLab, readJournal, removeJournal, writeJournal, writerAlive, type JournalFile } from './journal';
import { emptyRecord, mergeRecords, planLab, recordAfter, type LabRecord, type Plan } from './plan';
import { HOST_NS, labGroup } from './names';
import { desiredFromLab, emptyDesired, key, type Actual, type Desired } from './state';
import type { Lab } from './types';

export interface ReadHint {
  /** Named namespaces to read (besides the host's): the ones the lab wants. */
  namespaces: string[];
  /** Named namespaces that veth peers may be in (also the journal's, about to be deleted): peers
   *  there are named by namespace only. */
  peersIn: string[];
  /** Namespaces whose ip_forward the planner wants to know. */
  forwardingOf: string[];
  /** The lab's mark: its veth ends still dying with a deleted namespace are waited for. */
  alias: string;
  /** The lab's netdev group (an unmarked link of that group may be the lab's: see plan.ts). */
  group: number;
  /** "ns/name" of the links the lab wants: another lab's veth end dying there is waited for. */
  wanted?: string[];
}

/** The kernel side of applying: implemented over the native netlink API (native-kernel.ts). */
export interface LabKernel {
  /** The host namespace and every named namespace, as the planner needs them. `forwardingOf`:
   *  namespaces whose ip_forward the planner wants to know. */
  readActual(hint: ReadHint): Promise<Actual>;
  /** Performs the actions in order (the kernel may batch and parallelise what is independent).
   *  Calls `done` after each; on a refusal throws a KernelRefusal naming the action. `lab` names
   *  the NAT table. */
  run(actions: Action[], lab: string, done: (a: Action) => void, vanishing?: { ns: string; name: string }[]): Promise<void>;
}

export class KernelRefusal extends Error {
  constructor(readonly action: Action, readonly cause: Error & { code?: string; kernelMessage?: string }) {
    super(`${actionObject(action)}: ${cause.message}`);
    this.name = 'KernelRefusal';
  }
}

export interface Progress { phase: 'apply' | 'destroy' | 'rollback'; done: number; total: number; object: string }

export interface ApplyOptions {
  file?: string | null;
  onProgress?: (p: Progress) => void;
  /** Compute and return the plan without touching the kernel. */
  dryRun?: boolean;
}

export interface ApplyResult {
  lab: string;
  actions: Action[];
  commands: string[];
  notes: string[];
  /** Set when the apply failed and was rolled back. */
  error?: string;
}

function hintFor(d: Desired, rec: LabRecord | null) {
  const namespaces = [...d.namespaces];
  // also namespaces the lab uses but did not make (a veth into a user's namespace): a peer there
  // that could not be named would look like one dying with a deleted namespace
  const used = [...d.links.map((l) => l.ns), ...(rec?.links.map((l) => l.ns) ?? [])].filter((n) => n !== HOST_NS);
  const peersIn = [...new Set([...d.namespaces, ...(rec?.namespaces ?? []), ...used])];
  const forwardingOf = [...new Set([...d.forwarding.map((f) => f.ns), ...(rec?.forwarding.map((f) => f.ns) ?? [])])];
  const wanted = d.links.map((l) => key(l.ns, l.name));
  return { namespaces, peersIn, forwardingOf, alias: d.alias, group: d.group ?? labGroup(d.lab), wanted };
}

async function runWithProgress(kernel: LabKernel, plan: Plan, lab: string, phase: Progress['phase'], opts: ApplyOptions) {
  let done = 0;
  const total = plan.actions.length;
  await kernel.run(plan.actions, lab, (a) => {
    done++;
    opts.onProgress?.({ phase, done, total, object: actionObject(a) });
  }, plan.vanishing);
}

/** Applies a lab: only the difference from what the kernel has; nothing when it is already there. */
export async function applyLab(lab: Lab, kernel: LabKernel, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const unlock = opts.dryRun ? () => {} : lockLab(lab.name);
  try { return await applyLocked(lab, kernel, opts); } finally { unlock(); }
}

async function applyLocked(lab: Lab, kernel: LabKernel, opts: ApplyOptions): Promise<ApplyResult> {
  if (!opts.dryRun) await recoverInterrupted(kernel, lab.name, true);
  const record = readJournal(lab.name);
  const desired = desiredFromLab(lab);
  const actual = await kernel.readActual(hintFor(desired, record));
  const plan = planLab(desired, actual, record);   // throws PlanConflict: nothing touched
  const result: ApplyResult = { lab: lab.name, actions: plan.actions, commands: commandLines(plan.actions, lab.name), notes: plan.notes };
  if (opts.dryRun || plan.actions.length === 0) {
    if (!opts.dryRun && !record) writeJournal({ ...recordAfter(desired, actual, null, opts.file ?? null), state: 'applied', previous: null, desired });
    return result;
  }
  const after = recordAfter(desired, actual, record, opts.file ?? null);
  // Journal first: everything that may exist once we start is listed before it is made.
  const previous = record?.desired ?? null;
  writeJournal({ ...mergeRecords(record ?? emptyRecord(lab.name), after), state: 'applying', previous, desired });
  try {
    await runWithProgress(kernel, plan, lab.name, 'apply', opts);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    await rollback(kernel, lab.name, opts);
    const e = new Error(`lab ${lab.name}: ${why}; undone, the machine is as it was before`) as Error & { cause?: unknown };
    e.cause = err;
    throw e;
  }
  writeJournal({ ...after, state: 'applied', previous: null, desired });
  return result;
}

/** Removes exactly what the lab made (journaled, and for interfaces carrying the lab's alias). */
export async function destroyLab(labName: string, kernel: LabKernel, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const unlock = opts.dryRun ? () => {} : lockLab(labName);
  try { return await destroyLocked(labName, kernel, opts); } finally { unlock(); }
}

async function destroyLocked(labName: string, kernel: LabKernel, opts: ApplyOptions): Promise<ApplyResult> {
  const record = readJournal(labName);
  if (!record) return { lab: labName, actions: [], commands: [], notes: [`lab ${labName} has no journal here: nothing of it to remove`] };
  const desired = emptyDesired(labName);
  const actual = await kernel.readActual(hintFor(desired, record));
  const plan = planLab(desired, actual, record);
  const result: ApplyResult = { lab: labName, actions: plan.actions, commands: commandLines(plan.actions, labName), notes: plan.notes };
  if (opts.dryRun) return result;
  writeJournal({ ...record, state: 'destroying', previous: null, desired: null });
  await runWithProgress(kernel, plan, labName, 'destroy', opts);
  removeJournal(labName);
  return result;
}

/** Undoes an interrupted or failed apply: back to the lab's previous state (or to nothing). */
async function rollback(kernel: LabKernel, labName: string, opts: ApplyOptions): Promise<void> {
  const j = readJournal(labName);
  if (!j) return;
  const target = j.previous ?? emptyDesired(labName);
  // Best effort, one action at a time, so one stubborn object does not stop the rest.
  for (let attempt = 0; attempt < 3; attempt++) {
    const actual = await kernel.readActual(hintFor(target, j));
    const plan = planLab(target, actual, j);
    if (plan.actions.length === 0) break;
    let n = 0;
    const progress = (a: Action) => opts.onProgress?.({ phase: 'rollback', done: ++n, total: plan.actions.length, object: actionObject(a) });
    try {
      await kernel.run(plan.actions, labName, progress, plan.vanishing);
      break;
    } catch {
      // one stubborn object must not keep the rest: go on one action at a time, then look again
      for (const a of plan.actions) {
        try { await kernel.run([a], labName, progress, plan.vanishing); } catch { /* the next round re-plans */ }
      }
    }
  }
  if (j.previous) writeJournal({ ...recordAfter(j.previous, await kernel.readActual(hintFor(j.previous, j)), j, j.file), state: 'applied', previous: null, desired: j.previous });
  else removeJournal(labName);
}

/** Finishes what a crash interrupted: an apply is rolled back, a destroy completed. `only`: one lab. */
export async function recoverInterrupted(kernel: LabKernel, only?: string, alreadyLocked = false): Promise<string[]> {
  const done: string[] = [];
  const journals: JournalFile[] = only ? [readJournal(only)].filter((j): j is JournalFile => j !== null) : listJournals();
  for (const j of journals) {
    if (j.state === 'applied') continue;
    if (writerAlive(j)) continue;   // its writer is still at work
    let unlock = () => {};
    if (!alreadyLocked) {
      try { unlock = lockLab(j.lab); } catch { continue; }   // someone else is on it
    }
    try {
      if (j.state === 'destroying') await destroyLocked(j.lab, kernel, {});
      else await rollback(kernel, j.lab, {});
      done.push(j.lab);
    } finally { unlock(); }
  }
  return done;
}
