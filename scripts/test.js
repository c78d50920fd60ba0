#!/usr/bin/env node
// `npm test`: type-check everything (Electron code against electron's own types included), then run
// every test. As root the tests run inside a throwaway world (scripts/world.sh) and this script
// fails unless the kernel and browser tests really ran and passed; as a normal user the kernel
// tests are skipped and we say so.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'typecheck']);

const isRoot = process.getuid() === 0;
const report = path.join(root, 'test-artifacts', 'vitest.json');
fs.mkdirSync(path.dirname(report), { recursive: true });
fs.rmSync(report, { force: true });
const vitest = [path.join(root, 'node_modules', '.bin', 'vitest'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const r = isRoot
  ? spawnSync(path.join(root, 'scripts', 'world.sh'), vitest, { cwd: root, stdio: 'inherit' })
  : spawnSync(vitest[0], vitest.slice(1), { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

// The kernel's process events exist only in the machine's pid namespace: the files that depend on
// them run once more in the world that keeps it (scripts/world.sh, VNET_WORLD_PIDS=host).
const HOST_PID_FILES = ['test/kernel/proc-events.test.ts', 'test/kernel/pod-churn.test.ts'];
if (isRoot && process.argv.length <= 2) {
  const h = spawnSync(path.join(root, 'scripts', 'world.sh'), [vitest[0], 'run', ...HOST_PID_FILES],
    { cwd: root, stdio: 'inherit', env: { ...process.env, VNET_WORLD_PIDS: 'host' } });
  if (h.status !== 0) process.exit(h.status ?? 1);
}

if (!isRoot) {
  console.log('\nNOTE: kernel and browser tests need root (they create network namespaces): run `sudo npm test`.');
  process.exit(0);
}
// As root, a kernel test that did not run is a failure, not a skip.
if (process.argv.length > 2) process.exit(0); // a filtered run: the caller chose what to run
const results = JSON.parse(fs.readFileSync(report, 'utf8'));
let kernelPassed = 0; const notRun = [];
for (const file of results.testResults) {
  const rel = path.relative(root, file.name);
  if (!/^test\/(kernel|e2e)\//.test(rel)) continue;
  for (const t of file.assertionResults) {
    if (t.status === 'passed') kernelPassed++;
    else notRun.push(`${rel}: ${t.fullName} (${t.status})`);
  }
}
if (kernelPassed === 0 || notRun.length) {
  console.error(`\nFAIL: running as root, every kernel/browser test must run; passed ${kernelPassed}, not run:\n  ${notRun.join('\n  ')}`);
  process.exit(1);
}
console.log(`\nkernel and browser tests: ${kernelPassed} passed in the throwaway world`);
