// The command log: every canvas step, undo, redo and lab operation with the exact `ip`/`bridge`
// lines it ran (copyable), newest at the bottom; undo/redo buttons.
import { memo, useEffect, useRef, useState } from 'react';
import { editorStore, useEditor, type LogEntry } from './editor-store';
import { copyText } from './clipboard';
import { redo, undo } from './perform';

function CopyButton({ text, testid, label = 'copy' }: { text: string; testid: string; label?: string }) {
  const [done, setDone] = useState<'' | 'ok' | 'fail'>('');
  return (
    <button className="small" data-testid={testid} disabled={!text} title="Copy the command lines"
      onClick={async () => { setDone((await copyText(text)) ? 'ok' : 'fail'); setTimeout(() => setDone(''), 1200); }}>
      {done === 'ok' ? 'copied' : done === 'fail' ? 'copy failed' : label}
    </button>
  );
}

const Entry = memo(function Entry({ e }: { e: LogEntry }) {
  return (
    <div className={`log-entry ${e.status} kind-${e.kind}`} data-testid="command-entry" data-status={e.status} data-kind={e.kind}>
      <div className="log-head">
        <span className="log-title">{e.kind === 'do' ? '' : `${e.kind} · `}{e.title.replace(/^(undo|redo): /, '')}</span>
        <span className="muted">{new Date(e.time).toLocaleTimeString()}</span>
        {e.status === 'running' && <span className="muted">running…</span>}
        <CopyButton text={e.commands.join('\n')} testid="copy-entry" />
      </div>
      {e.commands.map((l, k) => <code key={k} className="command-line" data-testid="command-line">{l}</code>)}
      {e.error && <div className="engine-error" data-testid="command-error">{e.error}</div>}
    </div>
  );
});

export function CommandLog() {
  const log = useEditor((s) => s.log);
  const canUndo = useEditor((s) => s.undo.length > 0 && !s.busy);
  const canRedo = useEditor((s) => s.redo.length > 0 && !s.busy);
  const nextUndo = useEditor((s) => s.undo[s.undo.length - 1]);
  const nextRedo = useEditor((s) => s.redo[s.redo.length - 1]);
  const busy = useEditor((s) => s.busy);
  const [note, setNote] = useState<string | null>(null);
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => { end.current?.scrollIntoView({ block: 'nearest' }); }, [log.length]);
  const all = log.flatMap((e) => e.commands).join('\n');
  const act = async (f: () => Promise<string | null>) => setNote(await f());
  return (
    <div className="command-log" data-testid="command-log" data-busy={String(busy)}>
      <div className="log-bar">
        <button data-testid="undo" disabled={!canUndo} title={nextUndo ? `Undo: ${nextUndo.title} (Ctrl+Z)` : 'Nothing to undo'} onClick={() => void act(undo)}>↶ undo</button>
        <button data-testid="redo" disabled={!canRedo} title={nextRedo ? `Redo: ${nextRedo.title} (Ctrl+Shift+Z)` : 'Nothing to redo'} onClick={() => void act(redo)}>↷ redo</button>
        <CopyButton text={all} testid="copy-all" label="copy all" />
        <button className="small" data-testid="clear-log" onClick={() => editorStore.getState().clearLog()}>clear</button>
        {note && <span className="engine-error" data-testid="undo-error">{note}</span>}
      </div>
      <div className="log-entries">
        {log.length === 0 && <div className="muted hint">Every change made here shows the `ip` commands that do the same from a shell.</div>}
        {log.map((e) => <Entry key={e.id} e={e} />)}
        <div ref={end} />
      </div>
    </div>
  );
}
