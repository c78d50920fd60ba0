// Following a ping (the `trace` method): the interfaces it can pass (reach.ts) captured at once
// through the engine's namespace handles (a packet socket each, filtered to ICMP, ICMPv6 and ARP),
// the drop and error counters of their namespaces read before and after each echo, the echoes
// sent from the namespace one after the other (native ping(): a raw ICMP socket opened inside
// it), each with a token of its own in its payload; then each echo's path (path.ts).
import { randomBytes } from 'node:crypto';
import {
  ErrorCodes, isLinkLocal6, parseIp, TRACE_DEFAULT_TIMEOUT_MS, TRACE_MAX_INTERFACES, TRACE_MAX_RUNNING,
  type CaptureLinkType, type Namespace, type TraceEcho, type TraceFollowParams, type TraceParams, type TraceResult,
} from '../contract';
import type { Engine } from '../engine';
import type { CaptureBatch, CaptureSocket, NamespaceHandle } from '../../native/types';
import { loadNative } from '../../native';
import { linkTypeOf } from '../capture/manager';
import { parseFrame } from './frames';
import { echoPath, type Seen } from './path';
import { reachableInterfaces } from './reach';
import { followNext } from './follow';
import { dropCounters, rises, settled, targets, TraceError, type TraceAddon } from './targets';


/** Bytes kept of each packet: an ICMP error quoting an echo (headers twice and the token) fits. */
const SNAPLEN = 512;
const PACKET_OUTGOING = 4;

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
    this.admit('traceFollow', 'capturing packets');
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
  private admit(method: string, what: string): void {
    if (!this.engine.status().privileged) throw new TraceError(`${method}: ${what} needs CAP_NET_RAW: the engine runs without privileges (enable editing, or run as root)`, ErrorCodes.NotPrivileged);
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
    this.admit('trace', 'sending and capturing packets');
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

/** A capture batch's packets, parsed, into `seen`. */
function collect(seen: Seen[], k: number, link: CaptureLinkType, b: CaptureBatch): void {
  for (let i = 0; i < b.count; i++) {
    const off = b.offset[i];
    const frame = parseFrame(b.data.subarray(off, off + b.caplen[i]).slice(), link);
    if (frame) seen.push({ k, t: BigInt(b.sec[i]) * 1_000_000_000n + BigInt(b.nsec[i]), outgoing: b.pkttype[i] === PACKET_OUTGOING, pkttype: b.pkttype[i], frame });
  }
}

export function isMulticastOrBroadcast(bytes: number[], family: 4 | 6): boolean {
  if (family === 6) return bytes[0] === 0xff;
  return (bytes[0] >= 224 && bytes[0] <= 239) || bytes.every((x) => x === 255);
}
