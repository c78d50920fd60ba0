// The Electron preload's API (window.vnet): one narrow, typed function per protocol method and one
// subscription per notification — no generic send/invoke/on. The renderer adapts it to the same
// client interface it uses over the web host's WebSocket.
import type { CaptureEnded, CaptureMethods, CapturePacketsBatch, CaptureStartParams } from './capture';
import type { CounterFrame } from './counter-frame';
import type { DeltaBatch } from './deltas';
import { ProtocolError, rpcErrorOf, type RpcErrorObject } from './errors';
import type { BuildAction, LabMethods, LabProgress, LabResult } from './labs';
import type { Methods } from './rpc';
import { isObject } from './rpc';
import type { EngineStatus, HostNotice } from './status';
import type { CaptureLocateParams, TraceFollowParams, TraceParams, TraceResult } from './trace';

/** How the preload answers the lab methods: Electron's IPC and contextBridge keep only the message
 *  of a thrown Error (its code would be lost, e.g. 1001 NotPrivileged), so engine errors cross them
 *  as data and the renderer turns them back into a ProtocolError (`outcomeResult`). */
export type RpcOutcome<T> = { ok: true; result: T } | { ok: false; error: RpcErrorObject };

/** The result of an RpcOutcome, or its error thrown as a ProtocolError with the engine's code. */
export function outcomeResult<T>(outcome: RpcOutcome<T>): T {
  if (isObject(outcome) && outcome.ok === true) return outcome.result;
  const e = rpcErrorOf(isObject(outcome) ? outcome.error : undefined, 'malformed answer from the host');
  throw new ProtocolError(e.message, e.code, e.data);
}

export interface VnetPreloadApi {
  hello(): Promise<EngineStatus>;
  snapshot(): Promise<Methods['snapshot']['result']>;
  setSampleRate(hz: number): Promise<Methods['setSampleRate']['result']>;
  setInterest(namespaces: Methods['setInterest']['params']['namespaces']): Promise<Methods['setInterest']['result']>;
  /** Restart the engine with privileges (pkexec). */
  enableEditing(): Promise<{ ok: boolean; message: string }>;
  // Lab and building methods. They resolve with an RpcOutcome instead of rejecting, so the engine's
  // error code (ErrorCodes: not privileged, kernel refused, conflict, bad params) reaches the page
  // intact; they reject only when the host itself refuses the call.
  labValidate(text: string, file?: string): Promise<RpcOutcome<LabMethods['labValidate']['result']>>;
  labPlan(text: string, file?: string): Promise<RpcOutcome<LabResult>>;
  labApply(text: string, file?: string): Promise<RpcOutcome<LabResult>>;
  labDestroy(name: string): Promise<RpcOutcome<LabResult>>;
  labExport(text: string, file?: string): Promise<RpcOutcome<LabMethods['labExport']['result']>>;
  labList(): Promise<RpcOutcome<LabMethods['labList']['result']>>;
  buildCommands(actions: BuildAction[]): Promise<RpcOutcome<LabMethods['buildCommands']['result']>>;
  build(actions: BuildAction[]): Promise<RpcOutcome<LabMethods['build']['result']>>;
  // Capture methods (answers as RpcOutcome, like the lab methods).
  captureStart(params: CaptureStartParams): Promise<RpcOutcome<CaptureMethods['captureStart']['result']>>;
  captureStop(id: string): Promise<RpcOutcome<CaptureMethods['captureStop']['result']>>;
  captureList(): Promise<RpcOutcome<CaptureMethods['captureList']['result']>>;
  captureRead(id: string, offset: number, length?: number): Promise<RpcOutcome<CaptureMethods['captureRead']['result']>>;
  captureDiscard(id: string): Promise<RpcOutcome<CaptureMethods['captureDiscard']['result']>>;
  /** Desktop only: the capture's pcapng (as it is now) copied to a private temporary file and
   *  opened in Wireshark; ok false with the reason when Wireshark cannot be started. */
  captureOpenInWireshark(id: string): Promise<{ ok: boolean; message: string }>;
  /** Follow a ping hop by hop (an RpcOutcome, like the lab methods). */
  trace(params: TraceParams): Promise<RpcOutcome<TraceResult>>;
  traceFollow(params: TraceFollowParams): Promise<RpcOutcome<TraceResult>>;
  traceCancel(params: { id: string }): Promise<RpcOutcome<{ cancelled: boolean }>>;
  captureLocate(params: CaptureLocateParams): Promise<RpcOutcome<TraceResult>>;
  onDelta(cb: (batch: DeltaBatch) => void): () => void;
  onCounters(cb: (frame: CounterFrame) => void): () => void;
  onStatus(cb: (status: EngineStatus) => void): () => void;
  onHostNotice(cb: (notice: HostNotice) => void): () => void;
  onLabProgress(cb: (progress: LabProgress) => void): () => void;
  onCapturePackets(cb: (batch: CapturePacketsBatch) => void): () => void;
  onCaptureEnded(cb: (ended: CaptureEnded) => void): () => void;
}
