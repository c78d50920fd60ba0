// The lab and canvas-building methods over the engine's JSON-RPC connection, with a real engine in
// the throwaway world: validate, plan, apply (with progress notifications), list, destroy; canvas
// actions performed one by one, each answering with its `ip` command lines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeKernel } from '../helpers/world';
import { ip } from '../helpers/ip';
import { links, markedLinks, ping, tmpStateDir, until } from '../helpers/lab-kernel';
import { Engine } from '../../electron/engine';
import type { EngineConnection } from '../../electron/engine/server';
import { createEngineProcessConnection } from '../../electron/engine-process';

const example = readFileSync(path.join(__dirname, '../../assets/labs/two-rooms.yaml'), 'utf8');

describeKernel('lab methods over the protocol', () => {
  let engine: Engine; let conn: EngineConnection;
  const notes: { method: string; params: any }[] = [];
  const pending = new Map<number, (m: any) => void>();
  let id = 0;
  const call = (method: string, params?: unknown): Promise<any> => new Promise((resolve) => {
    const n = ++id; pending.set(n, resolve);
    void conn.receive({ jsonrpc: '2.0', id: n, method, ...(params === undefined ? {} : { params }) });
  });

  beforeAll(async () => {
    tmpStateDir();
    engine = await Engine.start({ sampleHz: 0 });
    conn = createEngineProcessConnection(engine, (m: any) => {
      if ('id' in m && pending.has(m.id)) { pending.get(m.id)!(m); pending.delete(m.id); } else if (m.method) notes.push(m);
    });
  });
  afterAll(async () => { conn?.close(); await engine?.stop(); });

  test('validate names the line; export gives the script; plan touches nothing', async () => {
    const bad = await call('labValidate', { text: example.replace('10.20.0.2/24', '10.20.0.300/24') });
    expect(bad.result.ok).toBe(false);
    expect(bad.result.issues[0]).toMatchObject({ line: 6, path: 'namespaces.red.interfaces.eth0.addresses[0]' });
    const good = await call('labValidate', { text: example });
    expect(good.result).toEqual({ ok: true, name: 'two-rooms', issues: [] });
    const exp = await call('labExport', { text: example, file: 'two-rooms.yaml' });
    expect(exp.result.script).toContain('ip netns add red');
    const plan = await call('labPlan', { text: example });
    expect(plan.result.commands).toContain('ip netns add red');
    expect(links().map((l) => l.ifname)).not.toContain('br-rooms');
    const wrong = await call('labApply', { text: example, extra: 1 });
    expect(wrong.error.code).toBe(-32602);
    expect(wrong.error.message).toContain('unknown param "extra"');
    const malformed = await call('labApply', { text: example.replace('mode: tap', 'mode: tape') });
    expect(malformed.error.message).toMatch(/lab\.yaml:\d+: tuntaps\.tap-vm\.mode/);
  });

  test('apply with progress, list, the model sees it, destroy', async () => {
    notes.length = 0;
    const r = await call('labApply', { text: example, file: 'two-rooms.yaml' });
    expect(r.error).toBeUndefined();
    expect(r.result.commands.length).toBeGreaterThan(20);
    const progress = notes.filter((n) => n.method === 'labProgress').map((n) => n.params);
    expect(progress.at(-1)).toMatchObject({ lab: 'two-rooms', phase: 'apply', done: r.result.actions.length, total: r.result.actions.length });
    await engine.waitFor((m) => m.namespaces.some((n) => n.name === 'red' && n.interfaces.some((i) => i.name === 'eth0' && i.alias === 'vnet-studio:two-rooms')), 10_000);
    expect(ping('red', '10.20.0.3')).toBe(true);
    const list = await call('labList');
    expect(list.result.labs).toMatchObject([{ name: 'two-rooms', state: 'applied', namespaces: ['red', 'blue'] }]);
    const again = await call('labApply', { text: example });
    expect(again.result.actions).toEqual([]);
    const d = await call('labDestroy', { name: 'two-rooms' });
    expect(d.result.commands).toContain('ip netns del red');
    await until(() => markedLinks('two-rooms').length === 0, 'destroy');
    expect((await call('labList')).result.labs).toEqual([]);
  });

  test('a conflict comes back as Conflict naming the object', async () => {
    ip('link', 'add', 'br-rooms', 'type', 'bridge');
    try {
      const r = await call('labApply', { text: example });
      expect(r.error.code).toBe(1004);
      expect(r.error.message).toContain('br-rooms already exists in the host namespace');
    } finally { ip('link', 'del', 'br-rooms'); }
  });

  test('canvas actions: a veth into a bridge the app did not make (docker0), each with its ip commands', async () => {
    ip('link', 'add', 'docker0', 'type', 'bridge');
    try {
      const cmds = await call('buildCommands', { actions: [{ op: 'ns-add', ns: 'c1' }] });
      expect(cmds.result.commands).toEqual(['ip netns add c1']);
      const r = await call('build', { actions: [
        { op: 'ns-add', ns: 'c1' },
        { op: 'veth-add', ns: 'c1', name: 'eth0', peerNs: 'host', peerName: 'vethc1' },
        { op: 'master', ns: 'host', name: 'vethc1', master: 'docker0' },
        { op: 'up', ns: 'host', name: 'vethc1' },
        { op: 'addr-add', ns: 'c1', name: 'eth0', address: '172.18.0.2/16' },
        { op: 'up', ns: 'c1', name: 'eth0' },
      ] });
      expect(r.error).toBeUndefined();
      expect(r.result.commands).toEqual([
        'ip netns add c1',
        'ip link add eth0 netns c1 type veth peer name vethc1',
        'ip link set dev vethc1 master docker0',
        'ip link set dev vethc1 up',
        'ip -n c1 addr add 172.18.0.2/16 dev eth0',
        'ip -n c1 link set dev eth0 up',
      ]);
      expect(links().find((l) => l.ifname === 'vethc1')).toMatchObject({ master: 'docker0', ifalias: 'vnet-studio:canvas' });
      const bad = await call('build', { actions: [{ op: 'alias', ns: 'host', name: 'docker0', alias: 'vnet-studio:mine' }] });
      expect(bad.error.message).toContain('the app\'s own');
      const refused = await call('build', { actions: [{ op: 'bridge-add', ns: 'host', name: 'docker0' }] });
      expect(refused.error.code).toBe(1002);
      expect(refused.error.message).toContain('docker0');
      // what the canvas made goes with `lab destroy canvas`; docker0 stays
      const d = await call('labDestroy', { name: 'canvas' });
      expect(d.result.commands).toEqual(['ip netns del c1']);
      await until(() => !links().some((l) => l.ifname === 'vethc1'), 'vethc1 to go');
      expect(links().map((l) => l.ifname)).toContain('docker0');
    } finally { ip('link', 'del', 'docker0'); }
  });

  test('the model shows the mark of links the app made that stay down (the kernel sends no event for it)', async () => {
    const mark = 'vnet-studio:canvas';
    // a bridge alone: nothing else makes the engine read the links again (a new veth or tun/tap does)
    const r = await call('build', { actions: [{ op: 'bridge-add', ns: 'host', name: 'brdown' }] });
    expect(r.error).toBeUndefined();
    const host = (m: ReturnType<Engine['model']>) => m.namespaces.find((n) => n.kind === 'host')!;
    await engine.waitFor((m) => host(m).interfaces.find((i) => i.name === 'brdown')?.alias === mark, 5_000);
    const r2 = await call('build', { actions: [{ op: 'veth-add', ns: 'host', name: 'vdown0', peerNs: 'host', peerName: 'vdown1' }] });
    expect(r2.error).toBeUndefined();
    for (const n of ['vdown0', 'vdown1', 'brdown']) expect(links().find((l) => l.ifname === n), n).toMatchObject({ ifalias: mark, operstate: 'DOWN' });
    const marked = (m: ReturnType<Engine['model']>) => ['vdown0', 'vdown1', 'brdown'].every((n) => host(m).interfaces.find((i) => i.name === n)?.alias === mark);
    await engine.waitFor(marked, 5_000);
    // and once the engine is idle, it still says so (no stale event replayed over it)
    await engine.waitIdle(50);
    expect(marked(engine.model())).toBe(true);
    const d = await call('labDestroy', { name: 'canvas' });
    expect(d.error).toBeUndefined();
    await until(() => !links().some((l) => /^(vdown0|vdown1|brdown)$/.test(l.ifname)), 'the canvas links to go');
  });
});
