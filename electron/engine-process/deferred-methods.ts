// Methods whose modules are loaded after the engine process has answered its first requests: the
// lab code and its YAML parser take 70–180 ms to load, the capture and trace code (and libpcap's
// side of the addon they reach) some 20 ms more, which would otherwise stand between the engine's
// start and its first snapshot. Each name answers at once; the modules are loaded by the
// first call to one of them, or `warmMs` after registration, whichever comes first (so what their
// registration does on its own, such as a lab's crash recovery, still runs right after start).
import { JSONRPCErrorException, JSONRPCServer, type JSONRPCRequest } from 'json-rpc-2.0';

/** Registers `names` on `server`; `register` puts the real methods on the server it is given.
 *  Returns a function that starts the loading now (as a call would; nothing if it has started). */
export function registerDeferred(server: JSONRPCServer, names: readonly string[],
  register: (inner: JSONRPCServer) => Promise<void>, warmMs = 500): () => void {
  let inner: Promise<JSONRPCServer> | null = null;
  const load = (): Promise<JSONRPCServer> => {
    inner ??= (async () => {
      const s = new JSONRPCServer({ errorListener: () => { /* errors go back to the caller */ } });
      await register(s);
      return s;
    })();
    return inner;
  };
  // (A failed load is answered to the calls that wait for it.)
  const timer = setTimeout(() => { load().catch(() => undefined); }, warmMs);
  timer.unref?.();
  for (const name of names) {
    server.addMethod(name, async (params) => {
      clearTimeout(timer);
      const req: JSONRPCRequest = { jsonrpc: '2.0', id: 0, method: name, ...(params === undefined ? {} : { params }) };
      const res = await (await load()).receive(req);
      if (!res) return undefined;
      // The inner server's answer, passed on as the outer server would have made it.
      if (res.error) throw new JSONRPCErrorException(res.error.message, res.error.code, res.error.data);
      return res.result;
    });
  }
  return () => { clearTimeout(timer); load().catch(() => undefined); };
}
