// Canvas building: single actions performed now (the palette, the inspector, Delete), each
// returning the `ip` command lines that do the same. Interfaces and namespaces made here carry the
// mark 'vnet-studio:canvas' and are journaled under the pseudo-lab 'canvas' before they are made,
// so `vnet-studio lab destroy canvas` removes exactly them. Actions on devices the app did not make
// (adding a veth into docker0, setting a user's link down) are allowed: the renderer asks first.
import type { BuildAction } from '../contract';
import type { LabKernel } from './apply';
import { commandLines } from './commands';
import { lockLab, readJournal, writeJournal } from './journal';
import { emptyRecord, type LabRecord } from './plan';
import { labAlias } from './names';
import { validateAction } from './validate-action';

export const CANVAS_LAB = 'canvas';

export interface BuildResult { commands: string[]; done: number }

/** Performs actions in order; stops at the first kernel refusal (thrown, naming the object). */
export async function performBuild(kernel: LabKernel, raw: unknown[]): Promise<BuildResult> {
  const unlock = lockLab(CANVAS_LAB);
  try { return await buildLocked(kernel, raw); } finally { unlock(); }
}

async function buildLocked(kernel: LabKernel, raw: unknown[]): Promise<BuildResult> {
  const actions = raw.map((a, i) => validateAction(a, `actions[${i}]`));
  const rec: LabRecord = readJournal(CANVAS_LAB) ?? emptyRecord(CANVAS_LAB);
  const next: LabRecord = { ...rec, namespaces: [...rec.namespaces], links: [...rec.links] };
  for (const a of actions) {
    if (a.op === 'ns-add' && !next.namespaces.includes(a.ns)) next.namespaces.push(a.ns);
    if (a.op === 'bridge-add') next.links.push({ ns: a.ns, name: a.name, kind: 'bridge' });
    if (a.op === 'tuntap-add') next.links.push({ ns: a.ns, name: a.name, kind: a.mode });
    if (a.op === 'veth-add') next.links.push({ ns: a.ns, name: a.name, kind: 'veth' }, { ns: a.peerNs, name: a.peerName, kind: 'veth' });
    // a renamed canvas link is journaled under both names until the rename is done (a crash in
    // between still finds it under whichever name it has)
    if (a.op === 'rename') {
      const l = next.links.find((x) => x.ns === a.ns && x.name === a.name);
      if (l && !next.links.some((x) => x.ns === a.ns && x.name === a.newName)) next.links.push({ ...l, name: a.newName });
    }
  }
  // journal before the kernel changes (it only grows here; deletions are pruned after they happened)
  if (next.namespaces.length !== rec.namespaces.length || next.links.length !== rec.links.length) {
    writeJournal({ ...next, state: 'applied', previous: null, desired: null });
  }
  let done = 0;
  const performed: BuildAction[] = [];
  const withMarks = actions.flatMap((a): BuildAction[] => {
    // what the canvas creates gets the canvas mark (as a lab's objects get the lab's)
    const mark = labAlias(CANVAS_LAB);
    if (a.op === 'veth-add') return [a, { op: 'alias', ns: a.ns, name: a.name, alias: mark }, { op: 'alias', ns: a.peerNs, name: a.peerName, alias: mark }];
    return [a];
  });
  try {
    for (const a of withMarks) {
      await kernel.run([a], CANVAS_LAB, () => { if (a.op !== 'alias' || actions.includes(a)) done++; });
      performed.push(a);
    }
  } finally {
    // a link renamed is no longer under its old name
    const gone = performed.flatMap((a): BuildAction[] => (a.op === 'rename' ? [{ op: 'link-del', ns: a.ns, name: a.name, kind: '' }] : a.op === 'link-del' || a.op === 'ns-del' ? [a] : []));
    if (gone.length) {
      const j = readJournal(CANVAS_LAB);
      if (j) {
        writeJournal({
          ...j,
          namespaces: j.namespaces.filter((n) => !gone.some((g) => g.op === 'ns-del' && g.ns === n)),
          links: j.links.filter((l) => !gone.some((g) => (g.op === 'link-del' && g.ns === l.ns && g.name === l.name) || (g.op === 'ns-del' && g.ns === l.ns))),
        });
      }
    }
  }
  return { commands: commandLines(actions, CANVAS_LAB), done: Math.min(done, actions.length) };
}
