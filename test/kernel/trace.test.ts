// Following pings hop by hop against the real kernel: the article's pictures built for real
// (a veth between two namespaces, two namespaces on a bridge, a docker0-like bridge with NAT to an
// outside namespace, a tun held by a program), real echoes sent from inside the namespaces and
// captured on every interface they pass; and pings that cannot arrive, said where and why.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { Tracer } from '../../electron/trace/tracer';
import { TraceError } from '../../electron/trace/targets';
import { hopText, type Model, type TraceResult } from '../../electron/contract';
import { applyLab, destroyLab } from '../../electron/labs/apply';
import { NativeLabKernel } from '../../electron/labs/native-kernel';
import { parseLab } from '../../electron/labs/parse';
import { ip } from '../helpers/ip';
import { tmpStateDir } from '../helpers/lab-kernel';
import { hostNs, iface, nsNamed } from '../helpers/model-lookup';
import { quiet } from '../helpers/processes';

const LABS = path.resolve(__dirname, '../../assets/labs');
const lab = (f: string) => parseLab(fs.readFileSync(path.join(LABS, f), 'utf8'), f);
const path_ = (hs: TraceResult['request']) => hs.map(hopText);

describeKernel('trace: a ping followed hop by hop', () => {
  let e: Engine;
  let t: Tracer;
  let k: NativeLabKernel;
  let holder: Awaited<ReturnType<typeof holdTunNs>> | null = null;
  const nsId = (m: Model, name: string) => nsNamed(m, name)!.id;

  beforeAll(async () => {
    tmpStateDir();
    k = new NativeLabKernel();
    e = await Engine.start({ sampleHz: 1 });
    t = new Tracer(e);
    // namespace → veth → namespace, both families
    ip('netns', 'add', 'tr-a'); ip('netns', 'add', 'tr-b');
    ip('-n', 'tr-a', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'tr-b');
    for (const [ns, k4, k6] of [['tr-a', '10.91.0.1/24', 'fd91::1/64'], ['tr-b', '10.91.0.2/24', 'fd91::2/64']]) {
      ip('-n', ns, 'addr', 'add', k4, 'dev', 'eth0');
      ip('-n', ns, 'addr', 'add', k6, 'dev', 'eth0', 'nodad');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // a namespace whose only way out is a tun held by a program
    ip('netns', 'add', 'tr-t');
    ip('-n', 'tr-t', 'link', 'set', 'lo', 'up');
    await applyLab(lab('two-rooms.yaml'), k);
    await applyLab(lab('docker-like.yaml'), k);
    await e.waitFor((m) => ['tr-a', 'tr-b', 'tr-t', 'red', 'blue', 'dk-c1', 'dk-host', 'dk-outside'].every((n) => nsNamed(m, n))
      && iface(nsNamed(m, 'tr-b'), 'eth0')?.state === 'up' && iface(nsNamed(m, 'blue'), 'eth0')?.state === 'up'
      && iface(nsNamed(m, 'dk-outside'), 'eth0')?.state === 'up', 15_000);
  }, 60_000);
  afterAll(async () => {
    holder?.kill('SIGKILL');
    for (const n of ['docker-like', 'two-rooms']) await quietly(() => destroyLab(n, k));
    for (const n of ['tr-a', 'tr-b', 'tr-t']) quiet(() => ip('netns', 'del', n));
    k?.close();
    await e?.stop();
  });

  it('namespace → veth → namespace: eth0 tx, the peer rx, and the reply back the same way (IPv4 and IPv6)', async () => {
    const m = e.model();
    for (const addr of ['10.91.0.2', 'fd91::2']) {
      const r = await t.trace({ namespace: nsId(m, 'tr-a'), address: addr });
      expect(r.stopped, addr).toBeNull();
      expect(path_(r.request), addr).toEqual(['tr-a:eth0 tx', 'tr-b:eth0 rx']);
      expect(path_(r.reply), addr).toEqual(['tr-b:eth0 tx', 'tr-a:eth0 rx']);
      expect(r.family).toBe(addr.includes(':') ? 6 : 4);
      expect(r.request[0].tNs).toBe(0);
      const times = [...r.request, ...r.reply].map((h) => h.tNs);
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
      expect(r.request[1].src).toBe(addr.includes(':') ? 'fd91::1' : '10.91.0.1');
      expect(r.request[1].dst).toBe(addr);
      expect(r.echoes[0].rttUs).toBeGreaterThan(0);
      expect(r.captured).toContain(iface(nsNamed(m, 'tr-b'), 'eth0')!.id);
    }
  });

  it('count: every echo followed on its own', async () => {
    const r = await t.trace({ namespace: nsId(e.model(), 'tr-a'), address: '10.91.0.2', count: 3 });
    expect(r.echoes.map((x) => x.seq)).toEqual([1, 2, 3]);
    for (const x of r.echoes) {
      expect(x.stopped).toBeNull();
      expect(path_(x.request)).toEqual(['tr-a:eth0 tx', 'tr-b:eth0 rx']);
    }
  });

  it('two namespaces through a bridge: the ports and the bridge, forwarded to the right port', async () => {
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'red'), address: '10.20.0.3' });
    expect(r.stopped).toBeNull();
    const redPort = hostNs(m).interfaces.find((i) => i.id === iface(nsNamed(m, 'red'), 'eth0')!.peer)!;
    const bluePort = hostNs(m).interfaces.find((i) => i.id === iface(nsNamed(m, 'blue'), 'eth0')!.peer)!;
    expect(path_(r.request)).toEqual([
      'red:eth0 tx', `host:${redPort.name} rx`, `host:br-rooms rx (forwarded to ${bluePort.name})`, `host:${bluePort.name} tx`, 'blue:eth0 rx',
    ]);
    expect(r.request[2].forwardedTo).toBe(bluePort.id);
    expect(path_(r.reply)).toEqual([
      'blue:eth0 tx', `host:${bluePort.name} rx`, `host:br-rooms rx (forwarded to ${redPort.name})`, `host:${redPort.name} tx`, 'red:eth0 rx',
    ]);
  });

  it('a container out through a docker0-like bridge with NAT: the path goes on past the masquerade, matched by its payload', async () => {
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'dk-c1'), address: '203.0.113.1' });
    expect(r.stopped).toBeNull();
    const port = nsNamed(m, 'dk-host')!.interfaces.find((i) => i.id === iface(nsNamed(m, 'dk-c1'), 'eth0')!.peer)!;
    expect(path_(r.request)).toEqual([
      'dk-c1:eth0 tx', `dk-host:${port.name} rx`, "dk-host:docker0 rx (to the namespace's own stack (routed))", 'dk-host:eth0 tx', 'dk-outside:eth0 rx',
    ]);
    // before the NAT the container's address, after it the host's
    expect(r.request[0].src).toBe('172.17.0.2');
    expect(r.request.at(-1)!.src).toBe('203.0.113.2');
    expect(path_(r.reply)).toEqual([
      'dk-outside:eth0 tx', 'dk-host:eth0 rx', 'dk-host:docker0 tx', `dk-host:${port.name} tx`, 'dk-c1:eth0 rx',
    ]);
    expect(r.reply[0].dst).toBe('203.0.113.2');
    expect(r.reply.at(-1)!.dst).toBe('172.17.0.2');
  });

  it('a ping to an address behind a tun ends in the program holding it', async () => {
    // The program (this test's helper process) makes tun0 in tr-t and holds it; the route to
    // 10.92.0.0/24 leads into it.
    holder = await holdTunNs('tr-t', 'tun0');
    ip('-n', 'tr-t', 'addr', 'add', '10.92.0.1/24', 'dev', 'tun0');
    ip('-n', 'tr-t', 'link', 'set', 'tun0', 'up');
    await e.waitFor((m) => (iface(nsNamed(m, 'tr-t'), 'tun0')?.tun?.owners.length ?? 0) > 0 && iface(nsNamed(m, 'tr-t'), 'tun0')!.flags.includes('UP'), 15_000);
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'tr-t'), address: '10.92.0.5', timeoutMs: 500 });
    expect(path_(r.request)).toEqual([`tr-t:tun0 tx (handed to the program holding tun0: pid ${holder.pid} (python3))`]);
    expect(r.reply).toEqual([]);
    expect(r.stopped).toMatchObject({ at: iface(nsNamed(m, 'tr-t'), 'tun0')!.id, cause: 'tun' });
    expect(r.stopped!.reason).toContain(`pid ${holder.pid}`);
  });

  it('dropped: a tun whose program does not read fills its queue; the next echo is counted dropped there, and said so', async () => {
    // The holder of the test above never reads tun0: datagrams routed into it fill its queue
    // (tx_queue_len packets), and the kernel counts each one past that in tun0's tx_dropped.
    expect(holder).not.toBeNull();
    const flood = 'import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(1200): s.sendto(b"x", ("10.92.0.7", 9))';
    const r0 = spawnSync('ip', ['netns', 'exec', 'tr-t', 'python3', '-c', flood], { encoding: 'utf8' });
    expect(r0.status, r0.stderr).toBe(0);
    const dropped = () => Number(JSON.parse(spawnSync('ip', ['-n', 'tr-t', '-j', '-s', 'link', 'show', 'tun0'], { encoding: 'utf8' }).stdout)[0].stats64.tx.dropped);
    const before = dropped();
    expect(before).toBeGreaterThan(0); // the queue is full: ip -s link says so too
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'tr-t'), address: '10.92.0.5', timeoutMs: 300 });
    expect(dropped()).toBeGreaterThan(before);
    expect(path_(r.request)).toEqual([`tr-t:tun0 tx (handed to the program holding tun0: pid ${holder!.pid} (python3))`]);
    expect(r.stopped).toMatchObject({ at: iface(nsNamed(m, 'tr-t'), 'tun0')!.id, ns: nsId(m, 'tr-t'), cause: 'dropped' });
    expect(r.stopped!.reason).toMatch(new RegExp(`^dropped at tr-t:tun0: txDropped \\+\\d+: handed to the program holding tun0: pid ${holder!.pid} \\(python3\\), which leaves what it is given unread \\(the tun's queue is full\\)$`));
  });

  it('a ping that cannot get out (no route) says so, in the sending namespace', async () => {
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'tr-a'), address: '192.0.2.77', timeoutMs: 300 });
    expect(r.request).toEqual([]);
    expect(r.stopped).toMatchObject({ at: null, ns: nsId(m, 'tr-a'), cause: 'no-route' });
    expect(r.stopped!.reason).toMatch(/no route to 192\.0\.2\.77 in tr-a: Network is unreachable \(ENETUNREACH\)/);
  });

  it('an address on the link nobody holds: the ARP requests were seen, no reply', async () => {
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'tr-a'), address: '10.91.0.99', timeoutMs: 1500 });
    expect(r.request).toEqual([]);
    expect(r.stopped).toMatchObject({ at: iface(nsNamed(m, 'tr-a'), 'eth0')!.id, cause: 'no-neighbour' });
    expect(r.stopped!.reason).toMatch(/no answer to ARP: tr-a:eth0 asked who has 10\.91\.0\.99 (once|\d times), nobody answered/);
  });

  it('a router without a way on answers with an ICMP error, said at the hop it reached', async () => {
    // tr-b forwards but has no route to 10.93.0.0/24, which tr-a sends to it
    ip('netns', 'exec', 'tr-b', 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    ip('-n', 'tr-a', 'route', 'add', '10.93.0.0/24', 'via', '10.91.0.2');
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'tr-a'), address: '10.93.0.9', timeoutMs: 1000 });
    expect(path_(r.request)).toEqual(['tr-a:eth0 tx', 'tr-b:eth0 rx']);
    expect(r.reply).toEqual([]);
    expect(r.stopped).toMatchObject({ at: iface(nsNamed(m, 'tr-b'), 'eth0')!.id, ns: nsId(m, 'tr-b'), cause: 'icmp-error' });
    expect(r.stopped!.reason).toBe('10.91.0.2 answered destination unreachable (net unreachable) after the request reached tr-b:eth0');
  });

  it('a namespace that does not forward drops silently: said where, and what would let it through', async () => {
    // red's default route is br-rooms' address in the host namespace, which does not forward
    const m = e.model();
    const r = await t.trace({ namespace: nsId(m, 'red'), address: '198.51.100.9', timeoutMs: 500 });
    expect(r.reply).toEqual([]);
    expect(path_(r.request).at(-1)).toBe("host:br-rooms rx (to the namespace's own stack (routed))");
    expect(r.stopped).toMatchObject({ at: iface(hostNs(m), 'br-rooms')!.id, ns: hostNs(m).id, cause: 'lost' });
    expect(r.stopped!.reason).toContain('host does not hold 198.51.100.9; it passes such packets on only with forwarding on (net.ipv4.ip_forward)');
  });

  it('bad input is refused naming what is wrong', async () => {
    const m = e.model();
    await expect(t.trace({ namespace: 'ns:1', address: '10.0.0.1' })).rejects.toThrow(/"namespace": the engine knows no namespace "ns:1"/);
    await expect(t.trace({ namespace: nsId(m, 'tr-a'), address: 'fe80::1' })).rejects.toThrow(/link-local/);
    await expect(t.trace({ namespace: nsId(m, 'tr-a'), address: '224.0.0.1' })).rejects.toThrow(/not a unicast address/);
    await expect(t.trace({ namespace: nsId(m, 'tr-a'), address: 'nope' })).rejects.toBeInstanceOf(TraceError);
  });
});

async function quietly(f: () => Promise<unknown>): Promise<void> { try { await f(); } catch { /* already gone */ } }

/** A program that makes tun `name` in namespace `ns` and holds it open, as a VPN client does
 *  (`ip netns exec` execs it: its pid is the program's). */
async function holdTunNs(ns: string, name: string) {
  const code = [
    'import fcntl, os, struct, sys, time',
    'fd = os.open("/dev/net/tun", os.O_RDWR)',
    'fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x1001))',
    'print("ready", flush=True)',
    'time.sleep(1000)',
  ].join('\n');
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', code, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`tun holder exited with ${c}`)));
  });
  return child as typeof child & { pid: number };
}
