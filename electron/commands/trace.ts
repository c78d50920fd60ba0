// `vnet-studio trace NS ADDRESS [--json] [--count N] [--timeout MS]`: ping ADDRESS from namespace
// NS and follow each echo hop by hop (electron/trace/), printed in order or as the trace method's
// JSON; `vnet-studio trace NS --match FILTER [--timeout MS] [--json]`: the same for the next packet
// matching FILTER that passes around NS (traceFollow). An engine in this process reads the model
// and holds the namespace handles.
import {
  hopText, parseIp, TRACE_DEFAULT_TIMEOUT_MS, TRACE_FOLLOW_DEFAULT_TIMEOUT_MS, TRACE_FOLLOW_MAX_TIMEOUT_MS, TRACE_FOLLOW_MIN_TIMEOUT_MS, TRACE_MAX_COUNT, TRACE_MAX_TIMEOUT_MS, TRACE_MIN_TIMEOUT_MS,
  type TraceEcho, type TraceHop, type TraceResult,
} from '../contract';
import { Engine } from '../engine';
import { findNamespace, pidNamespace } from '../capture/names';
import { Tracer } from '../trace/tracer';
import { TraceError } from '../trace/targets';
import { parseOptions, showUsage, UsageError, wholeNumber } from './usage';

export const usage = `usage: vnet-studio trace NS ADDRESS [--json] [--count N] [--timeout MS]
       vnet-studio trace NS --match FILTER [--json] [--timeout MS]
  Pings ADDRESS from network namespace NS and follows each echo hop by hop: every interface it
  passes (captured at once in every namespace it can reach), request and reply, with the time
  between hops; when no reply comes back, where it stopped and why. Needs root (CAP_NET_RAW).
  With --match, sends nothing: waits for the next packet matching FILTER (tcpdump's language) on
  any interface a packet from NS can pass, made by anyone (your own shell: curl, ping, nc), and
  follows that one, and its answer when one is recognised. Ctrl+C stops waiting.
  NS is host, an \`ip netns\` name, pid:PID (the namespace of a process) or ns:INODE.
  --json          print the trace as JSON (the engine's trace method's result)
  -c, --count N   echoes to send, 1..${TRACE_MAX_COUNT} (default 1)
  --match FILTER  follow the next packet matching FILTER instead of pinging
  --timeout MS    how long to wait for each reply, ${TRACE_MIN_TIMEOUT_MS}..${TRACE_MAX_TIMEOUT_MS} ms (default ${TRACE_DEFAULT_TIMEOUT_MS});
                  with --match, for the packet: ${TRACE_FOLLOW_MIN_TIMEOUT_MS}..${TRACE_FOLLOW_MAX_TIMEOUT_MS} ms (default ${TRACE_FOLLOW_DEFAULT_TIMEOUT_MS})
  -h, --help      this text
  Exit status: 0 answered (--match: a packet was followed), 1 it stopped or failed (--match: none
  came in time), 2 bad usage or an unknown namespace.`;

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

export function formatEcho(e: TraceEcho, nsName: string, address: string, header?: string): string {
  const out = [header ?? `echo ${e.seq} from ${nsName} to ${address}${e.rttUs !== null ? `: reply in ${(e.rttUs / 1000).toFixed(3)} ms` : ': no reply'}`];
  const prev = { hop: null as TraceHop | null };
  out.push(' request:', ...(e.request.length ? hopLines(e.request, prev) : ['  (seen on no interface)']));
  if (e.reply.length) out.push(' reply:', ...hopLines(e.reply, prev));
  if (e.stopped) out.push(` stopped: ${e.stopped.reason}`);
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseOptions({ args: argv, options: {
    json: { type: 'boolean', default: false }, count: { type: 'string', short: 'c' }, timeout: { type: 'string' }, match: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  }, strict: true, allowPositionals: true });
  if (opts.help) return showUsage(usage);
  if (opts.match !== undefined) return follow(positionals, opts.match, opts.count, opts.timeout, opts.json);
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

/** `trace NS --match FILTER`: the next packet matching FILTER around NS, followed. */
async function follow(positionals: string[], filter: string, count: string | undefined, timeout: string | undefined, json: boolean): Promise<number> {
  if (!positionals.length) throw new UsageError('missing the namespace NS');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}' (--match follows a packet; it pings no ADDRESS)`);
  if (count !== undefined) throw new UsageError('--count is for pings: --match follows one packet');
  if (!filter.trim()) throw new UsageError('--match needs a FILTER (tcpdump\'s language, e.g. "tcp port 80")');
  const timeoutMs = wholeNumber('--timeout', timeout, TRACE_FOLLOW_MIN_TIMEOUT_MS, TRACE_FOLLOW_MAX_TIMEOUT_MS);
  const [nsName] = positionals;
  if (process.getuid?.() !== 0) {
    process.stderr.write('vnet-studio trace: following packets needs root (CAP_NET_RAW to capture, and to enter other namespaces): run it with sudo\n');
    return 1;
  }
  const engine = await Engine.start({ sampleHz: 0, log: (m) => process.stderr.write(`engine: ${m}\n`) });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ns = findNamespace(engine.model(), nsName, pidNamespace);
    if (!ns) {
      process.stderr.write(`vnet-studio trace: no namespace "${nsName}" (host, an ip netns name, pid:PID or ns:INODE)\n`);
      return 2;
    }
    if (!json) process.stderr.write(`waiting for a packet matching ${JSON.stringify(filter)} around ${nsName} (Ctrl+C stops)…\n`);
    let r: TraceResult;
    try {
      r = await new Tracer(engine).follow({ namespace: ns.id, filter, ...(timeoutMs === undefined ? {} : { timeoutMs }) }, stop.signal);
    } catch (e) {
      if (e instanceof TraceError) { process.stderr.write(`vnet-studio trace: ${e.message.replace(/^traceFollow: /, '')}\n`); return 1; }
      throw e;
    }
    if (json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      const e = r.echoes[0];
      const answer = r.reply.length ? (e.stopped ? ': answered by an error' : ': answered') : ': no answer seen';
      process.stdout.write(`${formatEcho(e, nsName, r.address, `${r.packet}${answer}`)}\n`);
      if (r.notCaptured) process.stderr.write(`note: ${r.notCaptured} interface(s) on the way were not captured (past the most a trace captures, or gone)\n`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.stop();
  }
}
