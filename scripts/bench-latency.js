#!/usr/bin/env node
// Kernel-change-to-screen latency, with everything real: an interface added with `ip` until its node
// is in the renderer's DOM, through the real engine process, `vnet-studio serve` and Debian's
// Chromium, in a throwaway world. Prints p50/p99 over N adds (and removals), plus where the time
// goes: `ip` → the delta reaching a WebSocket client of the same server (engine + host), and the
// rest (renderer: store, layout, React). A benchmark: it prints numbers and asserts nothing.
//
//   node scripts/bench-latency.js [--count 50]     (re-runs itself inside scripts/world.sh if needed)
// Needs `npm run build` (dist/electron + dist/renderer) and root.
'use strict';
const { execFile, spawn } = require('node:child_process');
const { promisify } = require('node:util');
// Async, so this process keeps reading its WebSocket while `ip` runs (a blocked event loop would
// stamp the delta's arrival late).
const ip = promisify(execFile).bind(null, 'ip');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const o = { count: 50 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--count') o.count = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: bench-latency.js [--count N])`);
  }
  if (!(Number.isInteger(o.count) && o.count > 0 && o.count <= 10000)) throw new Error('--count must be a whole number 1..10000');
  return o;
}

const now = () => performance.timeOrigin + performance.now(); // wall clock, sub-millisecond
function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const ms = (x) => `${x.toFixed(1)} ms`;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid() !== 0) { console.error('bench-latency: needs root (it makes devices in a throwaway world)'); process.exit(77); }
  require('./in-world').ensureWorld(__filename); // devices only in a throwaway world
  const cli = require(path.join(root, 'dist', 'electron', 'paths.js')).CLI_PATH;
  for (const f of [cli, path.join(root, 'dist', 'renderer', 'index.html')]) {
    if (!fs.existsSync(f)) { console.error(`bench-latency: ${path.relative(root, f)} missing: run \`npm run build\``); process.exit(1); }
  }
  const { chromium } = require('playwright-core');
  const WebSocket = require('ws');

  // The web host with its real engine.
  const serve = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-open'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let serveErr = '';
  serve.stderr.on('data', (d) => { serveErr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    serve.stdout.on('data', (d) => { out += d; const m = /^Open (\S+)\n/.exec(out); if (m) resolve(m[1]); });
    serve.on('exit', (c) => reject(new Error(`serve exited (${c}):\n${serveErr}`)));
  });
  const u = new URL(url);

  // A plain WebSocket client of the same server: when the engine's delta leaves the host.
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`, { headers: { Origin: `http://${u.host}` } });
  const seenOnWs = new Map(); // name -> time the delta adding it arrived
  const goneOnWs = new Map(); // interface id -> time its removal arrived
  ws.on('message', (data) => {
    const t = now();
    const m = JSON.parse(String(data));
    if (m.method !== 'delta') return;
    for (const d of m.params.deltas) {
      if (d.op === 'interface' && d.iface.name.startsWith('lat') && !seenOnWs.has(d.iface.name)) seenOnWs.set(d.iface.name, { t, id: d.iface.id });
      if (d.op === 'interface-removed') goneOnWs.set(d.id, t);
    }
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url);
  await page.locator('[data-testid="ns-host"]').waitFor({ timeout: 30_000 });
  // In the page: resolve with the wall-clock time a selector starts (or stops) matching.
  await page.evaluate(() => {
    window.__vnetWatch = (selector, present) => {
      const done = () => (document.querySelector(selector) !== null) === present;
      window.__vnetWhen = new Promise((resolve) => {
        if (done()) { resolve(performance.timeOrigin + performance.now()); return; }
        const mo = new MutationObserver(() => {
          if (done()) { mo.disconnect(); resolve(performance.timeOrigin + performance.now()); }
        });
        mo.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-testid'] });
      });
    };
  });

  const add = { fromIpStart: [], fromIpExit: [], toWs: [], wsToDom: [] };
  const del = { fromIpStart: [], fromIpExit: [] };
  const WARMUP = 3; // first adds pay for lazy start-up (layout worker, JIT): not counted
  const hostsAndEngine = [];
  for (let i = -WARMUP; i < opts.count; i++) {
    const name = i < 0 ? `latwarm${-i}` : `lat${i}`;
    const sel = `[data-testid="if-${name}"]`;
    await page.evaluate(([s]) => window.__vnetWatch(s, true), [sel]);
    const t0 = now();
    await ip(['link', 'add', name, 'type', 'bridge']);
    const t1 = now();
    const tDom = await page.evaluate(() => window.__vnetWhen);
    if (i < 0) {
      await page.evaluate(([s]) => window.__vnetWatch(s, false), [sel]);
      await ip(['link', 'del', name]);
      await page.evaluate(() => window.__vnetWhen);
      continue;
    }
    add.fromIpStart.push(tDom - t0);
    add.fromIpExit.push(tDom - t1);
    const w = seenOnWs.get(name);
    if (w) { add.toWs.push(w.t - t1); add.wsToDom.push(tDom - w.t); hostsAndEngine.push(w.t - t1); }

    await page.evaluate(([s]) => window.__vnetWatch(s, false), [sel]);
    const t3 = now();
    await ip(['link', 'del', name]);
    const t2 = now();
    const tGone = await page.evaluate(() => window.__vnetWhen);
    del.fromIpStart.push(tGone - t3);
    del.fromIpExit.push(tGone - t2);
  }

  const line = (label, xs) => console.log(`  ${label.padEnd(46)} p50 ${ms(pct(xs, 50)).padStart(9)}   p99 ${ms(pct(xs, 99)).padStart(9)}   max ${ms(Math.max(...xs)).padStart(9)}`);
  console.log(`kernel-change-to-screen latency, real engine + serve + Chromium, ${opts.count} interfaces added and deleted with ip:`);
  line('ip link add (exit) -> node in DOM', add.fromIpExit);
  line('ip link add (start) -> node in DOM', add.fromIpStart);
  if (add.toWs.length) {
    line('  of which: ip exit -> delta at a WS client', add.toWs);
    line('  of which: delta at a WS client -> DOM', add.wsToDom);
  }
  // Deleting a bridge makes `ip` wait for the kernel (synchronize_net) after the change is already
  // announced, so the node can vanish before `ip` exits: negative numbers are real, not a bug.
  line('ip link del (start) -> node gone from DOM', del.fromIpStart);
  line('ip link del (exit) -> node gone from DOM', del.fromIpExit);
  if (process.env.BENCH_LATENCY_RAW) console.log('raw ip-exit->ws:', add.toWs.map((x) => x.toFixed(0)).join(' '), '\nraw ws->dom:', add.wsToDom.map((x) => x.toFixed(0)).join(' '));
  console.log(`kernel-change-to-screen p99: ${pct(add.fromIpExit, 99).toFixed(1)} ms (target <= 100 ms)`);

  ws.close();
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  serve.kill('SIGTERM');
  await new Promise((r) => { serve.once('exit', r); setTimeout(r, 5000); });
}

main().catch((err) => { console.error(`bench-latency: ${err.stack || err.message}`); process.exit(1); });
