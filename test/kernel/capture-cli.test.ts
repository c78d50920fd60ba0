// `vnet-studio capture` (the built CLI) on the docker-like lab: -c COUNT -w FILE read back by
// tshark, -w - into a pipe, the printed lines and Ctrl-C's summary, and refusals (an unknown
// interface or namespace, a filter that does not compile, no root) that start nothing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeKernel } from '../helpers/world';
import { cli } from '../helpers/engine-proc';
import { NOBODY } from '../helpers/processes';
import { buildCaptureLab, tsharkFields, type CaptureLab } from '../helpers/capture-lab';

interface Run { p: ChildProcess; stdout: string; stderr: string; exit: Promise<number | null> }
function start(args: string[], prefix: string[] = []): Run {
  const argv = [...prefix, process.execPath, cli, 'capture', ...args];
  const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Run = { p, stdout: '', stderr: '', exit: new Promise((res) => p.on('exit', (code) => res(code))) };
  p.stdout!.on('data', (d) => { r.stdout += d; });
  p.stderr!.on('data', (d) => { r.stderr += d; });
  return r;
}
async function until(f: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeKernel('capture: the command line', () => {
  let lab: CaptureLab;
  let dir: string;
  const pingers: ChildProcess[] = [];
  const ping = (n: number) => {
    const p = spawn('nsenter', ['-t', String(lab.c1.pid), '-n', 'ping', '-n', '-i', '0.2', '-c', String(n), '10.77.0.2'], { stdio: 'ignore' });
    pingers.push(p);
    return p;
  };

  beforeAll(async () => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: build first`);
    lab = await buildCaptureLab();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-cli-'));
  });
  afterAll(() => {
    for (const p of pingers) p.kill('SIGKILL');
    lab?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('-c 3 -w FILE: three packets, and tshark reads them with the interface named', async () => {
    const file = path.join(dir, 'three.pcapng');
    const r = start(['-i', `pid:${lab.c1.pid}:eth0`, '-f', 'icmp', '-c', '3', '-w', file]);
    await until(() => r.stderr.includes('capturing on'), 'the capture to start');
    ping(10);
    expect(await r.exit, r.stderr).toBe(0);
    const rows = tsharkFields(file, ['frame.interface_name', 'icmp.type']);
    expect(rows).toHaveLength(3);
    expect(rows.every((x) => x[0] === `pid:${lab.c1.pid}:eth0` && (x[1] === '8' || x[1] === '0'))).toBe(true);
    expect(r.stderr).toMatch(/3 packets captured, 0 dropped by the kernel, 0 dropped by the app/);
    expect(r.stdout).toBe('');
  });

  it('-w - writes pcapng into a pipe (what wireshark -k -i - reads)', async () => {
    // A real pipe (a FIFO): spawn's own stdio pipes are sockets, which tshark -r - refuses.
    const fifo = path.join(dir, 'pipe');
    spawnSync('mkfifo', [fifo]);
    const tshark = spawn('tshark', ['-r', fifo, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'icmp.type'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', terr = '';
    tshark.stdout!.on('data', (d) => { out += d; });
    tshark.stderr!.on('data', (d) => { terr += d; });
    const tsharkExit = new Promise((res) => tshark.on('exit', res));
    const w = fs.openSync(fifo, 'w'); // until tshark opens its end
    const argv = [cli, 'capture', '-i', 'host:cv1', '-i', `pid:${lab.c2.pid}:eth0`, '-f', 'icmp', '-c', '4', '-w', '-'];
    const p = spawn(process.execPath, argv, { stdio: ['ignore', w, 'pipe'] });
    fs.closeSync(w);
    let stderr = '';
    p.stderr!.on('data', (d) => { stderr += d; });
    const exit = new Promise((res) => p.on('exit', res));
    await until(() => stderr.includes('capturing on'), 'the capture to start');
    ping(10);
    expect(await exit, stderr).toBe(0);
    await tsharkExit;
    const rows = out.trim().split('\n').map((l) => l.split('\t'));
    expect(rows, terr).toHaveLength(4);
    expect(new Set(rows.map((x) => x[0]))).toEqual(new Set(['host:cv1', `pid:${lab.c2.pid}:eth0`]));
  });

  it('prints one line per packet; Ctrl-C ends it with the summary, exit 0', async () => {
    const r = start(['-i', `pid:${lab.c1.pid}:eth0`, '-i', 'host:cbr0']);
    await until(() => r.stderr.includes('capturing on'), 'the capture to start');
    ping(3);
    await until(() => /echo reply/.test(r.stdout) && r.stdout.includes('host:cbr0'), 'printed packets');
    r.p.kill('SIGINT');
    expect(await r.exit, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} pid:${lab.c1.pid}:eth0 Out 10\\.77\\.0\\.1 → 10\\.77\\.0\\.2 ICMP length 98: echo request id \\d+ seq 1$`, 'm'));
    expect(r.stdout).toMatch(/ host:cbr0 In {2}10\.77\.0\.1 → 10\.77\.0\.2 ICMP length 98: echo request/);
    expect(r.stderr).toMatch(/\d+ packets captured, 0 dropped by the kernel, 0 dropped by the app/);
    expect(r.stderr).toMatch(new RegExp(`  pid:${lab.c1.pid}:eth0: \\d+ captured`));
    expect(r.stderr).toMatch(/ {2}host:cbr0: \d+ captured/);
  });

  it('SIGTERM ends it the same way', async () => {
    const r = start(['-i', 'host:cv2']);
    await until(() => r.stderr.includes('capturing on'), 'the capture to start');
    r.p.kill('SIGTERM');
    expect(await r.exit, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/0 packets captured/);
  });

  it('refuses an unknown interface or namespace, and a filter that does not compile: exit 2, nothing written', () => {
    const file = path.join(dir, 'never.pcapng');
    const bad: [string[], RegExp][] = [
      [['-i', 'host:nope0'], /vnet-studio capture: host:nope0: no interface "nope0" in namespace host/],
      [['-i', 'nowhere:eth0'], /vnet-studio capture: nowhere:eth0: no namespace "nowhere"/],
      [['-i', 'pid:999999:eth0'], /no namespace "pid:999999"/],
      [['-i', 'host:cv1', '-i', 'eth0'], /"eth0" is not NS:IFNAME/],
      [['-i', 'host:cv1', '-f', 'tcp port'], /filter "tcp port" does not compile: .*syntax error/],
    ];
    for (const [args, why] of bad) {
      const r = spawnSync(process.execPath, [cli, 'capture', ...args, '-w', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(fs.existsSync(file)).toBe(false);
    }
  });

  it('without root: a clear error, exit 1', () => {
    const r = spawnSync(NOBODY[0], [...NOBODY.slice(1), process.execPath, cli, 'capture', '-i', 'host:lo'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/capturing needs root .*run it with sudo/);
  });
});
