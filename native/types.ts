// The typed face of the native addon (native/src/*.cc): what the kernel says, barely translated.
// The engine (electron/engine/) turns these raw records into the model of electron/contract/model.ts.
// Numbers are plain JS numbers (64-bit counters lose precision only above 2^53).

/** One RTM_NEWLINK as the kernel reported it. */
export interface RawLink {
  index: number;
  name: string;
  /** IFLA_INFO_KIND ('veth', 'bridge', 'tun', 'vxlan', ...) or '' when absent (loopback, physical). */
  kind: string;
  /** IFLA_INFO_SLAVE_KIND ('bridge' for a bridge port) or ''. */
  slaveKind: string;
  /** ARPHRD_* link type (772 loopback, 1 ether, 65534 none/tun). */
  type: number;
  /** IFF_* flags (ifi_flags). */
  flags: number;
  /** IF_OPER_* (IFLA_OPERSTATE): 0 unknown, 2 down, 6 up, ... */
  operstate: number;
  mtu: number;
  mac: string | null;            // "aa:bb:cc:dd:ee:ff", null when the link has none
  master: number;                // IFLA_MASTER ifindex, 0 = none
  link: number;                  // IFLA_LINK ifindex (veth peer / vxlan lower dev), 0 = none
  linkNetnsid: number;           // IFLA_LINK_NETNSID, -1 = same namespace
  alias: string | null;          // IFLA_IFALIAS
  /** IFLA_GROUP, the netdev group (0 = default). Optional only for older fixtures; the addon always sets it. */
  group?: number;
  /** tun/tap details from IFLA_INFO_DATA (kind 'tun'). */
  tun: { type: 'tun' | 'tap'; persist: boolean; owner: number; group: number } | null;
  /** vxlan details from IFLA_INFO_DATA (kind 'vxlan'). */
  vxlan: { id: number; group: string | null; local: string | null; port: number | null; link: number } | null;
  stats: RawStats;               // IFLA_STATS64
}

export interface RawStats {
  rxPackets: number; txPackets: number; rxBytes: number; txBytes: number;
  rxErrors: number; txErrors: number; rxDropped: number; txDropped: number;
}

/** One RTM_NEWADDR. */
export interface RawAddr {
  index: number;
  family: 4 | 6;
  prefixlen: number;
  /** IFA_LOCAL when present (the interface's own address), else IFA_ADDRESS. */
  address: string;
  /** IFA_ADDRESS when it differs from IFA_LOCAL: the far end of a point-to-point address, IPv4 or
   *  IPv6 (`ip addr` writes `inet 10.8.0.1 peer 10.8.0.2/32`: prefixlen goes with the peer); else null. */
  peer: string | null;
  scope: number;
  flags: number;
  label: string | null;
}

/** One RTM_NEWROUTE. */
export interface RawRoute {
  family: 4 | 6;
  dst: string | null;            // null = default
  dstLen: number;
  gateway: string | null;
  oif: number;                   // 0 = none
  table: number;                 // RTA_TABLE (full 32 bits)
  protocol: number;              // RTPROT_*
  scope: number;                 // RT_SCOPE_*
  type: number;                  // RTN_*
  priority: number | null;       // RTA_PRIORITY (metric)
  prefsrc: string | null;
}

/** One RTM_NEWNEIGH for AF_BRIDGE (an FDB entry). */
export interface RawFdb {
  /** ndm_ifindex: the port the address is behind (the bridge itself for its own addresses). */
  index: number;
  mac: string;
  /** NDA_MASTER: the bridge whose table it is in; 0 for a device's own table (NTF_SELF). */
  master: number;
  vlan: number | null;
  /** NUD_* (ndm_state): the bridge says NUD_PERMANENT for local entries, NUD_NOARP for static
   *  ones, NUD_REACHABLE / NUD_STALE for learned ones. */
  state: number;
  /** NTF_* (ndm_flags). */
  flags: number;
  /** NDA_CACHEINFO ndm_updated in ms: how long before this record was made a frame from `mac`
   *  last refreshed the entry. Null when the kernel gave no cache info. */
  updatedMs: number | null;
}

/** One counter sweep of a namespace: `values[i*8 .. i*8+7]` belong to `ifindex[i]`,
 *  in protocol STATS_FIELDS order. JS-owned buffers (Electron forbids external ones). */
export interface StatsFrame {
  ifindex: Int32Array;
  values: Float64Array;
}

/** dumpStatsMany's answer for handles h[0..n-1]: one frame of every namespace's rows, in handle
 *  order. Handle i's rows are start[i] .. start[i+1]-1 (`ifindex[r]`, `values[r*8 .. r*8+7]`, as in
 *  StatsFrame); t[i] is the CLOCK_MONOTONIC time in ms just before its dump was asked for (for
 *  intervals between reads of one namespace: rates divide by each namespace's own interval), NaN
 *  when it failed. A failed handle (EBADF when closed) has no rows and is listed in `failed`. */
export interface StatsSweep {
  ifindex: Int32Array;
  values: Float64Array;
  start: Int32Array;
  t: Float64Array;
  failed: { index: number; error: NativeError }[];
}

/** The counter sweep of many namespaces in one native call. */
export interface StatsSweeper {
  /** Every handle's RTM_GETSTATS dump, one after another on ONE pool thread (one worker round trip
   *  per sweep, however many namespaces). A closed handle or a failed dump fails its own entry
   *  only. Rejects (EINVAL) only when an entry is not a handle made by openNamespace() (a Proxy of
   *  one is not). */
  dumpStatsMany(handles: readonly NamespaceHandle[]): Promise<StatsSweep>;
}

/** One kernel notification from the multicast groups. */
export type RawEvent =
  | { type: 'newlink'; link: RawLink }
  /** `newNetnsid`: the namespace it moved to (its nsid here); -1 when it was deleted. */
  | { type: 'dellink'; index: number; name: string; newNetnsid: number }
  | { type: 'newaddr'; addr: RawAddr }
  | { type: 'deladdr'; addr: RawAddr }
  | { type: 'newroute'; route: RawRoute }
  | { type: 'delroute'; route: RawRoute }
  | { type: 'newnsid'; nsid: number }
  | { type: 'delnsid'; nsid: number }
  | { type: 'newneigh'; fdb: RawFdb }
  | { type: 'delneigh'; fdb: RawFdb }
  /** The socket overflowed (ENOBUFS) or a dump was interrupted: state may have been missed;
   *  the receiver must re-dump this namespace. */
  | { type: 'resync'; reason: string };

export interface SubscribeOptions {
  /** SO_RCVBUF for the event socket, bytes (small values force ENOBUFS in tests). Default: 4 MiB. */
  rcvbuf?: number;
  /** Batches that may wait for the JS thread (default 64, ~0.3 s of a busy stream). Past that the
   *  event thread stops reading this namespace's socket (others go on), so a stalled JS side ends
   *  in ENOBUFS -> 'resync' rather than unbounded memory. */
  maxQueuedBatches?: number;
}

/** A netlink handle bound to one network namespace for its whole life. */
export interface NamespaceHandle {
  /** Inode of the namespace this handle is bound to (fstat of the namespace fd it entered). */
  readonly inode: number;
  dumpLinks(): Promise<RawLink[]>;
  dumpAddrs(): Promise<RawAddr[]>;
  dumpRoutes(): Promise<RawRoute[]>;
  dumpFdb(): Promise<RawFdb[]>;
  /** The four dumps above in one worker, one after another (what a full re-read of the namespace
   *  takes): the same records as each of them would give. */
  dumpAll(): Promise<{ links: RawLink[]; addrs: RawAddr[]; routes: RawRoute[]; fdb: RawFdb[] }>;
  /** One RTM_GETSTATS dump (IFLA_STATS_LINK_64) of every interface. */
  dumpStats(): Promise<StatsFrame>;
  /** The nsid this namespace uses for the namespace at `nsPath` (RTM_GETNSID with NETNSA_FD); -1 if none assigned. */
  getNsid(nsPath: string): Promise<number>;
  /** getNsid for many paths in one worker (the queries one after another on this handle's
   *  socket): each entry the nsid (-1: none assigned), or null when that path could not be opened
   *  or queried (its process exited). Rejects on a closed handle or bad arguments only. */
  getNsids(nsPaths: readonly string[]): Promise<(number | null)[]>;
  /** Start delivering kernel events (link, addr v4/v6, route v4/v6, nsid, neigh), batched,
   *  from the addon's one event thread (shared by every subscription, however many namespaces).
   *  One subscription per handle. */
  subscribe(onEvents: (events: RawEvent[]) => void, options?: SubscribeOptions): void;
  unsubscribe(): void;
  /** Ends the subscription and closes the sockets. The handle is unusable afterwards. */
  close(): void;
}

/** One batch of the kernel's process events (proc connector), as they arrived within ~10 ms (or
 *  longer while the JS thread was busy). Pids are thread-group ids (processes), as /proc names them. */
export interface ProcEvents {
  /** New processes, as (child, parent) pairs: [child0, parent0, child1, parent1, ...]. New
   *  threads are left out. */
  forks: Int32Array;
  /** Processes that called exec. */
  execs: Int32Array;
  /** Processes that exited (their leader thread did; the exits of other threads are left out). */
  exits: Int32Array;
  /** The kernel dropped events (socket buffer full) or too many waited for JS: what changed is
   *  not all here, so look at everything again. */
  lost: boolean;
}

/** A running watch of process events; close() stops its thread and socket (idempotent). */
export interface ProcessWatch { close(): void }

// ---------------------------------------------------------------------------------------------
// Captures (native/src/capture_*.cc).

/** pcap link type of a capture socket: 'ethernet' (LINKTYPE_ETHERNET 1) or 'raw' (LINKTYPE_RAW 101, tun). */
export type CaptureLink = 'ethernet' | 'raw';

export interface CaptureOptions {
  ifindex: number;
  /** pcap-filter expression, compiled by libpcap for the interface's link type ('' = all). */
  filter?: string;
  /** 64..262144, default 262144. */
  snaplen?: number;
  /** Ring blocks of 256 KiB, 2..256 (default 16). A block goes to the capture thread when full
   *  or 10 ms after its first packet: under a flood the ring holds about ringBlocks × 10 ms. A
   *  frame longer than a block holds (about 256 KiB) is cut to fit. */
  ringBlocks?: number;
  /** Packet bytes that may wait for the JS thread; past that packets are dropped natively and
   *  counted in appDropped. 65536..2^30, default 16 MiB. */
  maxQueuedBytes?: number;
  /** Promiscuous mode while the socket is open (default true, as tcpdump: a bridge shows the
   *  frames it forwards between its ports only so). */
  promisc?: boolean;
  /** When given, each packet's bytes come framed as a whole pcapng Enhanced Packet Block of this
   *  interface id (nanosecond timestamp, epb_flags from the packet type; little-endian): the
   *  block starts 28 bytes before offset[i] and is 28 + caplen padded to 4 + 16 bytes long, and
   *  the blocks follow each other in data. */
  epbInterface?: number;
}

/** A batch of one capture socket's packets, in the order the kernel gave them. Packet i:
 *  kernel time sec[i] s + nsec[i] ns, wire length len[i], captured bytes
 *  data[offset[i] .. offset[i]+caplen[i]), sll_pkttype pkttype[i] (4 = PACKET_OUTGOING). On
 *  loopback, outgoing copies are left out (each packet is also seen coming in). JS-owned buffers. */
export interface CaptureBatch {
  count: number;
  sec: Float64Array;
  nsec: Uint32Array;
  len: Uint32Array;
  caplen: Uint32Array;
  offset: Uint32Array;
  pkttype: Uint8Array;
  data: Uint8Array;
  /** Packets dropped natively so far (JS was behind). */
  appDropped: number;
  /** Set once when the socket failed (ENETDOWN: its interface was deleted or moved); the last batch. */
  error?: NativeError;
}

export interface CaptureSocket {
  readonly ifname: string;
  readonly linkType: CaptureLink;
  /** ARPHRD_* of the interface. */
  readonly arphrd: number;
  /** kernelPackets: what passed the filter (PACKET_STATISTICS tp_packets, drops included);
   *  kernelDrops: tp_drops (the ring was full); appDropped as in CaptureBatch. After close() the
   *  last counts. */
  stats(): { kernelPackets: number; kernelDrops: number; appDropped: number };
  /** Stops delivery (nothing reaches onPackets after it returns) and closes the socket. */
  close(): void;
}

export interface CaptureAddon {
  /** A packet socket on interface `ifindex` of the handle's namespace, opened on a thread that
   *  entered it; its batches come from the addon's one capture thread. Rejects with EPERM without
   *  CAP_NET_RAW, ENODEV for an unknown ifindex, EINVAL with libpcap's message for a bad filter. */
  openCapture(handle: NamespaceHandle, options: CaptureOptions, onPackets: (batch: CaptureBatch) => void): Promise<CaptureSocket>;
  /** null when `filter` compiles for that link type, else libpcap's message. */
  compileFilter(filter: string, linkType: CaptureLink, snaplen: number): string | null;
}

// ---------------------------------------------------------------------------------------------
// A traced ping (native/src/ping.cc).

export interface PingOptions {
  /** IPv4 or IPv6 address (no zone: a link-local address needs one and is not taken). */
  address: string;
  /** ICMP echo identifier and sequence number, 0..65535. */
  ident: number;
  seq: number;
  /** The echo's data, at most 1024 bytes (a reply must carry the same bytes to count). */
  payload: Uint8Array;
  /** How long to wait for the answer, 1..30000 ms (a pool thread waits that long at most). */
  timeoutMs: number;
}

export interface PingResult {
  /** The kernel refused to send (ENETUNREACH: no route in the namespace; EACCES, EINVAL, ...). */
  sendError: NativeError | null;
  /** The answer: the echo reply (same identifier, sequence and payload), or an ICMP error that
   *  quotes the echo (type/code as ICMP or ICMPv6 numbers them, `from` the router that sent it).
   *  Null when nothing answered within the timeout. */
  reply: { echoReply: boolean; from: string; type: number; code: number; rttUs: number } | null;
}

export interface PingAddon {
  /** One ICMP echo from the handle's namespace: a raw ICMP/ICMPv6 socket opened on a thread that
   *  entered it (needs CAP_NET_RAW: rejects with EPERM without). Rejects EINVAL for bad options,
   *  EBADF for a closed handle; a refused send is a result (sendError), not a rejection. */
  ping(handle: NamespaceHandle, options: PingOptions): Promise<PingResult>;
}

/** What the engine reads through: handles bound to namespaces, and the counter sweep over them. */
export interface NativeAddon extends StatsSweeper {
  /** Opens a handle bound to the network namespace at `nsPath` (e.g. /run/netns/blue,
   *  /proc/123/ns/net); null = the calling process's own namespace. Rejects with an Error whose
   *  message names the path and the errno text. */
  openNamespace(nsPath: string | null): Promise<NamespaceHandle>;
  /** openNamespace for many at once: one helper thread enters the namespaces in turn (on a host
   *  of a thousand pods a thread each costs ten times more). Each entry is the handle, or the
   *  Error openNamespace would have rejected with for that path. Rejects only on bad arguments
   *  (not an array; an entry neither a non-empty string nor null). */
  openNamespaces(nsPaths: readonly (string | null)[]): Promise<(NamespaceHandle | Error)[]>;
  /** Each handle's getNsids (`pathLists[i]` for `handles[i]`) in ONE worker: on a dense host's
   *  first read every pod asks for the nsid behind its veth, and a worker round trip each costs far
   *  more than the queries. Entry i is handle i's answers as getNsids gives them, or the Error of a
   *  closed handle. Rejects (EINVAL) only on bad arguments: not a handle made by openNamespace()
   *  (a Proxy of one is not), not one path list per handle, a path that is not a non-empty string. */
  getNsidsMany(handles: readonly NamespaceHandle[], pathLists: readonly (readonly string[])[]): Promise<((number | null)[] | Error)[]>;
  /** Every process in /proc whose network namespace can be read, by pid (ascending), with that
   *  namespace's inode (/proc/PID/ns/net). `keep`: processes (pids ascending, no repeats) whose
   *  namespace the caller already knows: listed with the inode given, not read again, if they
   *  still exist. `unreadable` counts the processes whose namespace was refused (another user's,
   *  when not privileged); those that exited meanwhile are left out. Synchronous (a readdir and
   *  one readlink per process read). Throws a TypeError/RangeError naming a bad `keep`, or the
   *  errno when /proc cannot be read. */
  scanProcNet(keep?: { pids: Int32Array; inodes: Float64Array }): { pids: Int32Array; inodes: Float64Array; unreadable: number };
  /** /proc/PID/comm without its newline; null when the process is gone or refused. Synchronous.
   *  Throws a TypeError/RangeError when `pid` is not a whole number from 1 to 2^31-1. */
  readComm(pid: number): string | null;
  /** Follows process fork/exec/exit through the kernel's proc connector: one socket, one thread,
   *  batches to `onEvents`. `nsPath`: the network namespace to open the socket in (the connector
   *  answers only in the initial one; default the own). Resolves once the kernel acknowledged the
   *  listen request; rejects with an Error that says why it is not available: no CAP_NET_ADMIN,
   *  a kernel without the connector, a socket outside the initial network namespace, or a
   *  process outside the initial pid namespace (the kernel ignores those listeners). Optional:
   *  an addon without it means periodic discovery. */
  watchProcesses?(onEvents: (e: ProcEvents) => void, options?: { nsPath?: string | null }): Promise<ProcessWatch>;
}

// ---------------------------------------------------------------------------------------------
// Mutations. The addon's real objects are MutatingHandle/MutatingAddon (what `native` and
// `loadNative()` return); the engine, which only reads, knows them as NamespaceHandle/NativeAddon.

/** An interface in a mutation: its name (resolved when the op runs, including names made earlier
 *  in the same batch) or its ifindex. */
export type LinkRef = string | number;

interface OpWhere {
  /** Namespace the op runs in, as a namespace file path (/run/netns/red, /proc/123/ns/net);
   *  default: the handle's own. Use one spelling per namespace within a batch. */
  ns?: string | null;
}
interface CreateCommon {
  name: string;              // 1-15 bytes, no '/', ':' or whitespace (checked in C++ too)
  up?: boolean;
  mtu?: number;
  mac?: string;              // "aa:bb:cc:dd:ee:ff"
  master?: LinkRef;          // bridge to join at creation
  alias?: string;            // IFLA_IFALIAS (the app's ownership mark)
  /** netdev group (IFLA_GROUP, >= 1), set on both veth ends: a lab's links in one group can be
   *  deleted with one deleteGroup request. */
  group?: number;
  /** ifindex to create it with; by default the batch picks one above every index in use, so
   *  later ops can name it before the kernel answered. */
  index?: number;
}

export type MutateOp = OpWhere & (
  /** `ip link add NAME type veth peer name PEER [netns NS]`. peerUp is done as a follow-up request
   *  in the peer's namespace (the kernel cannot open a veth end before the pair is joined). */
  | ({ op: 'createVeth'; peerName: string; peerNsPath?: string; peerUp?: boolean; peerMtu?: number } & CreateCommon)
  | ({ op: 'createBridge' } & CreateCommon)
  | ({ op: 'createVxlan'; id: number; remote?: string; local?: string; port?: number; dev?: LinkRef } & CreateCommon)
  /** /dev/net/tun + TUNSETIFF + TUNSETPERSIST on a thread entered into the namespace. */
  // alias: set before the device is made persistent (a crash in between takes the device with it);
  // owner/group here are the tun device's uid/gid, not a netdev group
  | { op: 'createTunTap'; name: string; mode: 'tun' | 'tap'; persist?: true; owner?: number; group?: number; index?: number; alias?: string }
  | { op: 'deleteLink'; dev: LinkRef }
  /** Every link of netdev group `group` (>= 1) in this namespace, in one request (one kernel
   *  unregister for all: ~100x faster than deleting 100 veths one by one). Check first that the
   *  group holds only your links (RawLink.group + alias). */
  | { op: 'deleteGroup'; group: number }
  /** master: a bridge, or 0/null for nomaster. nsPath moves the link to that namespace (after
   *  which it can only be named from there). */
  | { op: 'setLink'; dev: LinkRef; up?: boolean; mtu?: number; mac?: string; name?: string; master?: LinkRef | 0 | null; nsPath?: string; alias?: string; group?: number }
  | { op: 'addAddr' | 'delAddr'; dev: LinkRef; cidr: string; peer?: string; nodad?: boolean }
  /** dst 'default' or a network CIDR (host bits zero). Needs a gateway or a dev to add. */
  | { op: 'addRoute' | 'delRoute'; dst: string; gateway?: string; dev?: LinkRef; family?: 4 | 6; table?: number; metric?: number }
);

/** A rejected native call: `message` names the object ('veth "red-eth0": File exists (EEXIST)'),
 *  `code` is the errno name, `kernelMessage` the kernel's extended-ack text when it gave one. */
export interface NativeError extends Error {
  errno: number;
  code: string;
  kernelMessage?: string;
}

/** One op's outcome in a batch, in op order. `index` is the ifindex the op created or changed
 *  (0 for addresses/routes). An op not attempted because an earlier one failed (stopOnError)
 *  has code 'ECANCELED'. */
export type MutateResult = { ok: true; index: number } | { ok: false; error: NativeError };

export interface MutatingHandle extends NamespaceHandle {
  /** The namespace file this handle was opened with (null = own namespace). */
  readonly path: string | null;
  /** One op; rejects with a NativeError. */
  apply(op: MutateOp): Promise<{ index: number }>;
  /** Many ops, validated all first (a bad op rejects the whole call before the kernel is touched),
   *  then sent pipelined (many requests per sendmsg, acks collected), in order. With stopOnError
   *  (default true) nothing after a failure is sent — except requests already in flight in the
   *  same pipelined window (at most 256). Not atomic: undo is the caller's (the lab journal). */
  batch(ops: MutateOp[], options?: { stopOnError?: boolean }): Promise<MutateResult[]>;
}

/** Sysctls the addon may set (an allow-list: the addon is the privileged boundary). */
export type SysctlKey = 'net.ipv4.ip_forward' | 'net.ipv6.conf.all.forwarding' | 'net.ipv4.conf.all.forwarding';

export interface MutatingAddon extends NativeAddon, CaptureAddon, PingAddon {
  openNamespace(nsPath: string | null): Promise<MutatingHandle>;
  /** What `ip netns add` does, for one name or many (made side by side on a few threads):
   *  /run/netns made a shared mount, a file per name bind-mounted from a fresh namespace.
   *  On failure removes what it made. */
  createNamedNamespace(names: string | string[]): Promise<void>;
  /** What `ip netns del` does: lazy unmount + unlink. The kernel tears the namespace down (and
   *  veths whose one end is inside it) asynchronously, once nothing else holds it. */
  deleteNamedNamespace(names: string | string[]): Promise<void>;
  /** Writes /proc/sys/<key> ('0' or '1') from a thread entered into the namespace. */
  setSysctl(nsPath: string | null, key: SysctlKey, value: '0' | '1'): Promise<void>;
  /** A persistent tun/tap, outside any handle (the batch op createTunTap does the same). */
  createTunTap(spec: { name: string; mode: 'tun' | 'tap'; persist?: true; owner?: number; group?: number; nsPath?: string | null; index?: number; alias?: string }): Promise<{ index: number }>;
}
