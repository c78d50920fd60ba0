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
