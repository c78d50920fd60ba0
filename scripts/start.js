#!/usr/bin/env node
// `npm start`: opens the Electron app (dist/electron/hosts/desktop/main.js) with the project's own Electron.
// If Electron's binary is not there (its download failed during `npm install`, or was skipped with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1), try the download once more, and if that fails too say what to
// run instead: the web app, which needs no Electron.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { downloadElectron, electronBinary, WEB_APP } = require('./install-electron');

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist', 'electron', 'hosts', 'desktop', 'main.js');
if (!fs.existsSync(main)) {
  console.error('vnet-studio: dist/electron/hosts/desktop/main.js is missing: run `npm run build` first.');
  process.exit(1);
}

const instead = `Use the web app instead: ${WEB_APP}   (it prints a URL to open in a browser)`;
let electronBin = electronBinary();
if (!electronBin && fs.existsSync(path.join(root, 'node_modules', 'electron', 'install.js'))) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    console.error(`vnet-studio: Electron's desktop binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set). ${instead}`);
    process.exit(1);
  }
  console.error("vnet-studio: Electron's desktop binary is not installed; downloading it…");
  const r = downloadElectron();
  if (!r.ok) {
    console.error(`vnet-studio: the download failed (${r.reason}). ${instead}`);
    process.exit(1);
  }
  electronBin = electronBinary();
}
if (!electronBin) {
  console.error(`vnet-studio: Electron is not installed (no node_modules/electron: run \`npm install\`). ${instead}`);
  process.exit(1);
}

const args = [main, ...process.argv.slice(2)];
// Started with sudo: Chromium refuses to run as root unless its sandbox is switched off, and it
// checks before our main.js runs, so the switch must be on the command line (see electron/hosts/desktop/main.ts).
if (process.getuid && process.getuid() === 0 && !args.includes('--no-sandbox')) {
  console.error('vnet-studio: running as root, so Chromium needs --no-sandbox (prefer a normal user and "Enable editing").');
  args.push('--no-sandbox');
}
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would make the binary a plain node and the window never open
const child = spawn(electronBin, args, { stdio: 'inherit', env });
child.on('error', (err) => {
  console.error(`vnet-studio: could not start Electron (${err.message}). The web app: ${WEB_APP}`);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 0));
