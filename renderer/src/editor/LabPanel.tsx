// Labs: save the canvas (or the selection) as a lab file, open one, validate it (issues with line
// numbers), preview its plan, apply it with progress, list applied labs and destroy one, export a
// lab as a shell script.
import { useCallback, useEffect, useState } from 'react';
import { useReactFlow } from '@xyflow/react';
import { ErrorCodes, type LabIssue, type LabProgress } from '../../../electron/contract';
import { getClient } from '../transport/current-client';
import type { FlowNode } from '../graph/types';
import { topologyStore, uiStore } from '../store';
import { editorStore, useEditor } from './editor-store';
import { download } from './clipboard';
import { labYaml } from './lab-yaml';
import { labnameError } from './model';
import { errorOf, logLab, refreshOwned, useWhyNotEditable } from './perform';

export function LabPanel() {
  const why = useWhyNotEditable();
  const rf = useReactFlow<FlowNode>();
  const [name, setName] = useState('my-lab');
  const [scope, setScope] = useState<'all' | 'selection'>('all');
  const [text, setText] = useState('');
  const [file, setFile] = useState<string | undefined>(undefined);
  const [notes, setNotes] = useState<string[]>([]);
  const [issues, setIssues] = useState<LabIssue[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [plan, setPlan] = useState<string[] | null>(null);
  const [progress, setProgress] = useState<LabProgress | null>(null);
  const labs = useEditor((st) => st.labs);
  const [busy, setBusy] = useState(false);
  const nameErr = labnameError(name);

  const refresh = useCallback(() => refreshOwned(), []);
  useEffect(() => { void refresh(); }, [refresh]);
  useEffect(() => getClient()?.on('labProgress', (p) => setProgress(p)), []);

  const fail = (what: string, e: unknown) => {
    const err = errorOf(e);
    if (err.code === ErrorCodes.NotPrivileged) editorStore.setState({ refusedUnprivileged: true });
    setStatus(`${what} failed: ${err.message}`);
    return err.message;
  };

  const save = () => {
    if (nameErr) return;
    const ids = scope === 'selection'
      ? [...new Set([...rf.getNodes().filter((n) => n.selected).map((n) => n.id), ...(uiStore.getState().selection ? [uiStore.getState().selection!.id] : [])])]
      : undefined;
    if (scope === 'selection' && !ids?.length) { setStatus('Nothing is selected.'); return; }
    const r = labYaml(topologyStore.getState(), name, ids);
    setText(r.text); setFile(undefined); setNotes(r.notes); setIssues(null); setPlan(null);
    download(`${name}.yaml`, r.text, 'application/yaml');
    setStatus(`saved ${name}.yaml`);
  };

  const validate = async (t = text, f = file) => {
    setPlan(null);
    try {
      const r = await getClient()!.call('labValidate', { text: t, file: f });
      setIssues(r.issues);
      setStatus(r.ok ? `${r.name}: valid` : `${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}`);
      return r.ok;
    } catch (e) { fail('validate', e); return false; }
  };

  const open = async (f: File) => {
    const t = await f.text();
    setText(t); setFile(f.name); setNotes([]);
    const m = /^name:\s*["']?([A-Za-z0-9_.-]+)/m.exec(t);
    if (m) setName(m[1]);
    await validate(t, f.name);
  };

  const doPlan = async () => {
    if (!(await validate())) return;
    try {
      const r = await getClient()!.call('labPlan', { text, file });
      setPlan(r.commands.length ? r.commands : []);
      setNotes(r.notes);
      setStatus(r.commands.length ? `apply would run ${r.commands.length} command${r.commands.length === 1 ? '' : 's'}` : 'nothing to do: the kernel already matches');
    } catch (e) { fail('plan', e); }
  };

  const apply = async () => {
    if (busy || !(await validate())) return;
    setBusy(true); setProgress(null); setStatus('applying…');
    try {
      const r = await getClient()!.call('labApply', { text, file });
      logLab(`lab apply ${r.lab}`, r.commands);
      setStatus(r.commands.length ? `applied ${r.lab} (${r.commands.length} commands)` : `${r.lab}: nothing to do`);
    } catch (e) { logLab(`lab apply ${name}`, [], fail('apply', e)); }
    setBusy(false);
    void refresh();
  };

  const destroy = (lab: string) => {
    editorStore.getState().open({
      kind: 'confirm', title: `Destroy lab ${lab}?`, okLabel: 'Destroy', items: [],
      text: `Removes exactly what lab ${lab} made (its namespaces and marked interfaces); nothing else.`,
      onOk: async () => {
        setBusy(true); setProgress(null); setStatus(`destroying ${lab}…`);
        try {
          const r = await getClient()!.call('labDestroy', { name: lab });
          logLab(`lab destroy ${lab}`, r.commands);
          setStatus(`destroyed ${lab}`);
        } catch (e) { logLab(`lab destroy ${lab}`, [], fail('destroy', e)); }
        setBusy(false);
        void refresh();
      },
    });
  };

  const exportScript = async () => {
    if (!(await validate())) return;
    try {
      const r = await getClient()!.call('labExport', { text, file });
      download(`${name}.sh`, r.script, 'text/x-shellscript');
      setStatus(`exported ${name}.sh`);
    } catch (e) { fail('export', e); }
  };

  const pct = progress && progress.total ? Math.round((progress.done / progress.total) * 100) : 0;
  return (
    <div className="lab-panel" data-testid="lab-panel">
      <section>
        <h4>Save as lab</h4>
        <div className="row">
          <input data-testid="lab-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!nameErr} spellCheck={false} />
          <select data-testid="lab-scope" value={scope} onChange={(e) => setScope(e.target.value as 'all' | 'selection')}>
            <option value="all">whole canvas</option><option value="selection">selection</option>
          </select>
          <button data-testid="lab-save" disabled={!!nameErr} onClick={save}>⤓ save .yaml</button>
        </div>
        {nameErr && <div className="field-error" data-testid="lab-name-error">{nameErr}</div>}
      </section>
      <section>
        <h4>Open a lab</h4>
        <div className="row">
          <input type="file" data-testid="lab-file" accept=".yaml,.yml,text/yaml" onChange={(e) => { const f = e.target.files?.[0]; if (f) void open(f); e.target.value = ''; }} />
        </div>
        <div className="row">
          <button data-testid="lab-validate" disabled={!text} onClick={() => void validate()}>validate</button>
          <button data-testid="lab-plan" disabled={!text} onClick={() => void doPlan()}>plan</button>
          <button data-testid="lab-apply" className="primary" disabled={!text || busy || !!why} title={why ?? 'Make it (only the difference)'} onClick={() => void apply()}>apply</button>
          <button data-testid="lab-export" disabled={!text} title="A shell script of ip commands" onClick={() => void exportScript()}>⤓ export .sh</button>
        </div>
        {progress && (busy || progress.done < progress.total) && (
          <div className="lab-progress-row">
            <progress data-testid="lab-progress" value={progress.done} max={progress.total || 1} />
            <span className="muted">{progress.phase} {progress.done}/{progress.total} {progress.object}</span>
          </div>
        )}
        {progress && !busy && progress.done >= progress.total && <progress data-testid="lab-progress" data-done="true" value={pct} max={100} />}
        {status && <div className="lab-status" data-testid="lab-status">{status}</div>}
        {issues && issues.length > 0 && (
          <ul className="lab-issues" data-testid="lab-issues">
            {issues.map((x, k) => <li key={k} data-testid="lab-issue" data-line={x.line}><b>line {x.line}</b> {x.path}: {x.message}</li>)}
          </ul>
        )}
        {notes.length > 0 && <ul className="lab-notes muted" data-testid="lab-notes">{notes.map((n, k) => <li key={k}>{n}</li>)}</ul>}
        {plan && (
          <div className="lab-plan" data-testid="lab-plan-commands">
            {plan.length === 0 && <span className="muted">nothing to do</span>}
            {plan.map((l, k) => <code key={k} data-testid="plan-line">{l}</code>)}
          </div>
        )}
        {text && <textarea data-testid="lab-text" value={text} spellCheck={false} onChange={(e) => { setText(e.target.value); setIssues(null); setPlan(null); }} rows={8} />}
      </section>
      <section>
        <h4>Applied labs <button className="small" data-testid="lab-refresh" onClick={() => void refresh()}>↻</button></h4>
        <ul className="lab-list" data-testid="lab-list">
          {labs.length === 0 && <li className="muted">none</li>}
          {labs.map((l) => (
            <li key={l.name} data-testid="lab-entry" data-lab={l.name} data-state={l.state}>
              <b>{l.name}</b> <span className="muted">{l.state} · {l.namespaces.length} ns · {l.links.length} links</span>
              <button className="small danger" data-testid="lab-destroy" disabled={busy || !!why} title={why ?? `Remove what ${l.name} made`} onClick={() => destroy(l.name)}>destroy</button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
