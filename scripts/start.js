#!/usr/bin/env node
// `npm start`: opens the Electron app (dist/electron/hosts/desktop/main.js) with the project's own Electron.
// If Electron's binary is not installed (e.g. installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or a
// headless machine), say so and point at the browser version instead of failing obscurely.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist', 'electron', 'hosts', 'desktop', 'main.js');
if (!fs.existsSync(main)) {
  console.error('vnet-studio: dist/electron/hosts/desktop/main.js is missing: run `npm run build` first.');
  process.exit(1);
}

// node_modules/electron/index.js resolves the binary's path, and throws when it was never downloaded.
function findElectron() {
  try {
    const bin = require(path.join(root, 'node_modules', 'electron'));
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch { return null; /* not installed or no binary */ }
}
let electronBin = findElectron();
// npm may not have run Electron's own install script (npm 11 asks before running dependencies'
// scripts), so the binary was never downloaded: fetch it once now, so `npm start` is one command.
const installer = path.join(root, 'node_modules', 'electron', 'install.js');
if (!electronBin && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD && fs.existsSync(installer)) {
  console.error('vnet-studio: the Electron binary is not installed yet; downloading it (once)…');
  spawnSync(process.execPath, [installer], { stdio: 'inherit', timeout: 300_000 });
  delete require.cache[require.resolve(path.join(root, 'node_modules', 'electron'))];
  electronBin = findElectron();
}
if (!electronBin) {
  console.error([
    'vnet-studio: the Electron binary is not installed, so the desktop window cannot open.',
    '  To get it:        node node_modules/electron/install.js   (downloads Electron)',
    '  Or use a browser: npm run serve   (prints a http://127.0.0.1:PORT/?token=… URL to open)',
  ].join('\n'));
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
  console.error(`vnet-studio: could not start Electron (${err.message}). Try \`npm run serve\` and a browser.`);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 0));
