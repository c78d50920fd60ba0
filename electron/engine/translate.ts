// Raw kernel records (native/types.ts) → model objects (electron/contract/model.ts). Pure functions only:
// no I/O, so the unit tests can feed hand-built records. The names and orders follow iproute2, so
// the model reads like `ip -d link` / `ip addr` / `ip route` and can be compared with their JSON.
import { MAIN_TABLE, ifaceId, type FdbEntry, type FdbState, type Interface, type InterfaceKind, type LinkState, type Route, type Stats, type TunOwner } from '../contract';
import type { RawAddr, RawFdb, RawLink, RawRoute, RawStats } from '../../native/types';

const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;

// IFF_* in the order `ip link` prints them (iproute2 print_link_flags), so flags compare as lists.
const IFF_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['LOOPBACK', 0x8], ['BROADCAST', 0x2], ['POINTOPOINT', 0x10], ['MULTICAST', 0x1000],
  ['NOARP', 0x80], ['ALLMULTI', 0x200], ['PROMISC', 0x100], ['MASTER', 0x400], ['SLAVE', 0x800],
  ['DEBUG', 0x4], ['DYNAMIC', 0x8000], ['AUTOMEDIA', 0x4000], ['PORTSEL', 0x2000],
  ['NOTRAILERS', 0x20], ['UP', 0x1], ['LOWER_UP', 0x10000], ['DORMANT', 0x20000], ['ECHO', 0x40000],
];
export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;
const IFF_RUNNING = 0x40;

/** Flag names as `ip link` shows them: NO-CARRIER when administratively up without carrier
 *  (IFF_UP without IFF_RUNNING); RUNNING itself is not listed (ip does not list it either). */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if ((flags & IFF_UP) && !(flags & IFF_RUNNING)) out.push('NO-CARRIER');
  for (const [name, bit] of IFF_NAMES) if (flags & bit) out.push(name);
  return out;
}

const KNOWN_KINDS = new Set<InterfaceKind>([
  'veth', 'bridge', 'vxlan', 'ifb', 'dummy', 'vlan', 'macvlan', 'ipvlan', 'bond', 'wireguard',
  'gre', 'ipip', 'sit',
]);
// Kernel kinds that are the same thing to a reader of the diagram.
const KIND_ALIASES: Record<string, InterfaceKind> = {
  gretap: 'gre', ip6gre: 'gre', ip6gretap: 'gre', macvtap: 'macvlan', ipvtap: 'ipvlan',
};

export function interfaceKind(raw: Pick<RawLink, 'kind' | 'type' | 'flags' | 'tun'>): InterfaceKind {
  if (raw.type === ARPHRD_LOOPBACK || (raw.flags & IFF_LOOPBACK)) return 'loopback';
  if (raw.kind === 'tun') {
    if (raw.tun) return raw.tun.type === 'tap' ? 'tap' : 'tun';
    return raw.type === ARPHRD_ETHER ? 'tap' : 'tun';
  }
  // No IFLA_INFO_KIND: a device with a real driver; an Ethernet one is what people call physical.
  if (raw.kind === '') return raw.type === ARPHRD_ETHER ? 'physical' : 'other';
  if (KNOWN_KINDS.has(raw.kind as InterfaceKind)) return raw.kind as InterfaceKind;
  return KIND_ALIASES[raw.kind] ?? 'other';
}

/** IF_OPER_*: 6 UP → up, 0 UNKNOWN → unknown (loopback, tun with a holder: `ip` says UNKNOWN too),
 *  everything else (NOTPRESENT, DOWN, LOWERLAYERDOWN, TESTING, DORMANT) → down. */
export function linkState(operstate: number): LinkState {
  if (operstate === 6) return 'up';
  if (operstate === 0) return 'unknown';
  return 'down';
}

export function nsIdOf(inode: number): string { return `ns:${inode}`; }

export function toStats(s: RawStats): Stats {
  return {
    rxPackets: s.rxPackets, txPackets: s.txPackets, rxBytes: s.rxBytes, txBytes: s.txBytes,
    rxErrors: s.rxErrors, txErrors: s.txErrors, rxDropped: s.rxDropped, txDropped: s.txDropped,
  };
}

/** What a link's translation needs besides the raw record: resolved by the model. */
export interface LinkContext {
  nsId: string;
  addresses: string[];
  /** The point-to-point peers of `addresses` (addressPeers); absent or undefined when none. */
  peers?: Record<string, string>;
  /** Interface id of the veth peer, already resolved across namespaces (null when unknown). */
  peer: string | null;
  owners: TunOwner[];
  stats: Stats;
}

export function translateLink(raw: RawLink, ctx: LinkContext): Interface {
  const kind = interfaceKind(raw);
  const iface: Interface = {
    id: ifaceId(ctx.nsId, raw.index),
    index: raw.index,
    name: raw.name,
    kind,
    linkKind: raw.kind,
    mac: raw.mac,
    mtu: raw.mtu,
    state: linkState(raw.operstate),
    flags: flagNames(raw.flags),
    master: raw.master > 0 ? ifaceId(ctx.nsId, raw.master) : null,
    peer: kind === 'veth' ? ctx.peer : null,
    tun: kind === 'tun' || kind === 'tap'
      ? { mode: kind, persistent: raw.tun?.persist ?? false, owners: ctx.owners }
      : null,
    alias: raw.alias,
    addresses: ctx.addresses,
    ...(ctx.peers ? { peers: ctx.peers } : {}),
    stats: ctx.stats,
  };
  if (kind === 'vxlan') {
    iface.vxlan = raw.vxlan
      ? {
          vni: raw.vxlan.id, remote: raw.vxlan.group, local: raw.vxlan.local, port: raw.vxlan.port,
          dev: raw.vxlan.link > 0 ? ifaceId(ctx.nsId, raw.vxlan.link) : null,
        }
      : null;
  }
  return iface;
}

/** The id of a veth's other end as this namespace describes it: IFLA_LINK is the peer's ifindex in
 *  the namespace named by IFLA_LINK_NETNSID (an nsid local to this namespace; -1 = this one).
 *  `nsidToInode` is this namespace's nsid map. Null when the peer's namespace is not known (yet). */
export function resolvePeer(raw: Pick<RawLink, 'link' | 'linkNetnsid'>, nsId: string,
  nsidToInode: ReadonlyMap<number, number>): string | null {
  if (raw.link <= 0) return null;
  if (raw.linkNetnsid < 0) return ifaceId(nsId, raw.link);
  const inode = nsidToInode.get(raw.linkNetnsid);
  return inode === undefined ? null : ifaceId(nsIdOf(inode), raw.link);
}

/** An address's identity on its interface, as the kernel tells addresses apart: an IPv4 one by
 *  local address, prefix and peer (`10.8.0.1 peer 10.8.0.2/32` and `10.8.0.1 peer 10.8.0.3/32` are
 *  two addresses, and a new peer makes a new address), an IPv6 one by local address and prefix
 *  (`ip -6 addr change fd00::1 peer fd00::3/128` moves the peer of the same address). */
export function addrKey(a: RawAddr): string {
  const base = `${a.family}|${a.address}/${a.prefixlen}`;
  return a.family === 4 && a.peer ? `${base}|${a.peer}` : base;
}
/** Everything a record says of an address (its identity and its peer): a dump that differs from
 *  what is held only here still changes the interface (an IPv6 peer moved in place). */
export function addrContent(a: RawAddr): string { return `${a.family}|${a.address}/${a.prefixlen}|${a.peer ?? ''}`; }
function addrString(a: RawAddr): string { return `${a.address}/${a.prefixlen}`; }

/** IPv4 before IPv6 (as `ip addr` lists them), each family in the order the kernel reported them. */
function ipOrder(addrs: Iterable<RawAddr>): RawAddr[] {
  const v4: RawAddr[] = []; const v6: RawAddr[] = [];
  for (const a of addrs) (a.family === 4 ? v4 : v6).push(a);
  return [...v4, ...v6];
}

/** An interface's addresses, "10.8.0.1/32" (the local address and its prefix length). */
export function addressList(addrs: Iterable<RawAddr>): string[] {
  return ipOrder(addrs).map(addrString);
}

/** The peers of an interface's point-to-point addresses: its `addresses` entry → "peer/prefixlen"
 *  (`ip addr` prints `inet 10.8.0.1 peer 10.8.0.2/32`: the prefix length belongs to the peer).
 *  Undefined when no address has one. Two IPv4 peers of one local address and prefix (the kernel
 *  allows it) share one entry: the first in address order is kept. */
export function addressPeers(addrs: Iterable<RawAddr>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const a of ipOrder(addrs)) {
    if (!a.peer) continue;
    out ??= {};
    out[addrString(a)] ??= `${a.peer}/${a.prefixlen}`;
  }
  return out;
}

const RT_PROTOS: Record<number, string> = {
  0: 'unspec', 1: 'redirect', 2: 'kernel', 3: 'boot', 4: 'static', 8: 'gated', 9: 'ra', 10: 'mrt',
  11: 'zebra', 12: 'bird', 13: 'dnrouted', 14: 'xorp', 15: 'ntk', 16: 'dhcp', 18: 'keepalived',
  42: 'babel', 99: 'openr', 186: 'bgp', 187: 'isis', 188: 'ospf', 189: 'rip', 192: 'eigrp',
};
const RT_SCOPES: Record<number, string> = { 0: 'universe', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
const RT_TYPES: Record<number, string> = {
  0: 'unspec', 1: 'unicast', 2: 'local', 3: 'broadcast', 4: 'anycast', 5: 'multicast',
  6: 'blackhole', 7: 'unreachable', 8: 'prohibit', 9: 'throw', 10: 'nat', 11: 'xresolve',
};

function translateRoute(r: RawRoute, nsId: string): Route {
  return {
    dst: r.dstLen === 0 || r.dst === null ? 'default' : `${r.dst}/${r.dstLen}`,
    gateway: r.gateway,
    dev: r.oif > 0 ? ifaceId(nsId, r.oif) : null,
    family: r.family,
    table: r.table,
    protocol: RT_PROTOS[r.protocol] ?? String(r.protocol),
    scope: RT_SCOPES[r.scope] ?? String(r.scope),
    metric: r.priority,
    type: RT_TYPES[r.type] ?? String(r.type),
  };
}

/** The main table (MAIN_TABLE) of both families, IPv4 first, in kernel order within a family. */
export function translateRoutes(raw: readonly RawRoute[], nsId: string): Route[] {
  const main = raw.filter((r) => r.table === MAIN_TABLE);
  return [...main.filter((r) => r.family === 4), ...main.filter((r) => r.family === 6)]
    .map((r) => translateRoute(r, nsId));
}

// NUD_* states of a bridge's FDB entries (linux/neighbour.h).
const NUD_NOARP = 0x40;
const NUD_PERMANENT = 0x80;

/** The state of an FDB entry (see FdbState): NUD_PERMANENT is the bridge's "local" (delivered to the
 *  host); it is called local when the address is the MAC of the device the entry is on
 *  (`deviceMac`), which is how the kernel makes those, and permanent otherwise. */
export function fdbState(raw: Pick<RawFdb, 'state' | 'mac'>, deviceMac: string | null): FdbState {
  if (raw.state & NUD_PERMANENT) return raw.mac === deviceMac ? 'local' : 'permanent';
  if (raw.state & NUD_NOARP) return 'static';
  return 'learned';
}

/** One entry of a bridge's table as the model shows it. `readAt`: when the record was read (ms since
 *  the epoch); `deviceMac`: the MAC of the device it is on (its port, or the bridge). */
export function translateFdb(raw: RawFdb, nsId: string, readAt: number, deviceMac: string | null): FdbEntry {
  const state = fdbState(raw, deviceMac);
  const aged = state === 'learned' && raw.updatedMs !== null;
  return {
    mac: raw.mac, vlan: raw.vlan, port: ifaceId(nsId, raw.index), state,
    ageSeconds: aged ? Math.round(raw.updatedMs! / 100) / 10 : null,
    readAt: aged ? readAt : null,
  };
}
