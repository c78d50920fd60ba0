// Doing canvas steps through the engine: `build` performs the actions and returns the `ip` lines
// it ran (logged), the inverse is computed first from the picture as it is, and undo/redo perform
// inverses through `build` too. One step at a time (the busy flag).
import { ErrorCodes, type BuildAction } from '../../../electron/contract';
import { getClient } from '../transport/current-client';
import { connectionStore, topologyStore, useConnection } from '../store';
import { editorStore, useEditor, type LogKind, type Step } from './editor-store';
import { inverseOf } from './undo';

// A refusal for want of privileges holds until the engine says something new about itself (a
// restarted, elevated engine answers hello again).
// Each hello (a new or restarted engine) also re-reads which labs exist.
connectionStore.subscribe((s, prev) => {
  if (s.status === prev.status) return;
  if (editorStore.getState().refusedUnprivileged) editorStore.setState({ refusedUnprivileged: false });
  if (s.status) void refreshOwned();
});

/** Engine errors keep their JSON-RPC code (WebSocket: JSONRPCErrorException; Electron: ProtocolError). */
export function errorOf(e: unknown): { code: number | null; message: string } {
  const x = e as { code?: unknown; message?: unknown };
  return { code: typeof x?.code === 'number' ? x.code : null, message: typeof x?.message === 'string' ? x.message : String(e) };
}

export const UNPRIVILEGED_HELP =
  'The engine runs without privileges, so it can show but not change the network. '
  + 'In the app, click "Enable editing" in the status bar; with the web host, restart it as root (sudo vnet-studio serve).';

/** Why editing is not possible now, or null when it is. */
export function whyNotEditable(conn = connectionStore.getState(), refused = editorStore.getState().refusedUnprivileged): string | null {
  if (!conn.connected || !conn.engineConnected) return 'Not connected to the engine.';
  if (refused || (conn.status && !conn.status.privileged)) return UNPRIVILEGED_HELP;
  return null;
}

export function useWhyNotEditable(): string | null {
  const connected = useConnection((s) => s.connected && s.engineConnected);
  const privileged = useConnection((s) => s.status?.privileged ?? true);
  const refused = useEditor((s) => s.refusedUnprivileged);
  if (!connected) return 'Not connected to the engine.';
  if (refused || !privileged) return UNPRIVILEGED_HELP;
  return null;
}

async function run(kind: LogKind, title: string, actions: BuildAction[]): Promise<{ ok: true; commands: string[] } | { ok: false; message: string }> {
  const client = getClient();
  const st = editorStore.getState();
  const id = st.log_({ kind, title, commands: [], status: 'running', error: null });
  if (!client) { st.patchLog(id, { status: 'error', error: 'no engine connection' }); return { ok: false, message: 'no engine connection' }; }
  try {
    const r = await client.call('build', { actions });
    editorStore.getState().patchLog(id, { status: 'ok', commands: r.commands });
    return { ok: true, commands: r.commands };
  } catch (e) {
    const err = errorOf(e);
    if (err.code === ErrorCodes.NotPrivileged) editorStore.setState({ refusedUnprivileged: true });
    let commands: string[] = [];
    try { commands = (await client.call('buildCommands', { actions })).commands; } catch { /* invalid actions have no lines */ }
    editorStore.getState().patchLog(id, { status: 'error', error: err.message, commands });
    return { ok: false, message: err.message };
  }
}

/** Performs one canvas step; on success it joins the undo stack. Returns the engine's error text on failure. */
export async function perform(title: string, actions: BuildAction[]): Promise<string | null> {
  if (!actions.length) return null;
  const st = editorStore.getState();
  if (st.busy) return 'another change is still running';
  st.setBusy(true);
  try {
    const inv = inverseOf(actions, topologyStore.getState());
    const r = await run('do', title, actions);
    if (!r.ok) return r.message;
    const step: Step = inv.inverse ? { title, actions, inverse: inv.inverse } : { title, actions, inverse: null, why: inv.reason };
    editorStore.getState().done(step);
    refreshIfMade(actions);
    return null;
  } finally { editorStore.getState().setBusy(false); }
}

/** Steps that make or remove objects change the journal: re-read the labs. */
function refreshIfMade(actions: BuildAction[]): void {
  if (actions.some((a) => /-add$|-del$/.test(a.op) && !a.op.startsWith('addr') && !a.op.startsWith('route'))) void refreshOwned();
}

export async function undo(): Promise<string | null> {
  const st = editorStore.getState();
  const step = st.undo[st.undo.length - 1];
  if (!step || st.busy) return null;
  if (!step.inverse) return `"${step.title}" cannot be undone: ${step.why ?? 'no inverse'}`;
  st.setBusy(true);
  try {
    const r = await run('undo', `undo: ${step.title}`, step.inverse);
    if (!r.ok) return r.message;
    editorStore.getState().undone();
    refreshIfMade(step.inverse);
    return null;
  } finally { editorStore.getState().setBusy(false); }
}

export async function redo(): Promise<string | null> {
  const st = editorStore.getState();
  const step = st.redo[st.redo.length - 1];
  if (!step || st.busy) return null;
  st.setBusy(true);
  try {
    const inv = inverseOf(step.actions, topologyStore.getState());
    const r = await run('redo', `redo: ${step.title}`, step.actions);
    if (!r.ok) return r.message;
    editorStore.getState().redone(inv.inverse ? { ...step, inverse: inv.inverse } : { ...step, inverse: null, why: inv.reason });
    refreshIfMade(step.actions);
    return null;
  } finally { editorStore.getState().setBusy(false); }
}

/** The labs the journal knows, and the namespaces the app made (canvas and labs), so Delete knows
 *  what is the user's own. */
export async function refreshOwned(): Promise<void> {
  const client = getClient();
  if (!client) return;
  try {
    const r = await client.call('labList', {});
    editorStore.setState({ labs: r.labs, ownNamespaces: [...new Set(r.labs.flatMap((l) => l.namespaces))] });
  } catch { /* unprivileged engines may not read the journal: nothing is "ours" then */ }
}

/** Adds a line to the log for lab operations (apply/destroy/plan), which are not canvas steps. */
export function logLab(title: string, commands: string[], error: string | null = null): void {
  editorStore.getState().log_({ kind: 'lab', title, commands, status: error ? 'error' : 'ok', error });
}
