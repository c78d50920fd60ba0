// Following the next packet matching a filter against the real kernel: traffic the test makes
// with ordinary programs inside the namespaces (ping, a UDP exchange, a TCP connect, run with
// `ip netns exec` as a user does in a shell), never sent by the engine, recognised at every hop
// through a bridge and through a docker0-like NAT, with its answer; a filter libpcap refuses, a
// wait with no traffic, a cancelled wait; and "where else was this packet seen" over a capture.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { Tracer } from '../../electron/trace/tracer';
import { CaptureManager } from '../../electron/capture/manager';
import { locate } from '../../electron/trace/locate';
import { ErrorCodes, hopText, type Model, type TraceResult } from '../../electron/contract';
import { applyLab, destroyLab } from '../../electron/labs/apply';
import { NativeLabKernel } from '../../electron/labs/native-kernel';
import { parseLab } from '../../electron/labs/parse';
import { tmpStateDir } from '../helpers/lab-kernel';
import { hostNs, iface, nsNamed } from '../helpers/model-lookup';

const LABS = path.resolve(__dirname, '../../assets/labs');
const lab = (f: string) => parseLab(fs.readFileSync(path.join(LABS, f), 'utf8'), f);
const path_ = (hs: TraceResult['request']) => hs.map(hopText);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A program run in namespace `ns` as a user runs it from a shell. */
function inNs(ns: string, ...argv: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
}

const UDP_ECHO = [
  'import socket', 's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)', 's.bind(("0.0.0.0", 7007))',
  'while True:', '    d, a = s.recvfrom(2048)', '    s.sendto(d, a)',
].join('\n');
/** Sends a datagram every 200 ms, each with its own words (so each is a packet of its own). */
const UDP_SEND = [
  'import socket, time', 's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)', 's.settimeout(0.2)',
  'for i in range(100):', '    s.sendto(b"hello from the test %d" % i, ("10.20.0.3", 7007))',
  '    try: s.recvfrom(2048)', '    except OSError: pass',
].join('\n');
const TCP_LISTEN = [
  'import socket', 's = socket.socket()', 's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)', 's.bind(("0.0.0.0", 8088))', 's.listen(50)',
  'while True:', '    c, a = s.accept()', '    c.close()',
].join('\n');
const TCP_CONNECT = [
  'import socket, time', 'for i in range(100):',
  '    try: socket.create_connection(("203.0.113.1", 8088), timeout=1).close()', '    except OSError: pass', '    time.sleep(0.2)',
].join('\n');

describeKernel('trace: following the next packet matching a filter', () => {
  let e: Engine;
  let t: Tracer;
  let k: NativeLabKernel;
  const kids: ChildProcess[] = [];
  const run = (ns: string, ...argv: string[]) => { const c = inNs(ns, ...argv); kids.push(c); return c; };
  const nsId = (m: Model, name: string) => nsNamed(m, name)!.id;

  beforeAll(async () => {
    tmpStateDir();
    k = new NativeLabKernel();
    e = await Engine.start({ sampleHz: 1 });
    t = new Tracer(e);
    await applyLab(lab('two-rooms.yaml'), k);
    await applyLab(lab('docker-like.yaml'), k);
    await e.waitFor((m) => ['red', 'blue', 'dk-c1', 'dk-host', 'dk-outside'].every((n) => nsNamed(m, n))
      && iface(nsNamed(m, 'blue'), 'eth0')?.state === 'up' && iface(nsNamed(m, 'dk-outside'), 'eth0')?.state === 'up', 15_000);
  }, 60_000);
  afterEach(() => { for (const c of kids.splice(0)) c.kill('SIGKILL'); });
  afterAll(async () => {
    for (const n of ['docker-like', 'two-rooms']) { try { await destroyLab(n, k); } catch { /* gone */ } }
    k?.close();
    await e?.stop();
  });

  it('a ping the user makes in red, followed through the bridge and back', async () => {
    const m = e.model();
    const follow = t.follow({ namespace: nsId(m, 'red'), filter: 'icmp and host 10.20.0.3', timeoutMs: 10_000 });
    await sleep(300);
    run('red', 'ping', '-c', '30', '-i', '0.2', '10.20.0.3');
    const r = await follow;
    const redPort = hostNs(m).interfaces.find((i) => i.id === iface(nsNamed(m, 'red'), 'eth0')!.peer)!;
    const bluePort = hostNs(m).interfaces.find((i) => i.id === iface(nsNamed(m, 'blue'), 'eth0')!.peer)!;
    expect(r.mode).toBe('match');
    expect(r.packet).toMatch(/^ICMP echo request 10\.20\.0\.2 → 10\.20\.0\.3 id \d+ seq \d+$/);
    expect(path_(r.request)).toEqual([
      'red:eth0 tx', `host:${redPort.name} rx`, `host:br-rooms rx (forwarded to ${bluePort.name})`, `host:${bluePort.name} tx`, 'blue:eth0 rx',
    ]);
    expect(path_(r.reply)).toEqual([
      'blue:eth0 tx', `host:${bluePort.name} rx`, `host:br-rooms rx (forwarded to ${redPort.name})`, `host:${redPort.name} tx`, 'red:eth0 rx',
    ]);
    expect(r.stopped).toBeNull();
    expect(r.echoes[0].rttUs).toBeGreaterThan(0);
    const times = [...r.request, ...r.reply].map((h) => h.tNs);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  });

  it('a UDP datagram and its answer (the reverse 5-tuple), through the bridge', async () => {
    const m = e.model();
    run('blue', 'python3', '-c', UDP_ECHO);
    const follow = t.follow({ namespace: nsId(m, 'red'), filter: 'udp dst port 7007', timeoutMs: 10_000 });
    await sleep(300);
    run('red', 'python3', '-c', UDP_SEND);
    const r = await follow;
    expect(r.packet).toMatch(/^UDP 10\.20\.0\.2:\d+ → 10\.20\.0\.3:7007 len \d+$/);
    expect(path_(r.request)[0]).toBe('red:eth0 tx');
    expect(path_(r.request).at(-1)).toBe('blue:eth0 rx');
    expect(path_(r.reply)[0]).toBe('blue:eth0 tx');
    expect(path_(r.reply).at(-1)).toBe('red:eth0 rx');
    expect(r.reply[0].src).toBe('10.20.0.3');
    expect(r.stopped).toBeNull();
  });

  it('a TCP SYN out of a container through the NAT: hops on both sides of the masquerade, and the SYN/ACK back', async () => {
    const m = e.model();
    run('dk-outside', 'python3', '-c', TCP_LISTEN);
    // The filter names the address after the NAT: the hops before it are found by the fingerprint.
    const follow = t.follow({ namespace: nsId(m, 'dk-c1'), filter: 'tcp[tcpflags] & tcp-syn != 0 and src host 203.0.113.2 and dst port 8088', timeoutMs: 10_000 });
    await sleep(300);
    run('dk-c1', 'python3', '-c', TCP_CONNECT);
    const r = await follow;
    const port = nsNamed(m, 'dk-host')!.interfaces.find((i) => i.id === iface(nsNamed(m, 'dk-c1'), 'eth0')!.peer)!;
    expect(path_(r.request)).toEqual([
      'dk-c1:eth0 tx', `dk-host:${port.name} rx`, "dk-host:docker0 rx (to the namespace's own stack (routed))", 'dk-host:eth0 tx', 'dk-outside:eth0 rx',
    ]);
    expect(r.request[0].src).toBe('172.17.0.2');
    expect(r.request.at(-1)!.src).toBe('203.0.113.2');
    expect(r.packet).toMatch(/^TCP 172\.17\.0\.2:\d+ → 203\.0\.113\.1:8088 \[SYN\] seq \d+$/);
    expect(path_(r.reply)).toEqual([
      'dk-outside:eth0 tx', 'dk-host:eth0 rx', 'dk-host:docker0 tx', `dk-host:${port.name} tx`, 'dk-c1:eth0 rx',
    ]);
    expect(r.reply.at(-1)!.dst).toBe('172.17.0.2');
    expect(r.stopped).toBeNull();
  });

  it('a filter libpcap refuses: said with the filter and libpcap\'s words, nothing captured', async () => {
    const m = e.model();
    const err = await t.follow({ namespace: nsId(m, 'red'), filter: 'tcp port eleventy' }).catch((x: Error) => x);
    expect((err as Error).message).toMatch(/^traceFollow: "filter": "tcp port eleventy" does not compile: .+/);
  });

  it('no matching traffic: TimedOut, naming the filter and the time', async () => {
    const m = e.model();
    const t0 = Date.now();
    const err = await t.follow({ namespace: nsId(m, 'red'), filter: 'udp port 9', timeoutMs: 700 }).catch((x: { code: number; message: string }) => x);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(err).toMatchObject({ code: ErrorCodes.TimedOut });
    expect((err as Error).message).toMatch(/no packet matching "udp port 9" passed the \d+ interface\(s\) around red within 700 ms/);
  });

  it('a waiting follow ends at once when cancelled', async () => {
    const m = e.model();
    const follow = t.follow({ namespace: nsId(m, 'red'), filter: 'udp port 9', id: 'test-cancel', timeoutMs: 60_000 }).catch((x: { code: number }) => x);
    await sleep(400);
    expect(t.cancel('test-cancel')).toBe(true);
    expect(await follow).toMatchObject({ code: ErrorCodes.Cancelled });
    expect(t.cancel('test-cancel')).toBe(false);
  });

  it('where else was this packet seen: a captured echo found on the capture\'s other interfaces, in order, with its reply', async () => {
    const m = e.model();
    const redPort = hostNs(m).interfaces.find((i) => i.id === iface(nsNamed(m, 'red'), 'eth0')!.peer)!;
    const bluePort = hostNs(m).interfaces.find((i) => i.id === iface(nsNamed(m, 'blue'), 'eth0')!.peer)!;
    const ids = [iface(nsNamed(m, 'red'), 'eth0')!.id, redPort.id, iface(hostNs(m), 'br-rooms')!.id, bluePort.id, iface(nsNamed(m, 'blue'), 'eth0')!.id];
    const cm = new CaptureManager(e);
    try {
      const c = await cm.start({ interfaces: ids, filter: 'icmp' });
      const ping = run('red', 'ping', '-c', '3', '-i', '0.2', '10.20.0.3');
      await new Promise((r) => ping.once('exit', r));
      await sleep(300);
      cm.stop(c.id);
      // The third packet of the file, whatever interface it is on: the same echo everywhere.
      const r = await locate(cm.get(c.id), e.model(), 3);
      expect(r.mode).toBe('locate');
      expect(path_(r.request)).toEqual([
        'red:eth0 tx', `host:${redPort.name} rx`, `host:br-rooms rx (forwarded to ${bluePort.name})`, `host:${bluePort.name} tx`, 'blue:eth0 rx',
      ]);
      expect(path_(r.reply)).toEqual([
        'blue:eth0 tx', `host:${bluePort.name} rx`, `host:br-rooms rx (forwarded to ${redPort.name})`, `host:${redPort.name} tx`, 'red:eth0 rx',
      ]);
      expect(r.packet).toMatch(/^ICMP echo (request|reply)/);
      expect(r.stopped).toBeNull();
      await expect(locate(cm.get(c.id), e.model(), 9999)).rejects.toThrow(/holds no packet 9999 in its file \(it saved \d+\)/);
    } finally { cm.close(); }
  });
});
