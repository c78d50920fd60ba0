// Following a ping (the `trace` method): the interfaces it can pass (reach.ts) captured at once
// through the engine's namespace handles (a packet socket each, filtered to ICMP, ICMPv6 and ARP),
// the drop and error counters of their namespaces read before and after each echo, the echoes
// sent from the namespace one after the other (native ping(): a raw ICMP socket opened inside
// it), each with a token of its own in its payload; then each echo's path (path.ts).
import { randomBytes } from 'node:crypto';
import {
  ErrorCodes, isLinkLocal6, parseIp, STATS_FIELDS, TRACE_DEFAULT_TIMEOUT_MS, TRACE_MAX_INTERFACES, TRACE_MAX_RUNNING,
  ifaceId, type CaptureLinkType, type Interface, type Namespace, type TraceEcho, type TraceFollowParams, type TraceParams, type TraceResult,
} from '../contract';
import type { Engine } from '../engine';
import type { CaptureAddon, CaptureBatch, CaptureSocket, NamespaceHandle, PingAddon } from '../../native/types';
import { loadNative } from '../../native';
import { linkTypeOf } from '../capture/manager';
import { captureName } from '../capture/names';
import { parseFrame } from './frames';
import { echoPath, type CapturedIface, type Rise, type Seen } from './path';
import { reachableInterfaces } from './reach';
import { followNext } from './follow';

export class TraceError extends Error {
  constructor(message: string, readonly code: number = ErrorCodes.InvalidParams) { super(message); }
}

export type TraceAddon = CaptureAddon & PingAddon;

/** After an echo, how long to wait at most for the capture sockets to hand over every packet the
 *  kernel gave them (a ring hands over its block some ms after its first packet, later on a
 *  busy machine). */
const SETTLE_MAX_MS = 1000;
/** Bytes kept of each packet: an ICMP error quoting an echo (headers twice and the token) fits. */
const SNAPLEN = 512;
const PACKET_OUTGOING = 4;
const DROP_FIELDS = ['rxDropped', 'txDropped', 'rxErrors', 'txErrors'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

export class Tracer {
  private readonly native: TraceAddon;
  private running = 0;

  constructor(private readonly engine: Engine, opts: { native?: TraceAddon } = {}) {
    this.native = opts.native ?? loadNative();
  }

  /** Running follows by id (traceCancel ends one). */
  private readonly follows = new Map<string, AbortController>();
  private nextFollow = 1;

  /** Waits for the next packet matching `p.filter` around `p.namespace` and follows it; ends
   *  early with Cancelled on `signal` or cancel(p.id). */
  async follow(p: TraceFollowParams, signal?: AbortSignal): Promise<TraceResult> {
    const sender = this.engine.model().namespaces.find((n) => n.id === p.namespace);
    if (!sender) throw new TraceError(`traceFollow: "namespace": the engine knows no namespace "${p.namespace}"`);
    this.admit('traceFollow');
    const id = p.id ?? `follow-${this.nextFollow++}`;
    if (this.follows.has(id)) throw new TraceError(`traceFollow: "id": a follow "${id}" is running already`, ErrorCodes.Conflict);
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) ctl.abort();
    this.follows.set(id, ctl);
    this.running++;
    try {
      return await followNext(this.engine, this.native, sender, p, ctl.signal);
    } finally {
      this.running--;
      this.follows.delete(id);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The engine's model now. */
  model() { return this.engine.model(); }

  /** Ends the running follow `id`; false when none of that id runs. */
  cancel(id: string): boolean {
    const c = this.follows.get(id);
    c?.abort();
    return !!c;
  }

  /** Refuses when the engine cannot capture, or enough traces run. */
  private admit(method: string): void {
    if (!this.engine.status().privileged) throw new TraceError(`${method}: capturing packets needs CAP_NET_RAW: the engine runs without privileges (enable editing, or run as root)`, ErrorCodes.NotPrivileged);
    if (this.running >= TRACE_MAX_RUNNING) throw new TraceError(`${method}: ${this.running} traces are running, the most there may be; try again when one ends`, ErrorCodes.Conflict);
  }

  async trace(p: TraceParams): Promise<TraceResult> {
    const model = this.engine.model();
    const sender = model.namespaces.find((n) => n.id === p.namespace);
    if (!sender) throw new TraceError(`trace: "namespace": the engine knows no namespace "${p.namespace}"`);
    const ip = parseIp(p.address);
    if (!ip) throw new TraceError(`trace: "address": "${p.address}" is not an IPv4 or IPv6 address`);
    if (ip.family === 6 && isLinkLocal6(ip.text)) throw new TraceError(`trace: "address": ${ip.text} is link-local (it needs a zone); give a global or unique-local address`);
    if (isMulticastOrBroadcast(ip.bytes, ip.family)) throw new TraceError(`trace: "address": ${ip.text} is not a unicast address (a trace follows one reply)`);
    if (!this.engine.status().privileged) throw new TraceError('trace: sending and capturing packets needs CAP_NET_RAW: the engine runs without privileges (enable editing, or run as root)', ErrorCodes.NotPrivileged);
    if (this.running >= TRACE_MAX_RUNNING) throw new TraceError(`trace: ${this.running} traces are running, the most there may be; try again when one ends`, ErrorCodes.Conflict);
    const senderHandle = this.engine.namespaceHandle(sender.id);
    if (!senderHandle) throw new TraceError(`trace: namespace ${sender.label} is not open in the engine (${sender.error ?? 'not read yet'})`, ErrorCodes.KernelRefused);
    this.running++;
    try {
      return await this.run(sender, senderHandle, ip.text, ip.family, p.count ?? 1, p.timeoutMs ?? TRACE_DEFAULT_TIMEOUT_MS);
    } finally { this.running--; }
  }

  private async run(sender: Namespace, senderHandle: NamespaceHandle, address: string, family: 4 | 6, count: number, timeoutMs: number): Promise<TraceResult> {
    const reach = reachableInterfaces(this.engine.model(), sender.id, address, TRACE_MAX_INTERFACES);
    let notCaptured = reach.left;
    const { ifaces, handles, missing } = targets(this.engine, reach.interfaces);
    notCaptured += missing;
    const seen: Seen[] = [];
    const sockets: (CaptureSocket | null)[] = [];
    const received = ifaces.map(() => 0);
    try {
      const opened = await Promise.allSettled(ifaces.map((c, k) => {
        const link = linkTypeOf(c.iface);
        return this.native.openCapture(handles.get(c.ns.id)!, {
          ifindex: c.iface.index, filter: link === 'raw' ? 'icmp or icmp6' : 'icmp or icmp6 or arp', snaplen: SNAPLEN,
          ringBlocks: 2, maxQueuedBytes: 1 << 20,
          // A physical device is left as it is: the trace needs only what this machine sends and receives.
          promisc: c.iface.kind !== 'physical',
        }, (b) => { received[k] += b.count; collect(seen, k, link, b); });
      }));
      for (const o of opened) sockets.push(o.status === 'fulfilled' ? o.value : null);
      const failed = opened.find((o) => o.status === 'rejected');
      // A missing capture privilege fails them all; a single interface gone meanwhile is left out.
      if (failed && opened.every((o) => o.status === 'rejected')) {
        const err = failed.reason as { code?: string; message?: string };
        throw new TraceError(`trace: cannot capture: ${err.message ?? String(err)}`, err.code === 'EPERM' ? ErrorCodes.NotPrivileged : ErrorCodes.KernelRefused);
      }
      notCaptured += opened.filter((o) => o.status === 'rejected').length;

      const ident = randomBytes(2).readUInt16BE(0);
      const tag = randomBytes(8).toString('hex');
      const facts = [];
      for (let seq = 1; seq <= count; seq++) {
        const token = Buffer.from(`vnet-studio trace ${tag} ${String(seq).padStart(5, '0')}`);
        const before = await dropCounters(handles, ifaces);
        const from = nowNs() - 1_000_000n;
        const ping = await this.native.ping(senderHandle, { address, ident, seq, payload: new Uint8Array(token), timeoutMs });
        await settled(sockets, received);
        const to = nowNs();
        const after = await dropCounters(handles, ifaces);
        facts.push({ seq, token: new Uint8Array(token), from, to, ping, address, family, sender, rises: rises(before, after) });
      }
      for (const s of sockets) s?.close();
      seen.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
      const echoes: TraceEcho[] = facts.map((f) => echoPath(ifaces, seen, f));
      const first = echoes[0];
      return {
        mode: 'ping', packet: null, request: first.request, reply: first.reply, stopped: first.stopped, echoes,
        namespace: sender.id, address, family,
        captured: ifaces.filter((_, k) => sockets[k]).map((c) => c.iface.id), notCaptured,
      };
    } finally {
      for (const s of sockets) s?.close();
    }
  }

}

/** An interface to capture on, with all the model says of it. */
export interface Target extends CapturedIface { ns: Namespace; iface: Interface }

/** The reached interfaces whose namespaces the engine holds open, with their handles. */
export function targets(engine: Engine, reached: { ns: Namespace; iface: Interface }[]): { ifaces: Target[]; handles: Map<string, NamespaceHandle>; missing: number } {
  const ifaces: Target[] = [];
  const handles = new Map<string, NamespaceHandle>();
  let missing = 0;
  for (const r of reached) {
    const h = engine.namespaceHandle(r.ns.id);
    if (!h) { missing++; continue; }
    handles.set(r.ns.id, h);
    ifaces.push({ ns: r.ns, iface: r.iface, where: captureName(r.ns, r.iface) });
  }
  return { ifaces, handles, missing };
}

/** Drop and error counters of every captured interface (one dump per namespace). */
export async function dropCounters(handles: Map<string, NamespaceHandle>, ifaces: CapturedIface[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const wanted = new Set(ifaces.map((c) => c.iface.id));
  await Promise.all([...handles].map(async ([nsId, h]) => {
    try {
      const f = await h.dumpStats();
      for (let r = 0; r < f.ifindex.length; r++) {
        const id = ifaceId(nsId, f.ifindex[r]);
        if (!wanted.has(id)) continue;
        out.set(id, DROP_FIELDS.map((name) => f.values[r * 8 + STATS_FIELDS.indexOf(name)]));
      }
    } catch { /* the namespace went away meanwhile: its counters are not compared */ }
  }));
  return out;
}

/** Until every socket handed over what the kernel counted for it (its filter passed), dropped
 *  ones aside; at most SETTLE_MAX_MS. */
export async function settled(sockets: (CaptureSocket | null)[], received: number[]): Promise<void> {
  const until = Date.now() + SETTLE_MAX_MS;
  for (;;) {
    // a block is handed over some ms after its first packet: never sooner than that
    await sleep(15);
    const behind = sockets.some((s, k) => {
      if (!s) return false;
      const st = s.stats();
      return received[k] + st.kernelDrops + st.appDropped < st.kernelPackets;
    });
    if (!behind || Date.now() >= until) return;
  }
}

/** A capture batch's packets, parsed, into `seen`. */
function collect(seen: Seen[], k: number, link: CaptureLinkType, b: CaptureBatch): void {
  for (let i = 0; i < b.count; i++) {
    const off = b.offset[i];
    const frame = parseFrame(b.data.subarray(off, off + b.caplen[i]).slice(), link);
    if (frame) seen.push({ k, t: BigInt(b.sec[i]) * 1_000_000_000n + BigInt(b.nsec[i]), outgoing: b.pkttype[i] === PACKET_OUTGOING, pkttype: b.pkttype[i], frame });
  }
}

export function rises(before: Map<string, number[]>, after: Map<string, number[]>): Rise[] {
  const out: Rise[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    if (!b) continue;
    const fields = DROP_FIELDS.map((name, i) => ({ name, by: a[i] - b[i] })).filter((f) => f.by > 0);
    if (fields.length) out.push({ id, fields });
  }
  return out;
}

export function isMulticastOrBroadcast(bytes: number[], family: 4 | 6): boolean {
  if (family === 6) return bytes[0] === 0xff;
  return (bytes[0] >= 224 && bytes[0] <= 239) || bytes.every((x) => x === 255);
}
