#!/usr/bin/env node
// `npm install`'s postinstall: downloads Electron's desktop binary, and where that cannot be done
// says so in one line and lets the install finish. package.json's allowScripts keeps npm from
// running electron's own postinstall, because a failed download there makes npm roll back the whole
// install, though everything but the desktop window (the CLI, the web app) works without Electron.
// The download is electron's own install.js, so its variables apply as they would under npm:
// ELECTRON_SKIP_BINARY_DOWNLOAD, ELECTRON_MIRROR, electron_config_cache, ELECTRON_CUSTOM_DIR, ...
// scripts/start.js uses the same functions to try again.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ELECTRON_DIR = path.join(ROOT, 'node_modules', 'electron');
/** What to use instead of the desktop app; every message about a missing Electron names it. */
const WEB_APP = 'sudo ./bin/vnet-studio serve';
/** A download that is neither done nor failed after this long is given up (the link hangs). */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** The Electron binary's path, or null when it is not there (electron not installed, or never downloaded). */
function electronBinary(electronDir = ELECTRON_DIR) {
  const index = path.join(electronDir, 'index.js');
  try {
    delete require.cache[require.resolve(index)]; // it reads path.txt once, when loaded
    const bin = require(index);
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch { return null; /* index.js throws when the binary was never downloaded */ }
}

/** The message of the first `SomeError: message` line of install.js's output (its error's stack). */
function failureReason(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.map((l) => /^(?:\w*Error|Error \[\w+\]): (.+)$/.exec(l)).find(Boolean);
  return error ? error[1] : lines[lines.length - 1] || null;
}

/**
 * Runs electron's install.js (a no-op when the binary is already there). Returns { ok: true } or
 * { ok: false, reason, skipped? } (skipped: not tried, as asked); throws nothing.
 */
function downloadElectron(electronDir = ELECTRON_DIR, env = process.env) {
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { ok: false, skipped: true, reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    cwd: electronDir, env, encoding: 'utf8', timeout: DOWNLOAD_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) return { ok: false, reason: r.error.code === 'ETIMEDOUT' ? `no answer within ${DOWNLOAD_TIMEOUT_MS / 60_000} minutes` : r.error.message };
  if (r.status !== 0) return { ok: false, reason: failureReason(`${r.stderr}\n${r.stdout}`) ?? `install.js exited with ${r.signal ?? r.status}` };
  return electronBinary(electronDir) ? { ok: true } : { ok: false, reason: 'install.js finished but no binary is there' };
}

/** `node scripts/install-electron.js [ELECTRON_PACKAGE_DIR]` (default node_modules/electron). */
function main(electronDir) {
  // Installed without dev dependencies: there is no Electron to complete.
  if (!fs.existsSync(path.join(electronDir, 'install.js'))) return;
  const r = downloadElectron(electronDir);
  if (!r.ok) console.error(`vnet-studio: Electron's desktop binary ${r.skipped ? 'was not' : 'could not be'} downloaded (${r.reason}); the web app works without it: ${WEB_APP}`);
}

if (require.main === module) main(process.argv[2] ? path.resolve(process.argv[2]) : ELECTRON_DIR); // exit 0 either way: the install goes on

module.exports = { downloadElectron, electronBinary, failureReason, WEB_APP };
