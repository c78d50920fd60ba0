// Captures against the real kernel: the docker-like lab (two process-held "containers" with eth0
// veths into a bridge), real pings, ARP, a tun; the pcapng read back by tshark.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { CaptureManager } from '../../electron/capture/manager';
import type { CaptureSession, HeldPacket } from '../../electron/capture/session';
import { CAPTURE_MAX_RUNNING, CAPTURE_MIN_FILE_BYTES, ErrorCodes, type CaptureEnded, type CaptureInfo, type Model } from '../../electron/contract';
import { ip } from '../helpers/ip';
import { hostNs, iface, nsOfPid } from '../helpers/model-lookup';
import { holdTun } from '../helpers/processes';
import { buildCaptureLab, capinfos, inPidNs, tsharkFields, type CaptureLab } from '../helpers/capture-lab';

describeKernel('capture: packets of the docker-like lab', () => {
  let e: Engine;
  let lab: CaptureLab;
  let m: CaptureManager;
  const ended: CaptureEnded[] = [];

  beforeAll(async () => {
    e = await Engine.start({ sampleHz: 1 });
    lab = await buildCaptureLab();
    await e.waitFor((x) => ['cv1', 'cv2', 'cbr0'].every((n) => iface(hostNs(x), n)?.master !== undefined)
      && iface(nsOfPid(x, lab.c1.pid), 'eth0')?.state === 'up' && iface(nsOfPid(x, lab.c2.pid), 'eth0')?.state === 'up'
      && iface(hostNs(x), 'cv1')?.master === iface(hostNs(x), 'cbr0')?.id);
    m = new CaptureManager(e);
    m.on('ended', (x) => ended.push(x));
  });
  afterAll(async () => {
    m?.close();
    lab?.close();
    await e?.stop();
  });

  const id = (model: Model, where: 'host' | number, name: string) => {
    const ns = where === 'host' ? hostNs(model) : nsOfPid(model, where);
    const i = iface(ns, name);
    if (!i) throw new Error(`no ${name} in ${String(where)}`);
    return i.id;
  };
  const session = (info: CaptureInfo) => (m as unknown as { sessions: Map<string, CaptureSession> }).sessions.get(info.id)!;
  const collect = (info: CaptureInfo) => { const out: HeldPacket[] = []; session(info).on('packets', (p) => out.push(...p)); return out; };

  it('a ping from one container to the other, seen at once on its eth0, its veth end and the bridge, in time order', async () => {
    const model = e.model();
    const ifs = [id(model, lab.c1.pid, 'eth0'), id(model, 'host', 'cv1'), id(model, 'host', 'cbr0')];
    const info = await m.start({ interfaces: ifs });
    expect(info.interfaces.map((i) => i.name)).toEqual([`pid:${lab.c1.pid}:eth0`, 'host:cv1', 'host:cbr0']);
    expect(info.interfaces.every((i) => i.linkType === 'ethernet')).toBe(true);
    inPidNs(lab.c1.pid, 'ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', '10.77.0.2');
    await new Promise((r) => setTimeout(r, 200));
    const done = m.stop(info.id);
    expect(done.state).toBe('ended');
    expect(done.reason).toBe('stopped');
    expect(ended.find((x) => x.id === info.id)?.reason).toBe('stopped');
    const file = session(info).file;

    const rows = tsharkFields(file, ['frame.interface_id', 'frame.interface_name', 'frame.interface_description', 'frame.time_epoch', 'icmp.type', 'icmp.seq', 'frame.packet_flags_direction'], 'icmp');
    const names = new Set(rows.map((r) => r[1]));
    expect([...names].sort()).toEqual([`host:cbr0`, 'host:cv1', `pid:${lab.c1.pid}:eth0`].sort());
    expect(rows.find((r) => r[1] === 'host:cv1')?.[2]).toContain('namespace host');
    for (const seq of ['1', '2', '3']) {
      for (const n of names) expect(rows.some((r) => r[1] === n && r[4] === '8' && r[5] === seq), `echo request ${seq} on ${n}`).toBe(true);
    }
    // time order across interfaces
    const t = tsharkFields(file, ['frame.time_epoch']).map((r) => Number(r[0]));
    for (let k = 1; k < t.length; k++) expect(t[k]).toBeGreaterThanOrEqual(t[k - 1]);
    // the request leaves the container's eth0 (outbound) and arrives on the veth's host end (inbound)
    const dir = (name: string) => Number(rows.find((r) => r[1] === name && r[4] === '8')?.[6]);
    expect(dir(`pid:${lab.c1.pid}:eth0`)).toBe(2);
    expect(dir('host:cv1')).toBe(1);
    // per-interface statistics at the end
    const report = capinfos(file);
    expect(report).toContain('Number of interfaces in file: 3');
    expect(report).toMatch(/Number of stat entries = 1/);
    expect(done.stats.interfaces.every((s) => s.received >= 6 && s.saved === s.received)).toBe(true);
  });

  it('a filter keeps only what it names: icmp vs arp, at the same time on the same interface', async () => {
    const model = e.model();
    const cv1 = id(model, 'host', 'cv1');
    const icmp = await m.start({ interfaces: [cv1], filter: 'icmp' });
    const arp = await m.start({ interfaces: [cv1], filter: 'arp' });
    const gotIcmp = collect(icmp), gotArp = collect(arp);
    inPidNs(lab.c1.pid, 'ip', 'neigh', 'flush', 'dev', 'eth0');
    inPidNs(lab.c1.pid, 'ping', '-n', '-c', '1', '-W', '2', '10.77.0.2');
    await new Promise((r) => setTimeout(r, 200));
    m.stop(icmp.id); m.stop(arp.id);
    const protos = (f: string) => new Set(tsharkFields(f, ['_ws.col.Protocol']).map((r) => r[0]));
    expect([...protos(session(icmp).file)]).toEqual(['ICMP']);
    expect([...protos(session(arp).file)]).toEqual(['ARP']);
    expect(gotIcmp.length).toBeGreaterThanOrEqual(2);
    expect(gotArp.length).toBeGreaterThanOrEqual(1);
  });

  it('a tun is raw IP (link type 101) and shows the ICMP it sends', async () => {
    const holder = await holdTun('ctun0', 'tun');
    try {
      ip('addr', 'add', '10.78.0.1/24', 'dev', 'ctun0');
      ip('link', 'set', 'ctun0', 'up');
      const model = await e.waitFor((x) => iface(hostNs(x), 'ctun0')?.flags.includes('UP') ?? false);
      const info = await m.start({ interfaces: [id(model, 'host', 'ctun0')] });
      expect(info.interfaces[0].linkType).toBe('raw');
      try { execPing('10.78.0.2'); } catch { /* no one answers on a tun nobody reads */ }
      await new Promise((r) => setTimeout(r, 200));
      m.stop(info.id);
      const rows = tsharkFields(session(info).file, ['frame.encap_type', 'ip.dst', 'icmp.type'], 'icmp');
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(rows[0]).toEqual(['7', '10.78.0.2', '8']); // WTAP_ENCAP_RAW_IP
      expect(capinfos(session(info).file)).toMatch(/Raw IP/);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a ping flood on both ends of a veth pair: each packet once, interleaved in time order, every one saved; a count stops exactly', async () => {
    const model = e.model();
    const ends = [id(model, lab.c1.pid, 'eth0'), id(model, 'host', 'cv1')];
    const info = await m.start({ interfaces: ends, filter: 'icmp' });
    const got = collect(info);
    const counted = await m.start({ interfaces: ends, filter: 'icmp', count: 1001 });
    inPidNs(lab.c1.pid, 'ping', '-f', '-n', '-q', '-c', '3000', '-W', '1', '10.77.0.2');
    await new Promise((r) => setTimeout(r, 200));
    const done = m.stop(info.id);
    const file = session(info).file;
    // requests and replies, 3000 each, on each end
    expect(done.stats.interfaces.map((x) => x.received)).toEqual([6000, 6000]);
    expect(done.stats).toMatchObject({ received: 12000, saved: 12000, kernelDropped: 0, appDropped: 0, fileFull: false });
    const rows = tsharkFields(file, ['frame.interface_id', 'frame.time_epoch', 'icmp.type', 'icmp.seq']);
    expect(rows.length).toBe(12000);
    // the ends' packets interleave (a request leaves eth0, reaches cv1; its reply passes cv1, then
    // reaches eth0: about one switch of interface per two packets), in time order throughout
    const t = rows.map((r) => Number(r[1]));
    for (let k = 1; k < t.length; k++) expect(t[k]).toBeGreaterThanOrEqual(t[k - 1]);
    const switches = rows.filter((r, k) => k && r[0] !== rows[k - 1][0]).length;
    expect(switches).toBeGreaterThan(5000);
    for (const iface of ['0', '1']) {
      const seqs = new Set(rows.filter((r) => r[0] === iface && r[2] === '8').map((r) => r[3]));
      expect(seqs.size).toBe(3000);
    }
    // what the 'packets' event gave is the file, packet by packet
    expect(got.length).toBe(12000);
    expect(got.every((p, k) => String(p.iface) === rows[k][0] && Math.abs(p.sec + p.nsec / 1e9 - t[k]) < 1e-6)).toBe(true);
    const c = ended.find((x) => x.id === counted.id);
    expect(c?.reason).toBe('count');
    expect(c?.stats).toMatchObject({ received: 1001, saved: 1001 });
    expect(tsharkFields(session(counted).file, ['frame.number']).length).toBe(1001);
  });

  it('a file limit: packets past it are counted, not saved, and the file stays within it, readable', async () => {
    const model = e.model();
    const ends = [id(model, lab.c1.pid, 'eth0'), id(model, 'host', 'cv1')];
    const info = await m.start({ interfaces: ends, filter: 'icmp', maxFileBytes: CAPTURE_MIN_FILE_BYTES });
    inPidNs(lab.c1.pid, 'ping', '-f', '-n', '-q', '-c', '1000', '-W', '1', '10.77.0.2');
    await new Promise((r) => setTimeout(r, 200));
    const done = m.stop(info.id);
    const file = session(info).file;
    expect(done.stats.received).toBe(4000);
    expect(done.stats.fileFull).toBe(true);
    expect(done.stats.saved).toBeGreaterThan(300);
    expect(done.stats.saved).toBeLessThan(done.stats.received);
    expect(fs.statSync(file).size).toBeLessThanOrEqual(CAPTURE_MIN_FILE_BYTES);
    expect(tsharkFields(file, ['frame.number']).length).toBe(done.stats.saved);
    expect(capinfos(file)).toMatch(/Number of stat entries = 1/);
  });

  it('refuses an unknown interface and a filter that does not compile, starting nothing', async () => {
    const before = m.list().length;
    await expect(m.start({ interfaces: ['ns:1/if:99999'] })).rejects.toThrow(/interfaces\[0\]: the engine knows no interface "ns:1\/if:99999"/);
    const cv1 = id(e.model(), 'host', 'cv1');
    await expect(m.start({ interfaces: [cv1], filter: 'tcp port' })).rejects.toThrow(/filter "tcp port" does not compile: .*syntax error/);
    await expect(m.start({ interfaces: [cv1], filter: 'ether host 1:2:3' })).rejects.toThrow(/does not compile/);
    expect(m.list().length).toBe(before);
  });

  it('runs at most CAPTURE_MAX_RUNNING captures, and will not discard a running one', async () => {
    const lo = id(e.model(), 'host', 'lo');
    const started: CaptureInfo[] = [];
    try {
      for (let k = 0; k < CAPTURE_MAX_RUNNING; k++) started.push(await m.start({ interfaces: [lo] }));
      await expect(m.start({ interfaces: [lo] })).rejects.toMatchObject({ code: ErrorCodes.Conflict, message: expect.stringMatching(/8 captures are running/) });
      expect(() => m.discard(started[0].id)).toThrow(/is running; stop it first/);
    } finally {
      for (const c of started) m.stop(c.id);
    }
    m.discard(started[0].id);
    expect(m.list().some((c) => c.id === started[0].id)).toBe(false);
    expect(fs.existsSync(session(started[1]).file)).toBe(true);
  });

  it('goes on through its interface going down and up: started on a down veth, it captures once the veth is up, and again after a second down', async () => {
    const waitState = (state: string) => e.waitFor((x) => iface(hostNs(x), 'cv1')?.state === state);
    ip('link', 'set', 'cv1', 'down');
    try {
      const model = await waitState('down');
      const info = await m.start({ interfaces: [id(model, 'host', 'cv1')], filter: 'icmp' });
      const echoes = () => tsharkFields(session(info).file, ['icmp.type'], 'icmp.type == 8').length;
      const running = () => m.list().find((x) => x.id === info.id)?.state;
      // longer than a capture's grace for an interface that is gone: this one is only down
      await new Promise((r) => setTimeout(r, 800));
      expect(running()).toBe('running');
      ip('link', 'set', 'cv1', 'up');
      await waitState('up');
      inPidNs(lab.c1.pid, 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', '10.77.0.2');
      ip('link', 'set', 'cv1', 'down');
      await new Promise((r) => setTimeout(r, 800));
      expect(running()).toBe('running');
      ip('link', 'set', 'cv1', 'up');
      await waitState('up');
      inPidNs(lab.c1.pid, 'ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', '10.77.0.2');
      await new Promise((r) => setTimeout(r, 200));
      const done = m.stop(info.id);
      expect(done.reason).toBe('stopped');
      expect(ended.find((x) => x.id === info.id)?.reason).toBe('stopped');
      expect(echoes()).toBe(5);
    } finally {
      ip('link', 'set', 'cv1', 'up');
      await waitState('up');
    }
  });

  it('ends with a reason when its interface is deleted during the capture', async () => {
    ip('link', 'add', 'cgone0', 'type', 'veth', 'peer', 'name', 'cgone1');
    ip('link', 'set', 'cgone0', 'up');
    const model = await e.waitFor((x) => iface(hostNs(x), 'cgone0') !== undefined);
    const info = await m.start({ interfaces: [id(model, 'host', 'cgone0'), id(model, 'host', 'cv2')] });
    ip('link', 'del', 'cgone0');
    const until = Date.now() + 5000;
    while (!ended.some((x) => x.id === info.id) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const end = ended.find((x) => x.id === info.id);
    expect(end?.reason).toBe('interface-gone');
    expect(end?.message).toContain('host:cgone0');
    expect(m.list().find((x) => x.id === info.id)?.state).toBe('ended');
    // the file is complete and readable
    expect(capinfos(session(info).file)).toContain('Number of interfaces in file: 2');
  });

  it('ends with a reason when the namespace of its interface goes away (and lets the namespace go)', async () => {
    ip('netns', 'add', 'cgns');
    ip('link', 'add', 'cgv0', 'type', 'veth', 'peer', 'name', 'cgv1');
    ip('link', 'set', 'cgv1', 'netns', 'cgns');
    const model = await e.waitFor((x) => x.namespaces.some((n) => n.name === 'cgns' && n.interfaces.some((i) => i.name === 'cgv1')));
    const ns = model.namespaces.find((n) => n.name === 'cgns')!;
    const info = await m.start({ interfaces: [ns.interfaces.find((i) => i.name === 'cgv1')!.id] });
    expect(info.interfaces[0].name).toBe('cgns:cgv1');
    ip('netns', 'del', 'cgns');
    const until = Date.now() + 10_000;
    while (!ended.some((x) => x.id === info.id) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(ended.find((x) => x.id === info.id)).toMatchObject({ reason: 'namespace-gone', message: 'namespace cgns of cgns:cgv1 went away' });
    // our socket no longer holds it: the kernel tears it down, taking the veth pair with it
    await e.waitFor((x) => !iface(hostNs(x), 'cgv0'));
  });
});

function execPing(dst: string): void {
  execFileSync('ping', ['-n', '-c', '2', '-i', '0.2', '-W', '1', dst], { stdio: 'ignore' });
}
