// The one protocol between the engine, its hosts (Electron main, web host) and the renderer.
// JSON-RPC 2.0 messages. On the engine's stdio (`vnet-studio engine --stdio`) one message per line
// (newline-delimited JSON); over the web host's WebSocket one message per text frame. This file holds types and pure validation only: the renderer imports it,
// so it must not import Node modules, the engine or native code.

// ---------------------------------------------------------------------------------------------
// The model (also the public JSON of `vnet-studio inspect --json`; see DESIGN.md).

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
/** Order of the 8 numbers per interface in a counter frame. */
export const STATS_FIELDS = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
] as const satisfies readonly (keyof Stats)[];

export interface TunOwner { pid: number; comm: string }
export interface TunInfo { mode: 'tun' | 'tap'; persistent: boolean; owners: TunOwner[] }

/** What the app makes carries an alias (IFLA_IFALIAS) of this prefix and the lab's name
 *  (`vnet-studio:two-rooms`, `vnet-studio:canvas` for the canvas): Interface.alias shows it. */
export const ALIAS_PREFIX = 'vnet-studio:';

export interface Interface {
  id: string;              // `${namespaceId}/if:${index}`
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
  /** The app's ownership mark (IFLA_IFALIAS), when this interface was made by VNet Studio. */
  alias: string | null;
  addresses: string[];     // "10.0.0.1/24", "fe80::1/64" (the local address and its prefix length)
  /** Point-to-point addresses only (`ip addr add 10.8.0.1 peer 10.8.0.2/32`, IFA_ADDRESS unlike
   *  IFA_LOCAL): the `addresses` entry → the peer's address and prefix, {"10.8.0.1/32": "10.8.0.2/32"}.
   *  Absent when the interface has none. */
  peers?: Record<string, string>;
  stats: Stats;
}

export interface Route {
  dst: string;             // "default" or "10.0.0.0/24"
  gateway: string | null;
  dev: string | null;      // interface id
  family: 4 | 6;
  table: number;           // 254 = main
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

// ---------------------------------------------------------------------------------------------
// Deltas: what changed since the last snapshot/delta. Applied in `seq` order; a client that sees a
// gap asks for a new snapshot.

export type Delta =
  | { op: 'namespace'; namespace: Omit<Namespace, 'interfaces' | 'routes'> }   // added or changed
  | { op: 'namespace-removed'; id: string }                                    // takes its interfaces with it
  | { op: 'interface'; namespaceId: string; iface: Interface }                  // added or changed (whole object)
  | { op: 'interface-removed'; id: string }
  | { op: 'routes'; namespaceId: string; routes: Route[] };                     // the namespace's whole route list

export interface DeltaBatch { seq: number; deltas: Delta[] }

// ---------------------------------------------------------------------------------------------
// Counter frames: columnar so that 1,000 interfaces at 10 Hz stay cheap.
// `ids[i]` has stats `stats[i*8 .. i*8+7]` (STATS_FIELDS order) and rates `rates[i*4 .. i*4+3]`
// = rx packets/s, tx packets/s, rx bytes/s, tx bytes/s over the last interval.
// A frame lists the interfaces whose counters changed or whose rate was non-zero in the previous
// frame; an interface not listed has rate 0 and unchanged stats.

export interface CounterFrame {
  t: number;               // engine wall clock, ms
  intervalMs: number;
  ids: string[];
  stats: number[];
  rates: number[];
}
export const RATE_FIELDS = ['rxPps', 'txPps', 'rxBps', 'txBps'] as const;

// ---------------------------------------------------------------------------------------------
// Engine status.

export interface EngineStatus {
  version: string;
  pid: number;
  privileged: boolean;
  /** Plain words on what the engine cannot see or do, and why; null when it has full access. */
  limitation: string | null;
  sampleHz: number;
  namespaces: number;
  interfaces: number;
}

// ---------------------------------------------------------------------------------------------
// Labs and building (issue 4). Part of `Methods` (below) and relayed by both hosts; the engine side
// is electron/labs/handlers.ts (registered by electron/engine/server.ts). Declared before `Methods`
// because METHOD_NAMES spreads LAB_METHOD_NAMES at module load.

/** One kernel change, as the canvas and lab files make them. `ns` is 'host' for the engine's own
 *  namespace, else an `ip netns` name. Each renders to `ip`/`bridge` command lines. */
export type BuildAction =
  | { op: 'ns-add'; ns: string }
  | { op: 'ns-del'; ns: string }
  | { op: 'bridge-add'; ns: string; name: string }
  | { op: 'tuntap-add'; ns: string; name: string; mode: 'tun' | 'tap' }
  /** A veth pair: `name` in `ns`, its peer `peerName` in `peerNs`. */
  | { op: 'veth-add'; ns: string; name: string; peerNs: string; peerName: string }
  | { op: 'link-del'; ns: string; name: string; kind: string }
  | { op: 'alias'; ns: string; name: string; alias: string }
  /** Rename a link (`ip link set dev NAME name NEWNAME`); canvas only, lab files name things themselves. */
  | { op: 'rename'; ns: string; name: string; newName: string }
  | { op: 'mtu'; ns: string; name: string; mtu: number }
  | { op: 'mac'; ns: string; name: string; mac: string }
  /** master null = nomaster. */
  | { op: 'master'; ns: string; name: string; master: string | null }
  | { op: 'up' | 'down'; ns: string; name: string }
  | { op: 'addr-add' | 'addr-del'; ns: string; name: string; address: string }
  | { op: 'route-add' | 'route-del'; ns: string; to: string; via: string | null; dev: string | null; metric: number | null; family: 4 | 6 }
  | { op: 'forwarding'; ns: string; on: boolean }
  | { op: 'nat-add' | 'nat-del'; ns: string; from: string; out: string };

/** A problem in a lab file: 1-based line, the path of the thing ("namespaces.red.interfaces.eth0"). */
export interface LabIssue { line: number; path: string; message: string }

export interface LabResult {
  lab: string;
  actions: BuildAction[];
  /** The same changes as `ip` command lines, in order. */
  commands: string[];
  notes: string[];
}

export interface LabSummary {
  name: string;
  file: string | null;
  /** 'applying'/'destroying' = interrupted (cleaned up at the next start or `lab destroy`). */
  state: 'applying' | 'applied' | 'destroying';
  namespaces: string[];
  links: { ns: string; name: string; kind: string }[];
  updated: string;
}

export interface LabProgress { lab: string; phase: 'apply' | 'destroy' | 'rollback'; done: number; total: number; object: string }

export interface LabMethods {
  /** Parse and check a lab file; nothing is touched. */
  labValidate: { params: { text: string; file?: string }; result: { ok: boolean; name: string | null; issues: LabIssue[] } };
  /** What applying would do (actions + commands); nothing is touched. */
  labPlan: { params: { text: string; file?: string }; result: LabResult };
  /** Apply (only the difference); progress as `labProgress` notifications. */
  labApply: { params: { text: string; file?: string }; result: LabResult };
  /** Remove exactly what the lab made. */
  labDestroy: { params: { name: string }; result: LabResult };
  /** The lab as a shell script of `ip` commands. */
  labExport: { params: { text: string; file?: string }; result: { script: string } };
  /** Labs this machine's journal knows. */
  labList: { params: Record<string, never> | undefined; result: { labs: LabSummary[] } };
  /** The `ip` command lines of canvas actions, without doing them. */
  buildCommands: { params: { actions: BuildAction[] }; result: { commands: string[] } };
  /** Perform canvas actions now (in order; stops at the first refusal). Interfaces and namespaces
   *  created are marked and journaled as the pseudo-lab 'canvas'. */
  build: { params: { actions: BuildAction[] }; result: { commands: string[]; done: number } };
}
export const LAB_METHOD_NAMES = ['labValidate', 'labPlan', 'labApply', 'labDestroy', 'labExport', 'labList', 'buildCommands', 'build'] as const satisfies readonly (keyof LabMethods)[];

// ---------------------------------------------------------------------------------------------
// Methods (client → engine requests) and notifications (engine → client).

/** Every method a client may call: the model's own, plus the lab and building methods. */
export interface Methods extends LabMethods {
  /** Status and capabilities. */
  hello: { params: Record<string, never> | undefined; result: EngineStatus };
  /** The whole model; deltas with seq > result.seq follow it. */
  snapshot: { params: Record<string, never> | undefined; result: { seq: number; model: Model } };
  /** Counter sample rate, 0.5..50 Hz. */
  setSampleRate: { params: { hz: number }; result: { sampleHz: number } };
}
export type MethodName = keyof Methods;
/** Every method a client may call, at run time: the hosts' allow-list comes from here and nowhere
 * else. The type check below fails the build if this list and `Methods` ever disagree. */
export const METHOD_NAMES = ['hello', 'snapshot', 'setSampleRate', ...LAB_METHOD_NAMES] as const satisfies readonly MethodName[];
type _MethodNamesComplete = Exclude<MethodName, (typeof METHOD_NAMES)[number]> extends never ? true : never;
const _methodNamesComplete: _MethodNamesComplete = true; void _methodNamesComplete;
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

export interface Notifications {
  delta: DeltaBatch;
  counters: CounterFrame;
  status: EngineStatus;
  /** From the host, not the engine (see HostNotice). */
  host: HostNotice;
  /** Progress of a running labApply/labDestroy (sent to every client, not only the caller). */
  labProgress: LabProgress;
}
export type NotificationName = keyof Notifications;
/** Every notification, at run time (same completeness check as METHOD_NAMES). */
export const NOTIFICATION_NAMES = ['delta', 'counters', 'status', 'host', 'labProgress'] as const satisfies readonly NotificationName[];
type _NotificationNamesComplete = Exclude<NotificationName, (typeof NOTIFICATION_NAMES)[number]> extends never ? true : never;
const _notificationNamesComplete: _NotificationNamesComplete = true; void _notificationNamesComplete;

/** JSON-RPC error codes used by the engine (besides the standard -32600.. -32603). */
export const ErrorCodes = {
  InvalidParams: -32602,
  NotPrivileged: 1001,
  KernelRefused: 1002,
  NotFound: 1003,
  Conflict: 1004,
} as const;

// ---------------------------------------------------------------------------------------------
// Validation helpers shared by engine and hosts: every request is checked before it is acted on.

export class ProtocolError extends Error {
  constructor(message: string, readonly code: number = ErrorCodes.InvalidParams, readonly data?: unknown) { super(message); }
}

/** A JSON-RPC error as plain data (the `error` member of a response). */
export interface RpcErrorObject { code: number; message: string; data?: unknown }

/** How the Electron preload answers the lab methods: Electron's IPC and contextBridge keep only the
 *  message of a thrown Error (its code would be lost, e.g. 1001 NotPrivileged), so engine errors
 *  cross them as data and the renderer turns them back into a ProtocolError (`outcomeResult`). */
export type RpcOutcome<T> = { ok: true; result: T } | { ok: false; error: RpcErrorObject };

/** The result of an RpcOutcome, or its error thrown as a ProtocolError with the engine's code. */
export function outcomeResult<T>(outcome: RpcOutcome<T>): T {
  if (isObject(outcome) && outcome.ok === true) return outcome.result;
  const e = isObject(outcome) && isObject(outcome.error) ? outcome.error : null;
  throw new ProtocolError(
    typeof e?.message === 'string' ? e.message : 'malformed answer from the host',
    typeof e?.code === 'number' ? e.code : -32603,
    e?.data,
  );
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape of one JSON-RPC message; returns a reason string when it is malformed. */
export function jsonRpcShapeError(msg: unknown): string | null {
  if (!isObject(msg)) return 'message is not a JSON object';
  if (msg.jsonrpc !== '2.0') return 'message lacks "jsonrpc": "2.0"';
  const hasMethod = 'method' in msg;
  if (hasMethod && typeof msg.method !== 'string') return '"method" must be a string';
  if ('id' in msg && !(typeof msg.id === 'number' || typeof msg.id === 'string' || msg.id === null)) {
    return '"id" must be a number, string or null';
  }
  if (hasMethod && 'params' in msg && msg.params !== undefined && !(isObject(msg.params) || Array.isArray(msg.params))) {
    return '"params" must be an object or array';
  }
  if (!hasMethod && !('result' in msg) && !('error' in msg)) return 'message is neither a request nor a response';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Host notices: sent by a host (Electron main, web host), not the engine, to its clients.
export interface HostNotice {
  /** Is the engine process running and answering? */
  engineConnected: boolean;
  /** What happened, in words for the status bar ("engine exited (signal SIGKILL); restarting"). */
  message: string | null;
}

// ---------------------------------------------------------------------------------------------
// The Electron preload's API (window.vnet): one narrow, typed function per protocol method and
// one subscription per notification — no generic send/invoke/on. The renderer adapts it to the
// same client interface it uses over the web host's WebSocket.
export interface VnetPreloadApi {
  hello(): Promise<EngineStatus>;
  snapshot(): Promise<Methods['snapshot']['result']>;
  setSampleRate(hz: number): Promise<Methods['setSampleRate']['result']>;
  /** Restart the engine with privileges (pkexec). */
  enableEditing(): Promise<{ ok: boolean; message: string }>;
  // Lab and building methods. They resolve with an RpcOutcome instead of rejecting, so the engine's
  // error code (1001 not privileged, 1002 kernel refused, 1004 conflict, -32602 bad params) reaches
  // the page intact; they reject only when the host itself refuses the call.
  labValidate(text: string, file?: string): Promise<RpcOutcome<LabMethods['labValidate']['result']>>;
  labPlan(text: string, file?: string): Promise<RpcOutcome<LabResult>>;
  labApply(text: string, file?: string): Promise<RpcOutcome<LabResult>>;
  labDestroy(name: string): Promise<RpcOutcome<LabResult>>;
  labExport(text: string, file?: string): Promise<RpcOutcome<LabMethods['labExport']['result']>>;
  labList(): Promise<RpcOutcome<LabMethods['labList']['result']>>;
  buildCommands(actions: BuildAction[]): Promise<RpcOutcome<LabMethods['buildCommands']['result']>>;
  build(actions: BuildAction[]): Promise<RpcOutcome<LabMethods['build']['result']>>;
  onDelta(cb: (batch: DeltaBatch) => void): () => void;
  onCounters(cb: (frame: CounterFrame) => void): () => void;
  onStatus(cb: (status: EngineStatus) => void): () => void;
  onHostNotice(cb: (notice: HostNotice) => void): () => void;
  onLabProgress(cb: (progress: LabProgress) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Names and addresses: the rules every name, CIDR, MAC and MTU a client sends must follow. The
// engine checks them (lab files, canvas actions); the renderer shows the same checks inline.
// Pure, parsed by hand (no Node 'net'). Every *Error function returns what is wrong, or null.

/** Linux IFNAMSIZ is 16 including the NUL: an interface name has at most 15 characters. */
export const IFNAME_MAX = 15;
/** Labs name their namespaces; keep them short and free of ':' (our NAMESPACE:IFNAME separator). */
export const NSNAME_MAX = 64;
export const LABNAME_MAX = 40;

// Letters, digits, '_', '.', '-'; not starting with '.' or '-' (the kernel allows more, but `ip`
// parses '@' and ':' specially, and names with spaces or '/' break `ip` and sysfs).
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function ifnameError(name: string): string | null {
  if (name.length === 0) return 'an interface name cannot be empty';
  if (name.length > IFNAME_MAX) return `'${name}' is ${name.length} characters long; interface names have at most ${IFNAME_MAX} (IFNAMSIZ)`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid interface name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

export function nsnameError(name: string): string | null {
  if (name.length === 0) return 'a namespace name cannot be empty';
  if (name.length > NSNAME_MAX) return `'${name}' is ${name.length} characters long; namespace names have at most ${NSNAME_MAX}`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid namespace name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

export function labnameError(name: string): string | null {
  if (name.length === 0) return 'the lab name cannot be empty';
  if (name.length > LABNAME_MAX) return `'${name}' is ${name.length} characters long; lab names have at most ${LABNAME_MAX}`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid lab name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// IP addresses. Parsed by hand (no Node 'net') so the renderer can share them.

/** Parses an IPv4 dotted quad into 4 bytes, or null. Leading zeros are refused (ambiguous: octal?). */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Parses an IPv6 address (with :: and an optional trailing dotted quad) into 8 groups, or null. */
export function parseIPv6(s: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  let tail: number[] = [];
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = s.slice(0, lastColon + 1);
    // "::ffff:1.2.3.4" → head "::ffff"; "::1.2.3.4" → head "::"
    if (!head.endsWith('::') && head.endsWith(':')) head = head.slice(0, -1);
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return null;
  const groupsOf = (x: string): number[] | null => {
    if (x === '') return [];
    const out: number[] = [];
    for (const g of x.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const a = groupsOf(head.slice(0, dbl));
    const b = groupsOf(head.slice(dbl + 2));
    if (!a || !b) return null;
    const fill = 8 - a.length - b.length - tail.length;
    if (fill < 1) return null;
    groups = [...a, ...new Array(fill).fill(0), ...b, ...tail];
  } else {
    const a = groupsOf(head);
    if (!a) return null;
    groups = [...a, ...tail];
  }
  return groups.length === 8 ? groups : null;
}

/** RFC 5952 text of 8 groups (longest run of ≥2 zero groups as '::', lower case). */
export function formatIPv6(g: number[]): string {
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export interface ParsedIp { family: 4 | 6; bytes: number[]; text: string }

/** An IP address in its canonical text, or null when it is not one. */
export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4, text: v4.join('.') };
  const v6 = parseIPv6(s);
  if (v6) {
    const bytes: number[] = [];
    for (const x of v6) bytes.push(x >> 8, x & 255);
    return { family: 6, bytes, text: formatIPv6(v6) };
  }
  return null;
}

export interface ParsedCidr { family: 4 | 6; address: ParsedIp; prefix: number; text: string }

/** "10.0.0.1/24" → canonical form, or null. An address without a prefix is refused: labs say it. */
export function parseCidr(s: string): ParsedCidr | null {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(s);
  if (!m) return null;
  const address = parseIp(m[1]);
  if (!address) return null;
  if (!/^(0|[1-9][0-9]*)$/.test(m[2])) return null;
  const prefix = Number(m[2]);
  if (prefix > (address.family === 4 ? 32 : 128)) return null;
  return { family: address.family, address, prefix, text: `${address.text}/${prefix}` };
}

/** True when the bits after the prefix are all zero (a network, as `ip route` wants). */
export function isNetwork(c: ParsedCidr): boolean {
  const bits = c.address.bytes;
  for (let i = 0; i < bits.length * 8; i++) {
    if (i < c.prefix) continue;
    if (bits[i >> 3] & (0x80 >> (i & 7))) return false;
  }
  return true;
}

/** The canonical "addr/prefix" text of an address string, or the input when it does not parse. */
export function canonicalCidr(s: string): string {
  return parseCidr(s)?.text ?? s;
}

// ---------------------------------------------------------------------------------------------

export function macError(mac: string): string | null {
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac)) return `'${mac}' is not a MAC address (six hex pairs separated by ':')`;
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return `'${mac}' is a multicast MAC address; an interface needs a unicast one (first byte even)`;
  if (/^00(:00){5}$/.test(mac)) return `'${mac}' is the all-zero MAC address`;
  return null;
}

export const MTU_MIN = 68;
export const MTU_MAX = 65535;
