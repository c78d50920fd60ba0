// `vnet-studio trace` through the built CLI (dist/) against the real kernel: --json is the trace
// method's result for a real ping between two namespaces, the human output lists the hops in
// order, and a ping that cannot get out exits 1 saying why; --match follows the next packet of
// traffic made beside it (a ping run in the namespace), and says when none came.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { CLI_PATH } from '../../electron/paths';
import type { TraceResult } from '../../electron/contract';
import { ip } from '../helpers/ip';
import { quiet } from '../helpers/processes';

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });

describeKernel('vnet-studio trace', () => {
  beforeAll(() => {
    if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first (npx tsc -p tsconfig.json)`);
    ip('netns', 'add', 'tc-a'); ip('netns', 'add', 'tc-b');
    ip('-n', 'tc-a', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', 'tc-b');
    ip('-n', 'tc-a', 'addr', 'add', '10.94.0.1/24', 'dev', 'eth0');
    ip('-n', 'tc-b', 'addr', 'add', '10.94.0.2/24', 'dev', 'eth1');
    ip('-n', 'tc-a', 'link', 'set', 'eth0', 'up');
    ip('-n', 'tc-b', 'link', 'set', 'eth1', 'up');
  });
  afterAll(() => { for (const n of ['tc-a', 'tc-b']) quiet(() => ip('netns', 'del', n)); });

  it('--json: the path of each echo, request and reply, exit 0', () => {
    const r = cli('trace', 'tc-a', '10.94.0.2', '--json', '--count', '2');
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as TraceResult;
    expect(t.stopped).toBeNull();
    expect(t.address).toBe('10.94.0.2');
    expect(t.echoes).toHaveLength(2);
    expect(t.request.map((h) => [h.where, h.direction])).toEqual([['tc-a:eth0', 'tx'], ['tc-b:eth1', 'rx']]);
    expect(t.reply.map((h) => [h.where, h.direction])).toEqual([['tc-b:eth1', 'tx'], ['tc-a:eth0', 'rx']]);
    for (const h of [...t.request, ...t.reply]) {
      expect(Object.keys(h).sort()).toEqual(['direction', 'dst', 'forwardedTo', 'interface', 'name', 'note', 'ns', 'src', 'tNs', 'where']);
      expect(h.interface.startsWith(`${h.ns}/if:`)).toBe(true);
    }
    expect(t.reply.at(-1)!.tNs).toBeGreaterThan(0);
  });

  it('the human output: the hops in order with the time between them', () => {
    const r = cli('trace', 'tc-a', '10.94.0.2');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^echo 1 from tc-a to 10\.94\.0\.2: reply in [0-9.]+ ms$/);
    expect(lines.slice(1).map((l) => l.trim().replace(/^[0-9.]+ µs\s+(\+[0-9.]+ µs\s+)?/, ''))).toEqual([
      'request:', 'tc-a:eth0 tx  10.94.0.1 → 10.94.0.2', 'tc-b:eth1 rx', 'reply:', 'tc-b:eth1 tx  10.94.0.2 → 10.94.0.1', 'tc-a:eth0 rx',
    ]);
  });

  it('no route: exit 1, where it stopped and why', () => {
    const r = cli('trace', 'tc-a', '192.0.2.5', '--timeout', '200');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('stopped: no route to 192.0.2.5 in tc-a: Network is unreachable (ENETUNREACH)');
  });

  it('--match: the next packet matching the filter, made by another program, followed with its answer', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'trace', 'tc-a', '--match', 'icmp[icmptype] = icmp-echo', '--timeout', '10000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { err += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // the engine starts and the sockets open first; the pings go on until it is done
    await new Promise((r) => setTimeout(r, 1500));
    const ping = spawn('ip', ['netns', 'exec', 'tc-a', 'ping', '-c', '40', '-i', '0.2', '10.94.0.2'], { stdio: 'ignore' });
    try {
      expect(await exited, err).toBe(0);
    } finally { ping.kill('SIGKILL'); }
    const t = JSON.parse(out) as TraceResult;
    expect(t.mode).toBe('match');
    expect(t.packet).toMatch(/^ICMP echo request 10\.94\.0\.1 → 10\.94\.0\.2/);
    expect(t.request.map((h) => [h.where, h.direction])).toEqual([['tc-a:eth0', 'tx'], ['tc-b:eth1', 'rx']]);
    expect(t.reply.map((h) => [h.where, h.direction])).toEqual([['tc-b:eth1', 'tx'], ['tc-a:eth0', 'rx']]);
  }, 30_000);

  it('--match with nothing matching: exit 1 naming the filter; a bad filter: libpcap\'s words', () => {
    const r = cli('trace', 'tc-a', '--match', 'udp port 9', '--timeout', '300');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/vnet-studio trace: no packet matching "udp port 9" passed the \d+ interface\(s\) around tc-a within 300 ms/);
    const bad = cli('trace', 'tc-a', '--match', 'port nonsense');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/vnet-studio trace: "filter": "port nonsense" does not compile: /);
    const both = cli('trace', 'tc-a', '10.94.0.2', '--match', 'icmp');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("unexpected argument '10.94.0.2'");
  });

  it('an unknown namespace: said, exit 2', () => {
    const r = cli('trace', 'tc-nope', '10.94.0.2');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('vnet-studio trace: no namespace "tc-nope" (host, an ip netns name, pid:PID or ns:INODE)\n');
  });
});
