// What the trace panel asks of the engine: "ping ADDRESS and follow it" (its `trace` method),
// "follow the next packet matching FILTER" (`traceFollow`, and `traceCancel` to stop waiting),
// "where else was this packet seen" (`captureLocate`); and bringing the hops into view: interfaces folded into a collapsed group are unfolded, those the filters hide are
// named as hidden in the timeline (hiddenHop).
import { ErrorCodes, type TraceFollowParams, type TraceHop, type TraceParams, type TraceResult } from '../../../electron/contract';
import { topologyStore, traceStore, uiStore } from '../store';
import { isFollowAsk, type TraceAsk } from '../store/trace';
import { groupsOf, hiddenBy } from '../graph/groups';
import { getClient } from '../transport/current-client';

export const TRACE_UNPRIVILEGED_HELP =
  'Following a ping needs privileges the engine does not have. In the app, click "Enable editing" in the status bar; '
  + 'with the web host, restart it as root (sudo vnet-studio serve).';

/** Pings `address` from namespace `nsId` and follows it (the form's count and timeout); the trace
 *  panel shows the answer. The engine checks the address and says what is wrong with it. */
export async function followPing(nsId: string, address: string): Promise<TraceResult | null> {
  const { count, timeoutMs } = traceStore.getState().options;
  return ask({ namespace: nsId, address: address.trim(), count, timeoutMs }, 'trace');
}

/** Waits for the next packet matching `filter` around namespace `nsId` and follows it. */
export async function followMatch(nsId: string, filter: string): Promise<TraceResult | null> {
  const id = `ui-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  return ask({ namespace: nsId, filter: filter.trim(), id, timeoutMs: traceStore.getState().options.followTimeoutMs }, 'traceFollow');
}

/** Stops waiting for the packet (the engine answers the follow with Cancelled). */
export async function cancelFollow(): Promise<void> {
  const r = traceStore.getState().running;
  const client = getClient();
  if (!client || !isFollowAsk(r)) return;
  try { await client.call('traceCancel', { id: r.id }); } catch { /* it ended meanwhile */ }
}

/** Where else packet `n` of capture `captureId` was seen (the capture panel's selected packet). */
export async function locatePacket(captureId: string, n: number, where: string): Promise<TraceResult | null> {
  return ask({ capture: captureId, n, where }, 'captureLocate');
}

async function ask(a: TraceAsk, method: 'trace' | 'traceFollow' | 'captureLocate'): Promise<TraceResult | null> {
  const st = traceStore.getState();
  if (st.running) return null;
  st.begin(a);
  st.show();
  const client = getClient();
  if (!client) { st.failed({ code: null, message: 'not connected to the engine' }); return null; }
  try {
    const result = method === 'captureLocate'
      ? await client.call('captureLocate', { id: (a as { capture: string }).capture, n: (a as { n: number }).n })
      : method === 'traceFollow' ? await client.call('traceFollow', a as TraceFollowParams) : await client.call('trace', a as TraceParams);
    bringIntoView(result);
    traceStore.getState().done(result);
    return result;
  } catch (e) {
    const x = e as { code?: unknown; message?: unknown };
    const code = typeof x?.code === 'number' ? x.code : null;
    const message = typeof x?.message === 'string' ? x.message : String(e);
    traceStore.getState().failed({ code, message: code === ErrorCodes.NotPrivileged ? `${message} — ${TRACE_UNPRIVILEGED_HELP}` : message });
    return null;
  }
}

const hopIds = (r: TraceResult) => [...new Set([...r.request, ...r.reply].map((h) => h.interface).concat(r.stopped?.at ? [r.stopped.at] : []))];

/** Opens the groups that fold the trace's interfaces away and asks the canvas to bring them all
 *  into view. */
function bringIntoView(r: TraceResult): void {
  const ui = uiStore.getState();
  const t = topologyStore.getState();
  const folded = hiddenBy(groupsOf(t, ui.filters, ui.grouping, ui.foldedNs), new Set(ui.expandedGroups));
  const ids = hopIds(r).filter((id) => t.interfaces[id] && !hiddenHop(id));
  for (const g of new Set(ids.map((id) => folded.get(id)).filter((g): g is string => !!g))) ui.expandGroup(g);
  if (ids.length) ui.requestFocus(ids);
}

/** Why a hop's interface is not on the canvas, or null when it is (or can be, once a group opens). */
export function hiddenHop(ifId: string): string | null {
  const t = topologyStore.getState();
  const f = uiStore.getState().filters;
  const i = t.interfaces[ifId];
  if (!i) return 'gone';
  if (f.hiddenNs.includes(i.namespaceId)) return 'its namespace is hidden';
  if (f.hideLoopback && i.kind === 'loopback') return 'loopbacks are hidden';
  if (f.hidePhysical && i.kind === 'physical' && t.namespaces[i.namespaceId]?.kind === 'host') return "the host's physical side is hidden";
  return null;
}

/** The hop's addresses when they are to be shown: at the first hop, and wherever NAT changed them. */
export function hopAddresses(h: TraceHop, prev: TraceHop | null): string | null {
  return !prev || prev.src !== h.src || prev.dst !== h.dst ? `${h.src} → ${h.dst}` : null;
}
