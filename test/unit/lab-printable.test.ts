// A lab file's name is only a label, but it comes from a client (or a journal written from one) and
// ends up on a terminal (`lab list`) or in a script comment (`lab export`): control characters and
// terminal escape sequences must not get through.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JSONRPCServer } from 'json-rpc-2.0';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { printable } from '../../electron/labs/names';
import { writeJournal } from '../../electron/labs/journal';
import { emptyRecord } from '../../electron/labs/plan';
import { registerLabMethods } from '../../electron/labs/handlers';
import { main as labCli } from '../../electron/commands/lab';

// clears the screen, sets the window title, then a red line; a C1 CSI; a bidi override
const EVIL = '/tmp/\x1b[2J\x1b]0;owned\x07\x1b[31mred\r\nrm -rf /\x9b1m\u202eLAB.yaml';
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

beforeEach(() => { process.env.VNET_STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-printable-')); });
afterEach(() => { vi.restoreAllMocks(); });

test('printable: control characters, C1, separators and bidi overrides become ?', () => {
  expect(printable('/home/me/lab one.yaml')).toBe('/home/me/lab one.yaml');
  expect(printable('ä/ö/日本.yaml')).toBe('ä/ö/日本.yaml');
  expect(printable(EVIL)).toBe('/tmp/?[2J?]0;owned??[31mred??rm -rf /?1m?LAB.yaml');
  expect(printable(EVIL)).not.toMatch(UNPRINTABLE);
});

test('lab list prints a journal file name with escape codes made printable', async () => {
  writeJournal({ ...emptyRecord('evil', EVIL), state: 'applied', previous: null, desired: null });
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  expect(await labCli(['list'])).toBe(0);
  vi.restoreAllMocks();
  const line = out.split('\n').find((l) => l.startsWith('evil'))!;
  expect(line).toContain('/tmp/?[2J?]0;owned??[31mred??rm -rf /?1m?LAB.yaml');
  expect(out.replace(/\n/g, '')).not.toMatch(UNPRINTABLE);
});

test('handlers: a "file" param with control characters is kept only printable; labList returns it printable', async () => {
  const thrown: unknown[] = []; // the library's default errorListener would print their stacks
  const server = new JSONRPCServer({ errorListener: (_message, err) => { thrown.push(err); } });
  registerLabMethods(server, () => undefined, { privileged: false });
  const call = async (method: string, params: unknown) => (await server.receive({ jsonrpc: '2.0', id: 1, method, params }))!;
  const text = fs.readFileSync(path.join(__dirname, '../../assets/labs/veth-pair.yaml'), 'utf8');
  const exp = await call('labExport', { text, file: EVIL });
  expect(exp.error).toBeUndefined();
  const script = (exp.result as { script: string }).script;
  expect(script).toContain('(from /tmp/?[2J');
  expect(script.split('\n').some((l) => l.startsWith('rm -rf'))).toBe(false);
  const bad = await call('labValidate', { text: 'name: x\nnamespaces: 3\n', file: EVIL });
  expect(JSON.stringify(bad)).not.toMatch(/\\u001b/);
  const broken = await call('labExport', { text: 'name: x\nnamespaces: 3\n', file: EVIL });
  expect(broken.error?.message).toMatch(/^\/tmp\/\?\[2J/);
  expect(broken.error?.message).not.toMatch(/\x1b|\x07/);
  expect(thrown.map((e) => (e as Error).message)).toEqual([broken.error?.message]);
  writeJournal({ ...emptyRecord('evil', EVIL), state: 'applied', previous: null, desired: null });
  const list = await call('labList', undefined);
  const labs = (list.result as { labs: { name: string; file: string | null }[] }).labs;
  expect(labs.find((l) => l.name === 'evil')!.file).toBe(printable(EVIL));
});
