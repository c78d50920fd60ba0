// What every way of following a packet shares (tracer.ts sends echoes, follow.ts waits for the
// user's packet): the reached interfaces whose namespaces the engine holds open, the drop and error
// counters read around a packet, waiting until the capture sockets handed over what the kernel gave
// them, and the error a trace answers with.
import { ErrorCodes, ifaceId, STATS_FIELDS, type Interface, type Namespace } from '../contract';
import type { Engine } from '../engine';
import type { CaptureAddon, CaptureSocket, NamespaceHandle, PingAddon } from '../../native/types';
import { captureName } from '../capture/names';
import type { CapturedIface, Rise } from './path';

export class TraceError extends Error {
  constructor(message: string, readonly code: number = ErrorCodes.InvalidParams) { super(message); }
}

export type TraceAddon = CaptureAddon & PingAddon;

/** After a packet, how long to wait at most for the capture sockets to hand over every packet the
 *  kernel gave them (a ring hands over its block some ms after its first packet, later on a
 *  busy machine). */
const SETTLE_MAX_MS = 1000;
const DROP_FIELDS = ['rxDropped', 'txDropped', 'rxErrors', 'txErrors'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
