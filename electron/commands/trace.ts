// `vnet-studio trace NS ADDRESS [--json] [--count N] [--timeout MS]`: ping ADDRESS from namespace
// NS and follow each echo hop by hop (electron/trace/), printed in order or as the trace method's
// JSON. An engine in this process reads the model and holds the namespace handles.
import {
  hopText, parseIp, TRACE_DEFAULT_TIMEOUT_MS, TRACE_MAX_COUNT, TRACE_MAX_TIMEOUT_MS, TRACE_MIN_TIMEOUT_MS,
  type TraceEcho, type TraceHop, type TraceResult,
} from '../contract';
import { Engine } from '../engine';
import { findNamespace, pidNamespace } from '../capture/names';
import { Tracer, TraceError } from '../trace/tracer';
import { parseOptions, showUsage, UsageError, wholeNumber } from './usage';

export const usage = `usage: vnet-studio trace NS ADDRESS [--json] [--count N] [--timeout MS]
  Pings ADDRESS from network namespace NS and follows each echo hop by hop: every interface it
  passes (captured at once in every namespace it can reach), request and reply, with the time
  between hops; when no reply comes back, where it stopped and why. Needs root (CAP_NET_RAW).
  NS is host, an \`ip netns\` name, pid:PID (the namespace of a process) or ns:INODE.
  --json          print the trace as JSON (the engine's trace method's result)
  -c, --count N   echoes to send, 1..${TRACE_MAX_COUNT} (default 1)
  --timeout MS    how long to wait for each reply, ${TRACE_MIN_TIMEOUT_MS}..${TRACE_MAX_TIMEOUT_MS} ms (default ${TRACE_DEFAULT_TIMEOUT_MS})
  -h, --help      this text`;

const micros = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;

/** One direction's hops: the time since the first hop, the gap since the one before, the place,
 *  and the addresses where they are first seen and wherever NAT changed them. */
function hopLines(hops: TraceHop[], prev: { hop: TraceHop | null }): string[] {
  return hops.map((h) => {
    const gap = prev.hop ? `+${micros(h.tNs - prev.hop.tNs)}` : '';
    const addrs = !prev.hop || prev.hop.src !== h.src || prev.hop.dst !== h.dst ? `  ${h.src} → ${h.dst}` : '';
    prev.hop = h;
    return `  ${micros(h.tNs).padStart(12)} ${gap.padStart(13)}  ${hopText(h)}${addrs}`;
  });
}

export function formatEcho(e: TraceEcho, nsName: string, address: string): string {
  const out = [`echo ${e.seq} from ${nsName} to ${address}${e.rttUs !== null ? `: reply in ${(e.rttUs / 1000).toFixed(3)} ms` : ': no reply'}`];
  const prev = { hop: null as TraceHop | null };
  out.push(' request:', ...(e.request.length ? hopLines(e.request, prev) : ['  (seen on no interface)']));
  if (e.reply.length) out.push(' reply:', ...hopLines(e.reply, prev));
  if (e.stopped) out.push(` stopped: ${e.stopped.reason}`);
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseOptions({ args: argv, options: {
    json: { type: 'boolean', default: false }, count: { type: 'string', short: 'c' }, timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  }, strict: true, allowPositionals: true });
  if (opts.help) return showUsage(usage);
  if (positionals.length < 2) throw new UsageError(positionals.length ? 'missing the ADDRESS to ping' : 'missing the namespace NS and the ADDRESS to ping');
  if (positionals.length > 2) throw new UsageError(`unexpected argument '${positionals[2]}'`);
  const [nsName, address] = positionals;
  if (!parseIp(address)) throw new UsageError(`'${address}' is not an IPv4 or IPv6 address`);
  const count = wholeNumber('--count', opts.count, 1, TRACE_MAX_COUNT);
  const timeoutMs = wholeNumber('--timeout', opts.timeout, TRACE_MIN_TIMEOUT_MS, TRACE_MAX_TIMEOUT_MS);
  if (process.getuid?.() !== 0) {
    process.stderr.write('vnet-studio trace: tracing needs root (CAP_NET_RAW to send and capture, and to enter other namespaces): run it with sudo\n');
    return 1;
  }
  const engine = await Engine.start({ sampleHz: 0, log: (m) => process.stderr.write(`engine: ${m}\n`) });
  try {
    const ns = findNamespace(engine.model(), nsName, pidNamespace);
    if (!ns) {
      process.stderr.write(`vnet-studio trace: no namespace "${nsName}" (host, an ip netns name, pid:PID or ns:INODE)\n`);
      return 2;
    }
    let r: TraceResult;
    try {
      r = await new Tracer(engine).trace({ namespace: ns.id, address, count, timeoutMs });
    } catch (e) {
      if (e instanceof TraceError) { process.stderr.write(`vnet-studio trace: ${e.message.replace(/^trace: /, '')}\n`); return 1; }
      throw e;
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      process.stdout.write(`${r.echoes.map((e) => formatEcho(e, nsName, r.address)).join('\n\n')}\n`);
      if (r.notCaptured) process.stderr.write(`note: ${r.notCaptured} interface(s) on the way were not captured (past the most a trace captures, or gone)\n`);
    }
    return r.echoes.every((e) => e.stopped === null) ? 0 : 1;
  } finally {
    await engine.stop();
  }
}
