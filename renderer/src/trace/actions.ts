// What "ping ADDRESS and follow it" asks of the engine (its `trace` method), and bringing the hops
// into view: interfaces folded into a collapsed group are unfolded, those the filters hide are
// named as hidden in the timeline (hiddenHop).
import { ErrorCodes, type TraceHop, type TraceResult } from '../../../electron/contract';
import { topologyStore, traceStore, uiStore } from '../store';
import { groupsOf, hiddenBy } from '../graph/groups';
import { getClient } from '../transport/current-client';

export const TRACE_UNPRIVILEGED_HELP =
  'Following a ping needs privileges the engine does not have. In the app, click "Enable editing" in the status bar; '
  + 'with the web host, restart it as root (sudo vnet-studio serve).';

/** Pings `address` from namespace `nsId` and follows it; the trace panel shows the answer. The
 *  engine checks the address and says what is wrong with it. */
export async function followPing(nsId: string, address: string): Promise<TraceResult | null> {
  const st = traceStore.getState();
  if (st.running) return null;
  const params = { namespace: nsId, address: address.trim() };
  st.begin(params);
  st.show();
  const client = getClient();
  if (!client) { st.failed({ code: null, message: 'not connected to the engine' }); return null; }
  try {
    const result = await client.call('trace', params);
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
