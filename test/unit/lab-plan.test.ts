// Parsing and planning of lab files, without the kernel: the example lab parses as written, plans to
// the expected `ip` commands, re-plans to nothing after (simulated) apply, and edits plan as diffs.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { commandLines } from '../../electron/labs/commands';
import { exportScript } from '../../electron/labs/export';
import { bridgePortName, canonicalCidr, parseCidr } from '../../electron/labs/names';
import { parseLab } from '../../electron/labs/parse';
import { PlanConflict, planLab, recordAfter, type LabRecord } from '../../electron/labs/plan';
import { simulate } from './lab-simulate';
import { desiredFromLab, emptyActual, emptyDesired, type Actual } from '../../electron/labs/state';

const LABS = path.join(__dirname, '../../assets/labs');
const example = readFileSync(path.join(LABS, 'two-rooms.yaml'), 'utf8');

/** Apply a lab's plan to a simulated kernel, returning the new kernel and journal record. */
function applySim(text: string, actual: Actual, record: LabRecord | null) {
  const lab = parseLab(text, 'lab.yaml');
  const d = desiredFromLab(lab);
  const plan = planLab(d, actual, record);
  return { plan, actual: simulate(actual, plan.actions), record: recordAfter(d, actual, record, 'lab.yaml') };
}

describe('lab file: the example', () => {
  test('parses as written', () => {
    const lab = parseLab(example, 'two-rooms.yaml');
    expect(lab.name).toBe('two-rooms');
    expect(lab.namespaces.map((n) => n.name)).toEqual(['red', 'blue']);
    expect(lab.namespaces[1].interfaces.get('eth0')).toMatchObject({ addresses: ['10.20.0.3/24'], mtu: 1400, up: true });
    expect(lab.namespaces[0].routes).toEqual([{ to: 'default', via: '10.20.0.1', dev: null, metric: null, family: 4, line: 8 }]);
    expect(lab.bridges).toMatchObject([{ name: 'br-rooms', namespace: 'host', addresses: ['10.20.0.1/24'] }]);
    expect(lab.veths.map((v) => v.ends.map((e) => `${e.namespace}:${e.name}`))).toEqual([
      ['red:eth0', 'host:red-eth0'], ['blue:eth0', 'host:blue-eth0'],
    ]);
    expect(lab.tuntaps).toMatchObject([{ name: 'tun-demo', mode: 'tun' }, { name: 'tap-vm', mode: 'tap', bridge: 'br-rooms' }]);
  });

  test('plans to the ip commands a person would type', () => {
    const lines = commandLines(planLab(desiredFromLab(parseLab(example)), emptyActual(), null).actions, 'two-rooms');
    for (const l of [
      'ip netns add red',
      'ip netns add blue',
      'ip link add br-rooms type bridge',
      'ip tuntap add dev tun-demo mode tun',
      'ip tuntap add dev tap-vm mode tap',
      'ip link add eth0 netns red type veth peer name red-eth0',
      'ip link set dev red-eth0 master br-rooms',
      'ip link set dev tap-vm master br-rooms',
      'ip -n red addr add 10.20.0.2/24 dev eth0',
      'ip -n blue link set dev eth0 mtu 1400',
      'ip addr add 10.20.0.1/24 dev br-rooms',
      'ip -n red route add default via 10.20.0.1',
      'ip -n red link set dev eth0 alias vnet-studio:two-rooms',
    ]) expect(lines).toContain(l);
    // order: namespaces before links, addresses before routes
    expect(lines.indexOf('ip netns add red')).toBeLessThan(lines.indexOf('ip link add eth0 netns red type veth peer name red-eth0'));
    expect(lines.indexOf('ip -n red addr add 10.20.0.2/24 dev eth0')).toBeLessThan(lines.indexOf('ip -n red route add default via 10.20.0.1'));
  });

  test('applying twice plans nothing the second time', () => {
    const first = applySim(example, emptyActual(), null);
    expect(first.plan.actions.length).toBeGreaterThan(20);
    const second = applySim(example, first.actual, first.record);
    expect(second.plan.actions).toEqual([]);
  });

  test('an edited lab plans only the difference, removals included', () => {
    const first = applySim(example, emptyActual(), null);
    const edited = example
      .replace('eth0: { addresses: [10.20.0.3/24], mtu: 1400 }', 'eth0: { addresses: [10.20.0.4/24], mtu: 1400 }')
      .replace(/\n {2}tap-vm: .*\n/, '\n');
    const second = applySim(edited, first.actual, first.record);
    expect(commandLines(second.plan.actions, 'two-rooms')).toEqual([
      'ip link del tap-vm',
      'ip -n blue addr del 10.20.0.3/24 dev eth0',
      'ip -n blue addr add 10.20.0.4/24 dev eth0',
    ]);
    const third = applySim(edited, second.actual, second.record);
    expect(third.plan.actions).toEqual([]);
  });

  test('destroy plans the removal of exactly what the lab made', () => {
    const first = applySim(example, emptyActual(), null);
    // a user's own bridge and veth, made without the app
    const actual = first.actual;
    actual.links.set('host/br-user', { ns: 'host', name: 'br-user', index: 1, kind: 'bridge', alias: null, mtu: 1500, mac: null, up: true, master: null, peer: null, addresses: [] });
    const plan = planLab(emptyDesired('two-rooms'), actual, first.record);
    const lines = commandLines(plan.actions, 'two-rooms');
    expect(lines).toEqual(expect.arrayContaining(['ip netns del red', 'ip netns del blue', 'ip link del br-rooms', 'ip link del tun-demo', 'ip link del tap-vm']));
    expect(lines.join('\n')).not.toContain('br-user');
    // the veth host ends go with their namespaces
    expect(lines.join('\n')).not.toContain('red-eth0');
    const after = simulate(actual, plan.actions);
    expect([...after.links.keys()]).toEqual(['host/br-user']);
  });

  test('refuses to take over an interface the lab did not make', () => {
    const actual = emptyActual();
    actual.links.set('host/br-rooms', { ns: 'host', name: 'br-rooms', index: 5, kind: 'bridge', alias: null, mtu: 1500, mac: null, up: true, master: null, peer: null, addresses: [] });
    expect(() => planLab(desiredFromLab(parseLab(example)), actual, null)).toThrow(PlanConflict);
    expect(() => planLab(desiredFromLab(parseLab(example)), actual, null)).toThrow(/br-rooms already exists in the host namespace and was not made by lab two-rooms/);
  });

  test('export is a shell script that builds and tears down', () => {
    const s = exportScript(parseLab(example), 'two-rooms.yaml');
    expect(s.startsWith('#!/bin/sh\n')).toBe(true);
    expect(s).toContain('\nset -e\n');
    expect(s).toContain('if [ "$1" = down ]; then');
    expect(s).toContain('  ip netns del red');
    expect(s).toContain('  ip link del br-rooms');
    expect(s).toContain('\nip -n red route add default via 10.20.0.1\n');
  });

  test('export: a file name with line breaks stays inside its comment (the script runs as root)', () => {
    const s = exportScript(parseLab(example), 'x\nreboot\r\n.yaml');
    expect(s.split('\n').filter((l) => /reboot/.test(l))).toEqual([expect.stringMatching(/^# Lab 'two-rooms' \(from x.reboot..\.yaml\)/)]);
  });
});

describe('lab names and addresses', () => {
  test('bridge port names are deterministic and fit IFNAMSIZ', () => {
    expect(bridgePortName('l', 'br0', { namespace: 'red', name: 'eth0' })).toBe('red-eth0');
    const long = bridgePortName('l', 'br0', { namespace: 'a-very-long-namespace', name: 'eth0' });
    expect(long).toMatch(/^vs[0-9a-f]{8}$/);
    expect(bridgePortName('l', 'br0', { namespace: 'a-very-long-namespace', name: 'eth0' })).toBe(long);
    expect(bridgePortName('l', 'br0', { namespace: 'a-very-long-namespace', name: 'eth1' })).not.toBe(long);
  });
  test('CIDRs are canonical', () => {
    expect(canonicalCidr('FD00:0:0::1/64')).toBe('fd00::1/64');
    expect(canonicalCidr('2001:db8:0:0:1:0:0:1/128')).toBe('2001:db8::1:0:0:1/128');
    expect(parseCidr('::ffff:10.0.0.1/128')?.text).toBe('::ffff:a00:1/128');
    expect(parseCidr('10.0.0.256/24')).toBeNull();
    expect(parseCidr('1::2::3/64')).toBeNull();
  });
});

describe('shipped labs', () => {
  for (const f of readdirSync(LABS).filter((x) => x.endsWith('.yaml'))) {
    test(`${f} parses, plans, re-plans to nothing, and destroys to nothing`, () => {
      const text = readFileSync(path.join(LABS, f), 'utf8');
      const first = applySim(text, emptyActual(), null);
      expect(first.plan.actions.length).toBeGreaterThan(0);
      expect(applySim(text, first.actual, first.record).plan.actions).toEqual([]);
      const destroy = planLab(emptyDesired(first.record.lab), first.actual, first.record);
      const after = simulate(first.actual, destroy.actions);
      expect([...after.links.values()].filter((l) => l.alias !== null)).toEqual([]);
      expect(after.namespaces.size).toBe(0);
    });
  }
});

describe('format extensions', () => {
  const text = [
    'name: ext',
    'namespaces:',
    '  host:',
    '    interfaces:',
    '      veth0: { addresses: [10.9.0.1/24] }',
    '  red:',
    '    forwarding: true',
    '    interfaces:',
    '      lo: { addresses: [10.255.0.1/32] }',
    '      veth1: { addresses: [10.9.0.2/24, "fd00::2/64"], mac: "02:00:00:00:00:02" }',
    '      eth0: {}',
    '    routes:',
    '      - { to: 10.30.0.0/24, dev: eth0, metric: 100 }',
    '      - { to: default, via: "fd00::1" }',
    'bridges:',
    '  docker0: { external: true }',
    'veths:',
    '  - [host:veth0, red:veth1]',
    '  - [red:eth0, docker0]',
  ].join('\n');

  test('host namespace settings, lo, v6, an external bridge: plan, apply, re-plan nothing', () => {
    const actual = emptyActual();
    actual.links.set('host/docker0', { ns: 'host', name: 'docker0', index: 3, kind: 'bridge', alias: null, mtu: 1500, mac: null, up: true, master: null, peer: null, addresses: ['172.17.0.1/16'] });
    const first = applySim(text, actual, null);
    const lines = commandLines(first.plan.actions, 'ext');
    expect(lines).toEqual(expect.arrayContaining([
      'ip link add veth0 type veth peer name veth1 netns red',
      'ip link add eth0 netns red type veth peer name red-eth0',
      'ip link set dev red-eth0 master docker0',
      'ip addr add 10.9.0.1/24 dev veth0',
      'ip -n red addr add fd00::2/64 dev veth1',
      'ip -n red addr add 10.255.0.1/32 dev lo',
      'ip -n red link set dev veth1 address 02:00:00:00:00:02',
      'ip -n red route add 10.30.0.0/24 dev eth0 metric 100',
      'ip -n red -6 route add default via fd00::1',
      'ip netns exec red sysctl -w net.ipv4.ip_forward=1',
    ]));
    expect(lines.join('\n')).not.toMatch(/link add docker0|link del docker0|netns add host/);
    expect(applySim(text, first.actual, first.record).plan.actions).toEqual([]);
    // destroy leaves docker0 alone
    const destroy = commandLines(planLab(emptyDesired('ext'), first.actual, first.record).actions, 'ext');
    expect(destroy.join('\n')).not.toContain('docker0');
    expect(destroy).toEqual(expect.arrayContaining(['ip netns del red']));
  });

  test('an external bridge that does not exist is a conflict', () => {
    expect(() => planLab(desiredFromLab(parseLab(text)), emptyActual(), null)).toThrow('external bridge docker0 does not exist in the host namespace');
  });

  test('an unmarked link is the lab\'s only when it is in the lab\'s netdev group AND journaled (a crash between create and alias)', () => {
    const first = applySim(example, emptyActual(), null);
    const d = desiredFromLab(parseLab(example));
    const br = first.actual.links.get('host/br-rooms')!;
    // the crash state: made in the lab's group, alias never set
    first.actual.links.set('host/br-rooms', { ...br, alias: null, group: d.group });
    // apply: adopts it and marks it
    const again = planLab(d, first.actual, first.record);
    expect(commandLines(again.actions, 'two-rooms')).toEqual(['ip link set dev br-rooms alias vnet-studio:two-rooms']);
    // destroy: removes it
    expect(commandLines(planLab(emptyDesired('two-rooms'), first.actual, first.record).actions, 'two-rooms')).toContain('ip link del br-rooms');
    // not journaled: neither adopted nor removed
    const noJournal = planLab(emptyDesired('two-rooms'), first.actual, { ...first.record, links: first.record.links.filter((l) => l.name !== 'br-rooms') });
    expect(commandLines(noJournal.actions, 'two-rooms')).not.toContain('ip link del br-rooms');
    // another group (someone else's bridge of that name): a conflict, and destroy leaves it
    first.actual.links.set('host/br-rooms', { ...br, alias: null, group: 0 });
    expect(() => planLab(d, first.actual, first.record)).toThrow(PlanConflict);
    expect(commandLines(planLab(emptyDesired('two-rooms'), first.actual, first.record).actions, 'two-rooms')).not.toContain('ip link del br-rooms');
  });
});
