// The command line's manners, through the built `vnet-studio` (dist/; `npx tsc -p tsconfig.json`):
// --help and -h on every command print its usage on stdout (exit 0); bad usage prints what is
// wrong, a blank line and that command's usage on stderr (exit 2); a lab file that cannot be read
// is one line (exit 1). None of these touches the kernel.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APP_ROOT, CLI_PATH } from '../../electron/paths';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-cli-'));
const run = (args: string[], prefix: string[] = []) => {
  const argv = [...prefix, process.execPath, CLI_PATH, ...args];
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, VNET_STATE_DIR: path.join(dir, 'state') } });
};

beforeAll(() => {
  if (!fs.existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build first (npx tsc -p tsconfig.json)`);
});
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const LAB_COMMANDS = ['apply', 'destroy', 'export', 'plan', 'validate', 'list', 'recover'];

describe('--help and -h', () => {
  const commands: [string[], string][] = [
    [[], 'usage: vnet-studio <command>'],
    [['inspect'], 'usage: vnet-studio inspect'],
    [['engine'], 'usage: vnet-studio engine --stdio'],
    [['serve'], 'usage: vnet-studio serve'],
    [['lab'], 'usage: vnet-studio lab <command>'],
    [['capture'], 'usage: vnet-studio capture -i NS:IFNAME'],
    ...LAB_COMMANDS.map((c): [string[], string] => [['lab', c], `usage: vnet-studio lab ${c}`]),
  ];
  test.each(commands.flatMap(([cmd, head]) => ['--help', '-h'].map((flag) => [[...cmd, flag].join(' '), [...cmd, flag], head] as const)))(
    '%s: usage on stdout, exit 0', (_name, args, head) => {
      const r = run(args);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.startsWith(`${head}`)).toBe(true);
      expect(r.stdout.endsWith('\n')).toBe(true);
      expect(r.stderr).toBe('');
    });

  test('`help` and `help COMMAND` are --help', () => {
    expect(run(['help']).stdout).toBe(run(['--help']).stdout);
    expect(run(['help', 'lab']).stdout).toBe(run(['lab', '--help']).stdout);
    expect(run(['lab', 'help', 'export']).stdout).toBe(run(['lab', 'export', '--help']).stdout);
  });

  test('the lab usage lists every lab command', () => {
    const u = run(['lab', '--help']).stdout;
    for (const c of LAB_COMMANDS) expect(u).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });
});

test('--version and -V print the version in package.json', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(version).toMatch(/^\d+\.\d+\.\d+/);
  for (const flag of ['--version', '-V']) {
    const r = run([flag]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`vnet-studio ${version}\n`);
    expect(r.stderr).toBe('');
  }
});

test('no arguments: the usage on stderr, exit 2 (vnet-studio, and vnet-studio lab)', () => {
  for (const cmd of [[], ['lab']]) {
    const r = run(cmd);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(run([...cmd, '--help']).stdout);
  }
});

describe('bad usage: the problem first, a blank line, then that command\'s usage; exit 2', () => {
  const cases: [string[], string, string[]][] = [
    [['lab', 'validate'], 'vnet-studio lab validate: missing the lab FILE', ['lab', 'validate']],
    [['lab', 'destroy', '--quiet'], 'vnet-studio lab destroy: missing the lab FILE or NAME', ['lab', 'destroy']],
    [['lab', 'validate', 'a.yaml', 'b.yaml'], "vnet-studio lab validate: unexpected argument 'b.yaml' (one lab FILE at a time)", ['lab', 'validate']],
    [['lab', 'list', 'extra'], "vnet-studio lab list: unexpected argument 'extra'", ['lab', 'list']],
    [['lab', 'frob'], "vnet-studio lab: unknown command 'frob'", ['lab']],
    [['lab', '--offline'], "vnet-studio lab: a command must come before options ('--offline')", ['lab']],
    [['frob'], "vnet-studio: unknown command 'frob'", []],
    [['--frob'], "vnet-studio: unknown option '--frob'", []],
    [['inspect', '--jsn'], "vnet-studio inspect: unknown option '--jsn'", ['inspect']],
    [['inspect', '--json=yes'], "vnet-studio inspect: option '--json' takes no value", ['inspect']],
    [['inspect', 'now'], "vnet-studio inspect: unexpected argument 'now'", ['inspect']],
    [['serve', '--frob'], "vnet-studio serve: unknown option '--frob'", ['serve']],
    [['serve', '--port'], "vnet-studio serve: option '--port' needs a value", ['serve']],
    [['serve', '--port', 'x'], "vnet-studio serve: --port: 'x' is not a port number (0-65535)", ['serve']],
    [['lab', 'plan', 'x.yaml', '--dry-run'], "vnet-studio lab plan: unknown option '--dry-run'", ['lab', 'plan']],
    [['lab', 'export', 'x.yaml', '-o'], "vnet-studio lab export: option '-o, --out' needs a value", ['lab', 'export']],
    [['lab', 'export', 'x.yaml', '--out', '--quiet'], "vnet-studio lab export: option '--out' needs a value", ['lab', 'export']],
    [['engine', '--stdio', '--sample-hz'], "vnet-studio engine: option '--sample-hz' needs a value", ['engine']],
    [['engine', '--stdio', '--sample-hz', '99'], 'vnet-studio engine: --sample-hz must be a number from 0.5 to 50, got "99"', ['engine']],
    [['engine'], 'vnet-studio engine: --stdio is required (the only transport the engine process speaks)', ['engine']],
    [['engine', '--stdio', '--frob'], "vnet-studio engine: unknown option '--frob'", ['engine']],
    [['capture'], 'vnet-studio capture: name at least one interface with -i NS:IFNAME', ['capture']],
    [['capture', '-i'], "vnet-studio capture: option '-i, --interface' needs a value", ['capture']],
    [['capture', '-i', 'host:lo', '-c', '0'], "vnet-studio capture: -c must be a whole number from 1 to 1000000000, got '0'", ['capture']],
    [['capture', '-i', 'host:lo', '-s', '12'], "vnet-studio capture: -s must be a whole number from 64 to 262144, got '12'", ['capture']],
    [['capture', '-i', 'host:lo', '-w', 'package.json'], 'vnet-studio capture: -w: package.json exists (the capture does not overwrite files)', ['capture']],
    [['capture', '-i', 'host:lo', 'extra'], "vnet-studio capture: unexpected argument 'extra'", ['capture']],
  ];
  test.each(cases.map(([args, problem, cmd]) => [args.join(' '), args, problem, cmd] as const))('%s', (_name, args, problem, cmd) => {
    const r = run(args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const usage = run([...cmd, '--help']).stdout;
    expect(usage).toMatch(/^usage: vnet-studio/);
    expect(r.stderr).toBe(`${problem}\n\n${usage}`);
  });
});

describe('lab files that cannot be read: one line naming the file, exit 1', () => {
  const cases: [string, () => string, (f: string) => string][] = [
    ['a directory', () => path.join(APP_ROOT, 'assets', 'labs'), (f) => `${f} is a directory, not a lab file`],
    ['a missing file', () => path.join(dir, 'nope.yaml'), (f) => `${f} does not exist`],
    ['a path through a file', () => path.join(APP_ROOT, 'package.json', 'x.yaml'), (f) => `${f} does not exist (a part of the path is not a directory)`],
  ];
  for (const sub of ['validate', 'plan', 'export']) {
    test.each(cases)(`lab ${sub} on %s`, (_what, file, message) => {
      const f = file();
      const r = run(['lab', sub, f]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`vnet-studio lab ${sub}: ${message(f)}\n`);
    });
  }

  test('an unreadable file', () => {
    const f = path.join(dir, 'secret.yaml');
    fs.writeFileSync(f, 'name: secret\n', { mode: 0o600 });
    // root reads any file: as root, read it as nobody instead
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    if (!asNobody.length) fs.chmodSync(f, 0);
    fs.chmodSync(dir, 0o755);
    const r = run(['lab', 'validate', f], asNobody);
    expect(r.stderr).toBe(`vnet-studio lab validate: ${f} is not readable (permission denied)\n`);
    expect(r.status).toBe(1);
  });
});

describe('lab validate', () => {
  test('every problem of a file, in line order, each as FILE:LINE: PATH: MESSAGE; exit 1', () => {
    const f = path.join(dir, 'many.yaml');
    fs.writeFileSync(f, [
      'name: many',
      'bridges:',
      '  br0: { namespace: green }',
      'namespaces:',
      '  red:',
      '    interfaces:',
      '      eth0: { addresses: [10.0.0.300/24] }',
      'veths:',
      '  - [red:eth0, br0]',
      'tuntaps:',
      '  tap0: { mode: tap, colour: blue }',
      '',
    ].join('\n'));
    const r = run(['lab', 'validate', f]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `${f}:3: bridges.br0.namespace: namespace 'green' is not listed under namespaces: (add 'green: {}' there, or use 'host')`,
      `${f}:7: namespaces.red.interfaces.eth0.addresses[0]: '10.0.0.300/24' is not a valid CIDR (address/prefix, e.g. 10.0.0.1/24 or fd00::1/64)`,
      `${f}:11: tuntaps.tap0.colour: unknown key 'colour' (allowed: mode, namespace, addresses, mtu, mac, up, bridge)`,
      '',
    ]);
  });

  test('an empty and a comment-only file: one line each', () => {
    for (const [name, text] of [['empty.yaml', ''], ['comments.yaml', '# name: some day\n\n# namespaces:\n']]) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      const r = run(['lab', 'validate', f]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${f}:1: the file is empty (a lab needs at least 'name: …')\n`);
    }
  });

  test('a valid file: said on stdout, exit 0', () => {
    const f = path.join(APP_ROOT, 'assets', 'labs', 'two-rooms.yaml');
    const r = run(['lab', 'validate', f, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${f}: lab two-rooms is valid\n`);
  });
});
