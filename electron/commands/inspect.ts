// `vnet-studio inspect [--json] [--watch]`: the machine's virtual network, once or live.
import type { Model } from '../contract';
import { Engine } from '../engine';
import { cloneModel } from '../engine/apply';
import { describeBatch, formatModel, summaryLine } from './inspect-format';
import { parseOptions, showUsage } from './usage';

export const usage = `usage: vnet-studio inspect [--json] [--watch]
  Prints every network namespace (host, named, process-held) with its interfaces, addresses,
  bridge ports, veth peers, tun/tap holders, routes and counters.
  --json      print the model as JSON (its shape: README "The model")
  --watch     after the picture, print each change as it happens (kernel events, not polling);
              with --json, one delta batch per line. Ctrl-C to stop.
  -h, --help  this text`;

export async function main(argv: string[]): Promise<number> {
  const opts = parseOptions({ args: argv, options: {
    json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, strict: true, allowPositionals: false }).values;
  if (opts.help) return showUsage(usage);

  // Counters come with the link dump; no sampling is needed to print them once.
  const engine = await Engine.start({ sampleHz: 0, log: (m) => process.stderr.write(`engine: ${m}\n`) });
  const { seq, model } = engine.snapshot();
  const status = engine.status();
  if (opts.json) process.stdout.write(`${JSON.stringify(model, null, opts.watch ? undefined : 2)}\n`);
  else {
    process.stdout.write(`${formatModel(model)}\n`);
    process.stdout.write(`${summaryLine(engine.status())}\n`);
  }
  if (status.limitation) process.stderr.write(`NOTE: ${status.limitation}\n`);
  if (!opts.watch) { await engine.stop(); return 0; }

  let mirror: Model = cloneModel(model);
  let last = seq;
  engine.on('delta', (b) => {
    if (b.seq <= last) return;
    last = b.seq;
    if (opts.json) { process.stdout.write(`${JSON.stringify(b)}\n`); return; }
    for (const line of describeBatch(mirror, b.deltas)) process.stdout.write(`${line}\n`);
  });
  engine.on('status', (s) => { if (s.limitation !== status.limitation) process.stderr.write(`NOTE: ${s.limitation ?? 'full access'}\n`); });
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done); process.once('SIGTERM', done);
  });
  mirror = { namespaces: [] };
  await engine.stop();
  return 0;
}
