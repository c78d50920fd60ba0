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
  addresses: string[];     // "10.0.0.1/24", "fe80::1/64"
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
// is electron/lab/handlers.ts (registered by electron/engine/server.ts). Declared before `Methods`
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
