// Undo: the inverse of canvas steps, computed from the picture before the step (pure, no kernel).
// Each inverse is also played back on the simulation to check it restores what was there.
import { describe, expect, it } from 'vitest';
import type { BuildAction } from '../../electron/contract';
import { inverseOf, simFromTopology, simulate, type Sim } from '../../renderer/src/editor/undo';
import { picture } from './editor-fixtures';

/** The simulation after `actions` (then optionally their inverse), as comparable JSON. */
function after(sim: Sim, ...lists: BuildAction[][]): string {
  const s: Sim = { links: new Map([...sim.links].map(([k, v]) => [k, { ...v, addresses: [...v.addresses] }])), namespaces: new Set(sim.namespaces), routes: sim.routes.map((r) => ({ ...r })) };
  for (const l of lists) for (const a of l) simulate(s, a);
  // addresses the kernel makes by itself (IPv6 link-local, loopback's) are not the app's to restore
  const links = [...s.links.values()].map((l) => ({ ...l, addresses: l.kind === 'loopback' ? [] : l.addresses.filter((a) => !a.startsWith('fe80')).sort() })).sort((a, b) => `${a.ns}/${a.name}`.localeCompare(`${b.ns}/${b.name}`));
  return JSON.stringify({ links, ns: [...s.namespaces].sort(), routes: s.routes.map((r) => JSON.stringify(r)).sort() });
}

function roundTrip(actions: BuildAction[]): BuildAction[] {
  const t = picture();
  const r = inverseOf(actions, t);
  if (!r.inverse) throw new Error(`no inverse: ${(r as { reason: string }).reason}`);
  const sim = simFromTopology(t);
  // doing then undoing gives back the picture (as far as the simulation sees it)
  expect(after(sim, actions, r.inverse)).toBe(after(sim));
  return r.inverse;
}

describe('inverse of canvas steps', () => {
  it('a created namespace is deleted (and what was done inside it needs no undo of its own)', () => {
    expect(roundTrip([{ op: 'ns-add', ns: 'green' }, { op: 'up', ns: 'green', name: 'lo' }])).toEqual([{ op: 'ns-del', ns: 'green' }]);
  });

  it('a veth to a bridge (create, master, up) undoes as one delete of the namespace end', () => {
    const inv = roundTrip([
      { op: 'veth-add', ns: 'blue', name: 'eth0', peerNs: 'host', peerName: 'blue-eth0' },
      { op: 'master', ns: 'host', name: 'blue-eth0', master: 'br0' },
      { op: 'up', ns: 'blue', name: 'eth0' }, { op: 'up', ns: 'host', name: 'blue-eth0' },
    ]);
    expect(inv).toEqual([{ op: 'link-del', ns: 'blue', name: 'eth0', kind: 'veth' }]);
  });

  it('a bridge and a tap created are deleted', () => {
    expect(roundTrip([{ op: 'bridge-add', ns: 'host', name: 'br9' }, { op: 'up', ns: 'host', name: 'br9' }])).toEqual([{ op: 'link-del', ns: 'host', name: 'br9', kind: 'bridge' }]);
    expect(roundTrip([{ op: 'tuntap-add', ns: 'red', name: 'tap1', mode: 'tap' }])).toEqual([{ op: 'link-del', ns: 'red', name: 'tap1', kind: 'tap' }]);
  });

  it('settings go back to what they were: address, MTU, MAC, master, up/down', () => {
    expect(roundTrip([{ op: 'addr-add', ns: 'red', name: 'eth0', address: '10.0.0.9/24' }])).toEqual([{ op: 'addr-del', ns: 'red', name: 'eth0', address: '10.0.0.9/24' }]);
    expect(roundTrip([{ op: 'addr-del', ns: 'red', name: 'eth0', address: '10.0.0.1/24' }])).toEqual([{ op: 'addr-add', ns: 'red', name: 'eth0', address: '10.0.0.1/24' }]);
    expect(roundTrip([{ op: 'mtu', ns: 'red', name: 'eth0', mtu: 9000 }])).toEqual([{ op: 'mtu', ns: 'red', name: 'eth0', mtu: 1400 }]);
    expect(roundTrip([{ op: 'mac', ns: 'red', name: 'eth0', mac: '02:aa:00:00:00:01' }])).toEqual([{ op: 'mac', ns: 'red', name: 'eth0', mac: '02:00:00:00:02:02' }]);
    expect(roundTrip([{ op: 'master', ns: 'host', name: 'red-eth0', master: null }])).toEqual([{ op: 'master', ns: 'host', name: 'red-eth0', master: 'br0' }]);
    expect(roundTrip([{ op: 'master', ns: 'host', name: 'tap0', master: 'docker0' }])).toEqual([{ op: 'master', ns: 'host', name: 'tap0', master: 'br0' }]);
    expect(roundTrip([{ op: 'down', ns: 'red', name: 'eth0' }])).toEqual([{ op: 'up', ns: 'red', name: 'eth0' }]);
    expect(roundTrip([{ op: 'up', ns: 'host', name: 'tap0' }])).toEqual([{ op: 'down', ns: 'host', name: 'tap0' }]);
    // nothing to undo when nothing changes
    expect(roundTrip([{ op: 'up', ns: 'red', name: 'eth0' }])).toEqual([]);
    expect(roundTrip([{ op: 'addr-add', ns: 'red', name: 'eth0', address: '10.0.0.1/24' }])).toEqual([]);
  });

  it('routes and forwarding', () => {
    const r: BuildAction = { op: 'route-add', ns: 'blue', to: '10.9.0.0/24', via: '10.0.0.254', dev: null, metric: null, family: 4 };
    expect(roundTrip([r])).toEqual([{ ...r, op: 'route-del' }]);
    expect(roundTrip([{ op: 'route-del', ns: 'red', to: 'default', via: null, dev: null, metric: null, family: 4 }]))
      .toEqual([{ op: 'route-add', ns: 'red', to: 'default', via: '10.0.0.254', dev: 'eth0', metric: null, family: 4 }]);
    expect(roundTrip([{ op: 'forwarding', ns: 'red', on: true }])).toEqual([{ op: 'forwarding', ns: 'red', on: false }]);
  });

  it('a deleted veth comes back with both ends as they were (addresses, MTU, MAC, master, up) and its routes', () => {
    const inv = roundTrip([{ op: 'link-del', ns: 'red', name: 'eth0', kind: 'veth' }]);
    expect(inv[0]).toEqual({ op: 'veth-add', ns: 'red', name: 'eth0', peerNs: 'host', peerName: 'red-eth0' });
    expect(inv).toContainEqual({ op: 'addr-add', ns: 'red', name: 'eth0', address: '10.0.0.1/24' });
    expect(inv).toContainEqual({ op: 'master', ns: 'host', name: 'red-eth0', master: 'br0' });
    expect(inv).toContainEqual({ op: 'mtu', ns: 'red', name: 'eth0', mtu: 1400 });
    expect(inv).toContainEqual({ op: 'route-add', ns: 'red', to: 'default', via: '10.0.0.254', dev: 'eth0', metric: null, family: 4 });
    // the route comes after the address that makes its gateway reachable
    expect(inv.findIndex((a) => a.op === 'route-add')).toBeGreaterThan(inv.findIndex((a) => a.op === 'addr-add'));
  });

  it('a deleted bridge comes back with its address and its ports', () => {
    const inv = roundTrip([{ op: 'link-del', ns: 'host', name: 'br0', kind: 'bridge' }]);
    expect(inv[0]).toEqual({ op: 'bridge-add', ns: 'host', name: 'br0' });
    expect(inv).toContainEqual({ op: 'addr-add', ns: 'host', name: 'br0', address: '10.0.0.254/24' });
    expect(inv).toContainEqual({ op: 'master', ns: 'host', name: 'red-eth0', master: 'br0' });
    expect(inv).toContainEqual({ op: 'master', ns: 'host', name: 'tap0', master: 'br0' });
    // link-local fe80:: addresses are the kernel's, not put back by hand
    expect(inv.some((a) => a.op === 'addr-add' && a.address.startsWith('fe80'))).toBe(false);
  });

  it('a deleted namespace comes back with its veth (the peer outside too), addresses and routes', () => {
    const inv = roundTrip([{ op: 'ns-del', ns: 'red' }]);
    expect(inv[0]).toEqual({ op: 'ns-add', ns: 'red' });
    expect(inv).toContainEqual({ op: 'veth-add', ns: 'red', name: 'eth0', peerNs: 'host', peerName: 'red-eth0' });
    expect(inv).toContainEqual({ op: 'master', ns: 'host', name: 'red-eth0', master: 'br0' });
    expect(inv).toContainEqual({ op: 'route-add', ns: 'red', to: 'default', via: '10.0.0.254', dev: 'eth0', metric: null, family: 4 });
  });

  it('several steps undo in reverse order', () => {
    const inv = roundTrip([
      { op: 'addr-add', ns: 'red', name: 'eth0', address: '10.0.0.7/24' },
      { op: 'mtu', ns: 'red', name: 'eth0', mtu: 1300 },
      { op: 'mtu', ns: 'red', name: 'eth0', mtu: 1200 },
    ]);
    expect(inv).toEqual([
      { op: 'mtu', ns: 'red', name: 'eth0', mtu: 1300 },
      { op: 'mtu', ns: 'red', name: 'eth0', mtu: 1400 },
      { op: 'addr-del', ns: 'red', name: 'eth0', address: '10.0.0.7/24' },
    ]);
  });

  it('what the app cannot make again is not undoable, with the reason', () => {
    const r = inverseOf([{ op: 'link-del', ns: 'host', name: 'eth0', kind: 'physical' }], picture());
    expect(r.inverse).toBeNull();
    expect((r as { reason: string }).reason).toMatch(/eth0 \(physical\) cannot be made again/);
  });
});

describe('rename', () => {
  it('undoes as the rename back; a bridge renamed keeps its ports (by the new name) and routes follow', () => {
    expect(roundTrip([{ op: 'rename', ns: 'red', name: 'eth0', newName: 'uplink' }])).toEqual([{ op: 'rename', ns: 'red', name: 'uplink', newName: 'eth0' }]);
    const t = picture();
    const sim = simFromTopology(t);
    simulate(sim, { op: 'rename', ns: 'host', name: 'br0', newName: 'br-main' });
    expect(sim.links.get('host\u0000red-eth0')!.master).toBe('br-main');
    simulate(sim, { op: 'rename', ns: 'red', name: 'eth0', newName: 'uplink' });
    expect(sim.links.get('host\u0000red-eth0')!.peer).toEqual({ ns: 'red', name: 'uplink' });
    expect(sim.routes.find((r) => r.ns === 'red')!.dev).toBe('uplink');
  });
  it('a link made and renamed in one step is deleted under its new name', () => {
    expect(roundTrip([{ op: 'bridge-add', ns: 'host', name: 'brx' }, { op: 'rename', ns: 'host', name: 'brx', newName: 'bry' }]))
      .toEqual([{ op: 'link-del', ns: 'host', name: 'bry', kind: 'bridge' }]);
  });
});
