// From what a trace captured to each echo's path: its request and reply hops in time order (the
// same packet recognised at every hop by the token in its payload, so NAT rewriting its addresses
// or its identifier does not lose it), notes on the hops (what a bridge forwarded where, what a
// tun handed to its program), and, when no reply came back, where it stopped and why, from what
// the kernel told: the sending socket's error, neighbour questions nobody answered, ICMP errors,
// drop counters that rose, a tun at the end of the way.
import type { Interface, Namespace, TraceEcho, TraceHop, TraceStop } from '../contract';
import type { PingResult } from '../../native/types';
import { carries, icmpErrorWords, type TraceFrame } from './frames';

/** An interface captured on (what a hop needs of it: a located packet's interface may have gone
 *  from the model since its capture, and is then only what the capture said of it). */
export interface CapturedIface {
  ns: Pick<Namespace, 'id' | 'label'>;
  iface: Pick<Interface, 'id' | 'name' | 'kind' | 'master' | 'peer' | 'tun' | 'addresses'>;
  where: string;
}

/** One captured packet. `t` is the kernel's timestamp, ns since the epoch. */
export interface Seen { k: number; t: bigint; outgoing: boolean; pkttype: number; frame: TraceFrame }

/** Counters of an interface that rose while an echo was out. */
export interface Rise { id: string; fields: { name: string; by: number }[] }

export interface EchoFacts {
  seq: number;
  /** The echo's payload starts with this (unique to the echo). */
  token: Uint8Array;
  /** The echo's time window, ns since the epoch: what was seen then is about it. */
  from: bigint;
  to: bigint;
  ping: PingResult;
  address: string;
  family: 4 | 6;
  sender: Namespace;
  rises: Rise[];
  /** What was followed, in the reasons: "the request" (an echo) unless said. */
  noun?: string;
  /** Why a holder of the address may not answer: "echoes ignored, or a firewall rule" unless said. */
  unanswered?: string;
}

const PACKET_OTHERHOST = 3;
const PACKET_HOST = 0;

function tunNote(i: Pick<Interface, 'name' | 'tun'>): string {
  const owners = i.tun?.owners ?? [];
  if (!owners.length) return `no program holds ${i.name}: the kernel drops what it sends there`;
  return `handed to the program holding ${i.name}: ${owners.map((o) => `pid ${o.pid} (${o.comm})`).join(', ')}`;
}

/** The hops of one packet's captures in time order, with one exception: a bridge hands a frame
 *  it forwards to the out port before its own (promiscuous) copy is captured, and that copy's
 *  time is the one it came in with or the one it was captured at (as the kernel stamped it), so
 *  the bridge's hop is put between the port it came in on and the port(s) it went out of, at the
 *  moment it went out: the order the frame took. */
export function hops(ifaces: CapturedIface[], list: Seen[], t0: bigint): TraceHop[] {
  const order = list.map((s) => ({ s, t: s.t, forwardedTo: null as string | null, note: null as string | null }));
  const isPortOf = (x: Seen, bridgeId: string) => ifaces[x.k].iface.master === bridgeId;
  const placed = new Set<Seen>();
  // A copy stamped with the time it came in with may stand before the port it came in on (equal
  // times): after it.
  for (let i = order.length - 1; i >= 0; i--) {
    const s = order[i].s;
    if (ifaces[s.k].iface.kind !== 'bridge' || s.outgoing || s.pkttype !== PACKET_OTHERHOST) continue;
    let m = i + 1;
    while (m < order.length && order[m].t === s.t && !(isPortOf(order[m].s, ifaces[s.k].iface.id) && !order[m].s.outgoing)) m++;
    if (m < order.length && order[m].t === s.t) order.splice(m, 0, order.splice(i, 1)[0]);
  }
  for (let i = 0; i < order.length; i++) {
    const s = order[i].s;
    const c = ifaces[s.k];
    if (c.iface.kind !== 'bridge' || s.outgoing || placed.has(s)) continue;
    if (s.pkttype === PACKET_HOST) { order[i].note = "to the namespace's own stack (routed)"; continue; }
    if (s.pkttype !== PACKET_OTHERHOST) continue;
    // The ports it went out of: after the port it came in on, before the next frame into the bridge.
    const inPort = (x: Seen) => isPortOf(x, c.iface.id) && !x.outgoing;
    let j = i - 1;
    while (j >= 0 && !inPort(order[j].s)) j--;
    let end = i + 1;
    while (end < order.length && !inPort(order[end].s)) end++;
    const out = order.slice(j + 1, end).filter((x) => x.s.outgoing && isPortOf(x.s, c.iface.id));
    if (!out.length) continue;
    placed.add(s);
    const later = order.indexOf(out[0]) > i;
    const names = out.map((x) => ifaces[x.s.k].iface.name);
    const hop = order[i];
    hop.forwardedTo = ifaces[out[0].s.k].iface.id;
    hop.note = out.length === 1 ? `forwarded to ${names[0]}` : `flooded to ${names.join(', ')} (the address is not in its table)`;
    hop.t = out[0].t;
    order.splice(i, 1);
    order.splice(order.indexOf(out[0]), 0, hop);
    // moved on: what now stands at i is still to be looked at
    if (later) i--;
  }
  return order.map(({ s, t, forwardedTo, note }) => {
    const c = ifaces[s.k];
    if (!note && c.iface.tun && c.iface.tun.mode === 'tun' && s.outgoing) note = tunNote(c.iface);
    return {
      interface: c.iface.id, ns: c.ns.id, name: c.iface.name, where: c.where,
      direction: s.outgoing ? 'tx' : 'rx', tNs: Number(t - t0),
      src: s.frame.src, dst: s.frame.dst, forwardedTo, note,
    };
  });
}

/** The path of one echo, from the packets of the whole trace. */
export function echoPath(ifaces: CapturedIface[], seen: Seen[], e: EchoFacts): TraceEcho {
  const inWindow = seen.filter((s) => s.t >= e.from && s.t <= e.to);
  const requests = inWindow.filter((s) => s.frame.echo?.request && carries(s.frame.echo.payload, e.token));
  const replies = inWindow.filter((s) => s.frame.echo && !s.frame.echo.request && carries(s.frame.echo.payload, e.token));
  const t0 = requests[0]?.t ?? replies[0]?.t ?? e.from;
  const request = hops(ifaces, requests, t0);
  const reply = hops(ifaces, replies, t0);
  const answered = e.ping.reply?.echoReply === true;
  return {
    seq: e.seq, request, reply,
    stopped: answered ? null : stop(ifaces, inWindow, e, request, reply),
    rttUs: answered ? Math.round(e.ping.reply!.rttUs) : null,
  };
}

export function stop(ifaces: CapturedIface[], seen: Seen[], e: EchoFacts, request: TraceHop[], reply: TraceHop[]): TraceStop {
  const sender = e.sender;
  const err = e.ping.sendError;
  if (err) {
    const noRoute = err.code === 'ENETUNREACH' || err.code === 'EHOSTUNREACH';
    const kernel = err.message.replace(/^.*: send: /, '');
    return noRoute
      ? { at: null, ns: sender.id, cause: 'no-route', reason: `no route to ${e.address} in ${sender.label}: ${kernel}` }
      : { at: null, ns: sender.id, cause: 'send-refused', reason: `${sender.label} refused to send to ${e.address}: ${kernel}` };
  }
  const last = request[request.length - 1];
  const hereNs = last?.ns ?? sender.id;

  // Neighbour questions of the echo's family (ARP; neighbour solicitations, but not duplicate
  // address detection's, which nobody is meant to answer) sent from where the request was last
  // seen, that nobody answered.
  const ofFamily = (s: Seen) => (e.family === 4 ? s.frame.family === null : s.frame.family === 6 && s.frame.src !== '::');
  const answered = new Set(seen.filter((s) => s.frame.neighbour?.answer && ofFamily(s)).map((s) => s.frame.neighbour!.target));
  const asked = seen.filter((s) => s.outgoing && s.frame.neighbour && !s.frame.neighbour.answer && ofFamily(s)
    && ifaces[s.k].ns.id === hereNs && !answered.has(s.frame.neighbour.target));
  if (asked.length && !reply.length) {
    const q = asked[asked.length - 1];
    const c = ifaces[q.k];
    const what = e.family === 4 ? 'ARP' : 'neighbour solicitation';
    const times = asked.filter((a) => a.frame.neighbour!.target === q.frame.neighbour!.target).length;
    return {
      at: c.iface.id, ns: c.ns.id, cause: 'no-neighbour',
      reason: `no answer to ${what}: ${c.where} asked who has ${q.frame.neighbour!.target} ${times === 1 ? 'once' : `${times} times`}, nobody answered`,
    };
  }

  const icmp = e.ping.reply && !e.ping.reply.echoReply ? e.ping.reply : null;
  if (icmp) {
    return {
      at: last?.interface ?? null, ns: hereNs, cause: 'icmp-error',
      reason: `${icmp.from} answered ${icmpErrorWords(e.family, icmp.type, icmp.code)}${last ? ` after ${e.noun ?? 'the request'} reached ${last.where}` : ''}`,
    };
  }

  const tail = reply.length ? reply[reply.length - 1] : last;
  if (!reply.length && last && last.direction === 'tx') {
    const c = ifaces.find((x) => x.iface.id === last.interface);
    if (c?.iface.tun && c.iface.tun.mode === 'tun') {
      // A tun drops what its program leaves unread once its queue is full, and counts it.
      const full = e.rises.find((r) => r.id === last.interface && r.fields.some((f) => f.name === 'txDropped'));
      if (full) {
        return {
          at: last.interface, ns: last.ns, cause: 'dropped',
          reason: `dropped at ${c.where}: ${full.fields.map((f) => `${f.name} +${f.by}`).join(', ')}: ${tunNote(c.iface)}, which leaves what it is given unread (the tun's queue is full)`,
        };
      }
      return { at: last.interface, ns: last.ns, cause: 'tun', reason: tunNote(c.iface) };
    }
  }

  // Counters that rose at the place it was last seen or right next to it.
  const near = new Set<string>();
  if (tail) {
    const c = ifaces.find((x) => x.iface.id === tail.interface);
    near.add(tail.interface);
    if (c?.iface.peer) near.add(c.iface.peer);
    if (c?.iface.master) near.add(c.iface.master);
  } else {
    for (const c of ifaces) if (c.ns.id === sender.id) near.add(c.iface.id);
  }
  const rise = e.rises.find((r) => near.has(r.id));
  if (rise) {
    const c = ifaces.find((x) => x.iface.id === rise.id);
    const where = c?.where ?? rise.id;
    return {
      at: rise.id, ns: c?.ns.id ?? hereNs, cause: 'dropped',
      reason: `dropped at ${where}: ${rise.fields.map((f) => `${f.name} +${f.by}`).join(', ')}`,
    };
  }

  if (!tail) {
    return { at: null, ns: sender.id, cause: 'lost', reason: `it never left ${sender.label}: none of its interfaces saw it (a firewall's output chain may drop it)` };
  }
  const which = reply.length ? 'the reply' : e.noun ?? 'the request';
  const holder = ifaces.find((c) => c.ns.id === tail.ns && c.iface.addresses.some((a) => a.split('/')[0] === e.address));
  const tailNs = ifaces.find((c) => c.ns.id === tail.ns)?.ns;
  const sysctl = e.family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding';
  const why = !reply.length && holder && tail.direction === 'rx'
    ? `it reached ${holder.ns.label}, which holds ${e.address}, but no reply left it (${e.unanswered ?? 'echoes ignored, or a firewall rule'})`
    : !reply.length && tail.direction === 'rx' && tailNs
      ? `${tailNs.label} does not hold ${e.address}; it passes such packets on only with forwarding on (${sysctl}) and a route, and drops them silently without`
      : 'the kernel tells nothing more (a firewall rule, reverse-path filtering, or nobody holding the address)';
  return { at: tail.interface, ns: tail.ns, cause: 'lost', reason: `${which} was last seen at ${tail.where} (${tail.direction}): ${why}` };
}
