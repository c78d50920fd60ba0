// kill -9 of a process in the middle of a large apply, then cleanup (`lab destroy`, or the next
// apply/start): nothing of the lab is left, and objects the lab did not make are untouched.
// Also: 200+ malformed lab files through `lab apply` leave the kernel exactly as it was.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip, ipJson } from '../helpers/ip';
import { kernelState, markedLinks, netnsList, until } from '../helpers/lab-kernel';
import { quiet } from '../helpers/processes';
import { bigLab } from '../helpers/lab-big';
import { malformedCases } from '../helpers/lab-malformed';
import { main as labCli } from '../../electron/commands/lab';
import { CLI_PATH } from '../../electron/paths';

const ROOT = path.join(__dirname, '../..');
const CLI = CLI_PATH;

describeKernel('labs: crashes and malformed files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-crash-'));
  const env = { ...process.env, VNET_STATE_DIR: path.join(dir, 'state') };
  const file = path.join(dir, 'big.yaml');

  beforeAll(() => {
    process.env.VNET_STATE_DIR = env.VNET_STATE_DIR;
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
    fs.writeFileSync(file, bigLab('crash', 60));
    // what the lab did not make: a user's bridge with a docker-like veth, and a user's namespace
    ip('link', 'add', 'br-user', 'type', 'bridge');
    ip('link', 'add', 'vethdock0', 'type', 'veth', 'peer', 'name', 'vethdock1');
    ip('link', 'set', 'vethdock0', 'master', 'br-user');
    ip('netns', 'add', 'user-ns');
  });
  afterAll(() => {
    quiet(() => ip('link', 'del', 'br-user'));
    quiet(() => ip('link', 'del', 'vethdock0'));
    quiet(() => ip('netns', 'del', 'user-ns'));
  });

  const interrupted: string[] = [];
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, 'lab', ...args, '--quiet'], { env, encoding: 'utf8' });

  /** Starts an apply and kills it (SIGKILL) once its progress passed `fraction` of the actions
   *  (0: as soon as its journal appears, before any kernel change). */
  async function killMidApply(fraction: number): Promise<string> {
    const journal = path.join(env.VNET_STATE_DIR, 'journal', 'crash.json');
    const child = spawn(process.execPath, [CLI, 'lab', 'apply', file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    let seen = '';
    const reached = new Promise<void>((resolve) => {
      if (fraction === 0) {
        const t = setInterval(() => { if (fs.existsSync(journal) || child.exitCode !== null) { clearInterval(t); resolve(); } }, 1);
      }
      child.stderr!.on('data', (b: Buffer) => {
        seen += b.toString();
        const m = [...seen.matchAll(/\[(\d+)\/(\d+)\]/g)].at(-1);
        if (m && Number(m[1]) / Number(m[2]) >= fraction) resolve();
      });
      child.on('exit', () => resolve());
    });
    await reached;
    child.kill('SIGKILL');
    await exited;
    const state = fs.existsSync(journal) ? JSON.parse(fs.readFileSync(journal, 'utf8')).state : 'none';
    interrupted.push(state);
    const last = [...seen.matchAll(/\[(\d+)\/(\d+)\]/g)].at(-1)?.[0] ?? 'no progress yet';
    return `killed at ${last} (wanted ${fraction}; signal ${child.signalCode}, journal ${state}, ${markedLinks('crash').length} marked links)`;
  }

  test('kill -9 during a large apply, then `lab destroy`: no leftovers, nothing else touched', async () => {
    const before = kernelState();
    // kill points from "journal written, nothing made yet" to "configuring the last ones"
    const points = [0, 0.1, 0.3, 0.6, 0.9];
    for (let round = 1; round <= points.length; round++) {
      const how = await killMidApply(points[round - 1]);
      const r = cli(['destroy', file]);
      expect(r.status, `${how}\n${r.stderr}`).toBe(0);
      await until(() => markedLinks('crash').length === 0 && !netnsList().some((n) => n.startsWith('crash-')), `cleanup after round ${round}`);
      expect(kernelState(), how).toBe(before);
      console.log(`round ${round}: ${how}`);
    }
    // the kills did land in the middle of applies
    expect(interrupted).toContain('applying');
  }, 180_000);

  test('kill -9 during a large apply, then the next apply finishes the job (and destroy after it)', async () => {
    const before = kernelState();
    await killMidApply(0.5);
    const r = cli(['apply', file]);
    expect(r.status, r.stderr).toBe(0);
    expect(netnsList().filter((n) => n.startsWith('crash-')).length).toBe(60);
    expect(cli(['apply', file]).stderr).toContain('nothing to do');
    expect(cli(['destroy', file]).status).toBe(0);
    await until(() => markedLinks('crash').length === 0 && !netnsList().some((n) => n.startsWith('crash-')), 'destroy');
    expect(kernelState()).toBe(before);
  });

  test('kill -9 during a large apply, then the next start (`lab recover`) rolls it back', async () => {
    const before = kernelState();
    const how = await killMidApply(0.3);
    const r = cli(['recover']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('crash');
    expect(fs.existsSync(path.join(env.VNET_STATE_DIR, 'journal', 'crash.json'))).toBe(false);
    await until(() => markedLinks('crash').length === 0 && !netnsList().some((n) => n.startsWith('crash-')), 'recovery');
    expect(kernelState(), how).toBe(before);
  });

  test('kill -9 between a create and its mark (alias): cleanup still removes those links, and only those', async () => {
    // Links outside the lab's own namespaces (a bridge, a veth with both ends outside, the host
    // end of a bridge port) get their alias in a request after the create; the kill lands between.
    const gap = path.join(dir, 'gap.yaml');
    fs.writeFileSync(gap, [
      'name: gap', 'namespaces:',
      '  gap-a: { interfaces: { eth0: { addresses: [10.50.0.2/24] } } }',
      '  user-ns: {}',
      'bridges:', '  br-gap: { addresses: [10.50.0.1/24] }', '  br-gap2: {}',
      'veths:', '  - [gap-a:eth0, br-gap]', '  - [host:gap-h, user-ns:gap-u]',
      'tuntaps:', '  tap-gap: { mode: tap, bridge: br-gap }', '',
    ].join('\n'));
    const before = kernelState();
    const crashed = spawnSync(process.execPath, [CLI, 'lab', 'apply', gap, '--quiet'], {
      env: { ...env, VNET_LAB_TEST_CRASH: 'after-create' }, encoding: 'utf8',
    });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const host = new Map(ipJson<any[]>('-d', 'link', 'show').map((l: any) => [l.ifname, l]));
    // the state of the window: made, no alias (the tap got its alias before it was made persistent)
    for (const n of ['br-gap', 'br-gap2', 'gap-h', 'gap-a-eth0']) expect(host.get(n)?.ifalias, n).toBeUndefined();
    expect(host.get('tap-gap')?.ifalias).toBe('vnet-studio:gap');
    expect(ipJson<any[]>('-n', 'user-ns', 'link', 'show', 'gap-u')[0]?.ifalias).toBeUndefined();
    // someone else's bridge of a journaled name, not in the lab's group: must stay
    ip('link', 'del', 'br-gap2');
    ip('link', 'add', 'br-gap2', 'type', 'bridge');
    const r = cli(['destroy', gap]);
    expect(r.status, r.stderr).toBe(0);
    await until(() => !netnsList().includes('gap-a') && !ipJson<any[]>('link', 'show').some((l: any) => /^(br-gap|gap-h|gap-a-eth0|tap-gap)$/.test(l.ifname)), 'cleanup of lab gap');
    expect(ipJson<any[]>('-n', 'user-ns', 'link', 'show').map((l: any) => l.ifname)).toEqual(['lo']);
    expect(ipJson<any[]>('link', 'show', 'br-gap2')[0]?.ifname).toBe('br-gap2');
    ip('link', 'del', 'br-gap2');
    expect(kernelState()).toBe(before);
  });

  test('200+ malformed lab files through `lab apply`: each refused naming its line, the kernel unchanged', async () => {
    const cases = malformedCases();
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const before = kernelState();
    const write = process.stderr.write.bind(process.stderr);
    const errs: string[] = [];
    (process.stderr as any).write = (s: string) => { errs.push(String(s)); return true; };
    try {
      for (const [i, c] of cases.entries()) {
        const f = path.join(dir, `bad-${i}.yaml`);
        fs.writeFileSync(f, c.text);
        errs.length = 0;
        const code = await labCli(['apply', f, '--quiet']);
        expect(code, c.title).toBe(1);
        expect(errs.join(''), c.title).toContain(`bad-${i}.yaml:${c.line}:`);
      }
    } finally { (process.stderr as any).write = write; }
    expect(kernelState()).toBe(before);
  });
});
