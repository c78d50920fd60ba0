// One packet's path through what captures saw (a followed packet's sockets, or a capture's file):
// the same packet at every hop (its fingerprint's key, fingerprint.ts), in time order as path.ts
// orders hops, then its answer (the first packet going the other way at one of its hops that
// answers it, and that packet's own hops), and, when facts of the moment are given (the sending
// namespace, the counters that rose), where it stopped and why.
import type { CaptureLinkType, Namespace, TraceHop, TraceResult } from '../contract';
import { answers, describe, dissect, type Dissected } from './fingerprint';
import { parseFrame } from './frames';
import { hops, stop, type CapturedIface, type Rise, type Seen } from './path';

/** One captured packet as it came: interface k, the kernel's time (ns since the epoch). */
export interface Held { k: number; t: bigint; pkttype: number; outgoing: boolean; bytes: Uint8Array }

/** Around the packet, what is looked at: its hops and its answer come within this. */
const BEFORE_NS = 1_000_000_000n;
const AFTER_NS = 3_000_000_000n;
/** The same capture seen by two sockets of one interface differs in time by less than this. */
const SAME_NS = 1_000_000n;

export interface PathFacts { sender: Namespace; rises: Rise[] }

type Found = Pick<TraceResult, 'request' | 'reply' | 'stopped' | 'echoes' | 'address' | 'family' | 'packet'>;

interface Item { h: Held; d: Dissected }

/** The path of `first` (the packet asked about) among `pool` (sorted by time). */
export function packetPath(ifaces: CapturedIface[], links: CaptureLinkType[], pool: Held[], first: Held, facts: PathFacts | null): Found {
  const d0 = dissect(first.bytes, links[first.k]);
  if (!d0) throw new Error('the packet is not an IP packet');
  const near: Item[] = [];
  for (const h of pool) {
    if (h.t < first.t - BEFORE_NS || h.t > first.t + AFTER_NS) continue;
    const d = dissect(h.bytes, links[h.k]);
    if (d) near.push({ h, d });
  }
  const mine = near.filter((x) => x.d.key === d0.key);
  // The asked-about packet itself, when the pool does not hold it (the wide socket dropped it).
  if (!mine.some((x) => x.h.k === first.k && x.h.outgoing === first.outgoing && abs(x.h.t - first.t) < SAME_NS)) {
    mine.push({ h: first, d: d0 });
    mine.sort((a, b) => (a.h.t < b.h.t ? -1 : a.h.t > b.h.t ? 1 : 0));
  }
  const taken = new Set(mine.map((x) => x.h));
  // Its answer: the earliest packet answering it at an interface it passed, after it passed.
  let answer: Item | null = null;
  for (const x of near) {
    if (taken.has(x.h) || (answer && x.h.t >= answer.h.t)) continue;
    if (mine.some((m) => m.h.k === x.h.k && x.h.t > m.h.t && answers(m.d, x.d))) answer = x;
  }
  const back = answer ? near.filter((x) => x.d.key === answer!.d.key && x.h.t >= answer!.h.t - SAME_NS && !taken.has(x.h)) : [];
  const seen = (xs: Item[]): Seen[] => xs.map(({ h }) => ({ k: h.k, t: h.t, outgoing: h.outgoing, pkttype: h.pkttype, frame: parseFrame(h.bytes, links[h.k])! }));
  const t0 = mine[0].h.t;
  const request = hops(ifaces, seen(mine), t0);
  const reply: TraceHop[] = hops(ifaces, seen(back), t0);
  const error = answer?.d.quoted ? answer.d : null;
  let stopped: Found['stopped'] = null;
  if (facts && (!answer || error)) {
    const all = near.map(({ h }) => ({ k: h.k, t: h.t, outgoing: h.outgoing, pkttype: h.pkttype, frame: parseFrame(h.bytes, links[h.k]) }))
      .filter((s): s is Seen => s.frame !== null);
    stopped = stop(ifaces, all, {
      seq: 1, token: new Uint8Array(), from: first.t - BEFORE_NS, to: first.t + AFTER_NS,
      ping: { sendError: null, reply: error ? { echoReply: false, from: error.src, type: error.icmp!.type, code: error.icmp!.code, rttUs: 0 } : null },
      address: mine[0].d.dst, family: d0.family, sender: facts.sender, rises: facts.rises,
      noun: 'the packet', unanswered: 'nothing there answered it, or a firewall rule',
    }, request, error ? [] : reply);
  }
  // The round trip where it was first seen: from there out to its answer back there.
  const home = back.find((x) => x.h.k === mine[0].h.k && !error);
  const rttUs = home ? Number(home.h.t - t0) / 1000 : null;
  return {
    request, reply, stopped, echoes: [{ seq: 1, request, reply, stopped, rttUs }],
    address: mine[0].d.dst, family: d0.family, packet: describe(mine[0].d),
  };
}

const abs = (x: bigint) => (x < 0n ? -x : x);
