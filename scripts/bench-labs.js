#!/usr/bin/env node
// Bench section "labs" (run by scripts/bench.js inside a throwaway world): 100 namespaces, each with
// a veth to one bridge and an address, all up — built and torn down three ways, in the same run:
//   1. one `ip` process per command (how CORE and Mininet do it),
//   2. the best `ip -batch` script: one batch for the host namespace + one `ip -n NS -batch` per namespace,
//   3. the engine (electron/lab: plan + pipelined netlink batches through the native addon).
// The `ip` baselines run the same changes as the engine's plan, without its ownership marks (aliases).
// Prints numbers only; asserts nothing about time.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

require('./in-world').ensureWorld(__filename); // devices only in a throwaway world

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'dist', p);
for (const f of ['electron/labs/parse.js', 'electron/labs/native-kernel.js']) {
  if (!fs.existsSync(dist(f))) { console.error(`bench-labs: ${dist(f)} missing: run npm run build first`); process.exit(1); }
}
process.env.VNET_STATE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-bench-labs-'));
const { parseLab } = require(dist('electron/labs/parse.js'));
const { applyLab, destroyLab } = require(dist('electron/labs/apply.js'));
const { buildActions, teardownActions } = require(dist('electron/labs/export.js'));
const { commandsFor } = require(dist('electron/labs/commands.js'));
const { NativeLabKernel } = require(dist('electron/labs/native-kernel.js'));

const N = Number(process.env.BENCH_LAB_N || 100);
const ROUNDS = Number(process.env.BENCH_LAB_ROUNDS || 3);

function labText(n) {
  const l = ['name: bench', 'namespaces:'];
  for (let i = 0; i < n; i++) l.push(`  b${i}:`, '    interfaces:', `      eth0: { addresses: [10.${100 + (i >> 8)}.${i & 255}.2/8] }`);
  l.push('bridges:', '  br-bench: { addresses: [10.0.0.1/8] }', 'veths:');
  for (let i = 0; i < n; i++) l.push(`  - [b${i}:eth0, br-bench]`);
  return l.join('\n') + '\n';
}
const lab = parseLab(labText(N), 'bench.yaml');
const up = buildActions(lab).filter((a) => a.op !== 'alias');
const down = teardownActions(lab);
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const now = () => process.hrtime.bigint();

function sh(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}
function gone() {
  // the kernel removes a deleted namespace's devices asynchronously: wait until they are gone
  for (let i = 0; i < 2000; i++) {
    const r = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    if (!/br-bench|b\d+-eth0/.test(r.stdout) && fs.readdirSync('/run/netns').length === 0) return;
    spawnSync('sleep', ['0.01']);
  }
  throw new Error('teardown did not finish');
}
function checkBuilt() {
  const ports = spawnSync('ip', ['-o', 'link', 'show', 'master', 'br-bench'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  if (ports.length !== N) throw new Error(`expected ${N} bridge ports, found ${ports.length}`);
  const r = spawnSync('ip', ['-n', `b${N - 1}`, '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
  if (!r.stdout.includes('inet ')) throw new Error('last namespace has no address');
}

function ipPerCommand() {
  let t = now();
  for (const a of up) for (const c of commandsFor(a, 'bench')) sh(c);
  const apply = ms(t);
  checkBuilt();
  t = now();
  for (const a of down) for (const c of commandsFor(a, 'bench')) sh(c);
  const destroy = ms(t);
  gone();
  return { apply, destroy };
}

function ipBatch() {
  // host: namespaces, bridge, veths (peer straight into its namespace), ports, bridge address, up
  const host = []; const per = new Map();
  for (const a of up) {
    for (const c of commandsFor(a, 'bench')) {
      if (c[0] !== 'ip') continue;
      if (c[1] === '-n') { const ns = c[2]; if (!per.has(ns)) per.set(ns, []); per.get(ns).push(c.slice(3).join(' ')); }
      else host.push(c.slice(1).join(' '));
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipbatch-'));
  fs.writeFileSync(path.join(dir, 'host'), host.join('\n') + '\n');
  for (const [ns, lines] of per) fs.writeFileSync(path.join(dir, ns), lines.join('\n') + '\n');
  let t = now();
  sh(['ip', '-batch', path.join(dir, 'host')]);
  for (const ns of per.keys()) sh(['ip', '-n', ns, '-batch', path.join(dir, ns)]);
  const apply = ms(t);
  checkBuilt();
  const downLines = [];
  for (const a of down) for (const c of commandsFor(a, 'bench')) downLines.push(c.slice(1).join(' '));
  fs.writeFileSync(path.join(dir, 'down'), downLines.join('\n') + '\n');
  t = now();
  sh(['ip', '-batch', path.join(dir, 'down')]);
  const destroy = ms(t);
  gone();
  return { apply, destroy };
}

async function engine() {
  const k = new NativeLabKernel();
  try {
    let t = now();
    const r = await applyLab(lab, k);
    const apply = ms(t);
    if (r.actions.length === 0) throw new Error('engine apply did nothing');
    checkBuilt();
    t = now();
    const again = await applyLab(lab, k);
    const noop = ms(t);
    if (again.actions.length) throw new Error('second apply was not a no-op');
    t = now();
    await destroyLab('bench', k);
    const destroy = ms(t);
    gone();
    return { apply, destroy, noop };
  } finally { k.close(); }
}

(async () => {
  const rows = { ip: [], batch: [], engine: [] };
  for (let i = 0; i < ROUNDS; i++) {
    rows.ip.push(ipPerCommand());
    rows.batch.push(ipBatch());
    rows.engine.push(await engine());
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const f = (x) => `${(x / 1000).toFixed(3)} s`.padStart(9);
  const procs = up.reduce((n, a) => n + commandsFor(a, 'bench').length, 0);
  console.log(`labs: ${N} namespaces, each with a veth to one bridge and an address, all up (${up.length} changes); median of ${ROUNDS}`);
  console.log(`  ${'method'.padEnd(34)} ${'apply'.padStart(9)} ${'destroy'.padStart(9)}`);
  console.log(`  ${`ip, one process per command (${procs})`.padEnd(34)} ${f(med(rows.ip.map((r) => r.apply)))} ${f(med(rows.ip.map((r) => r.destroy)))}`);
  console.log(`  ${`ip -batch (1 + ${N} processes)`.padEnd(34)} ${f(med(rows.batch.map((r) => r.apply)))} ${f(med(rows.batch.map((r) => r.destroy)))}`);
  console.log(`  ${'engine (netlink batches)'.padEnd(34)} ${f(med(rows.engine.map((r) => r.apply)))} ${f(med(rows.engine.map((r) => r.destroy)))}`);
  console.log(`  engine apply again (no-op, plan only): ${f(med(rows.engine.map((r) => r.noop)))}`);
  console.log('  (destroy = until the call returns; all three leave the namespaces\' veth ends to the kernel\'s asynchronous cleanup)');
  console.log(`  targets: engine apply <= 0.2 s, destroy <= 0.1 s`);
  console.log(`ratio ip-per-command/engine apply at ${N} namespaces: ${(med(rows.ip.map((r) => r.apply)) / med(rows.engine.map((r) => r.apply))).toFixed(1)}`);
})().catch((e) => { console.error(`bench-labs: ${e.stack || e}`); process.exit(1); });
