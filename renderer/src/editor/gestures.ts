// What each canvas gesture asks and does: a palette item dropped (into a namespace box or on empty
// canvas), a connection drawn (namespace↔namespace, namespace↔bridge, bridge↔bridge), an interface
// dropped on a bridge, Delete. Each opens a small dialog in the page (names prefilled so they do
// not collide, editable) or performs the step at once.
import { HOST_NS, type BuildAction } from '../../../electron/contract';
import { topologyStore } from '../store';
import type { TopologyState } from '../store/topology';
import { editorStore, type DialogField } from './editor-store';
import { ifnameError, isAppMade, namesIn, namespaceNames, nsKey, nsnameError, uniqueName } from './model';
import { perform, whyNotEditable } from './perform';

export type PaletteKind = 'namespace' | 'bridge' | 'veth' | 'tun' | 'tap';
export const PALETTE_MIME = 'application/x-vnet-palette';

const openForm = (d: Omit<Extract<import('./editor-store').Dialog, { kind: 'form' }>, 'kind'>) => editorStore.getState().open({ kind: 'form', ...d });
const nsLabel = (k: string) => (k === HOST_NS ? 'the host namespace' : `namespace ${k}`);

function refuse(text: string) {
  editorStore.getState().open({ kind: 'confirm', title: 'Cannot build here', text, items: [], okLabel: 'OK', onOk: () => {}, info: true });
}

/** An end name for a veth in namespace `ns` toward `other`: eth0… inside named namespaces,
 *  veth-<other>… in the host (as people name them by hand). */
function vethEndName(taken: Set<string>, ns: string, other: string): string {
  if (ns !== HOST_NS) return uniqueName(taken, 'eth');
  return uniqueName(taken, `veth-${other}`.slice(0, 13), true);
}

/** Names taken in a namespace, plus names this dialog already picked there. */
function takenIn(t: TopologyState, ns: string, extra: string[] = []): Set<string> {
  const s = namesIn(t, ns);
  for (const x of extra) s.add(x);
  return s;
}

function nameField(key: string, label: string, value: string, ns: string, t: TopologyState): DialogField {
  return {
    key, label, value,
    check: (v) => ifnameError(v) ?? (namesIn(t, ns).has(v) ? `${nsLabel(ns)} already has an interface named '${v}'` : null),
  };
}

/** A palette item dropped; `nsId` = the namespace box it landed in (null: empty canvas). */
export function dropPalette(kind: PaletteKind, nsId: string | null): void {
  const why = whyNotEditable();
  if (why) return refuse(why);
  const t = topologyStore.getState();
  if (kind === 'namespace') {
    const name = uniqueName(namespaceNames(t), 'ns', false, 64);
    return openForm({
      title: 'New network namespace', text: 'A new named namespace (ip netns), with its loopback up.', okLabel: 'Create',
      fields: [{ key: 'name', label: 'name', value: name, check: (v) => nsnameError(v) ?? (namespaceNames(t).has(v) ? `a namespace named '${v}' already exists` : null) }],
      actions: (v) => [{ op: 'ns-add', ns: v.name }, { op: 'up', ns: v.name, name: 'lo' }],
      stepTitle: (v) => `add namespace ${v.name}`,
    });
  }
  if (!nsId) return refuse(`Drop the ${kind === 'veth' ? 'veth pair' : kind} into a namespace box (the host's or a named one).`);
  const ns = nsKey(t, nsId);
  if (!ns) return refuse(`${t.namespaces[nsId]?.label ?? 'This namespace'} belongs to a process and has no name the engine could enter; build in the host namespace or a named one.`);
  const taken = takenIn(t, ns);
  if (kind === 'bridge' || kind === 'tun' || kind === 'tap') {
    const base = kind === 'bridge' ? 'br' : kind;
    return openForm({
      title: `New ${kind} in ${nsLabel(ns)}`, okLabel: 'Create',
      fields: [nameField('name', 'name', uniqueName(taken, base), ns, t)],
      actions: (v) => [kind === 'bridge' ? { op: 'bridge-add', ns, name: v.name } : { op: 'tuntap-add', ns, name: v.name, mode: kind }, { op: 'up', ns, name: v.name }],
      stepTitle: (v) => `add ${kind} ${v.name} in ${ns}`,
    });
  }
  // a veth pair dropped into a namespace: one end here, the other wherever the user says
  const others = [HOST_NS, ...Object.values(t.namespaces).filter((n) => n.kind === 'named' && n.name).map((n) => n.name!)];
  const peerNs = others.find((o) => o !== ns) ?? ns;
  const a = vethEndName(taken, ns, peerNs);
  const b = vethEndName(takenIn(t, peerNs, peerNs === ns ? [a] : []), peerNs, ns);
  return openForm({
    title: `New veth pair from ${nsLabel(ns)}`, okLabel: 'Create', text: 'A veth pair is a cable: what goes in one end comes out of the other.',
    fields: [
      nameField('a', `end in ${ns}`, a, ns, t),
      { key: 'peerNs', label: 'other end in', value: peerNs, options: others.map((o) => ({ value: o, label: o })) },
      { key: 'b', label: 'other end name', value: b, check: (v, all) => ifnameError(v) ?? (namesIn(t, all.peerNs).has(v) || (all.peerNs === ns && v === all.a) ? `${nsLabel(all.peerNs)} already has an interface named '${v}'` : null) },
    ],
    actions: (v) => [{ op: 'veth-add', ns, name: v.a, peerNs: v.peerNs, peerName: v.b }, { op: 'up', ns, name: v.a }, { op: 'up', ns: v.peerNs, name: v.b }],
    stepTitle: (v) => `add veth pair ${v.a}@${ns} — ${v.b}@${v.peerNs}`,
  });
}

/** What a connection end is: a namespace box, or a bridge. */
type End = { kind: 'ns'; ns: string; label: string } | { kind: 'bridge'; ns: string; name: string; label: string };

function endOf(t: TopologyState, nodeId: string): End | string {
  if (t.namespaces[nodeId]) {
    const ns = nsKey(t, nodeId);
    if (!ns) return `${t.namespaces[nodeId].label} belongs to a process and has no name the engine could enter`;
    return { kind: 'ns', ns, label: t.namespaces[nodeId].label };
  }
  const i = t.interfaces[nodeId];
  if (i && i.kind === 'bridge') {
    const ns = nsKey(t, i.namespaceId);
    if (!ns) return `${i.name} is in a process namespace the engine cannot enter`;
    return { kind: 'bridge', ns, name: i.name, label: `${i.name}@${ns}` };
  }
  return 'connect namespace boxes and bridges';
}

export function canConnect(source: string, target: string): boolean {
  if (source === target) return false;
  const t = topologyStore.getState();
  return typeof endOf(t, source) !== 'string' && typeof endOf(t, target) !== 'string';
}

/** A connection drawn between two nodes: a veth pair (ends on a bridge become its ports). */
export function connect(source: string, target: string): void {
  const why = whyNotEditable();
  if (why) return refuse(why);
  const t = topologyStore.getState();
  const x = endOf(t, source), y = endOf(t, target);
  if (typeof x === 'string') return refuse(x);
  if (typeof y === 'string') return refuse(y);
  if (source === target) return;
  // the namespace end first (it is the "container" side), the bridge end second
  const [p, q] = x.kind === 'bridge' && y.kind === 'ns' ? [y, x] : [x, y];
  const short = (e: End) => (e.kind === 'ns' ? e.ns : e.name);
  const nameFor = (e: End, other: End, extra: string[], otherName: string | null) => {
    const taken = takenIn(t, e.ns, extra);
    if (e.kind === 'ns') return vethEndName(taken, e.ns, short(other));
    // a bridge port facing a namespace: "NAMESPACE-IFNAME" of the other end, as lab files name it
    const base = other.kind === 'ns' && otherName ? `${other.ns === HOST_NS ? 'h' : other.ns}-${otherName}` : `${short(other)}-${e.name}`;
    return base.length <= 15 ? uniqueName(taken, base, true) : uniqueName(taken, `veth-${e.name}`.slice(0, 13));
  };
  const a = nameFor(p, q, [], null);
  const b = nameFor(q, p, p.ns === q.ns ? [a] : [], a);
  const describe = (e: End) => (e.kind === 'ns' ? nsLabel(e.ns) : `bridge ${e.name} (a port in ${nsLabel(e.ns)})`);
  openForm({
    title: `Connect ${p.label} and ${q.label}`, okLabel: 'Connect',
    text: `A veth pair: one end in ${describe(p)}, the other in ${describe(q)}.`,
    fields: [nameField('a', `end in ${p.ns}${p.kind === 'bridge' ? ` (port of ${p.name})` : ''}`, a, p.ns, t),
      { ...nameField('b', `end in ${q.ns}${q.kind === 'bridge' ? ` (port of ${q.name})` : ''}`, b, q.ns, t),
        check: (v, all) => ifnameError(v) ?? (namesIn(t, q.ns).has(v) || (p.ns === q.ns && v === all.a) ? `${nsLabel(q.ns)} already has an interface named '${v}'` : null) }],
    actions: (v) => {
      const acts: BuildAction[] = [{ op: 'veth-add', ns: p.ns, name: v.a, peerNs: q.ns, peerName: v.b }];
      if (p.kind === 'bridge') acts.push({ op: 'master', ns: p.ns, name: v.a, master: p.name });
      if (q.kind === 'bridge') acts.push({ op: 'master', ns: q.ns, name: v.b, master: q.name });
      acts.push({ op: 'up', ns: p.ns, name: v.a }, { op: 'up', ns: q.ns, name: v.b });
      return acts;
    },
    stepTitle: (v) => `connect ${p.label} — ${q.label} (veth ${v.a} — ${v.b})`,
  });
}

/** An interface node dropped on a bridge node (same namespace): make it that bridge's port. */
export function dropOnBridge(ifId: string, bridgeId: string): void {
  const t = topologyStore.getState();
  const i = t.interfaces[ifId], br = t.interfaces[bridgeId];
  if (!i || !br || br.kind !== 'bridge' || i.id === br.id || i.master === br.id) return;
  const why = whyNotEditable();
  if (why) return refuse(why);
  if (i.kind === 'loopback' || i.kind === 'bridge') return refuse(`${i.name} (${i.kind}) cannot be a bridge port.`);
  if (i.namespaceId !== br.namespaceId) return refuse(`${i.name} and ${br.name} are in different namespaces; a bridge port must be in the bridge's namespace.`);
  const ns = nsKey(t, i.namespaceId);
  if (!ns) return refuse(`${i.name} is in a process namespace the engine cannot enter.`);
  void perform(`make ${i.name} a port of ${br.name}`, [{ op: 'master', ns, name: i.name, master: br.name }, ...(i.flags.includes('UP') ? [] : [{ op: 'up', ns, name: i.name } as BuildAction])]);
}

/** What Delete removes for these node ids, and whether to ask first. */
export function deletionPlan(t: TopologyState, ids: string[], ownNamespaces: string[]): { actions: BuildAction[]; items: string[]; foreign: string[]; refused: string[] } {
  const actions: BuildAction[] = [], items: string[] = [], foreign: string[] = [], refused: string[] = [];
  const nsDeleted = new Set<string>();
  const linkDeleted = new Set<string>();
  for (const id of ids) {
    const ns = t.namespaces[id];
    if (!ns) continue;
    const k = nsKey(t, id);
    if (k === HOST_NS) { refused.push('the host namespace cannot be deleted'); continue; }
    if (!k) { refused.push(`${ns.label} belongs to a process (end the process to remove it)`); continue; }
    actions.push({ op: 'ns-del', ns: k });
    nsDeleted.add(id);
    const what = `namespace ${k}`;
    items.push(what);
    if (!ownNamespaces.includes(k)) foreign.push(what);
  }
  for (const id of ids) {
    const i = t.interfaces[id];
    if (!i || nsDeleted.has(i.namespaceId) || linkDeleted.has(id)) continue;
    const k = nsKey(t, i.namespaceId);
    if (!k) { refused.push(`${i.name} is in a process namespace`); continue; }
    if (i.kind === 'loopback') { refused.push(`${i.name} (loopback) cannot be deleted`); continue; }
    // deleting one end of a veth deletes both: skip the peer if it is selected too
    linkDeleted.add(id);
    if (i.peer) linkDeleted.add(i.peer);
    if (i.peer && t.interfaces[i.peer] && nsDeleted.has(t.interfaces[i.peer].namespaceId)) continue;
    actions.push({ op: 'link-del', ns: k, name: i.name, kind: i.kind });
    const what = `${i.kind} ${i.name} in ${k}${i.peer && t.interfaces[i.peer] ? ` (and its peer ${t.interfaces[i.peer].name})` : ''}`;
    items.push(what);
    if (!isAppMade(i)) foreign.push(what);
  }
  return { actions, items, foreign, refused };
}

/** Delete pressed: remove the selection, asking first when it is more than one object or
 *  something the app did not make. */
export function deleteSelection(ids: string[]): void {
  if (!ids.length) return;
  const why = whyNotEditable();
  if (why) return refuse(why);
  const t = topologyStore.getState();
  const plan = deletionPlan(t, ids, editorStore.getState().ownNamespaces);
  if (!plan.actions.length) { if (plan.refused.length) refuse(plan.refused.join('; ')); return; }
  const title = `delete ${plan.items.join(', ')}`;
  const go = () => { void perform(title, plan.actions); };
  if (plan.items.length > 1 || plan.foreign.length) {
    const notes = [
      plan.items.length > 1 ? `This removes ${plan.items.length} objects.` : '',
      plan.foreign.length ? `Not made by VNet Studio: ${plan.foreign.join(', ')}.` : '',
      plan.refused.length ? `Left alone: ${plan.refused.join('; ')}.` : '',
    ].filter(Boolean).join(' ');
    editorStore.getState().open({ kind: 'confirm', title: 'Delete?', text: notes, items: plan.items, okLabel: 'Delete', onOk: go });
  } else go();
}
