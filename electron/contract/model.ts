// The model: every namespace with its interfaces and routes. Also the public JSON of
// `vnet-studio inspect --json`.

export type NamespaceKind = 'host' | 'named' | 'process';
export type InterfaceKind =
  | 'loopback' | 'physical' | 'veth' | 'bridge' | 'tun' | 'tap' | 'vxlan'
  | 'ifb' | 'dummy' | 'vlan' | 'macvlan' | 'ipvlan' | 'bond' | 'wireguard' | 'gre' | 'ipip' | 'sit'
  | 'other';
export type LinkState = 'up' | 'down' | 'unknown';

export interface Stats {
  rxPackets: number; txPackets: number; rxBytes: number; txBytes: number;
  rxErrors: number; txErrors: number; rxDropped: number; txDropped: number;
}

export interface TunOwner { pid: number; comm: string }
export interface TunInfo { mode: 'tun' | 'tap'; persistent: boolean; owners: TunOwner[] }

/** How a bridge holds an address (NDA_STATE of its FDB entry):
 *  local      the address of the device the entry is on (a port's or the bridge's own MAC, added by
 *             the kernel; frames to it go up to the host, never out), NUD_PERMANENT;
 *  permanent  NUD_PERMANENT on an address that is not that device's own (`bridge fdb add … permanent`:
 *             also delivered to the host; the kernel keeps no other mark telling the two apart);
 *  static     user-added, forwarded to its port, never ages (NUD_NOARP);
 *  learned    learned from a frame's source address (or added as dynamic): ages out (NUD_REACHABLE,
 *             or NUD_STALE in the moment between expiry and removal). */
export type FdbState = 'local' | 'permanent' | 'static' | 'learned';

/** One entry of a bridge's forwarding table (AF_BRIDGE neighbour). Entries are told apart by
 *  (mac, vlan), as the kernel tells them apart within one bridge. */
export interface FdbEntry {
  mac: string;
  /** The VLAN the entry is for (NDA_VLAN), null when none. */
  vlan: number | null;
  /** Interface id of the bridge port the address is behind; the bridge's own id for its own addresses. */
  port: string;
  state: FdbState;
  /** Learned entries: seconds since a frame from `mac` last refreshed the entry, as the kernel said
   *  at `readAt` (NDA_CACHEINFO). Refreshes by traffic are silent (the kernel sends no notification
   *  for them), so an age computed later as ageSeconds + (now − readAt) is an upper bound: the true
   *  age is at most that. An entry that ages out is removed (an RTM_DELNEIGH event). Null for the
   *  other states, which do not age. */
  ageSeconds: number | null;
  /** When `ageSeconds` was read (ms since the epoch, the engine's clock); null when ageSeconds is. */
  readAt: number | null;
}

export interface Interface {
  id: string;              // ifaceId(namespaceId, index): "ns:4026531840/if:7"
  index: number;
  name: string;
  kind: InterfaceKind;
  /** IFLA_INFO_KIND as the kernel says it ('' when the kernel gives none). */
  linkKind: string;
  mac: string | null;
  mtu: number;
  state: LinkState;
  flags: string[];         // e.g. ["BROADCAST","MULTICAST","UP","LOWER_UP"]
  master: string | null;   // interface id of the bridge (or bond) this is a port of
  peer: string | null;     // veth other end, in whichever namespace it lives
  tun: TunInfo | null;
  vxlan?: { vni: number; remote: string | null; local: string | null; port: number | null; dev: string | null } | null;
  /** The app's ownership mark (IFLA_IFALIAS, starting with ALIAS_PREFIX), when VNet Studio made it. */
  alias: string | null;
  addresses: string[];     // "10.0.0.1/24", "fe80::1/64" (the local address and its prefix length)
  /** Point-to-point addresses only (`ip addr add 10.8.0.1 peer 10.8.0.2/32`, IFA_ADDRESS unlike
   *  IFA_LOCAL): the `addresses` entry → the peer's address and prefix, {"10.8.0.1/32": "10.8.0.2/32"}.
   *  Absent when the interface has none. addressText() writes an entry as `ip address` does. */
  peers?: Record<string, string>;
  /** Bridges only: the forwarding table (entries in the bridge's own table, NDA_MASTER = this
   *  bridge), ordered by mac then vlan. Changes travel as `fdb` deltas. */
  fdb?: FdbEntry[];
  stats: Stats;
}

export interface Route {
  dst: string;             // "default" or "10.0.0.0/24"
  gateway: string | null;
  dev: string | null;      // interface id
  family: 4 | 6;
  table: number;           // MAIN_TABLE (254) = main
  protocol: string;        // "kernel" | "boot" | "static" | number as string
  scope: string;           // "universe" | "link" | "host"
  metric: number | null;
  type: string;            // "unicast" | "local" | "broadcast" | ...
}

export interface Namespace {
  id: string;              // `ns:${inode}`
  inode: number;
  kind: NamespaceKind;
  name: string | null;     // "host", the `ip netns` name, or null for process namespaces
  label: string;           // what to show: "host", "blue", "pid 812 (nginx)"
  pids: number[];          // processes in this namespace (first few hundred at most)
  interfaces: Interface[];
  routes: Route[];         // main table, both families
  /** Set when the engine cannot read this namespace (e.g. not privileged). */
  error?: string;
}

export interface Model { namespaces: Namespace[] }
