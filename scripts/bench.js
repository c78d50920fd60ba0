#!/usr/bin/env node
// `npm run bench`: the benchmark sections, each in its own throwaway world (scripts/world.sh), one
// after another. Benchmarks print numbers (side by side with the tools people would otherwise use,
// measured in the same run); they assert nothing about time.
//
// Sections are scripts/bench-<name>.js; a section that does not exist (yet) is skipped. Add new
// ones to SECTIONS (run by default) or ON_DEMAND (run only when named: "scale" builds 1,000
// namespaces and keeps both cores busy for minutes). Usage: npm run bench [-- SECTION...]
// (e.g. npm run bench -- engine, npm run bench -- scale)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SECTIONS = ['engine', 'labs', 'renderer', 'latency', 'article', 'capture'];
const ON_DEMAND = ['scale'];

const root = path.resolve(__dirname, '..');
if (process.getuid() !== 0) {
  console.error('bench: needs root (it makes its devices in a throwaway world of network namespaces): sudo npm run bench');
  process.exit(77);
}
const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!SECTIONS.includes(w) && !ON_DEMAND.includes(w)) {
    console.error(`bench: unknown section "${w}" (known: ${SECTIONS.join(', ')}; on demand: ${ON_DEMAND.join(', ')})`);
    process.exit(2);
  }
}

const t0 = Date.now();
// Build what the sections load (dist/electron, dist/native, dist/renderer), so a bench never
// measures stale code. The native addon is built by `npm install`.
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) { console.error('bench: npm run build failed'); process.exit(build.status ?? 1); }

let failed = 0;
for (const name of wanted.length ? wanted : SECTIONS) {
  const script = path.join(root, 'scripts', `bench-${name}.js`);
  if (!fs.existsSync(script)) { console.log(`\n== ${name}: (no scripts/bench-${name}.js yet, skipped)`); continue; }
  console.log(`\n== ${name} (scripts/bench-${name}.js, in a throwaway world)`);
  const r = spawnSync(path.join(root, 'scripts', 'world.sh'), [process.execPath, script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`bench: section ${name} failed (${r.status ?? r.signal})`); failed++; }
}
console.log(`\nbench: done in ${((Date.now() - t0) / 1000).toFixed(1)} s (build included)${failed ? `, ${failed} section(s) failed` : ''}`);
process.exit(failed ? 1 : 0);
