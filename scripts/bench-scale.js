#!/usr/bin/env node
// Bench section "scale" (on demand: `npm run bench -- scale`; run inside a throwaway world; needs
// `tsc` output in dist/ and the native addon). The engine on a dense host: N pod-like namespaces as
// a CNI makes them — each held only by a process (no /run/netns name), with `lo` up and one veth
// whose pod end is `eth0` (an address in 10.88.0.0/16, up) and whose host end is a port of the
// bridge `cni0` in the world's root namespace (no IPv6 link-local on the veths: see makePods). For each N (default 100, 300, 1000; `--sizes 100,300`)
// in a fresh world state it prints:
//   - the time to a first snapshot (engine process spawned → its complete `snapshot` response
//     line) beside plotnetcfg reading the same machine (spawned → exit);
//   - the engine process's steady state from SETTLE_S after that snapshot (`--window` seconds long;
//     by thread, with wakeups: $VNET_BENCH_TIDS=1 splits the threads named alike, and
//     $VNET_BENCH_PERF=FILE records the window with `perf record`), one client connected that looks at one
//     pod (setInterest: that namespace's counters at the full rate, the rest at the low rate) and
//     asks for nothing else: CPU (% of one core), RSS, threads, open fds;
//   - the floor: scripts/bench-scale-floor.c doing the engine's steady kernel work in the same
//     calls for the same window: the counter reads (one RTM_GETSTATS dump per namespace read: the
//     one pod at the engine's sample rate, every namespace at the low rate), the reconciliation
//     re-reads (as many namespaces a second as the engine's budget, the same five dumps each) and
//     the periodic /proc pass as the engine makes it; and the engine/floor CPU ratio;
//   - change → delta latency: an address added inside one pod (by a waiting `ip -batch` in that
//     pod's namespace) until the engine's delta notification carrying it arrives.
// Prints numbers; asserts nothing.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
// Devices only in a throwaway world. With --host-pids, one in the machine's pid namespace, so the
// engine follows the pods' processes through the kernel's process events as on a real host (the
// default world has a pid namespace of its own, where the kernel sends none: the engine then rescans
// /proc every second). There plotnetcfg may fail (it opens pid 1's namespace, which needs
// CAP_SYS_PTRACE over the machine's init), and the pods' holders are this script's to end.
const HOST_PIDS = process.argv.includes('--host-pids');
require('./in-world').ensureWorld(__filename, { hostPids: HOST_PIDS });
if (process.env.VNET_WORLD_INIT_NETNS) process.env.VNET_PROC_EVENTS_NETNS = process.env.VNET_WORLD_INIT_NETNS;
const livePods = new Set();
process.on('exit', () => { for (const pid of livePods) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));

const CLI = path.join(root, 'dist', 'electron', 'commands', 'cli.js');
const SNAPSHOT_CAP_MS = 60_000;
// The steady window (and the floor's run), in seconds: `--window S` (longer: less noise).
let WINDOW_S = 10;
// The steady window starts this long after the first snapshot: what the engine does once at its
// start (the lab, capture and trace modules loading after the snapshot, V8 compiling them, the
// first tun/tap owner scan) is not its steady cost. Printed beside the steady one: the CPU of
// these first seconds.
const SETTLE_S = 5;
const CHANGES = 20;
const CHANGE_TIMEOUT_MS = 5_000;
const LATENCY_PHASE_CAP_MS = 30_000; // the latency phase stops making changes after this
const LOW_HZ = 1; // the engine's default low sample rate
const HOT = 1; // namespaces the bench's client looks at
const TARGETS = { snapshotMs: 1000, rssMiB: 200, threads: 16, cpuPct: 5 };

// ---- arguments --------------------------------------------------------------------------------

/** --sizes (the N to build, in turn) and --window (the steady window's seconds). */
function parseArgs(argv) {
  const usage = 'usage: bench-scale.js [--sizes 100,300,1000] [--window 10] [--host-pids]';
  let sizes = [100, 300, 1000]; let windowS = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--host-pids') continue; // the world's kind (see ensureWorld above)
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag !== '--sizes' && flag !== '--window') throw new Error(`unknown argument "${a}" (${usage})`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value (${usage})`);
    if (flag === '--window') {
      windowS = Number(v);
      if (!/^\d+$/.test(v.trim()) || windowS < 1 || windowS > 600) throw new Error(`--window: "${v}" is not a whole number of seconds from 1 to 600`);
      continue;
    }
    sizes = v.split(',').map((s) => {
      const n = Number(s);
      if (!/^\d+$/.test(s.trim()) || n < 1 || n > 5000) throw new Error(`--sizes: "${s}" is not a whole number from 1 to 5000`);
      return n;
    });
  }
  return { sizes, windowS };
}

// ---- helpers --------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const secs = (msv) => (msv < 100 ? `${msv.toFixed(1)} ms` : `${(msv / 1000).toFixed(2)} s`);
const msStr = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(1)} ms`);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function ipBatch(lines) {
  const r = spawnSync('ip', ['-batch', '-'], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ip -batch failed: ${r.stderr.trim()}`);
}

/** utime + stime (clock ticks) of a process, from /proc/PID/stat (fields 14 and 15). */
/** utime and stime of a /proc stat line (a process's or a thread's). */
function statTicks(stat) {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return { user: Number(f[11]), sys: Number(f[12]) };
}
function cpuTicks(pid) {
  const t = statTicks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return t.user + t.sys;
}
/** CPU ticks per thread name (comm), user and system apart: where the process's time goes. */
function threadTicks(pid) {
  const out = new Map();
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    let stat;
    try { stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'); } catch { continue; }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ticks = statTicks(stat);
    const key = process.env.VNET_BENCH_TIDS ? `${name}/${tid}` : name;
    const t = out.get(key) ?? { user: 0, sys: 0, switches: 0 };
    t.user += ticks.user; t.sys += ticks.sys;
    // Context switches: how often it slept and woke (each costs, most of all in a VM).
    try {
      const st = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      t.switches += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(st)?.[1] ?? 0);
    } catch { /* gone */ }
    out.set(key, t);
  }
  return out;
}
/** "node 1.2 % (sys 0.4, 30 wakeups/s), vnet-events 0.1 % …": each thread name's share of a core between two readings. */
function threadShares(a, b, seconds) {
  const rows = [];
  for (const [name, t1] of b) {
    const t0 = a.get(name) ?? { user: 0, sys: 0, switches: 0 };
    const user = (t1.user - t0.user) / CLK_TCK / seconds * 100; const sys = (t1.sys - t0.sys) / CLK_TCK / seconds * 100;
    const wakes = (t1.switches - t0.switches) / seconds;
    if (user + sys > 0 || wakes >= 1) rows.push({ name, user, sys, wakes });
  }
  rows.sort((x, y) => (y.user + y.sys) - (x.user + x.sys));
  return rows.map((r) => `${r.name} ${(r.user + r.sys).toFixed(1)} % (sys ${r.sys.toFixed(1)}, ${r.wakes.toFixed(0)} wakeups/s)`).join(', ') || 'none';
}
function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN);
  return {
    rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024,
    threads: Number(/Threads:\s+(\d+)/.exec(s)?.[1] ?? NaN),
    fds: fs.readdirSync(`/proc/${pid}/fd`).length,
  };
}

/** The address of pod i in 10.88.0.0/16 (10.88.0.1 is cni0's). */
const podAddr = (i) => `10.88.${(i + 2) >> 8}.${(i + 2) & 255}`;

// ---- pods -----------------------------------------------------------------------------------

// Inside each pod (no name to give `ip -n`): nsenter by pid. A few shells do the pods between
// them (a fork from a shell is far cheaper than from this process); rejects if any step fails.
const CONFIGURE_PODS = `while [ $# -gt 0 ]; do
  printf 'link set eth0 addrgenmode none\\nlink set lo up\\naddr add %s/16 dev eth0\\nlink set eth0 up\\n' "$2" |
    nsenter --net=/proc/$1/ns/net ip -batch - || { echo "pod holder $1: ip -batch failed" >&2; exit 1; }
  shift 2
done`;
async function configurePods(pids, shells) {
  const runs = [];
  for (let s = 0; s < shells; s++) {
    const args = [];
    for (let i = s; i < pids.length; i += shells) args.push(String(pids[i]), podAddr(i));
    runs.push(new Promise((resolve, reject) => {
      const c = spawn('sh', ['-c', CONFIGURE_PODS, 'sh', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d) => { err += d; });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`configuring pods failed: ${err.trim()}`))));
    }));
  }
  await Promise.all(runs);
}

/** N pods as a CNI leaves them: returns { pids, ended, phases }. Both veth ends get no IPv6
 *  link-local address (addrgenmode none): with one, every pod's neighbour discovery and router
 *  solicitations (repeated, with backoff, for minutes) are flooded to every port of cni0 — N² packet
 *  copies that kept a core busy in softirq at N=1000 and would be measured instead of the engine. */
async function makePods(n) {
  const selfNs = fs.readlinkSync('/proc/self/ns/net');
  const t = [performance.now()];
  // One shell starts the holders (a fork from it is far cheaper than from this process) and
  // prints their pids; it waits for them, so it ends when they do.
  const starter = spawn('sh', ['-c', 'i=0; while [ $i -lt "$1" ]; do unshare --net sleep infinity & echo $!; i=$((i+1)); done; wait', 'sh', String(n)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise((r) => starter.once('exit', r));
  let out = '';
  starter.stdout.setEncoding('utf8');
  const pids = await new Promise((resolve, reject) => {
    starter.stdout.on('data', (d) => {
      out += d;
      const got = out.split('\n').filter(Boolean);
      if (got.length >= n) resolve(got.slice(0, n).map(Number));
    });
    starter.once('exit', (code) => reject(new Error(`the pod holders' shell ended early (exit ${code}) after ${out.split('\n').filter(Boolean).length} of ${n}`)));
  });
  // unshare makes the namespace and then execs sleep: wait until every holder is in its own.
  for (const pid of pids) {
    const until = Date.now() + 10_000;
    for (;;) {
      let ns = null;
      try { ns = fs.readlinkSync(`/proc/${pid}/ns/net`); } catch { /* not there yet */ }
      if (ns && ns !== selfNs) break;
      if (Date.now() > until) throw new Error(`pod holder ${pid} never entered a namespace of its own`);
      await sleep(2);
    }
  }
  t.push(performance.now());
  const lines = ['link add cni0 type bridge', 'addr add 10.88.0.1/16 dev cni0', 'link set cni0 up'];
  for (let i = 0; i < n; i++) {
    lines.push(`link add vh${i} type veth peer name eth0 netns ${pids[i]}`, `link set vh${i} addrgenmode none`, `link set vh${i} master cni0 up`);
  }
  ipBatch(lines);
  t.push(performance.now());
  await configurePods(pids, Math.max(2, os.cpus().length));
  t.push(performance.now());
  const phases = `holders ${secs(t[1] - t[0])}, veths ${secs(t[2] - t[1])}, inside ${secs(t[3] - t[2])}`;
  for (const pid of pids) livePods.add(pid);
  return { pids, ended, phases };
}

/** Ends the pods and waits until the kernel has taken their veths away (a fresh state for the next N). */
async function removePods(pods) {
  for (const pid of pods.pids) { livePods.delete(pid); try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  await pods.ended;
  spawnSync('ip', ['link', 'del', 'cni0']);
  const until = Date.now() + 120_000;
  for (;;) {
    const left = spawnSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).stdout.trim();
    if (!left) return;
    if (Date.now() > until) { console.log(`  (veths still present 120 s after their pods ended: ${left.split('\n').length})`); return; }
    await sleep(200);
  }
}

// ---- the engine process, as a client sees it ----------------------------------------------

const COUNTERS_PREFIX = '{"jsonrpc":"2.0","method":"counters"';

function startEngine() {
  const t0 = performance.now();
  // $VNET_BENCH_CPU_PROF=DIR: the engine writes a V8 CPU profile there when it exits (for finding
  // where its time goes; the numbers printed are then those of a profiled engine).
  const prof = process.env.VNET_BENCH_PERF ? ['--perf-basic-prof'] : process.env.VNET_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VNET_BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, CLI, 'engine', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const e = { child, t0, startedAt: null, counters: 0, waiting: new Map(), deltaListeners: new Set(), errors: [], exited: false };
  child.on('exit', () => { e.exited = true; for (const w of e.waiting.values()) w(null); e.waiting.clear(); });
  readline.createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (l) => {
    if (e.startedAt === null && l.includes(': started:')) e.startedAt = performance.now();
    // Not a log line: the reason it failed, if it did (the first few lines say it).
    if (l && !l.startsWith('engine[') && e.errors.length < 3) e.errors.push(l);
  });
  // Lines are cut from Buffers as they come (a snapshot of 1,000 namespaces is one long line);
  // the arrival time of a line is that of the chunk that completes it. Counter frames are only
  // counted: the client's own parsing must not crowd the engine off the CPU.
  let parts = [];
  child.stdout.on('data', (chunk) => {
    const t = performance.now();
    let start = 0; let nl;
    while ((nl = chunk.indexOf(10, start)) >= 0) {
      parts.push(chunk.subarray(start, nl));
      const line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts = []; start = nl + 1;
      if (line.toString('latin1', 0, COUNTERS_PREFIX.length) === COUNTERS_PREFIX) { e.counters++; continue; }
      let msg; try { msg = JSON.parse(line.toString('utf8')); } catch { continue; }
      if (msg.id !== undefined && e.waiting.has(msg.id)) { e.waiting.get(msg.id)({ msg, t }); e.waiting.delete(msg.id); }
      if (msg.method === 'delta') for (const l of e.deltaListeners) l(msg.params, t);
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  });
  let nextId = 1;
  e.call = (method, params) => new Promise((resolve) => {
    const id = nextId++;
    e.waiting.set(id, resolve);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
  });
  e.stop = async () => {
    if (!e.exited) {
      child.stdin.end();
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(15_000)]);
      if (!e.exited) { child.kill('SIGKILL'); await new Promise((r) => child.once('exit', r)); }
    }
  };
  return e;
}

// ---- the floor ----------------------------------------------------------------------------

function buildFloor() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-bench-scale-'));
  const bin = path.join(dir, 'floor');
  const r = spawnSync('gcc', ['-O2', '-o', bin, path.join(__dirname, 'bench-scale-floor.c')], { encoding: 'utf8' });
  if (r.status !== 0) { console.log(`(floor skipped: gcc failed: ${(r.stderr || r.error || '').toString().trim()})`); fs.rmSync(dir, { recursive: true, force: true }); return null; }
  return bin;
}

/** The floor's work besides the counter reads, as the engine does it in its steady state (see
 *  bench-scale-floor.c): reconciliation passes a second (the engine's default budget; with N
 *  namespaces fewer than that a second only when N fits in one period), and the periodic /proc
 *  pass: without process events (the default world) every second, reading a known process's
 *  namespace one pass in PROC_EVERY; with them (--host-pids) a complete pass every 10 s. */
function floorDuties(hz, hostPids) {
  const reconcile = require(path.join(root, 'dist', 'electron', 'engine', 'options.js')).defaultReconcilePerSec();
  return hostPids ? { reconcile, procPeriodTicks: Math.round(10 * hz), procEvery: 1 } : { reconcile, procPeriodTicks: Math.round(hz), procEvery: 10 };
}

function runFloor(bin, hz, lowHz, hot, seconds, pids, duties) {
  const r = spawnSync(bin, [String(hz), String(lowHz), String(hot), String(seconds), String(duties.reconcile), String(duties.procPeriodTicks),
    String(duties.procEvery), ...pids.map(String)], { encoding: 'utf8' });
  if (r.status !== 0) { console.log(`  floor failed: ${(r.stderr || '').trim()}`); return null; }
  const [setupUs, cpuUs, wallUs, ticks, sockets, ifaces, countersUs, reconcileUs, procUs] = r.stdout.trim().split(/\s+/).map(Number);
  const pct = (us) => (us / wallUs) * 100;
  return { setupMs: setupUs / 1000, cpuPct: pct(cpuUs), ticks, sockets, ifaces, perTickMs: cpuUs / ticks / 1000,
    countersPct: pct(countersUs), reconcilePct: pct(reconcileUs), procPct: pct(procUs), duties };
}

// ---- one size -----------------------------------------------------------------------------

/** The renderer in Chromium against the real engine (`vnet-studio serve`) on this host of pods, two
 *  of them pinging each other: bench-renderer.js's measures (first picture, frame times fitted and
 *  at a readable zoom). */
async function rendererRun(n, nNs, nIfs, pods) {
  if (!fs.existsSync('/usr/bin/chromium')) { console.log('  (renderer run skipped: no /usr/bin/chromium)'); return; }
  const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = ''; serve.stderr.on('data', (d) => { err += d; });
  const ping = spawn('nsenter', [`--net=/proc/${pods.pids[0]}/ns/net`, 'ping', '-q', '-i', '0.05', podAddr(1)], { stdio: 'ignore' });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      serve.stdout.on('data', (d) => { out += d; const m = /^Open (\S+)\n/.exec(out); if (m) resolve(m[1]); });
      serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err.trim()}`)));
    });
    console.log('');
    await require('./bench-renderer').bench({ seconds: 5, model: 'pods', grouping: 'on', hz: 10,
      real: { url, interfaces: nIfs, namespaces: nNs, what: `${n} pods, two of them pinging each other 20 times a second` } });
  } catch (e) {
    console.log(`  renderer run failed: ${e.message}`);
  } finally {
    ping.kill('SIGKILL');
    serve.kill('SIGTERM');
    await new Promise((r) => (serve.exitCode !== null ? r() : serve.once('exit', r)));
  }
}

async function runSize(n, hz, floorBin, withRenderer) {
  const res = { n };
  const tb = performance.now();
  const pods = await makePods(n);
  console.log(`\nN=${n}: ${n} pods built in ${secs(performance.now() - tb)} (${pods.phases}; namespaces held by processes, ${n} ports on cni0)`);

  // plotnetcfg first, before the engine runs.
  const plot = fs.existsSync('/usr/sbin/plotnetcfg') ? '/usr/sbin/plotnetcfg' : 'plotnetcfg';
  const tp = performance.now();
  const pr = spawnSync(plot, [], { maxBuffer: 512 << 20, timeout: 120_000 });
  res.plotMs = performance.now() - tp;
  if (pr.status !== 0) { console.log(`  plotnetcfg failed (${pr.error ? pr.error.message : `exit ${pr.status ?? pr.signal}`})`); res.plotMs = null; }
  const plotOut = pr.stdout ? pr.stdout.toString('utf8') : '';
  const plotNs = (plotOut.match(/subgraph/g) || []).length;

  // The floor, also with no engine running, for as long as the engine's window below.
  res.floor = floorBin ? runFloor(floorBin, hz, LOW_HZ, HOT, WINDOW_S, pods.pids, floorDuties(hz, HOST_PIDS)) : null;

  // The engine: spawn → complete snapshot line.
  const eng = startEngine();
  const snap = await Promise.race([eng.call('snapshot'), sleep(SNAPSHOT_CAP_MS).then(() => 'timeout')]);
  let snapNs = null; let snapIfs = null;
  res.snapMs = null; res.snapCapped = snap === 'timeout';
  if (!res.snapCapped && (!snap || snap.msg.error)) {
    console.log(`  engine: no snapshot (${snap ? JSON.stringify(snap.msg.error) : `it exited: ${eng.errors.join(' | ')}`})`);
  } else if (!res.snapCapped) {
    res.snapMs = snap.t - eng.t0;
    snapNs = snap.msg.result.model.namespaces.length;
    snapIfs = snap.msg.result.model.namespaces.reduce((a, ns) => a + ns.interfaces.length, 0);
  }
  res.snapText = res.snapMs !== null ? secs(res.snapMs) : res.snapCapped ? `> ${SNAPSHOT_CAP_MS / 1000} s` : 'failed';
  // Against the cap when the engine gave none in time: then the ratio is an upper bound.
  res.ratioSnap = res.plotMs === null ? null : res.snapMs !== null ? res.plotMs / res.snapMs : res.snapCapped ? res.plotMs / SNAPSHOT_CAP_MS : null;
  const details = [snapNs !== null ? `${snapNs} namespaces, ${snapIfs} interfaces in it` : null,
    eng.startedAt !== null ? `"started" logged at ${secs(eng.startedAt - eng.t0)}` : null].filter(Boolean).join('; ');
  console.log(`  first snapshot: engine ${res.snapText}${details ? ` (${details})` : ''}, ` +
    `plotnetcfg ${res.plotMs !== null ? secs(res.plotMs) : 'n/a'} (${plotNs} pod clusters, ${(plotOut.length / 1024).toFixed(0)} KiB of dot); ` +
    `plotnetcfg/engine ${res.ratioSnap !== null ? `${res.snapCapped ? '< ' : ''}${res.ratioSnap.toFixed(2)}` : 'n/a'}`);

  if (eng.exited) { await removePods(pods); return res; }

  // Steady state: the window right after the first snapshot, the client looking at one pod.
  const podNs = snap.msg.result.model.namespaces.find((ns) => ns.pids.includes(pods.pids[0]));
  const asked = podNs ? await eng.call('setInterest', { namespaces: [podNs.id] }) : null;
  const hello = await eng.call('hello');
  if (hello && hello.msg.result?.discovery) console.log(`  engine discovery: ${hello.msg.result.discovery}`);
  if (!asked || asked.msg.error) console.log(`  setInterest failed: ${asked ? JSON.stringify(asked.msg.error) : 'the first pod is not in the snapshot'}`);
  const s0 = cpuTicks(eng.child.pid); const ws0 = performance.now();
  await sleep(SETTLE_S * 1000);
  const c0 = cpuTicks(eng.child.pid); const th0 = threadTicks(eng.child.pid); const w0 = performance.now(); const k0 = eng.counters;
  res.settleCpuPct = ((c0 - s0) / CLK_TCK) / ((w0 - ws0) / 1000) * 100;
  const perfRec = process.env.VNET_BENCH_PERF ? spawn('perf', ['record', '-q', '-F', '997', '-e', 'cpu-clock', '-g', '-p', String(eng.child.pid), '-o', process.env.VNET_BENCH_PERF, '--', 'sleep', String(WINDOW_S)], { stdio: 'inherit' }) : null;
  await sleep(WINDOW_S * 1000);
  if (perfRec) await new Promise((r) => perfRec.once('exit', r));
  const c1 = cpuTicks(eng.child.pid); const th1 = threadTicks(eng.child.pid); const w1 = performance.now();
  const st = procStatus(eng.child.pid);
  res.cpuPct = ((c1 - c0) / CLK_TCK) / ((w1 - w0) / 1000) * 100;
  Object.assign(res, st);
  const frames = (eng.counters - k0) / ((w1 - w0) / 1000);
  console.log(`  engine steady (${WINDOW_S} s from ${SETTLE_S} s after it — in those first ${SETTLE_S} s ${res.settleCpuPct.toFixed(1)} % —, looking at ${HOT} pod): CPU ${res.cpuPct.toFixed(1)} % of a core, RSS ${st.rssMiB.toFixed(0)} MiB ` +
    `(peak ${st.hwmMiB.toFixed(0)}), ${st.threads} threads, ${st.fds} fds, ${frames.toFixed(1)} counter frames/s`);
  console.log(`  engine CPU by thread: ${threadShares(th0, th1, (w1 - w0) / 1000)}`);
  if (res.floor) {
    res.ratioCpu = res.cpuPct / res.floor.cpuPct;
    const f = res.floor; const d = f.duties;
    console.log(`  floor (C, the engine's steady work in the same kernel calls, ${f.sockets} netlink sockets, ${f.ticks} ticks at ${hz} Hz): ` +
      `counter dumps (RTM_GETSTATS) of ${HOT} namespace at ${hz} Hz and all at ${LOW_HZ} Hz ${f.countersPct.toFixed(2)} %, ` +
      `reconciliation re-reads (links, addresses, IPv4 + IPv6 routes, FDB: 5 dumps) of ${d.reconcile} namespaces/s ${f.reconcilePct.toFixed(2)} %, ` +
      `/proc pass every ${d.procPeriodTicks / hz} s (readdir, readlink of ns/net for new and young pids${d.procEvery > 1 ? ` and one known in ${d.procEvery}` : ' and every known one'}, ` +
      `100 pods' comm) ${f.procPct.toFixed(2)} %: CPU ${f.cpuPct.toFixed(2)} % of a core in all (${f.perTickMs.toFixed(3)} ms per tick), ` +
      `sockets opened in ${msStr(f.setupMs)}; engine/floor ${res.ratioCpu.toFixed(1)}`);
  }

  // Change → delta: one waiting `ip -batch` inside each of CHANGES pods spread over the range.
  const chosen = Array.from({ length: Math.min(CHANGES, n) }, (_, k) => Math.floor((k * n) / Math.min(CHANGES, n)));
  const ips = chosen.map((i) => spawn('nsenter', [`--net=/proc/${pods.pids[i]}/ns/net`, 'ip', '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] }));
  await sleep(300); // let them start: their start-up is not part of the latency
  const lat = []; let made = 0; const tl = performance.now();
  for (let k = 0; k < chosen.length; k++) {
    if (performance.now() - tl > LATENCY_PHASE_CAP_MS || eng.exited) break;
    const addr = `10.99.${k}.1/32`;
    let l;
    const got = new Promise((resolve) => {
      l = (params, t) => { if (params.deltas.some((d) => d.op === 'interface' && d.iface.addresses.includes(addr))) resolve(t); };
      eng.deltaListeners.add(l);
    });
    const t0 = performance.now();
    ips[k].stdin.write(`addr add ${addr} dev eth0\n`);
    made++;
    const t1 = await Promise.race([got, sleep(CHANGE_TIMEOUT_MS).then(() => null)]);
    eng.deltaListeners.delete(l);
    if (t1 !== null) lat.push(t1 - t0);
    await sleep(20);
  }
  for (const p of ips) p.stdin.end();
  res.latP50 = lat.length ? quantile(lat, 0.5) : null; res.latP99 = lat.length ? quantile(lat, 0.99) : null;
  console.log(`  change → delta (addr add inside a pod; ${lat.length}/${made} seen within ${CHANGE_TIMEOUT_MS / 1000} s` +
    `${made < chosen.length ? `, ${chosen.length - made} not made: ${LATENCY_PHASE_CAP_MS / 1000} s cap` : ''}): ` +
    `p50 ${msStr(res.latP50)}, p99 ${msStr(res.latP99)}`);

  const ts = performance.now();
  await eng.stop();
  const stopMs = performance.now() - ts;
  await Promise.all(ips.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
  if (withRenderer) await rendererRun(n, snapNs, snapIfs, pods);
  const tr = performance.now();
  await removePods(pods);
  console.log(`  (engine stopped in ${secs(stopMs)}; pods gone in ${secs(performance.now() - tr)})`);
  return res;
}

// ---- main -----------------------------------------------------------------------------------

async function main() {
  let sizes;
  try { ({ sizes, windowS: WINDOW_S } = parseArgs(process.argv.slice(2))); } catch (e) { console.error(`bench-scale: ${e.message}`); process.exit(2); }
  if (!fs.existsSync(CLI)) { console.error(`bench-scale: ${CLI} is missing (compile first: npx tsc -p tsconfig.json)`); process.exit(1); }
  const hz = require(path.join(root, 'dist', 'electron', 'engine', 'options.js')).defaultSampleHz();
  const floorBin = buildFloor();
  const t0 = performance.now();
  console.log(`the engine on a dense host: N pod-like namespaces (sizes ${sizes.join(', ')}); targets: first snapshot ≤ ${TARGETS.snapshotMs / 1000} s, ` +
    `RSS ≤ ${TARGETS.rssMiB} MiB, threads ≤ ${TARGETS.threads}, steady CPU ≤ ${TARGETS.cpuPct} % of a core; engine sample rate ${hz} Hz; ` +
    `${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the start`);
  const results = [];
  // The renderer against the real engine at the largest size only (it takes half a minute).
  for (const n of sizes) results.push(await runSize(n, hz, floorBin, n === Math.max(...sizes)));
  if (floorBin) fs.rmSync(path.dirname(floorBin), { recursive: true, force: true });

  console.log('\nsummary');
  console.log(['N', 'snapshot', 'plotnetcfg', 'plot/eng', 'CPU %', 'floor %', 'eng/floor', 'RSS MiB', 'threads', 'fds', 'delta p50', 'p99']
    .map((h, i) => h.padEnd(i === 0 ? 6 : 11)).join(''));
  for (const r of results) {
    const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
    console.log([String(r.n), r.snapText, r.plotMs !== null ? secs(r.plotMs) : 'n/a',
      r.ratioSnap !== null ? `${r.snapCapped ? '<' : ''}${f(r.ratioSnap, 2)}` : 'n/a', f(r.cpuPct), f(r.floor?.cpuPct, 2), f(r.ratioCpu),
      f(r.rssMiB, 0), f(r.threads, 0), f(r.fds, 0), msStr(r.latP50), msStr(r.latP99)].map((c, i) => c.padEnd(i === 0 ? 6 : 11)).join(''));
  }
  console.log(`(section took ${secs(performance.now() - t0)})`);
  const last = results[results.length - 1];
  if (last.snapCapped) console.log(`(the engine gave no snapshot within ${SNAPSHOT_CAP_MS / 1000} s at ${last.n}: the first ratio is against that cap, an upper bound)`);
  const num = (x, d) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
  console.log(`ratio plotnetcfg/engine first snapshot at ${last.n} namespaces: ${num(last.ratioSnap, 3)}`);
  console.log(`ratio engine/floor sweep cpu at ${last.n} namespaces: ${num(last.ratioCpu, 1)}`);
}

if (require.main === module) main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
module.exports = { makePods, removePods };
