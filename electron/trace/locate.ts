// "Where else was this packet seen" (the `captureLocate` method): a packet a capture holds,
// looked for on the capture's other interfaces in its file (the same packet by its fingerprint,
// the seconds around it), in time order, and its answer when the capture holds that too.
import { ErrorCodes, type CaptureLinkType, type Model, type TraceResult } from '../contract';
import type { CaptureSession } from '../capture/session';
import { readPackets } from '../capture/pcapng-reader';
import { dissect } from './fingerprint';
import { packetPath, type Held } from './packet-path';
import type { CapturedIface } from './path';
import { TraceError } from './targets';

/** Packets after it that are read at most for its hops and its answer (the file is in time order). */
const AFTER_NS = 3_000_000_000n;
const BEFORE_NS = 1_000_000_000n;

export async function locate(session: CaptureSession, model: Model, n: number): Promise<TraceResult> {
  const m = 'captureLocate';
  if (!session.hasFile) throw new TraceError(`${m}: capture "${session.id}" keeps no file to look in`, ErrorCodes.Conflict);
  const byId = new Map(model.namespaces.flatMap((ns) => ns.interfaces.map((i) => [i.id, { ns, i }] as const)));
  const ifaces: CapturedIface[] = session.interfaces.map((c) => {
    const known = byId.get(c.id);
    if (known) return { ns: known.ns, iface: known.i, where: c.name };
    // Gone from the model since: what the capture said of it.
    return { ns: { id: c.nsId, label: c.nsLabel }, iface: { id: c.id, name: c.name.slice(c.name.lastIndexOf(':') + 1), kind: 'other', master: null, peer: null, tun: null, addresses: [] }, where: c.name };
  });
  const links: CaptureLinkType[] = session.interfaces.map((c) => c.linkType);
  let pool: Held[] = [];
  let head = 0;
  let first: Held | null = null;
  await readPackets(session.file, session.size, (p) => {
    if (p.iface >= ifaces.length) return true;
    const h: Held = { k: p.iface, t: p.t, pkttype: p.pkttype, outgoing: p.pkttype === 4, bytes: p.data };
    if (first && p.t > first.t + AFTER_NS) return false;
    if (p.n === n) first = h;
    pool.push(h);
    // Before it is found only the last second is kept.
    if (!first) {
      while (pool[head].t < p.t - BEFORE_NS) head++;
      if (head > 4096) { pool.splice(0, head); head = 0; }
    }
    return true;
  });
  const found = first as Held | null;
  if (!found) {
    const st = session.stats();
    throw new TraceError(n > st.saved
      ? `${m}: "n": capture "${session.id}" holds no packet ${n} in its file (it saved ${st.saved}${st.fileFull ? '; the file is full' : ''})`
      : `${m}: "n": packet ${n} of capture "${session.id}" was not found in its file`);
  }
  if (!dissect(found.bytes, links[found.k])) throw new TraceError(`${m}: packet ${n} of capture "${session.id}" is not an IP packet: only IP packets are followed`);
  pool = pool.slice(head);
  pool.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const r = packetPath(ifaces, links, pool, found, null);
  const firstHop = r.request[0];
  return {
    ...r, mode: 'locate', namespace: firstHop?.ns ?? session.interfaces[found.k].nsId,
    captured: session.interfaces.map((c) => c.id), notCaptured: 0,
  };
}
