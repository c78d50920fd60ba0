// iproute2 as the oracle: reads `ip -j` JSON of every network namespace of the (throwaway) world and
// turns it into the model shape of electron/contract/model.ts, so the engine's model can be compared with
// what `ip` says, field by field. Only argv arrays are spawned (never a shell string).
//
// Deliberately independent of electron/engine: nothing here imports engine code, so a shared bug
// cannot hide itself on both sides of the comparison.
import * as fs from 'node:fs';
import { bridgeJson, ipJson, type IpOptions } from './ip';
import { MAIN_TABLE, ifaceId, type FdbEntry, type Interface, type InterfaceKind, type LinkState, type Model, type Namespace, type Route, type Stats } from '../../electron/contract';

// ---------------------------------------------------------------------------------------------
// Running ip in a namespace

/** Where a namespace is: the test's own ("host"), a named one (`ip -n NAME`), or one held only by
 *  a process (`nsenter -t PID -n ip ...`). */
export type NsRef =
  | { kind: 'host' }
  | { kind: 'named'; name: string }
  | { kind: 'process'; pid: number };

export function nsLabel(ref: NsRef): string {
  return ref.kind === 'host' ? 'host' : ref.kind === 'named' ? ref.name : `pid ${ref.pid}`;
}

/** ip.ts's leading arguments that run `ip ARGS` inside the namespace:
 *  `ipJson(...inNs(ref, 'addr', 'show'))`. */
export function inNs(ref: NsRef, ...args: string[]): [IpOptions, ...string[]] {
  if (ref.kind === 'process') return [{ pid: ref.pid }, ...args];
  return [{}, ...(ref.kind === 'named' ? ['-n', ref.name] : []), ...args];
}

// ---------------------------------------------------------------------------------------------
// Namespaces of the world, by inode

export interface WorldNs { ref: NsRef; inode: number; id: string }

function readlinkInode(path: string): number | null {
  try {
    const m = /^net:\[(\d+)\]$/.exec(fs.readlinkSync(path));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

export function hostInode(): number {
  // The host of the world is the namespace of its pid 1 (our own, for tests run by world.sh).
  return readlinkInode('/proc/1/ns/net') ?? fs.statSync('/proc/self/ns/net').ino;
}

/** Every network namespace of the world: host, each /run/netns name, and each namespace only a
 *  process holds (one entry per inode: the lowest pid stands for it). */
export function listWorldNamespaces(): WorldNs[] {
  const out: WorldNs[] = [];
  const seen = new Set<number>();
  const host = hostInode();
  out.push({ ref: { kind: 'host' }, inode: host, id: `ns:${host}` }); seen.add(host);
  let names: string[] = [];
  try { names = fs.readdirSync('/run/netns').sort(); } catch { /* none */ }
  for (const name of names) {
    let ino: number;
    try { ino = fs.statSync(`/run/netns/${name}`).ino; } catch { continue; }
    if (seen.has(ino)) continue;
    seen.add(ino);
    out.push({ ref: { kind: 'named', name }, inode: ino, id: `ns:${ino}` });
  }
  const pids = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    const ino = readlinkInode(`/proc/${pid}/ns/net`);
    if (ino === null || seen.has(ino)) continue;
    seen.add(ino);
    out.push({ ref: { kind: 'process', pid }, inode: ino, id: `ns:${ino}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// iproute2 JSON shapes (only what we read)

export interface IpLink {
  ifindex: number; ifname: string; flags: string[]; mtu: number; operstate: string;
  link_type: string; address?: string; master?: string; link_index?: number; link_netnsid?: number;
  link?: string; ifalias?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
  stats64?: { rx: Record<string, number>; tx: Record<string, number> };
}
/** `local` is our address; `address` is there only for a point-to-point one: the peer. */
export interface IpAddrInfo { family: string; local: string; address?: string; prefixlen: number }
export interface IpAddrLink { ifindex: number; ifname: string; addr_info: IpAddrInfo[] }
export interface IpRoute {
  dst: string; gateway?: string; dev?: string; protocol?: string; scope?: string; metric?: number;
  type?: string; table?: string; flags?: string[];
}
export interface IpNsid { nsid: number; name?: string }
/** `bridge -j -s fdb show`: `master` only for entries in a bridge's table; `updated` in seconds. */
export interface BridgeFdb { mac: string; ifname: string; master?: string; vlan?: number; state: string; updated?: number; flags?: string[] }

/** What ip says about one namespace, raw. */
export interface IpNsReading {
  ns: WorldNs;
  links: IpLink[];
  addrs: IpAddrLink[];
  routes4: IpRoute[];
  routes6: IpRoute[];
  nsids: IpNsid[];
  fdb: BridgeFdb[];
  /** When `fdb` was read (ms since the epoch): what its ages are relative to. */
  fdbReadAt: number;
}

export function readNamespace(ns: WorldNs): IpNsReading {
  return {
    ns,
    links: ipJson<IpLink[]>(...inNs(ns.ref, '-s', '-d', 'link', 'show')),
    addrs: ipJson<IpAddrLink[]>(...inNs(ns.ref, 'addr', 'show')),
    routes4: ipJson<IpRoute[]>(...inNs(ns.ref, '-4', 'route', 'show', 'table', 'main')),
    routes6: ipJson<IpRoute[]>(...inNs(ns.ref, '-6', 'route', 'show', 'table', 'main')),
    nsids: ipJson<IpNsid[]>(...inNs(ns.ref, 'netns', 'list-id')),
    fdbReadAt: Date.now(),
    fdb: bridgeJson<BridgeFdb[]>(...inNs(ns.ref, '-s', 'fdb', 'show')),
  };
}

/** Only the counters (`ip -s -j link`), keyed by interface id. */
export function readStats(ns: WorldNs): Map<string, Stats> {
  const m = new Map<string, Stats>();
  for (const l of ipJson<IpLink[]>(...inNs(ns.ref, '-s', 'link', 'show'))) m.set(ifaceId(ns.id, l.ifindex), statsOf(l));
  return m;
}

// ---------------------------------------------------------------------------------------------
// Translation into the model shape (independently of the engine's translate.ts)

const KNOWN_KINDS = new Set<string>(['veth', 'bridge', 'vxlan', 'ifb', 'dummy', 'vlan', 'macvlan',
  'ipvlan', 'bond', 'wireguard', 'gre', 'ipip', 'sit']);
const KIND_ALIASES: Record<string, InterfaceKind> = {
  gretap: 'gre', ip6gre: 'gre', ip6gretap: 'gre', macvtap: 'macvlan', ipvtap: 'ipvlan',
};

export function kindOf(l: IpLink): InterfaceKind {
  const k = l.linkinfo?.info_kind ?? '';
  if (l.link_type === 'loopback' || l.flags.includes('LOOPBACK')) return 'loopback';
  if (k === 'tun') {
    const t = l.linkinfo?.info_data?.type;
    if (t === 'tap' || t === 'tun') return t;
    return l.link_type === 'ether' ? 'tap' : 'tun';
  }
  if (k === '') return l.link_type === 'ether' ? 'physical' : 'other';
  if (KNOWN_KINDS.has(k)) return k as InterfaceKind;
  return KIND_ALIASES[k] ?? 'other';
}

export function stateOf(operstate: string): LinkState {
  if (operstate === 'UP') return 'up';
  if (operstate === 'UNKNOWN') return 'unknown';
  return 'down';
}

export function statsOf(l: IpLink): Stats {
  const rx = l.stats64?.rx ?? {}; const tx = l.stats64?.tx ?? {};
  return {
    rxPackets: rx.packets ?? 0, txPackets: tx.packets ?? 0, rxBytes: rx.bytes ?? 0, txBytes: tx.bytes ?? 0,
    rxErrors: rx.errors ?? 0, txErrors: tx.errors ?? 0, rxDropped: rx.dropped ?? 0, txDropped: tx.dropped ?? 0,
  };
}

/** `ip route` omits the default protocol/scope/type and prints host routes without "/32". */
export function routeOf(r: IpRoute, family: 4 | 6, nsId: string, byName: Map<string, number>): Route {
  let dst = r.dst;
  if (dst !== 'default' && !dst.includes('/')) dst = `${dst}/${family === 4 ? 32 : 128}`;
  const devIndex = r.dev !== undefined ? byName.get(r.dev) : undefined;
  return {
    dst,
    gateway: r.gateway ?? null,
    dev: devIndex !== undefined ? ifaceId(nsId, devIndex) : r.dev !== undefined ? `?dev ${r.dev}` : null,
    family,
    table: MAIN_TABLE,
    protocol: r.protocol ?? 'boot',
    scope: r.scope ?? 'universe',
    metric: r.metric ?? null,
    type: r.type ?? 'unicast',
  };
}

/** `ip addr`'s point-to-point addresses (`inet 10.8.0.1 peer 10.8.0.2/32`: `address` unlike
 *  `local`) as Interface.peers; undefined when there are none. */
export function peersOf(info: readonly IpAddrInfo[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const i of info) {
    if (i.address === undefined || i.address === i.local) continue;
    out ??= {};
    out[`${i.local}/${i.prefixlen}`] ??= `${i.address}/${i.prefixlen}`;
  }
  return out;
}

/** The peer's namespace for a veth whose `link_netnsid` is `nsid` in namespace `from`.
 *  Named nsids resolve by name. An unnamed nsid (the host, or a process namespace) is resolved by
 *  the one namespace whose interface `link_index` is a veth pointing back at us (by index, and by
 *  the name its own nsid for us carries). */
function resolvePeerNs(from: IpNsReading, l: IpLink, all: Map<number, IpNsReading>,
  named: Map<string, WorldNs>): WorldNs | null {
  const entry = from.nsids.find((e) => e.nsid === l.link_netnsid);
  if (entry?.name !== undefined) return named.get(entry.name) ?? null;
  const candidates: WorldNs[] = [];
  for (const r of all.values()) {
    if (r.ns.inode === from.ns.inode) continue;
    if (r.ns.ref.kind === 'named') continue; // named ones would have had their name in list-id
    const p = r.links.find((x) => x.ifindex === l.link_index);
    if (!p || p.linkinfo?.info_kind !== 'veth' || p.link_index !== l.ifindex || p.link_netnsid === undefined) continue;
    // The candidate's nsid for its peer's namespace must name us as list-id does: by our name when
    // we are named, by no name when we are not. (Two namespaces can each hold a veth whose index
    // and peer index mirror ours: one pointing at us, one at an unnamed namespace.)
    const back = r.nsids.find((e) => e.nsid === p.link_netnsid);
    const ourName = from.ns.ref.kind === 'named' ? from.ns.ref.name : undefined;
    if (back && back.name !== ourName) continue;
    candidates.push(r.ns);
  }
  return candidates.length === 1 ? candidates[0] : null;
}

/** A bridge's table as `bridge fdb` shows it, in the model's terms: its own entries (`master` = the
 *  bridge); `permanent` is the bridge's local state, called local when the address is the MAC of the
 *  device it is on; `static` stays; learned ones show no state (or `stale`) and carry their age. */
function fdbOf(r: IpNsReading, bridgeName: string, byName: Map<string, number>, macs: Map<string, string | undefined>): FdbEntry[] {
  return r.fdb.filter((e) => e.master === bridgeName).map((e) => {
    const dev = byName.get(e.ifname);
    const state: FdbEntry['state'] = e.state === 'permanent' ? (macs.get(e.ifname) === e.mac ? 'local' : 'permanent')
      : e.state === 'static' ? 'static' : 'learned';
    const learned = state === 'learned' && e.updated !== undefined;
    return {
      mac: e.mac, vlan: e.vlan ?? null, port: dev !== undefined ? ifaceId(r.ns.id, dev) : `?dev ${e.ifname}`, state,
      ageSeconds: learned ? e.updated! : null, readAt: learned ? r.fdbReadAt : null,
    };
  });
}

/** The model as iproute2 describes the world. `pids` are not compared (engine samples them);
 *  `label` is derived for host and named namespaces only. */
export function modelFromIp(readings: IpNsReading[]): Model {
  const all = new Map(readings.map((r) => [r.ns.inode, r]));
  const named = new Map<string, WorldNs>();
  for (const r of readings) if (r.ns.ref.kind === 'named') named.set(r.ns.ref.name, r.ns);
  const namespaces: Namespace[] = [];
  for (const r of readings) {
    const nsId = r.ns.id;
    const byName = new Map(r.links.map((l) => [l.ifname, l.ifindex]));
    const macs = new Map(r.links.map((l) => [l.ifname, l.address]));
    const addrsByIndex = new Map<number, string[]>();
    const peersByIndex = new Map<number, Record<string, string>>();
    for (const a of r.addrs) {
      addrsByIndex.set(a.ifindex, (a.addr_info ?? []).map((i) => `${i.local}/${i.prefixlen}`));
      const peers = peersOf(a.addr_info ?? []);
      if (peers) peersByIndex.set(a.ifindex, peers);
    }
    const interfaces: Interface[] = r.links.map((l) => {
      const kind = kindOf(l);
      let peer: string | null = null;
      if (kind === 'veth' && l.link !== undefined && l.link_netnsid === undefined) {
        // Same namespace: ip prints the peer's name ("v0@v1") instead of its index.
        const pi = byName.get(l.link);
        peer = pi !== undefined ? ifaceId(nsId, pi) : `?link ${l.link}`;
      } else if (kind === 'veth' && l.link_index !== undefined && l.link_index > 0) {
        if (l.link_netnsid === undefined) peer = ifaceId(nsId, l.link_index);
        else {
          const pns = resolvePeerNs(r, l, all, named);
          peer = pns ? ifaceId(pns.id, l.link_index) : `?nsid ${l.link_netnsid}/if:${l.link_index}`;
        }
      }
      const info = l.linkinfo?.info_data ?? {};
      const masterIndex = l.master !== undefined ? byName.get(l.master) : undefined;
      return {
        id: ifaceId(nsId, l.ifindex),
        index: l.ifindex,
        name: l.ifname,
        kind,
        linkKind: l.linkinfo?.info_kind ?? '',
        mac: l.link_type === 'none' ? null : (l.address ?? null),
        mtu: l.mtu,
        state: stateOf(l.operstate),
        // M-DOWN is iproute2's note that a same-namespace IFLA_LINK device (a veth's peer) is down:
        // not a flag of this interface (ifi_flags has no such bit); the peer's own flags say it.
        flags: l.flags.filter((f) => f !== 'M-DOWN'),
        master: l.master === undefined ? null : masterIndex !== undefined ? ifaceId(nsId, masterIndex) : `?master ${l.master}`,
        peer,
        tun: kind === 'tun' || kind === 'tap'
          ? { mode: kind, persistent: info.persist === true, owners: [] }
          : null,
        alias: l.ifalias ?? null,
        addresses: addrsByIndex.get(l.ifindex) ?? [],
        ...(peersByIndex.has(l.ifindex) ? { peers: peersByIndex.get(l.ifindex) } : {}),
        ...(kind === 'bridge' ? { fdb: fdbOf(r, l.ifname, byName, macs) } : {}),
        stats: statsOf(l),
      };
    });
    const routes: Route[] = [
      ...r.routes4.map((x) => routeOf(x, 4, nsId, byName)),
      ...r.routes6.map((x) => routeOf(x, 6, nsId, byName)),
    ];
    const ref = r.ns.ref;
    namespaces.push({
      id: nsId, inode: r.ns.inode, kind: ref.kind,
      name: ref.kind === 'host' ? 'host' : ref.kind === 'named' ? ref.name : null,
      label: nsLabel(ref), pids: ref.kind === 'process' ? [ref.pid] : [],
      interfaces, routes,
    });
  }
  return { namespaces };
}

/** Reads the whole world with ip. */
export function readWorld(): { model: Model; readings: IpNsReading[] } {
  const readings = listWorldNamespaces().map(readNamespace);
  return { model: modelFromIp(readings), readings };
}

/** Only the counters of the whole world, keyed by interface id. */
export function readWorldStats(namespaces: WorldNs[] = listWorldNamespaces()): Map<string, Stats> {
  const m = new Map<string, Stats>();
  for (const ns of namespaces) {
    try { for (const [k, v] of readStats(ns)) m.set(k, v); } catch { /* namespace went away */ }
  }
  return m;
}
