// The editor's dialogs, in the page (not window.prompt/confirm): a small form with inline checks
// and a live preview of the `ip` lines it will run, and a confirmation listing what Delete removes.
import { useEffect, useMemo, useState } from 'react';
import type { BuildAction } from '../../../electron/contract';
import { getClient } from '../transport/current-client';
import { editorStore, useEditor, type Dialog } from './editor-store';
import { errorOf, perform } from './perform';

function FormDialog({ d }: { d: Extract<Dialog, { kind: 'form' }> }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(d.fields.map((f) => [f.key, f.value])));
  const [engineError, setEngineError] = useState<string | null>(null);
  const [preview, setPreview] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const errors = useMemo(() => Object.fromEntries(d.fields.map((f) => [f.key, f.check?.(values[f.key] ?? '', values) ?? null])), [d, values]);
  const ok = Object.values(errors).every((e) => !e);
  const actions = useMemo(() => (ok ? d.actions(values) : 'fix the fields above'), [d, values, ok]);

  // what the engine will run, as `ip` lines (nothing is touched)
  useEffect(() => {
    if (typeof actions === 'string') { setPreview([]); return; }
    let live = true;
    const t = setTimeout(() => {
      getClient()?.call('buildCommands', { actions }).then((r) => { if (live) setPreview(r.commands); }, () => { if (live) setPreview([]); });
    }, 120);
    return () => { live = false; clearTimeout(t); };
  }, [actions]);

  const submit = async () => {
    if (typeof actions === 'string' || busy) return;
    setBusy(true); setEngineError(null);
    const err = await perform(d.stepTitle(values), actions as BuildAction[]);
    setBusy(false);
    if (err) setEngineError(err); else editorStore.getState().open(null);
  };

  return (
    <form className="editor-dialog" data-testid="dialog" role="dialog" aria-label={d.title} onSubmit={(e) => { e.preventDefault(); void submit(); }}
      onKeyDown={(e) => { if (e.key === 'Escape') editorStore.getState().open(null); }}>
      <h3>{d.title}</h3>
      {d.text && <p className="muted">{d.text}</p>}
      {d.fields.map((f, n) => (
        <label key={f.key} className="field">
          <span>{f.label}</span>
          {f.options
            ? <select data-testid={`dialog-field-${f.key}`} value={values[f.key]} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}>
                {f.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
              </select>
            : <input data-testid={`dialog-field-${f.key}`} value={values[f.key]} autoFocus={n === 0} spellCheck={false}
                aria-invalid={!!errors[f.key]} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} />}
          {errors[f.key] && <span className="field-error" data-testid={`dialog-error-${f.key}`}>{errors[f.key]}</span>}
        </label>
      ))}
      {preview.length > 0 && (
        <div className="preview" data-testid="dialog-preview">
          <span className="muted">will run:</span>
          {preview.map((l, k) => <code key={k}>{l}</code>)}
        </div>
      )}
      {engineError && <div className="engine-error" data-testid="dialog-error">{engineError}</div>}
      <div className="buttons">
        <button type="button" data-testid="dialog-cancel" onClick={() => editorStore.getState().open(null)}>Cancel</button>
        <button type="submit" className="primary" data-testid="dialog-ok" disabled={!ok || busy}>{busy ? '…' : d.okLabel}</button>
      </div>
    </form>
  );
}

function ConfirmDialog({ d }: { d: Extract<Dialog, { kind: 'confirm' }> }) {
  return (
    <div className="editor-dialog" data-testid="confirm-dialog" role="alertdialog" aria-label={d.title}
      onKeyDown={(e) => { if (e.key === 'Escape') editorStore.getState().open(null); }}>
      <h3>{d.title}</h3>
      <p>{d.text}</p>
      {d.items.length > 0 && <ul data-testid="confirm-items">{d.items.map((x) => <li key={x}>{x}</li>)}</ul>}
      <div className="buttons">
        {!d.info && <button data-testid="confirm-cancel" onClick={() => editorStore.getState().open(null)}>Cancel</button>}
        <button className={d.info ? '' : 'danger'} data-testid="confirm-ok" autoFocus
          onClick={() => { editorStore.getState().open(null); d.onOk(); }}>{d.okLabel}</button>
      </div>
    </div>
  );
}

export function EditorDialogs() {
  const d = useEditor((s) => s.dialog);
  if (!d) return null;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) editorStore.getState().open(null); }}>
      {d.kind === 'form' ? <FormDialog key={d.title} d={d} /> : <ConfirmDialog d={d} />}
    </div>
  );
}

export { errorOf };
