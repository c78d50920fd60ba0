// The Electron window's seat at the relay: turns "call method M with params P" into a JSON-RPC
// request and the matching response back into a settled promise; notifications go to a callback.
import { ErrorCodes, NOTIFICATION_NAMES, rpcErrorOf, type MethodName, type NotificationName } from '../../contract';
import type { JsonRpcMessage, Relay, RelayClient } from '../relay';

export class RpcError extends Error {
  constructor(message: string, readonly code: number, readonly data?: unknown) { super(message); }
}

export class RelayCaller {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly client: RelayClient;

  constructor(relay: Relay, private readonly onNotification: (name: NotificationName, params: unknown) => void, private readonly timeoutMs = 30_000) {
    this.client = relay.connect((msg) => this.deliver(msg));
  }

  request(method: MethodName, params?: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(`the engine did not answer "${method}" within ${this.timeoutMs / 1000} s`, ErrorCodes.InternalError));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const msg: JsonRpcMessage = { jsonrpc: '2.0', id, method };
      if (params !== undefined) msg.params = params;
      this.client.receive(msg);
    });
  }

  close(): void {
    this.client.close();
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new RpcError('closed', ErrorCodes.InternalError)); }
    this.pending.clear();
  }

  private deliver(msg: JsonRpcMessage): void {
    if (typeof msg.method === 'string') {
      if ((NOTIFICATION_NAMES as readonly string[]).includes(msg.method)) this.onNotification(msg.method as NotificationName, msg.params);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if ('error' in msg) {
      const e = rpcErrorOf(msg.error, 'engine error');
      p.reject(new RpcError(e.message, e.code, e.data));
    } else {
      p.resolve(msg.result);
    }
  }
}
