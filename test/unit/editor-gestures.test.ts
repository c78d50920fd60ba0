// What each gesture asks and does (node, no DOM): the dialog a drop or a drawn connection opens,
// its default names (free, lab-style port names), its inline checks and the actions it sends.
import { beforeEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../electron/contract';
import { editorStore, type Dialog } from '../../renderer/src/editor/editor-store';
import { canConnect, connect, dropPalette } from '../../renderer/src/editor/gestures';
import { connectionStore, topologyStore } from '../../renderer/src/store';
import { picture } from './editor-fixtures';

const status = (privileged: boolean): EngineStatus => ({ version: 't', pid: 1, privileged, limitation: null, sampleHz: 10, namespaces: 4, interfaces: 10 });
const form = (): Extract<Dialog, { kind: 'form' }> => {
  const d = editorStore.getState().dialog;
  if (!d || d.kind !== 'form') throw new Error(`expected a form dialog, got ${JSON.stringify(d)}`);
  return d;
};
const values = (d: Extract<Dialog, { kind: 'form' }>) => Object.fromEntries(d.fields.map((f) => [f.key, f.value]));

beforeEach(() => {
  topologyStore.setState(picture());
  connectionStore.setState({ connected: true, engineConnected: true, status: status(true) });
  editorStore.setState({ dialog: null, refusedUnprivileged: false });
});

describe('palette drops', () => {
  it('a namespace asks for a free name and makes it with its loopback up', () => {
    dropPalette('namespace', null);
    const d = form();
    expect(values(d)).toEqual({ name: 'ns0' });
    expect(d.fields[0].check!('red', {})).toMatch(/already exists/);
    expect(d.fields[0].check!('bad name', {})).toMatch(/not a valid namespace name/);
    expect(d.actions({ name: 'green' })).toEqual([{ op: 'ns-add', ns: 'green' }, { op: 'up', ns: 'green', name: 'lo' }]);
  });

  it('a bridge or tap in a box gets the first free name of that namespace', () => {
    dropPalette('bridge', 'ns:1');
    expect(values(form())).toEqual({ name: 'br1' });             // br0 is taken in the host
    expect(form().actions({ name: 'br1' })).toEqual([{ op: 'bridge-add', ns: 'host', name: 'br1' }, { op: 'up', ns: 'host', name: 'br1' }]);
    dropPalette('tap', 'ns:2');
    expect(values(form())).toEqual({ name: 'tap0' });
    expect(form().fields[0].check!('eth0', {})).toMatch(/namespace red already has an interface named 'eth0'/);
  });

  it('outside a box, or in a process namespace, it explains instead', () => {
    dropPalette('tun', null);
    expect(editorStore.getState().dialog).toMatchObject({ kind: 'confirm', info: true, text: expect.stringMatching(/into a namespace box/) });
    dropPalette('tun', 'ns:4');
    expect(editorStore.getState().dialog).toMatchObject({ kind: 'confirm', text: expect.stringMatching(/belongs to a process/) });
  });

  it('with an unprivileged engine nothing opens but the reason and what to do', () => {
    connectionStore.setState({ status: status(false) });
    dropPalette('bridge', 'ns:1');
    expect(editorStore.getState().dialog).toMatchObject({ kind: 'confirm', text: expect.stringMatching(/without privileges[\s\S]*sudo vnet-studio serve/) });
  });
});

describe('connections', () => {
  it('namespace to bridge: the namespace end eth1, the port named NAMESPACE-IFNAME, master + up', () => {
    expect(canConnect('ns:2', 'ns:1/if:3')).toBe(true);
    connect('ns:1/if:3', 'ns:2');                                 // drawn from the bridge: same result
    const d = form();
    expect(values(d)).toEqual({ a: 'eth1', b: 'red-eth1' });
    expect(d.actions(values(d))).toEqual([
      { op: 'veth-add', ns: 'red', name: 'eth1', peerNs: 'host', peerName: 'red-eth1' },
      { op: 'master', ns: 'host', name: 'red-eth1', master: 'br0' },
      { op: 'up', ns: 'red', name: 'eth1' }, { op: 'up', ns: 'host', name: 'red-eth1' },
    ]);
  });

  it('namespace to namespace: a plain pair; host ends are called veth-<other>', () => {
    connect('ns:2', 'ns:3');
    expect(values(form())).toEqual({ a: 'eth1', b: 'eth0' });
    connect('ns:1', 'ns:3');
    expect(values(form())).toEqual({ a: 'veth-blue', b: 'eth0' });
    expect(form().actions({ a: 'veth-blue', b: 'eth0' })[0]).toEqual({ op: 'veth-add', ns: 'host', name: 'veth-blue', peerNs: 'blue', peerName: 'eth0' });
  });

  it('into a bridge the app did not make (docker0) works the same', () => {
    connect('ns:3', 'ns:1/if:5');
    const d = form();
    expect(d.actions(values(d))).toContainEqual({ op: 'master', ns: 'host', name: 'blue-eth0', master: 'docker0' });
  });

  it('ends that are not namespaces or bridges, or process namespaces, do not connect', () => {
    expect(canConnect('ns:2', 'ns:2')).toBe(false);
    expect(canConnect('ns:2', 'ns:2/if:2')).toBe(false);         // a veth end
    expect(canConnect('ns:4', 'ns:1/if:3')).toBe(false);         // a process namespace
  });
});
