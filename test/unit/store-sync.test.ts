// The renderer's sync logic against an in-memory client (no DOM, no socket): snapshot on connect,
// deltas queued while a snapshot is in flight, a seq gap or an engine restart → a fresh snapshot,
// counter frames reaching the counters store. Also the WebSocket URL the browser client uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeltaBatch, Interface, Model, NotificationName, Notifications, Stats } from '../../electron/contract';
import type { EngineClient } from '../../renderer/src/transport/engine-client';

const zero: Stats = { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 };
const iface = (ns: string, index: number, name: string): Interface => ({
  id: `${ns}/if:${index}`, index, name, kind: 'veth', linkKind: 'veth', mac: null, mtu: 1500, state: 'up', flags: [],
  master: null, peer: null, tun: null, alias: null, addresses: [], stats: { ...zero, rxPackets: index },
});
const model = (names: string[]): Model => ({ namespaces: [{ id: 'ns:1', inode: 1, kind: 'host', name: 'host', label: 'host', pids: [], routes: [], interfaces: names.map((n, i) => iface('ns:1', i + 1, n)) }] });

class FakeClient implements EngineClient {
  readonly transport = 'websocket' as const;
  listeners = new Map<string, Set<(p: unknown) => void>>();
  conn = new Set<(c: boolean, e: string | null) => void>();
  snapshots = 0;
  seq = 5;
  current: Model = model(['eth0']);
  /** Resolvers of snapshot calls held back by the test. */
  held: (() => void)[] = [];
  hold = false;
  async call(method: string): Promise<never> {
    if (method === 'hello') return { version: 't', pid: 1, privileged: true, limitation: null, sampleHz: 10, namespaces: 1, interfaces: 1 } as never;
    if (method === 'snapshot') {
      this.snapshots++;
      const answer = { seq: this.seq, model: this.current };
      if (this.hold) await new Promise<void>((r) => this.held.push(r));
      return answer as never;
    }
    throw new Error(method);
  }
  on<N extends NotificationName>(name: N, cb: (p: Notifications[N]) => void) {
    let s = this.listeners.get(name);
    if (!s) this.listeners.set(name, (s = new Set()));
    s.add(cb as (p: unknown) => void);
    return () => s!.delete(cb as (p: unknown) => void);
  }
  emit<N extends NotificationName>(name: N, p: Notifications[N]) { for (const cb of this.listeners.get(name) ?? []) cb(p); }
  onConnection(cb: (c: boolean, e: string | null) => void) { this.conn.add(cb); return () => this.conn.delete(cb); }
  connect(up: boolean) { for (const cb of this.conn) cb(up, null); }
  close() {}
}

const tick = () => new Promise((r) => setTimeout(r, 5));

beforeAll(() => {
  (globalThis as { requestAnimationFrame?: unknown }).requestAnimationFrame = (cb: () => void) => setTimeout(cb, 0);
});
afterAll(() => { delete (globalThis as { requestAnimationFrame?: unknown }).requestAnimationFrame; });

describe('sync', () => {
  it('snapshots on connect, queues deltas meanwhile, re-snapshots on a gap and on engine restart', async () => {
    const { startSync } = await import('../../renderer/src/sync');
    const { topologyStore, connectionStore, countersStore } = await import('../../renderer/src/store');
    const c = new FakeClient();
    const stop = startSync(c);
    c.hold = true;
    c.connect(true);
    await tick();
    expect(c.snapshots).toBe(1);
    // Deltas while the snapshot is in flight: one already in it (seq 5), one after it (seq 6).
    c.emit('delta', { seq: 6, deltas: [{ op: 'interface', namespaceId: 'ns:1', iface: iface('ns:1', 2, 'veth0') }] });
    c.emit('delta', { seq: 5, deltas: [{ op: 'interface-removed', id: 'ns:1/if:1' }] });
    c.held.shift()!();
    await tick();
    let t = topologyStore.getState();
    expect(t.seq).toBe(6);
    expect(Object.values(t.interfaces).map((i) => i.name).sort()).toEqual(['eth0', 'veth0']);
    expect(connectionStore.getState()).toMatchObject({ connected: true, engineConnected: true, status: { version: 't' } });
    expect(countersStore.getState().byId['ns:1/if:2'].stats.rxPackets).toBe(2); // seeded from the delta's stats

    // A gap: nothing applied, a new snapshot taken.
    c.hold = false;
    c.seq = 9; c.current = model(['eth0', 'veth0', 'veth1']);
    const gap: DeltaBatch = { seq: 8, deltas: [{ op: 'interface-removed', id: 'ns:1/if:1' }] };
    c.emit('delta', gap);
    await tick();
    expect(c.snapshots).toBe(2);
    t = topologyStore.getState();
    expect(t.seq).toBe(9);
    expect(Object.keys(t.interfaces).length).toBe(3);

    // Counter frames reach the store (after the scheduled commit).
    c.emit('counters', { t: 1, intervalMs: 100, ids: ['ns:1/if:3'], stats: [10, 20, 30, 40, 0, 0, 0, 0], rates: [1, 2, 3, 4] });
    await tick();
    expect(countersStore.getState().byId['ns:1/if:3']).toMatchObject({ rxPps: 1, txPps: 2, stats: { txPackets: 20 } });

    // The engine restarts (new seq numbering): the host says so; a fresh snapshot follows.
    c.emit('host', { engineConnected: false, message: 'engine exited; restarting' });
    expect(connectionStore.getState()).toMatchObject({ engineConnected: false, hostMessage: 'engine exited; restarting' });
    c.seq = 1; c.current = model(['eth0']);
    c.emit('host', { engineConnected: true, message: null });
    await tick();
    expect(c.snapshots).toBe(3);
    expect(topologyStore.getState().seq).toBe(1);
    expect(Object.keys(topologyStore.getState().interfaces)).toEqual(['ns:1/if:1']);

    c.connect(false);
    expect(connectionStore.getState().connected).toBe(false);
    stop();
  });

  it('builds the WebSocket URL from the page URL and its token', async () => {
    const { wsUrl } = await import('../../renderer/src/transport/engine-client');
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '?token=ab%2Bc' })).toBe('ws://127.0.0.1:8080/ws?token=ab%2Bc');
    expect(wsUrl({ protocol: 'https:', host: 'lab:443', search: '' })).toBe('wss://lab:443/ws?token=');
  });
});
