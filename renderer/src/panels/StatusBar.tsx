// The status bar: connection, privileges and what the engine cannot do, counts, sample rate.
import { useState } from 'react';
import { connectionStore, useConnection, useTopology } from '../store';
import { getClient } from '../transport/current-client';

const RATES = [0.5, 1, 2, 5, 10, 20, 50];

export function StatusBar() {
  const c = useConnection((s) => s);
  const nsCount = useTopology((s) => s.nsOrder.length);
  const ifCount = useTopology((s) => Object.keys(s.interfaces).length);
  const [note, setNote] = useState<string | null>(null);
  const st = c.status;
  const live = c.connected && c.engineConnected;

  const setRate = async (hz: number) => {
    const client = getClient();
    if (!client) return;
    try {
      const r = await client.call('setSampleRate', { hz });
      const cur = connectionStore.getState().status;
      if (cur) connectionStore.setState({ status: { ...cur, sampleHz: r.sampleHz } });
    } catch (e) { setNote(`sample rate: ${e instanceof Error ? e.message : String(e)}`); }
  };

  const enableEditing = async () => {
    const client = getClient();
    if (client?.enableEditing) {
      setNote('asking for privileges…');
      try { const r = await client.enableEditing(); setNote(r.message); } catch (e) { setNote(e instanceof Error ? e.message : String(e)); }
    } else {
      setNote('To edit, restart the web host with privileges: sudo vnet-studio serve');
    }
  };

  return (
    <footer className="statusbar" data-testid="status" data-connected={String(c.connected)} data-engine={String(c.engineConnected)}
      data-privileged={st ? String(st.privileged) : ''} data-namespaces={nsCount} data-interfaces={ifCount}>
      <span className={`dot ${live ? 'ok' : 'bad'}`} />
      <span data-testid="status-connection">
        {!c.connected ? `disconnected from the ${c.transport === 'electron' ? 'app' : 'web host'}${c.lastError ? ` (${c.lastError})` : ''}; reconnecting…`
          : !c.engineConnected ? `engine not running${c.hostMessage ? `: ${c.hostMessage}` : ''}`
          : `engine connected${st ? ` (v${st.version}, pid ${st.pid})` : ''}`}
      </span>
      {c.hostMessage && c.engineConnected && <span className="muted">{c.hostMessage}</span>}
      {st && (
        <span data-testid="status-privileged" className={st.privileged ? 'priv' : 'unpriv'}>
          {st.privileged ? 'privileged' : 'view only'}
          {st.limitation && <span className="muted" title={st.limitation}> — {st.limitation}</span>}
        </span>
      )}
      {st && !st.privileged && <button data-testid="enable-editing" onClick={() => void enableEditing()}>Enable editing</button>}
      {note && <span className="note" data-testid="status-note">{note}</span>}
      <span className="spacer" />
      <span data-testid="status-counts">{nsCount} namespace{nsCount === 1 ? '' : 's'} · {ifCount} interface{ifCount === 1 ? '' : 's'}</span>
      <label>
        sample
        <select data-testid="sample-rate" value={st?.sampleHz ?? 10} disabled={!live} onChange={(e) => void setRate(Number(e.target.value))}>
          {[...new Set([...RATES, st?.sampleHz ?? 10])].sort((a, b) => a - b).map((r) => <option key={r} value={r}>{r} Hz</option>)}
        </select>
      </label>
    </footer>
  );
}
