// Keeps the stores in step with the engine: hello + snapshot on every (re)connect and engine
// restart, deltas applied in seq order (a gap triggers a fresh snapshot), counter frames merged,
// capture batches and ends handed to the capture slice.
import type { DeltaBatch, Model, Stats } from '../../electron/contract';
import type { EngineClient } from './transport/engine-client';
import { captureStore, connectionStore, counterPump as pump, topologyStore } from './store';
import { reconcileCapture } from './capture/actions';

function statsOf(model: Model): Record<string, Stats> {
  const out: Record<string, Stats> = {};
  for (const ns of model.namespaces) for (const i of ns.interfaces) out[i.id] = i.stats;
  return out;
}

export function startSync(client: EngineClient): () => void {
  let inFlight = false, again = false;
  let pending: DeltaBatch[] = [];
  const conn = connectionStore;
  conn.setState({ transport: client.transport });

  const apply = (b: DeltaBatch) => {
    const r = topologyStore.getState().applyBatch(b);
    if (r === 'gap') { void resnapshot(); return; }
    if (r === 'applied') {
      const added: Record<string, Stats> = {};
      for (const d of b.deltas) if (d.op === 'interface') added[d.iface.id] = d.iface.stats;
      pump.addMissing(added);
    }
  };

  async function resnapshot(): Promise<void> {
    if (inFlight) { again = true; return; }
    inFlight = true; pending = [];
    try {
      performance.mark('vnet:snapshot-request');
      const [hello, snap] = await Promise.all([client.call('hello'), client.call('snapshot')]);
      performance.mark('vnet:snapshot-received');
      topologyStore.getState().setSnapshot(snap.seq, snap.model);
      pump.seed(statsOf(snap.model));
      performance.mark('vnet:snapshot-applied');
      conn.setState({ status: hello, lastError: null });
      void reconcileCapture(client);
      const queued = pending.sort((a, b) => a.seq - b.seq);
      pending = [];
      inFlight = false;
      for (const b of queued) apply(b);
    } catch (e) {
      conn.setState({ lastError: e instanceof Error ? e.message : String(e) });
      inFlight = false;
      // The connection handler retries on reconnect; a live connection retries shortly.
      if (conn.getState().connected) setTimeout(() => void resnapshot(), 2_000);
    }
    if (again) { again = false; void resnapshot(); }
  }

  const offs = [
    client.on('delta', (b) => { if (inFlight) pending.push(b); else apply(b); }),
    client.on('counters', (f) => pump.push(f)),
    client.on('status', (s) => conn.setState({ status: s })),
    client.on('capturePackets', (b) => captureStore.getState().applyBatch(b)),
    client.on('captureEnded', (e) => captureStore.getState().applyEnded(e)),
    client.on('host', (n) => {
      const was = conn.getState().engineConnected;
      conn.setState({ engineConnected: n.engineConnected, hostMessage: n.message });
      // A restarted engine starts a new seq: take a fresh snapshot.
      if (n.engineConnected && !was) void resnapshot();
    }),
    client.onConnection((connected, error) => {
      conn.setState({ connected, lastError: error, ...(connected ? { engineConnected: true } : { engineConnected: false }) });
      if (connected) void resnapshot();
    }),
  ];
  return () => { for (const off of offs) off(); client.close(); };
}
