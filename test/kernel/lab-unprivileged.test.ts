// `vnet-studio lab apply|destroy|recover` without privileges (as `nobody`, inside the world): a
// clear sentence naming the cause (not the kernel's words for the first refused step), exit 1,
// and nothing changed — neither the kernel nor the journal. Runs the built CLI (dist/).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeKernel } from '../helpers/world';
import { kernelState } from '../helpers/lab-kernel';
import { CLI_PATH } from '../../electron/paths';

const ROOT = path.join(__dirname, '../..');
const CLI = CLI_PATH;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const NEEDS_ROOT = /needs root \(CAP_NET_ADMIN and CAP_SYS_ADMIN\): run it with sudo/;

describeKernel('labs without privileges', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-unpriv-'));
  const state = path.join(dir, 'state');
  const env = { ...process.env, VNET_STATE_DIR: state };
  const file = path.join(dir, 'veth-pair.yaml');
  const run = (prefix: string[], args: string[]) => {
    const argv = [...prefix, process.execPath, CLI, 'lab', ...args, '--quiet'];
    return spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8' });
  };
  const journalFiles = () => { try { return fs.readdirSync(path.join(state, 'journal')).sort(); } catch { return []; } };

  beforeAll(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
    // readable and writable by nobody: only the privilege check may stop it, not a file mode
    fs.chmodSync(dir, 0o777);
    fs.mkdirSync(state, { mode: 0o777 });
    fs.chmodSync(state, 0o777);
    fs.copyFileSync(path.join(ROOT, 'assets/labs/veth-pair.yaml'), file);
    fs.chmodSync(file, 0o644);
  });
  afterAll(() => { run([], ['destroy', 'veth-pair']); });

  test('as nobody: apply says it needs root, exit 1, nothing made', () => {
    const before = kernelState();
    const r = run(NOBODY, ['apply', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^vnet-studio lab apply needs root/);
    expect(r.stderr).toMatch(NEEDS_ROOT);
    expect(r.stderr).not.toMatch(/Operation not permitted|shared mount/);
    expect(r.stdout).toBe('');
    expect(kernelState()).toBe(before);
    expect(journalFiles()).toEqual([]);
    // validate touches no kernel: not refused for privileges
    expect(run(NOBODY, ['validate', file]).status).toBe(0);
  });

  test('as nobody: destroy and recover of a lab root applied say they need root and leave it be', () => {
    expect(run([], ['apply', file]).status).toBe(0);
    const before = kernelState();
    const journal = journalFiles();
    expect(journal).toEqual(['veth-pair.json']);
    const body = fs.readFileSync(path.join(state, 'journal', 'veth-pair.json'), 'utf8');
    for (const args of [['destroy', file], ['destroy', 'veth-pair'], ['recover']]) {
      const r = run(NOBODY, args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^vnet-studio lab ${args[0]} needs root`));
      expect(r.stderr).toMatch(NEEDS_ROOT);
      expect(kernelState()).toBe(before);
      expect(journalFiles()).toEqual(journal);
      expect(fs.readFileSync(path.join(state, 'journal', 'veth-pair.json'), 'utf8')).toBe(body);
    }
    expect(run([], ['destroy', 'veth-pair']).status).toBe(0);
  });
});
