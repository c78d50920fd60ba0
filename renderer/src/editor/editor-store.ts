// The editor's slice: the command log (what ran, as `ip`/`bridge` lines), the undo and redo stacks
// of canvas steps, the dialog being shown, and whether editing is possible (a privileged engine).
// Pure transitions first (tested in node), then a vanilla zustand store over them.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { BuildAction, LabSummary } from '../../../electron/contract';

export type LogKind = 'do' | 'undo' | 'redo' | 'lab';
export interface LogEntry {
  id: number;
  kind: LogKind;
  title: string;
  /** The command lines (what ran, or for a refused step, what was asked). */
  commands: string[];
  status: 'running' | 'ok' | 'error';
  error: string | null;
  time: number;
}

/** One canvas gesture: what it did and how to undo it (null when it cannot be undone). */
export interface Step { title: string; actions: BuildAction[]; inverse: BuildAction[] | null; why?: string }

export interface DialogField {
  key: string; label: string; value: string;
  /** A select instead of a text input. */
  options?: { value: string; label: string }[];
  check?: (v: string, all: Record<string, string>) => string | null;
}
export type Dialog =
  | { kind: 'form'; title: string; text?: string; fields: DialogField[]; okLabel: string;
      /** The actions for these values, or an error text to show. */
      actions: (v: Record<string, string>) => BuildAction[] | string; stepTitle: (v: Record<string, string>) => string }
  | { kind: 'confirm'; title: string; text: string; items: string[]; okLabel: string; onOk: () => void;
      /** Only tells something: one OK button. */
      info?: boolean };

export interface EditorState {
  log: LogEntry[];
  undo: Step[];
  redo: Step[];
  busy: boolean;
  dialog: Dialog | null;
  /** Set when the engine said NotPrivileged (1001) although the status said otherwise. */
  refusedUnprivileged: boolean;
  /** Namespaces the app made (the 'canvas' pseudo-lab and labs), from labList. */
  ownNamespaces: string[];
  /** Labs the engine's journal knows (the canvas's own pseudo-lab 'canvas' among them). */
  labs: LabSummary[];
  nextId: number;
}

export const MAX_LOG = 500;
export const MAX_UNDO = 100;

export function emptyEditor(): EditorState {
  return { log: [], undo: [], redo: [], busy: false, dialog: null, refusedUnprivileged: false, ownNamespaces: [], labs: [], nextId: 1 };
}

export function addLog(s: EditorState, e: Omit<LogEntry, 'id' | 'time'>): { state: EditorState; id: number } {
  const entry: LogEntry = { ...e, id: s.nextId, time: Date.now() };
  const log = [...s.log, entry];
  return { state: { ...s, log: log.length > MAX_LOG ? log.slice(log.length - MAX_LOG) : log, nextId: s.nextId + 1 }, id: entry.id };
}

export function updateLog(s: EditorState, id: number, patch: Partial<LogEntry>): EditorState {
  return { ...s, log: s.log.map((e) => (e.id === id ? { ...e, ...patch } : e)) };
}

/** A new step done: it can be undone, and what was undone before can no longer be redone. */
export function stepDone(s: EditorState, step: Step): EditorState {
  const undo = [...s.undo, step];
  return { ...s, undo: undo.length > MAX_UNDO ? undo.slice(undo.length - MAX_UNDO) : undo, redo: [] };
}

/** The last step undone: it moves to the redo stack. */
export function stepUndone(s: EditorState): EditorState {
  if (!s.undo.length) return s;
  const step = s.undo[s.undo.length - 1];
  return { ...s, undo: s.undo.slice(0, -1), redo: [...s.redo, step] };
}

/** The last undone step done again (with its inverse computed anew against the kernel of now). */
export function stepRedone(s: EditorState, again: Step): EditorState {
  if (!s.redo.length) return s;
  return { ...s, redo: s.redo.slice(0, -1), undo: [...s.undo, again] };
}

export interface EditorStore extends EditorState {
  log_(e: Omit<LogEntry, 'id' | 'time'>): number;
  patchLog(id: number, patch: Partial<LogEntry>): void;
  clearLog(): void;
  done(step: Step): void;
  undone(): void;
  redone(step: Step): void;
  setBusy(b: boolean): void;
  open(d: Dialog | null): void;
}

export function createEditorStore() {
  return createStore<EditorStore>()((set, get) => ({
    ...emptyEditor(),
    log_: (e) => { const r = addLog(get(), e); set(r.state); return r.id; },
    patchLog: (id, patch) => set(updateLog(get(), id, patch)),
    clearLog: () => set({ log: [] }),
    done: (step) => set(stepDone(get(), step)),
    undone: () => set(stepUndone(get())),
    redone: (step) => set(stepRedone(get(), step)),
    setBusy: (busy) => set({ busy }),
    open: (dialog) => set({ dialog }),
  }));
}

export const editorStore = createEditorStore();
export const useEditor = <T,>(sel: (s: EditorStore) => T) => useStore(editorStore, sel);
