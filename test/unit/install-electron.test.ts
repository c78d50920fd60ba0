// scripts/install-electron.js, npm install's Electron step, run for real on a copy of the electron
// package (its own install.js and @electron/get) against a mirror on 127.0.0.1: a download that
// works puts the binary in place and says nothing; one that fails, or is skipped, prints one line
// naming why and the web app's command, and still exits 0 so the install goes on.
import { execFile, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const script = path.join(root, 'scripts', 'install-electron.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { electronBinary, WEB_APP } = require(script) as { electronBinary: (dir: string) => string | null; WEB_APP: string };
const electron = path.join(root, 'node_modules', 'electron');
const { version } = JSON.parse(fs.readFileSync(path.join(electron, 'package.json'), 'utf8')) as { version: string };
const zipName = `electron-v${version}-${process.platform}-${process.arch}.zip`;

let tmp = '';
let zip: Buffer;
let server: http.Server;
let mirror = '';
const requests: string[] = [];
let answer: 'zip' | 'not found' = 'zip';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-install-electron-'));
  // A stand-in release archive: what install.js looks for in it is the `electron` executable.
  const zipPath = path.join(tmp, zipName);
  const py = spawnSync('python3', ['-c', [
    'import sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1], "w")',
    'i = zipfile.ZipInfo("electron"); i.external_attr = 0o755 << 16',
    'z.writestr(i, "#!/bin/sh\\n")',
    'z.writestr("version", sys.argv[2])',
    'z.close()'].join('\n'), zipPath, version], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`python3 could not make the test archive: ${py.stderr}`);
  zip = fs.readFileSync(zipPath);
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (answer === 'zip' && req.url === `/v${version}/${zipName}`) { res.writeHead(200, { 'Content-Type': 'application/zip' }); res.end(zip); return; }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh copy of the electron package (no binary), with checksums for our stand-in archive. */
function electronCopy(): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'electron-'));
  for (const f of ['install.js', 'index.js', 'package.json']) fs.copyFileSync(path.join(electron, f), path.join(dir, f));
  const sha = crypto.createHash('sha256').update(zip).digest('hex');
  fs.writeFileSync(path.join(dir, 'checksums.json'), JSON.stringify({ [zipName]: sha }));
  return dir;
}

/** Runs the script (asynchronously: the mirror answers from this process). */
function install(dir: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ELECTRON_|electron_|npm_config_electron)/i.test(k)));
  return new Promise((resolve) => execFile(process.execPath, [script, dir], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...clean,
      NODE_PATH: path.join(root, 'node_modules'), // the copy's install.js finds @electron/get here
      electron_config_cache: fs.mkdtempSync(path.join(tmp, 'cache-')), // never the user's cache
      ...env,
    },
  }, (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr })));
}

it('downloads the binary from the mirror and says nothing', async () => {
  answer = 'zip';
  const dir = electronCopy();
  expect(electronBinary(dir)).toBeNull();
  const r = await install(dir, { ELECTRON_MIRROR: mirror });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(electronBinary(dir)).toBe(path.join(dir, 'dist', 'electron'));
});

it('a download that fails: one line with the reason and the web app, exit 0', async () => {
  answer = 'not found';
  const dir = electronCopy();
  const r = await install(dir, { ELECTRON_MIRROR: mirror });
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`vnet-studio: Electron's desktop binary could not be downloaded (Response code 404 (Not Found)); the web app works without it: ${WEB_APP}\n`);
  expect(requests).toContain(`/v${version}/${zipName}`); // it did ask the mirror
  expect(electronBinary(dir)).toBeNull();
});

it('a mirror that does not answer: the connection error is the reason', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r)); // nothing listens there now
  const r = await install(electronCopy(), { ELECTRON_MIRROR: `http://127.0.0.1:${port}/` });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(new RegExp(`^vnet-studio: Electron's desktop binary could not be downloaded \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); [^\\n]+\\n$`));
});

it('ELECTRON_SKIP_BINARY_DOWNLOAD: not tried, one line saying so, exit 0', async () => {
  answer = 'zip';
  const before = requests.length;
  const dir = electronCopy();
  const r = await install(dir, { ELECTRON_MIRROR: mirror, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe(`vnet-studio: Electron's desktop binary was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set); the web app works without it: ${WEB_APP}\n`);
  expect(requests.length).toBe(before);
  expect(electronBinary(dir)).toBeNull();
});

it('no electron package (installed without dev dependencies): nothing to do, nothing said', async () => {
  const r = await install(path.join(tmp, 'no-such-package'), { ELECTRON_MIRROR: mirror });
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
});
