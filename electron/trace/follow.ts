// Following the next packet matching a filter (the `traceFollow` method), made by anyone: the
// interfaces a packet from the namespace can pass (reach.ts) are captured at once, each with two
// sockets: one with the user's filter (libpcap compiles it in the kernel), which says which packet
// is the one, and one with every IP packet and ARP (kept for a few seconds only), which shows
// where else it went before and after. The first matching packet, by the kernel's time, is then
// recognised at every hop by its fingerprint (fingerprint.ts), its answer where it was seen going
// the other way, and where it stopped and why as for a ping (path.ts; the drop counters are read
// twice a second while waiting, and once after).
import { ErrorCodes, TRACE_FOLLOW_DEFAULT_TIMEOUT_MS, TRACE_MAX_INTERFACES, type CaptureLinkType, type Namespace, type TraceFollowParams, type TraceResult } from '../contract';
import type { Engine } from '../engine';
import type { CaptureBatch, CaptureSocket, NamespaceHandle } from '../../native/types';
import { linkTypeOf } from '../capture/manager';
import { FINGERPRINT_SNAPLEN } from './fingerprint';
import { packetPath, type Held } from './packet-path';
import { reachableInterfaces } from './reach';
import { dropCounters, rises, settled, targets, TraceError, type TraceAddon } from './targets';

/** After the matching packet, how long its hops and its answer are waited for. */
export const FOLLOW_ANSWER_MS = 1000;
/** What the wide sockets keep while waiting: the packets of the last few seconds, at most so many. */
const KEEP_NS = 3_000_000_000n;
const KEEP_MAX = 200_000;
const SAMPLE_MS = 500;
const PACKET_OUTGOING = 4;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

function keep(into: Held[], k: number, b: CaptureBatch): void {
  for (let i = 0; i < b.count; i++) {
    const off = b.offset[i];
    into.push({ k, t: BigInt(b.sec[i]) * 1_000_000_000n + BigInt(b.nsec[i]), pkttype: b.pkttype[i], outgoing: b.pkttype[i] === PACKET_OUTGOING, bytes: b.data.slice(off, off + b.caplen[i]) });
  }
}

/** Both sockets of an interface, or neither (one that opened is closed when the other failed). */
async function both(a: Promise<CaptureSocket>, b: Promise<CaptureSocket | null>): Promise<[CaptureSocket, CaptureSocket | null]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'fulfilled' && y.status === 'fulfilled') return [x.value, y.value];
  if (x.status === 'fulfilled') x.value.close();
  if (y.status === 'fulfilled') y.value?.close();
  throw (x.status === 'rejected' ? x.reason : (y as PromiseRejectedResult).reason) as Error;
}

/** Waits for the next packet matching `p.filter` around namespace `sender` and follows it. */
export async function followNext(engine: Engine, native: TraceAddon, sender: Namespace, p: TraceFollowParams, signal: AbortSignal): Promise<TraceResult> {
  const filter = p.filter;
  const bad = native.compileFilter(filter, 'ethernet', FINGERPRINT_SNAPLEN);
  if (bad) throw new TraceError(`traceFollow: "filter": ${JSON.stringify(filter)} does not compile: ${bad}`);
  // A filter of Ethernet words ("ether host ...") does not compile for a tun: none is asked there.
  const onRaw = native.compileFilter(filter, 'raw', FINGERPRINT_SNAPLEN) === null;

  const reach = reachableInterfaces(engine.model(), sender.id, '', TRACE_MAX_INTERFACES);
  const { ifaces, handles, missing } = targets(engine, reach.interfaces);
  let notCaptured = reach.left + missing;
  const links: CaptureLinkType[] = ifaces.map((c) => linkTypeOf(c.iface));
  const wide: Held[] = [];
  const matched: Held[] = [];
  const sockets: (CaptureSocket | null)[] = [];
  const received: number[] = [];
  const triggers: (CaptureSocket | null)[] = [];
  const triggered: number[] = [];
  const open = (k: number, h: NamespaceHandle, f: string, into: Held[], counts: number[]) => native.openCapture(h, {
    ifindex: ifaces[k].iface.index, filter: f, snaplen: FINGERPRINT_SNAPLEN, ringBlocks: 2, maxQueuedBytes: 4 << 20,
    promisc: ifaces[k].iface.kind !== 'physical',
  }, (b) => { counts[k] += b.count; keep(into, k, b); });
  try {
    const opened = await Promise.allSettled(ifaces.map((c, k) => {
      received[k] = 0; triggered[k] = 0;
      const h = handles.get(c.ns.id)!;
      const all = links[k] === 'raw' ? 'ip or ip6' : 'ip or ip6 or arp';
      return both(open(k, h, all, wide, received),
        links[k] === 'raw' && !onRaw ? Promise.resolve(null) : open(k, h, `(${filter}) and (ip or ip6)`, matched, triggered));
    }));
    for (const o of opened) {
      sockets.push(o.status === 'fulfilled' ? o.value[0] : null);
      triggers.push(o.status === 'fulfilled' ? o.value[1] : null);
    }
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed && opened.every((o) => o.status === 'rejected')) {
      const err = failed.reason as { code?: string; message?: string };
      throw new TraceError(`traceFollow: cannot capture: ${err.message ?? String(err)}`, err.code === 'EPERM' ? ErrorCodes.NotPrivileged : ErrorCodes.KernelRefused);
    }
    notCaptured += opened.filter((o) => o.status === 'rejected').length;

    const timeoutMs = p.timeoutMs ?? TRACE_FOLLOW_DEFAULT_TIMEOUT_MS;
    const until = Date.now() + timeoutMs;
    let before = await dropCounters(handles, ifaces);
    let sampledAt = Date.now();
    while (!matched.length) {
      if (signal.aborted) throw new TraceError(`traceFollow: cancelled while waiting for a packet matching ${JSON.stringify(filter)}`, ErrorCodes.Cancelled);
      if (Date.now() >= until) {
        throw new TraceError(`traceFollow: no packet matching ${JSON.stringify(filter)} passed the ${ifaces.length} interface(s) around ${sender.label} within ${timeoutMs} ms`, ErrorCodes.TimedOut);
      }
      await sleep(50, signal);
      if (matched.length) break;
      if (Date.now() - sampledAt >= SAMPLE_MS) { before = await dropCounters(handles, ifaces); sampledAt = Date.now(); }
      // Only the last few seconds are kept while waiting.
      const last = wide.length ? wide[wide.length - 1].t : 0n;
      let cut = 0;
      while (cut < wide.length && (wide[cut].t < last - KEEP_NS || wide.length - cut > KEEP_MAX)) cut++;
      if (cut) wide.splice(0, cut);
    }
    await sleep(FOLLOW_ANSWER_MS, signal);
    if (signal.aborted) throw new TraceError(`traceFollow: cancelled while following a packet matching ${JSON.stringify(filter)}`, ErrorCodes.Cancelled);
    await settled([...sockets, ...triggers], [...received, ...triggered]);
    for (const s of [...sockets, ...triggers]) s?.close();
    const after = await dropCounters(handles, ifaces);

    const byTime = (a: Held, b: Held) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0);
    matched.sort(byTime);
    wide.sort(byTime);
    const r = packetPath(ifaces, links, wide, matched[0], { sender, rises: rises(before, after) });
    return { ...r, mode: 'match', namespace: sender.id, captured: ifaces.filter((_, k) => sockets[k]).map((c) => c.iface.id), notCaptured };
  } finally {
    for (const s of [...sockets, ...triggers]) s?.close();
  }
}
