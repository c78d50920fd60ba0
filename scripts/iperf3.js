// The iperf3 client run shared by the article bench (scripts/bench-article.js) and its kernel test
// (test/kernel/article-iperf.test.ts): argv only, never a shell string.
'use strict';
const { spawn } = require('node:child_process');

/** Runs argv to its end without blocking the event loop (the engine samples meanwhile). */
function run(argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/**
 * `iperf3 -c ADDR -t SECONDS -J` from network namespace `ns`, retried while the (one-shot) server
 * is not listening yet. `beforeAttempt()` runs before every try, so callers note counters just
 * before the run that counts. Resolves with iperf3's JSON report; rejects naming the client.
 */
async function iperf3Client(ns, addr, seconds, beforeAttempt = () => {}) {
  let res = { code: null, out: '', err: '' };
  let report = null;
  for (let attempt = 0; attempt < 50; attempt++) {
    beforeAttempt();
    res = await run(['ip', 'netns', 'exec', ns, 'iperf3', '-c', addr, '-t', String(seconds), '-J']);
    // iperf3 -J exits 0 even when it could not connect: the JSON's "error" says so
    try { report = JSON.parse(res.out); } catch { report = null; }
    if (res.code === 0 && report && !report.error && report.end?.sum_received) return report;
    await new Promise((r) => setTimeout(r, 100)); // the server is not listening yet
  }
  throw new Error(`iperf3 client in ${ns} (exit ${res.code}): ${report?.error ?? res.out.slice(0, 400)} ${res.err}`);
}

module.exports = { iperf3Client };
