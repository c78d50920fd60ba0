// The model's bridge forwarding tables, from hand-built records: the dump, events, the small
// deltas they make (and their coalescing), entries going with their port or bridge, the states.
import { describe, expect, it } from 'vitest';
import { FDB_COALESCE_MS, LiveModel } from '../../electron/engine/model';
import { applyDelta, findInterface } from '../../electron/engine/apply';
import type { NsInfo } from '../../electron/engine/namespaces';
import { applyFdbDelta, type Delta, type Model } from '../../electron/contract';
import { fdbState } from '../../electron/engine/translate';
import { fdb, link } from './engine-fixtures';

const host: NsInfo = { id: 'ns:100', inode: 100, kind: 'host', name: 'host', label: 'host', pids: [1], openPath: null, refPath: '/proc/1/ns/net' };
const NS = 'ns:100';
const BR = 'ns:100/if:3';
const NUD_PERMANENT = 0x80; const NUD_NOARP = 0x40; const NUD_STALE = 0x04;

/** br0 (3) with ports p0 (4) and p1 (5), each with its local entry; a client copy kept by deltas. */
function setup(t0 = 1_000_000) {
  const m = new LiveModel();
  m.upsertNamespace(host);
  m.replaceLinks(NS, [
    link({ index: 3, name: 'br0', kind: 'bridge', mac: '02:00:00:00:00:04' }),
    link({ index: 4, name: 'p0', kind: 'veth', slaveKind: 'bridge', master: 3, mac: '02:00:00:00:00:04' }),
    link({ index: 5, name: 'p1', kind: 'veth', slaveKind: 'bridge', master: 3, mac: '02:00:00:00:00:05' }),
  ]);
  m.replaceFdb(NS, [
    fdb({ index: 4, mac: '02:00:00:00:00:04', master: 3, state: NUD_PERMANENT }),
    fdb({ index: 5, mac: '02:00:00:00:00:05', master: 3, state: NUD_PERMANENT }),
    // a device's own table (NTF_SELF, no master): not a bridge's
    fdb({ index: 4, mac: '33:33:00:00:00:01', master: 0, state: NUD_PERMANENT }),
  ], t0);
  const client: Model = { namespaces: [] };
  const take = (now: number) => { const d = m.takeDeltas(now); for (const x of d) applyDelta(client, x); return d; };
  take(t0);
  return { m, client, take };
}
const table = (mm: Model) => findInterface(mm, BR)!.iface.fdb!;

describe('engine model: bridge forwarding tables', () => {
  it('the dump: bridge entries only, on the bridge interface, local state from the device MAC', () => {
    const { m, client } = setup();
    expect(table(m.snapshot())).toEqual([
      { mac: '02:00:00:00:00:04', vlan: null, port: 'ns:100/if:4', state: 'local', ageSeconds: null, readAt: null },
      { mac: '02:00:00:00:00:05', vlan: null, port: 'ns:100/if:5', state: 'local', ageSeconds: null, readAt: null },
    ]);
    expect(client).toEqual(m.snapshot());
    expect(findInterface(m.snapshot(), 'ns:100/if:4')!.iface.fdb).toBeUndefined();
  });

  it('a learned entry and its removal are one small fdb delta each; the client copy follows', () => {
    const t0 = 1_000_000;
    const { m, client, take } = setup(t0);
    m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 5, mac: '0a:00:00:00:00:01', master: 3, updatedMs: 300 }) });
    const d = take(t0 + 1000);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ op: 'fdb', bridge: BR, removed: [], set: [{ mac: '0a:00:00:00:00:01', port: 'ns:100/if:5', state: 'learned', ageSeconds: 0.3 }] });
    expect((d[0] as Extract<Delta, { op: 'fdb' }>).set[0].readAt).toBeTypeOf('number');
    expect(client).toEqual(m.snapshot());
    // ageing: the kernel's delneigh
    m.applyEvent(NS, { type: 'delneigh', fdb: fdb({ index: 5, mac: '0a:00:00:00:00:01', master: 3 }) });
    expect(take(t0 + 2000)).toEqual([{ op: 'fdb', bridge: BR, set: [], removed: [{ mac: '0a:00:00:00:00:01', vlan: null }] }]);
    expect(table(client).map((e) => e.mac)).toEqual(['02:00:00:00:00:04', '02:00:00:00:00:05']);
    // a repeated delneigh changes nothing
    m.applyEvent(NS, { type: 'delneigh', fdb: fdb({ index: 5, mac: '0a:00:00:00:00:01', master: 3 }) });
    expect(take(t0 + 3000)).toEqual([]);
  });

  it('a burst of learning is coalesced: one delta at once, the rest when due (fdbDueIn)', () => {
    const t0 = 1_000_000;
    const { m, client, take } = setup(t0);
    const mac = (i: number) => `0a:00:00:00:01:${i.toString(16).padStart(2, '0')}`;
    m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 4, mac: mac(0), master: 3 }) });
    expect(take(t0 + 1000)).toHaveLength(1);
    for (let i = 1; i <= 50; i++) {
      m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 4, mac: mac(i), master: 3 }) });
      expect(take(t0 + 1000 + i)).toEqual([]);
    }
    expect(m.fdbDueIn(t0 + 1050)).toBe(FDB_COALESCE_MS - 50);
    const d = take(t0 + 1000 + FDB_COALESCE_MS);
    expect(d).toHaveLength(1);
    expect((d[0] as Extract<Delta, { op: 'fdb' }>).set).toHaveLength(50);
    expect(m.fdbDueIn(t0 + 1000 + FDB_COALESCE_MS)).toBeNull();
    expect(client).toEqual(m.snapshot());
    // An interface change in the namespace takes waiting FDB changes along at once.
    m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 4, mac: mac(99), master: 3 }) });
    m.applyEvent(NS, { type: 'newlink', link: link({ index: 5, name: 'p1', kind: 'veth', slaveKind: 'bridge', master: 3, mac: '02:00:00:00:00:05', mtu: 1400 }) });
    expect(take(t0 + 1000 + FDB_COALESCE_MS + 1).map((x) => x.op)).toEqual(['interface', 'fdb']);
  });

  it('a port that leaves or goes takes its entries; a bridge that goes takes its table', () => {
    const t0 = 1_000_000;
    const { m, client, take } = setup(t0);
    m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 4, mac: '0a:00:00:00:00:01', master: 3 }) });
    m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 5, mac: '0a:00:00:00:00:02', master: 3 }) });
    take(t0 + 1000);
    // p1 leaves the bridge (its record says no master): its entries go, before any kernel event says so
    m.applyEvent(NS, { type: 'newlink', link: link({ index: 5, name: 'p1', kind: 'veth', mac: '02:00:00:00:00:05' }) });
    const d = take(t0 + 1001);
    expect(d.find((x) => x.op === 'fdb')).toEqual({ op: 'fdb', bridge: BR, set: [], removed: [{ mac: '02:00:00:00:00:05', vlan: null }, { mac: '0a:00:00:00:00:02', vlan: null }] });
    // p0 is deleted (a port's dellink has the links read again: that read no longer has it)
    m.replaceLinks(NS, [
      link({ index: 3, name: 'br0', kind: 'bridge', mac: '02:00:00:00:00:04' }),
      link({ index: 5, name: 'p1', kind: 'veth', mac: '02:00:00:00:00:05' }),
    ]);
    take(t0 + 2000);
    expect(table(client)).toEqual([]);
    expect(client).toEqual(m.snapshot());
    // the bridge is deleted: its interface-removed is all; late delneighs find nothing
    m.applyEvent(NS, { type: 'dellink', index: 3, name: 'br0', newNetnsid: -1 });
    m.applyEvent(NS, { type: 'delneigh', fdb: fdb({ index: 3, mac: '02:00:00:00:00:04', master: 3, state: NUD_PERMANENT }) });
    expect(take(t0 + 3000)).toEqual([{ op: 'interface-removed', id: BR }]);
  });

  it('a new bridge arrives with its whole table in its interface delta (entries seen before its link)', () => {
    const t0 = 1_000_000;
    const { m, client, take } = setup(t0);
    m.applyEvent(NS, { type: 'newneigh', fdb: fdb({ index: 6, mac: '02:00:00:00:00:06', master: 6, state: NUD_PERMANENT }) });
    expect(take(t0 + 1000)).toEqual([]);
    m.applyEvent(NS, { type: 'newlink', link: link({ index: 6, name: 'br1', kind: 'bridge', mac: '02:00:00:00:00:06' }) });
    const d = take(t0 + 1001);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ op: 'interface', iface: { name: 'br1', fdb: [{ mac: '02:00:00:00:00:06', state: 'local', port: 'ns:100/if:6' }] } });
    expect(client).toEqual(m.snapshot());
  });

  it('a re-dump: counts what events missed, sends a learned entry again only when it was refreshed', () => {
    const t0 = 1_000_000;
    const { m, client, take } = setup(t0);
    const local = [
      fdb({ index: 4, mac: '02:00:00:00:00:04', master: 3, state: NUD_PERMANENT }),
      fdb({ index: 5, mac: '02:00:00:00:00:05', master: 3, state: NUD_PERMANENT }),
    ];
    const learned = (updatedMs: number) => fdb({ index: 4, mac: '0a:00:00:00:00:01', master: 3, updatedMs });
    expect(m.replaceFdb(NS, [...local, learned(0)], t0 + 1000)).toBe(1); // missed by events
    take(t0 + 1000);
    // 10 s later the kernel says 10 s: no refresh, nothing to tell, nothing missed
    expect(m.replaceFdb(NS, [...local, learned(10_000)], t0 + 11_000)).toBe(0);
    expect(take(t0 + 11_000)).toEqual([]);
    // 20 s later it says 2 s: traffic refreshed it (silently): the client's age is corrected
    expect(m.replaceFdb(NS, [...local, learned(2000)], t0 + 21_000)).toBe(0);
    const d = take(t0 + 21_000);
    expect(d).toEqual([{ op: 'fdb', bridge: BR, removed: [], set: [{ mac: '0a:00:00:00:00:01', vlan: null, port: 'ns:100/if:4', state: 'learned', ageSeconds: 2, readAt: t0 + 21_000 }] }]);
    expect(client).toEqual(m.snapshot());
    // moved to the other port
    expect(m.replaceFdb(NS, [...local, fdb({ index: 5, mac: '0a:00:00:00:00:01', master: 3 })], t0 + 22_000)).toBe(1);
  });

  it('states: local (own MAC) / permanent / static / learned (reachable or stale)', () => {
    expect(fdbState({ state: NUD_PERMANENT, mac: 'a' }, 'a')).toBe('local');
    expect(fdbState({ state: NUD_PERMANENT, mac: 'b' }, 'a')).toBe('permanent');
    expect(fdbState({ state: NUD_NOARP, mac: 'b' }, 'a')).toBe('static');
    expect(fdbState({ state: 0x02, mac: 'b' }, 'a')).toBe('learned');
    expect(fdbState({ state: NUD_STALE, mac: 'b' }, 'a')).toBe('learned');
  });

  it('applyFdbDelta: removes by mac and vlan, sets whole entries, keeps the mac/vlan order', () => {
    const e = (mac: string, vlan: number | null, port = 'p') => ({ mac, vlan, port, state: 'learned' as const, ageSeconds: 0, readAt: 0 });
    const before = [e('0a:00:00:00:00:01', null), e('0a:00:00:00:00:01', 1), e('0a:00:00:00:00:03', null)];
    const after = applyFdbDelta(before, { set: [e('0a:00:00:00:00:02', null), e('0a:00:00:00:00:03', null, 'q')], removed: [{ mac: '0a:00:00:00:00:01', vlan: 1 }] });
    expect(after.map((x) => `${x.mac}/${x.vlan}/${x.port}`)).toEqual(['0a:00:00:00:00:01/null/p', '0a:00:00:00:00:02/null/p', '0a:00:00:00:00:03/null/q']);
    expect(before).toHaveLength(3);
  });
});
