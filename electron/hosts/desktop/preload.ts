// The window's only door to the main process: exactly VnetPreloadApi (contract/) on window.vnet.
// One function per method and one subscription per notification; no generic send/invoke/on, and the
// IPC event object never reaches the page (it would hand over ipcRenderer).
//
// The window is sandboxed, so this script may require nothing but 'electron': the channel names are
// spelled here rather than imported from ipc.ts (test/unit/ipc-sender.test.ts checks they match).
import { contextBridge, ipcRenderer } from 'electron';
import type { CaptureEnded, CapturePacketsBatch, CounterFrame, DeltaBatch, EngineStatus, HostNotice, LabProgress, Methods, RpcOutcome, VnetPreloadApi } from '../../contract';

function subscribe<T>(channel: string, cb: (payload: T) => void): () => void {
  if (typeof cb !== 'function') throw new TypeError('a callback function is required');
  const listener = (_event: unknown, payload: T) => cb(payload);
  ipcRenderer.on(channel, listener);
  return () => { ipcRenderer.removeListener(channel, listener); };
}

/** A lab/building call: main answers with an RpcOutcome (engine errors as data, codes intact). */
function outcome<M extends keyof Methods>(channel: string, ...args: unknown[]): Promise<RpcOutcome<Methods[M]['result']>> {
  return ipcRenderer.invoke(channel, ...args) as Promise<RpcOutcome<Methods[M]['result']>>;
}

const api: VnetPreloadApi = {
  hello: () => ipcRenderer.invoke('vnet:hello') as Promise<EngineStatus>,
  snapshot: () => ipcRenderer.invoke('vnet:snapshot') as Promise<Methods['snapshot']['result']>,
  setSampleRate: (hz: number) => ipcRenderer.invoke('vnet:setSampleRate', Number(hz)) as Promise<Methods['setSampleRate']['result']>,
  setInterest: (namespaces) => ipcRenderer.invoke('vnet:setInterest', namespaces) as Promise<Methods['setInterest']['result']>,
  enableEditing: () => ipcRenderer.invoke('vnet:enableEditing') as Promise<{ ok: boolean; message: string }>,
  // Arguments are passed as given; main checks their shape and the engine checks them again.
  labValidate: (text, file) => outcome<'labValidate'>('vnet:labValidate', text, file),
  labPlan: (text, file) => outcome<'labPlan'>('vnet:labPlan', text, file),
  labApply: (text, file) => outcome<'labApply'>('vnet:labApply', text, file),
  labDestroy: (name) => outcome<'labDestroy'>('vnet:labDestroy', name),
  labExport: (text, file) => outcome<'labExport'>('vnet:labExport', text, file),
  labList: () => outcome<'labList'>('vnet:labList'),
  buildCommands: (actions) => outcome<'buildCommands'>('vnet:buildCommands', actions),
  build: (actions) => outcome<'build'>('vnet:build', actions),
  captureStart: (params) => outcome<'captureStart'>('vnet:captureStart', params),
  captureStop: (id) => outcome<'captureStop'>('vnet:captureStop', id),
  captureList: () => outcome<'captureList'>('vnet:captureList'),
  captureRead: (id, offset, length) => (length === undefined
    ? outcome<'captureRead'>('vnet:captureRead', id, offset)
    : outcome<'captureRead'>('vnet:captureRead', id, offset, length)),
  captureDiscard: (id) => outcome<'captureDiscard'>('vnet:captureDiscard', id),
  captureOpenInWireshark: (id) => ipcRenderer.invoke('vnet:captureOpenInWireshark', id) as Promise<{ ok: boolean; message: string }>,
  trace: (params) => outcome<'trace'>('vnet:trace', params),
  traceFollow: (params) => outcome<'traceFollow'>('vnet:traceFollow', params),
  traceCancel: (params) => outcome<'traceCancel'>('vnet:traceCancel', params),
  captureLocate: (params) => outcome<'captureLocate'>('vnet:captureLocate', params),
  onDelta: (cb) => subscribe<DeltaBatch>('vnet:delta', cb),
  onCounters: (cb) => subscribe<CounterFrame>('vnet:counters', cb),
  onStatus: (cb) => subscribe<EngineStatus>('vnet:status', cb),
  onHostNotice: (cb) => subscribe<HostNotice>('vnet:host', cb),
  onLabProgress: (cb) => subscribe<LabProgress>('vnet:labProgress', cb),
  onCapturePackets: (cb) => subscribe<CapturePacketsBatch>('vnet:capturePackets', cb),
  onCaptureEnded: (cb) => subscribe<CaptureEnded>('vnet:captureEnded', cb),
};

contextBridge.exposeInMainWorld('vnet', api);
