// The journal: atomic JSON files under $VNET_STATE_DIR/journal, and the per-lab lock that keeps two
// processes from changing one lab at once (a dead holder's lock is taken over).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import { journalDir, listJournals, lockLab, processStart, readJournal, removeJournal, writeJournal } from '../../electron/labs/journal';
import { emptyRecord } from '../../electron/labs/plan';

beforeEach(() => { process.env.VNET_STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-journal-')); });

test('write, read, list, remove', () => {
  expect(readJournal('a')).toBeNull();
  writeJournal({ ...emptyRecord('a', '/x/a.yaml'), namespaces: ['red'], state: 'applying', previous: null, desired: null });
  const j = readJournal('a')!;
  expect(j).toMatchObject({ version: 1, lab: 'a', file: '/x/a.yaml', namespaces: ['red'], state: 'applying', pid: process.pid });
  expect(listJournals().map((x) => x.lab)).toEqual(['a']);
  expect(fs.readdirSync(journalDir())).toEqual(['a.json']);   // no temp files left
  removeJournal('a');
  expect(readJournal('a')).toBeNull();
  expect(() => readJournal('../etc/passwd')).toThrow('not a valid lab name');
});

test('a lab lock held by a live process refuses; a dead holder is taken over', async () => {
  const child = spawn('sleep', ['30']);
  await new Promise((r) => setTimeout(r, 50));
  try {
    fs.mkdirSync(journalDir(), { recursive: true });
    fs.writeFileSync(path.join(journalDir(), 'b.lock'), `${child.pid} ${processStart(child.pid!)}`);
    expect(() => lockLab('b')).toThrow(`lab b is being changed by another process (pid ${child.pid})`);
  } finally { child.kill('SIGKILL'); }
  await new Promise((r) => child.on('exit', r));
  const unlock = lockLab('b');
  expect(fs.readFileSync(path.join(journalDir(), 'b.lock'), 'utf8')).toContain(String(process.pid));
  unlock();
  expect(fs.existsSync(path.join(journalDir(), 'b.lock'))).toBe(false);
});
