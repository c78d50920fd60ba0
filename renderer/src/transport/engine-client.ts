// One client interface over two transports: Electron's preload (window.vnet) or the web host's
// WebSocket (JSON-RPC 2.0, one message per text frame, token from the page URL).
import { JSONRPCClient } from 'json-rpc-2.0';
import { outcomeResult, type CaptureMethods, type LabMethods, type MethodName, type Methods, type NotificationName, type Notifications, type TraceMethods, type VnetPreloadApi } from '../../../electron/contract';

export interface EngineClient {
  readonly transport: 'electron' | 'websocket';
  call<M extends MethodName>(method: M, params?: Methods[M]['params']): Promise<Methods[M]['result']>;
  on<N extends NotificationName>(name: N, cb: (payload: Notifications[N]) => void): () => void;
  /** Transport up/down (the WebSocket reconnects by itself with backoff). */
  onConnection(cb: (connected: boolean, error: string | null) => void): () => void;
  /** Electron only: restart the engine with privileges. */
  enableEditing?(): Promise<{ ok: boolean; message: string }>;
  /** Electron only: the capture's pcapng opened in Wireshark. */
  captureOpenInWireshark?(id: string): Promise<{ ok: boolean; message: string }>;
  close(): void;
}

type Listeners = { [N in NotificationName]: Set<(p: Notifications[N]) => void> };
const newListeners = (): Listeners => ({ delta: new Set(), counters: new Set(), status: new Set(), host: new Set(), labProgress: new Set(),
  capturePackets: new Set(), captureEnded: new Set() });

declare global { interface Window { vnet?: VnetPreloadApi } }

export function createEngineClient(): EngineClient {
  if (typeof window !== 'undefined' && window.vnet) return electronClient(window.vnet);
  return webSocketClient(wsUrl());
}

/** ws(s)://<same host>/ws?token=T, the token taken from the page's own URL. */
export function wsUrl(loc: Pick<Location, 'protocol' | 'host' | 'search'> = location): string {
  const token = new URLSearchParams(loc.search).get('token') ?? '';
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
}

function electronClient(api: VnetPreloadApi): EngineClient {
  return {
    transport: 'electron',
    call: (async (method: MethodName, params?: unknown) => {
      switch (method) {
        case 'hello': return api.hello();
        case 'snapshot': return api.snapshot();
        case 'setSampleRate': return api.setSampleRate((params as { hz: number }).hz);
        case 'setInterest': return api.setInterest((params as Methods['setInterest']['params']).namespaces);
        // Lab methods answer with an RpcOutcome; outcomeResult rethrows engine errors with their code.
        case 'labValidate': case 'labPlan': case 'labApply': case 'labExport': {
          const p = params as LabMethods['labApply']['params'];
          // One call per method: a call through api[method] has a union type outcomeResult cannot infer.
          if (method === 'labValidate') return outcomeResult(await api.labValidate(p.text, p.file));
          if (method === 'labPlan') return outcomeResult(await api.labPlan(p.text, p.file));
          if (method === 'labApply') return outcomeResult(await api.labApply(p.text, p.file));
          return outcomeResult(await api.labExport(p.text, p.file));
        }
        case 'labDestroy': return outcomeResult(await api.labDestroy((params as { name: string }).name));
        case 'labList': return outcomeResult(await api.labList());
        case 'buildCommands': return outcomeResult(await api.buildCommands((params as LabMethods['buildCommands']['params']).actions));
        case 'build': return outcomeResult(await api.build((params as LabMethods['build']['params']).actions));
        case 'captureStart': return outcomeResult(await api.captureStart(params as CaptureMethods['captureStart']['params']));
        case 'captureStop': return outcomeResult(await api.captureStop((params as { id: string }).id));
        case 'captureList': return outcomeResult(await api.captureList());
        case 'captureRead': {
          const p = params as CaptureMethods['captureRead']['params'];
          return outcomeResult(await api.captureRead(p.id, p.offset, p.length));
        }
        case 'captureDiscard': return outcomeResult(await api.captureDiscard((params as { id: string }).id));
        case 'trace': return outcomeResult(await api.trace(params as TraceMethods['trace']['params']));
        case 'traceFollow': return outcomeResult(await api.traceFollow(params as TraceMethods['traceFollow']['params']));
        case 'traceCancel': return outcomeResult(await api.traceCancel(params as TraceMethods['traceCancel']['params']));
        case 'captureLocate': return outcomeResult(await api.captureLocate(params as TraceMethods['captureLocate']['params']));
        default: throw new Error(`unknown method ${String(method)}`);
      }
    }) as EngineClient['call'],
    on: ((name: NotificationName, cb: (p: any) => void) => {
      switch (name) {
        case 'delta': return api.onDelta(cb);
        case 'counters': return api.onCounters(cb);
        case 'status': return api.onStatus(cb);
        case 'host': return api.onHostNotice(cb);
        case 'labProgress': return api.onLabProgress(cb);
        case 'capturePackets': return api.onCapturePackets(cb);
        case 'captureEnded': return api.onCaptureEnded(cb);
        default: return () => {};
      }
    }) as EngineClient['on'],
    onConnection(cb) { queueMicrotask(() => cb(true, null)); return () => {}; },
    enableEditing: () => api.enableEditing(),
    captureOpenInWireshark: (id) => api.captureOpenInWireshark(id),
    close() {},
  };
}

function webSocketClient(url: string): EngineClient {
  const listeners = newListeners();
  const connListeners = new Set<(c: boolean, e: string | null) => void>();
  let ws: WebSocket | null = null;
  let closed = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const rpc = new JSONRPCClient((payload) => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected to the VNet Studio host'));
    ws.send(JSON.stringify(payload));
  });

  const emitConn = (c: boolean, e: string | null) => { for (const cb of connListeners) cb(c, e); };

  const connect = () => {
    if (closed) return;
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => { delay = 500; emitConn(true, null); };
    sock.onmessage = (ev) => {
      let msg: unknown;
      try { msg = JSON.parse(String(ev.data)); } catch { return; }
      for (const m of Array.isArray(msg) ? msg : [msg]) {
        if (m && typeof m === 'object' && 'method' in m && !('id' in m && m.id != null)) {
          const set = listeners[m.method as NotificationName] as Set<(p: unknown) => void> | undefined;
          if (set) for (const cb of set) cb(m.params);
        } else {
          rpc.receive(m);
        }
      }
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      rpc.rejectAllPendingRequests('connection to the VNet Studio host closed');
      emitConn(false, ev.code === 1008 || ev.code === 4401 ? `refused by the host (${ev.reason || 'bad token?'})` : ev.reason || null);
      if (!closed) {
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 5_000);
      }
    };
    sock.onerror = () => { /* onclose follows and schedules the retry */ };
  };
  connect();

  return {
    transport: 'websocket',
    call: ((method: MethodName, params?: unknown) =>
      rpc.timeout(30_000).request(method, (params ?? {}) as Record<string, unknown>)) as EngineClient['call'],
    on: ((name: NotificationName, cb: (p: never) => void) => {
      const set = listeners[name] as Set<(p: never) => void>;
      set.add(cb);
      return () => set.delete(cb);
    }) as EngineClient['on'],
    onConnection(cb) {
      connListeners.add(cb);
      if (ws?.readyState === WebSocket.OPEN) queueMicrotask(() => cb(true, null));
      return () => connListeners.delete(cb);
    },
    close() { closed = true; if (timer) clearTimeout(timer); ws?.close(); },
  };
}
