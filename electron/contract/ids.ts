// Identifiers every layer spells the same way: the model's interface ids, the name of the engine's
// own namespace in canvas actions and lab files, the routing table the model lists, and the mark
// on what the app makes.

/** The engine's own network namespace, as BuildAction.ns and lab files name it (other namespaces
 *  go by their `ip netns` name). Never created or deleted by the app. */
export const HOST_NS = 'host';

/** The kernel's main routing table (RT_TABLE_MAIN): the one the model's routes come from. */
export const MAIN_TABLE = 254;

/** What the app makes carries an alias (IFLA_IFALIAS) of this prefix and the lab's name
 *  (`vnet-studio:two-rooms`, `vnet-studio:canvas` for the canvas): Interface.alias shows it. */
export const ALIAS_PREFIX = 'vnet-studio:';

const IF_SEPARATOR = '/if:';

/** An interface's model id: its namespace's id and its ifindex, "ns:4026531840/if:7". */
export function ifaceId(nsId: string, index: number): string {
  return `${nsId}${IF_SEPARATOR}${index}`;
}

/** The namespace id and ifindex of an interface id, or null when `id` is not one. */
export function parseIfaceId(id: string): { nsId: string; index: number } | null {
  const cut = id.lastIndexOf(IF_SEPARATOR);
  if (cut <= 0) return null;
  const digits = id.slice(cut + IF_SEPARATOR.length);
  if (!/^[0-9]+$/.test(digits)) return null;
  return { nsId: id.slice(0, cut), index: Number(digits) };
}

/** The namespace id of an interface id ('' when `id` is not an interface id, so lookups miss). */
export function nsOfIface(id: string): string {
  return parseIfaceId(id)?.nsId ?? '';
}
