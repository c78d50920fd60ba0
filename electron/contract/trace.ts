// Following a packet hop by hop: the trace methods of `Methods` (rpc.ts). `trace`: the engine
// sends ICMP echoes from a namespace and captures them on every interface they can pass
// (electron/trace/), and answers with the path of each echo in time order, request and reply, and
// where it stopped. `traceFollow`: the same for the next packet matching a capture filter, made by
// anyone (the user's own shell); `traceCancel` ends a waiting one. `captureLocate`: the same path
// for a packet a capture already holds, from what the capture's other interfaces saw.

/** One place the packet was seen: an interface, the way it went there, and when. */
export interface TraceHop {
  /** The model's interface id ("ns:4026531840/if:7"). */
  interface: string;
  /** Its namespace's model id. */
  ns: string;
  /** The interface's name. */
  name: string;
  /** How captures and the CLI name it: `NS:IFNAME` ("host:br0", "blue:eth0", "pid:812:eth0"). */
  where: string;
  /** 'tx' the interface sent it, 'rx' it arrived there (a bridge shows a frame it forwards
   *  between its ports as 'rx'). */
  direction: 'rx' | 'tx';
  /** Nanoseconds since the echo's first hop (the kernel's capture timestamps). */
  tNs: number;
  /** The packet's IP source and destination as seen there (NAT rewrites them on the way). */
  src: string;
  dst: string;
  /** On a bridge: the port it forwarded the frame to (interface id), when that port was seen
   *  sending it; null otherwise. */
  forwardedTo: string | null;
  /** Words on the hop ("forwarded to blue-eth0", "to the namespace's own stack (routed)",
   *  "handed to the program holding tun0: pid 812 (vpnd)"); null when there is nothing to add. */
  note: string | null;
}

/** Why an echo got no answer:
 *  - 'no-route'     the namespace has no route: sending failed (ENETUNREACH/EHOSTUNREACH)
 *  - 'send-refused' sending failed for another reason the kernel gave (EACCES: a firewall, ...)
 *  - 'no-neighbour' ARP (IPv6: neighbour solicitation) asked for the next hop, nobody answered
 *  - 'dropped'      the interface's drop or error counters rose while the packet passed
 *  - 'tun'          handed to the program holding a tun (or to no program: then dropped)
 *  - 'icmp-error'   a router answered with an ICMP error (unreachable, time exceeded, ...)
 *  - 'lost'         last seen there; nothing the kernel tells says more (a firewall rule, a
 *                   reverse-path filter, an address nobody holds) */
export type TraceStopCause = 'no-route' | 'send-refused' | 'no-neighbour' | 'dropped' | 'tun' | 'icmp-error' | 'lost';

export interface TraceStop {
  /** The interface it stopped at (interface id); null when it never left its namespace (no route). */
  at: string | null;
  /** The namespace it stopped in. */
  ns: string;
  cause: TraceStopCause;
  /** In words, with what the kernel told ("no route to 192.0.2.1 in blue: Network is unreachable (ENETUNREACH)"). */
  reason: string;
}

/** One echo's path. */
export interface TraceEcho {
  seq: number;
  request: TraceHop[];
  /** Empty when no reply came back. */
  reply: TraceHop[];
  /** null when the reply came back to the sender. */
  stopped: TraceStop | null;
  /** Round trip as the sending socket measured it, µs; null without a reply. */
  rttUs: number | null;
}

export interface TraceResult {
  /** What was followed: echoes the engine sent (`trace`), the next packet matching a filter
   *  (`traceFollow`), or a packet of a capture (`captureLocate`). */
  mode: 'ping' | 'match' | 'locate';
  /** The followed packet in one line as first seen ("TCP 10.0.0.1:40000 → 10.0.0.2:80 [SYN] seq 1"); null for a ping. */
  packet: string | null;
  /** The first echo's path (what `trace` is asked for most); `echoes` has every one. */
  request: TraceHop[];
  reply: TraceHop[];
  stopped: TraceStop | null;
  echoes: TraceEcho[];
  /** The namespace the echoes were sent from (a followed packet: the namespace it was followed
   *  from; a located one: the first hop's), and to what (the destination as first seen). */
  namespace: string;
  address: string;
  family: 4 | 6;
  /** The interfaces captured on (ids), nearest the sender first. */
  captured: string[];
  /** Interfaces (up) the echoes could have passed but that were not captured: past
   *  TRACE_MAX_INTERFACES, or gone before their capture opened. */
  notCaptured: number;
}

export interface TraceParams {
  /** The sending namespace's model id ("ns:4026532301"). */
  namespace: string;
  /** IPv4 or IPv6 address (a global or unique-local one; link-local needs a zone and is refused). */
  address: string;
  /** Echoes to send, 1..TRACE_MAX_COUNT (default 1), one after the other. */
  count?: number;
  /** How long to wait for each echo's reply, TRACE_MIN_TIMEOUT_MS..TRACE_MAX_TIMEOUT_MS (default TRACE_DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface TraceFollowParams {
  /** The namespace whose traffic is followed: captured on every interface a packet from it can
   *  pass (model id, "ns:4026532301"). */
  namespace: string;
  /** Which packet: the first one matching this capture filter (tcpdump's language, compiled by
   *  libpcap), on any of those interfaces. Only IP packets are followed. */
  filter: string;
  /** Names this follow for traceCancel (letters, digits, "_.:-", 1..64); unique among running ones. */
  id?: string;
  /** How long to wait for a matching packet, TRACE_FOLLOW_MIN_TIMEOUT_MS..TRACE_FOLLOW_MAX_TIMEOUT_MS
   *  (default TRACE_FOLLOW_DEFAULT_TIMEOUT_MS); then the error TimedOut. */
  timeoutMs?: number;
}

export interface CaptureLocateParams {
  /** A capture id ("c1"), running or ended but kept. */
  id: string;
  /** The packet's number in the capture (its `n`, from 1). */
  n: number;
}

export interface TraceMethods {
  /** Ping `address` from `namespace` and follow each echo hop by hop. Needs the engine's privileges. */
  trace: { params: TraceParams; result: TraceResult };
  /** Wait for the next packet matching `filter` around `namespace` and follow it hop by hop (one
   *  "echo": the packet and its answer when one is recognised). Errors: TimedOut when none came,
   *  Cancelled by traceCancel or when the asking client goes. Needs the engine's privileges. */
  traceFollow: { params: TraceFollowParams; result: TraceResult };
  /** Ends a waiting traceFollow (it answers Cancelled); false when none of that id runs. */
  traceCancel: { params: { id: string }; result: { cancelled: boolean } };
  /** Where else a captured packet was seen: the same packet on the capture's other interfaces,
   *  in time order, and its answer when the capture holds it (`stopped` is null: a capture has
   *  no more to say). */
  captureLocate: { params: CaptureLocateParams; result: TraceResult };
}
export const TRACE_METHOD_NAMES = ['trace', 'traceFollow', 'traceCancel', 'captureLocate'] as const satisfies readonly (keyof TraceMethods)[];
type _TraceNamesComplete = Exclude<keyof TraceMethods, (typeof TRACE_METHOD_NAMES)[number]> extends never ? true : never;
const _traceNamesComplete: _TraceNamesComplete = true; void _traceNamesComplete;

export const TRACE_MAX_COUNT = 10;
export const TRACE_MIN_TIMEOUT_MS = 100;
export const TRACE_DEFAULT_TIMEOUT_MS = 2000;
export const TRACE_MAX_TIMEOUT_MS = 10000;
export const TRACE_FOLLOW_MIN_TIMEOUT_MS = 100;
export const TRACE_FOLLOW_DEFAULT_TIMEOUT_MS = 30_000;
export const TRACE_FOLLOW_MAX_TIMEOUT_MS = 300_000;
/** A follow's id for traceCancel. */
export const TRACE_FOLLOW_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Interfaces one trace captures on at most (nearest the sender first): each capture socket holds
 *  a 2 MiB ring of kernel memory while the trace runs. */
export const TRACE_MAX_INTERFACES = 32;
/** Traces running at once in one engine. */
export const TRACE_MAX_RUNNING = 2;

/** One hop as the CLI and the renderer's timeline say it: "host:br0 rx (forwarded to blue-eth0)". */
export function hopText(h: TraceHop): string {
  return `${h.where} ${h.direction}${h.note ? ` (${h.note})` : ''}`;
}
