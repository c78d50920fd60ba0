// `vnet-studio capture -i NS:IFNAME [-i NS:IFNAME]... [-f FILTER] [-c COUNT] [-s SNAPLEN] [-w FILE|-]`:
// packets of interfaces in any namespaces, printed one line each or written as pcapng (to a file,
// or to stdout for `| wireshark -k -i -`). An engine in this process resolves the names in its
// model and opens the sockets through its namespace handles (electron/capture/).
import * as fs from 'node:fs';
import { CAPTURE_MAX_COUNT, CAPTURE_MAX_SNAPLEN, CAPTURE_MIN_SNAPLEN, decodePacket, type CaptureEnded, type CaptureInfo, type CaptureInterface } from '../contract';
import { Engine } from '../engine';
import { CaptureError, CaptureManager } from '../capture/manager';
import { CaptureNameError, pidNamespace, resolveCaptureName } from '../capture/names';
import type { HeldPacket } from '../capture/session';
import { parseOptions, showUsage, UsageError, wholeNumber } from './usage';

export const usage = `usage: vnet-studio capture -i NS:IFNAME [-i NS:IFNAME]... [-f FILTER] [-c COUNT] [-s SNAPLEN] [-w FILE|-]
  Captures the packets of interfaces in any network namespaces at once (needs root: CAP_NET_RAW).
  NS is host, an \`ip netns\` name, pid:PID (the namespace of a process) or ns:INODE:
  host:docker0, blue:veth0, pid:812:eth0, ns:4026532301:eth0.
  Without -w, one line per packet: time, NS:IFNAME, direction, source → destination, protocol,
  length, what it says. Ctrl-C (or SIGTERM, or COUNT reached) ends it with a summary on stderr.
  -i, --interface NS:IFNAME  an interface to capture on (repeat for more)
  -f, --filter FILTER        pcap-filter expression, as tcpdump takes (e.g. "icmp or arp")
  -c, --count COUNT          stop after COUNT packets
  -s, --snaplen SNAPLEN      bytes kept of each packet, ${CAPTURE_MIN_SNAPLEN}..${CAPTURE_MAX_SNAPLEN} (default ${CAPTURE_MAX_SNAPLEN})
  -w, --write FILE|-         write pcapng to FILE (it must not exist), or to stdout with -:
                             sudo vnet-studio capture -i pid:812:eth0 -i host:docker0 -w - | wireshark -k -i -
  -h, --help                 this text`;

function clock(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(Math.floor(nsec / 1000), 6)}`;
}

/** One packet as a line (the CLI's tcpdump-like output). */
export function packetLine(p: HeldPacket, i: CaptureInterface): string {
  const { summary: s } = decodePacket(p.data, i.linkType);
  const dir = p.pkttype === 4 ? 'Out' : 'In ';
  return `${clock(p.sec, p.nsec)} ${i.name} ${dir} ${s.src} → ${s.dst} ${s.protocol} length ${p.len}: ${s.info}`;
}

function summary(info: CaptureInfo | CaptureEnded, interfaces: CaptureInterface[]): string {
  const st = info.stats;
  const lines = [`${st.received} packets captured, ${st.kernelDropped} dropped by the kernel, ${st.appDropped} dropped by the app`];
  st.interfaces.forEach((s, k) => lines.push(`  ${interfaces[k]?.name ?? s.id}: ${s.received} captured, ${s.kernelDropped} dropped by the kernel, ${s.appDropped} dropped by the app`));
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseOptions({ args: argv, options: {
    interface: { type: 'string', short: 'i', multiple: true }, filter: { type: 'string', short: 'f' },
    count: { type: 'string', short: 'c' }, snaplen: { type: 'string', short: 's' }, write: { type: 'string', short: 'w' },
    help: { type: 'boolean', short: 'h', default: false },
  }, strict: true, allowPositionals: false }).values;
  if (opts.help) return showUsage(usage);
  const names = opts.interface ?? [];
  if (!names.length) throw new UsageError('name at least one interface with -i NS:IFNAME');
  const count = wholeNumber('-c', opts.count, 1, CAPTURE_MAX_COUNT);
  const snaplen = wholeNumber('-s', opts.snaplen, CAPTURE_MIN_SNAPLEN, CAPTURE_MAX_SNAPLEN);
  const write = opts.write;
  if (write !== undefined && write !== '-' && fs.existsSync(write)) throw new UsageError(`-w: ${write} exists (the capture does not overwrite files)`);
  if (process.getuid?.() !== 0) {
    process.stderr.write('vnet-studio capture: capturing needs root (CAP_NET_RAW for packet sockets, and to enter other namespaces): run it with sudo\n');
    return 1;
  }
  const fail = (msg: string, code: number) => { process.stderr.write(`vnet-studio capture: ${msg}\n`); return code; };

  const engine = await Engine.start({ sampleHz: 0, log: (m) => process.stderr.write(`engine: ${m}\n`) });
  const manager = new CaptureManager(engine);
  const stopAll = async () => { manager.close(); await engine.stop(); };
  let ids: string[];
  try {
    const model = engine.model();
    ids = names.map((n) => resolveCaptureName(model, n, pidNamespace).iface.id);
  } catch (e) {
    await stopAll();
    if (e instanceof CaptureNameError) return fail(e.message, 2);
    throw e;
  }

  const toStdout = write === '-';
  let stdoutGone = false;
  if (toStdout) process.stdout.on('error', () => { stdoutGone = true; });
  let info: CaptureInfo;
  try {
    info = await manager.start({ interfaces: ids, filter: opts.filter, snaplen, count },
      toStdout ? { sink: (b) => { if (!stdoutGone) process.stdout.write(b); } }
        : write !== undefined ? { file: write } : { sink: () => {} });
  } catch (e) {
    await stopAll();
    if (e instanceof CaptureError) return fail(e.message.replace(/^captureStart: /, ''), 2);
    throw e;
  }
  const session = manager.session(info.id);
  if (write === undefined) {
    session.on('packets', (ps) => { for (const p of ps) process.stdout.write(`${packetLine(p, info.interfaces[p.iface])}\n`); });
  }
  process.stderr.write(`capturing on ${info.interfaces.map((i) => i.name).join(', ')}${info.filter ? ` (filter: ${info.filter})` : ''}${write && write !== '-' ? ` into ${write}` : ''}\n`);

  const end = await new Promise<CaptureEnded>((resolve) => {
    manager.on('ended', (x) => { if (x.id === info.id) resolve(x); });
    const stop = () => { try { manager.stop(info.id); } catch { /* already ended */ } };
    process.once('SIGINT', stop); process.once('SIGTERM', stop);
    if (toStdout) process.stdout.once('error', stop);
  });
  process.stderr.write(`${summary(end, info.interfaces)}\n`);
  if (end.reason !== 'stopped' && end.reason !== 'count') process.stderr.write(`vnet-studio capture: ended: ${end.message ?? end.reason}\n`);
  await stopAll();
  // stdout drained before the exit code is given
  await new Promise<void>((r) => (process.stdout.writableLength && !stdoutGone ? process.stdout.once('drain', () => r()) : r()));
  return end.reason === 'stopped' || end.reason === 'count' ? 0 : 1;
}
