// Every IPC handler of the Electron main checks its sender; the preload exposes exactly
// VnetPreloadApi and only calls channels that exist. Electron itself is not launched (its binary is
// not here): handlers are registered against a recording ipcMain and the preload runs against a
// recording contextBridge/ipcRenderer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL } from '../../electron/hosts/desktop/app-origin';
import { appProtocolResponse } from '../../electron/hosts/desktop/app-protocol';
import { INVOKE_CHANNELS, NOTIFY_CHANNELS, registerIpc } from '../../electron/hosts/desktop/ipc';
import { ErrorCodes, METHOD_NAMES, outcomeResult, ProtocolError, type RpcOutcome } from '../../electron/contract';
import { RpcError } from '../../electron/hosts/desktop/relay-caller';
import { makeSenderCheck, type SenderLike } from '../../electron/hosts/desktop/sender-check';

const root = path.resolve(__dirname, '../..');

// What the preload does with Electron, recorded.
const exposed: Record<string, unknown> = {};
const exposeCalls: string[] = [];
const invoked: { channel: string; args: unknown[] }[] = [];
const listened: { channel: string; listener: (...a: unknown[]) => void }[] = [];
const removed: string[] = [];
vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: Record<string, unknown>) => { exposeCalls.push(key); Object.assign(exposed, api); },
  },
  ipcRenderer: {
    invoke: (channel: string, ...args: unknown[]) => { invoked.push({ channel, args }); return Promise.resolve({ from: channel }); },
    on: (channel: string, listener: (...a: unknown[]) => void) => { listened.push({ channel, listener }); },
    removeListener: (channel: string) => { removed.push(channel); },
  },
}));

/** A recording ipcMain: every handler registered, by channel. */
function recordingIpcMain() {
  const handlers = new Map<string, (event: SenderLike, ...args: unknown[]) => unknown>();
  const fake = {
    handle: (channel: string, fn: (event: SenderLike, ...args: unknown[]) => unknown) => {
      if (handlers.has(channel)) throw new Error(`duplicate handler ${channel}`);
      handlers.set(channel, fn);
    },
  };
  return { handlers, fake };
}

const WINDOW_ID = 7;
const good = (): SenderLike => ({ sender: { id: WINDOW_ID }, senderFrame: { url: APP_ENTRY_URL, parent: null } });
const foreignSenders: [string, SenderLike][] = [
  ['another window', { sender: { id: 8 }, senderFrame: { url: APP_ENTRY_URL, parent: null } }],
  ['an iframe in our window', { sender: { id: WINDOW_ID }, senderFrame: { url: APP_ENTRY_URL, parent: {} } }],
  ['a web page in our window', { sender: { id: WINDOW_ID }, senderFrame: { url: 'https://evil.example/index.html', parent: null } }],
  ['a file:// page in our window', { sender: { id: WINDOW_ID }, senderFrame: { url: 'file:///etc/index.html', parent: null } }],
  ['a look-alike host', { sender: { id: WINDOW_ID }, senderFrame: { url: 'vnet://app.evil/index.html', parent: null } }],
  ['a destroyed frame', { sender: { id: WINDOW_ID }, senderFrame: null }],
  ['a garbage URL', { sender: { id: WINDOW_ID }, senderFrame: { url: 'not a url', parent: null } }],
];

function setup(answer: (method: string, params?: unknown) => Promise<unknown> = async (method) => ({ method })) {
  const { handlers, fake } = recordingIpcMain();
  const calls: { method: string; params?: unknown }[] = [];
  let editing = 0;
  registerIpc(fake as never, makeSenderCheck({ webContentsId: () => WINDOW_ID }), {
    request: async (method, params) => { calls.push({ method, params }); return answer(method, params); },
    enableEditing: async () => { editing++; return { ok: true, message: 'ok' }; },
    openInWireshark: async (id) => { calls.push({ method: 'openInWireshark', params: id }); return { ok: true, message: id }; },
  });
  return { handlers, calls, editing: () => editing };
}

/** Plausible arguments per channel, so a handler would do its work if the check let it. */
const LAB_TEXT = 'name: x\nnamespaces: { red: {} }\n';
const ACTIONS = [{ op: 'ns-add', ns: 'red' }, { op: 'bridge-add', ns: 'host', name: 'br0' }];
const goodArgs: Record<string, unknown[]> = {
  'vnet:setSampleRate': [5],
  'vnet:labValidate': [LAB_TEXT],
  'vnet:labPlan': [LAB_TEXT, 'x.yaml'],
  'vnet:labApply': [LAB_TEXT, 'x.yaml'],
  'vnet:labExport': [LAB_TEXT],
  'vnet:labDestroy': ['x'],
  'vnet:buildCommands': [ACTIONS],
  'vnet:build': [ACTIONS],
  'vnet:captureStart': [{ interfaces: ['ns:1/if:2'] }],
  'vnet:captureStop': ['c1'],
  'vnet:captureRead': ['c1', 0, 4096],
  'vnet:captureDiscard': ['c1'],
  'vnet:captureOpenInWireshark': ['c1'],
  'vnet:trace': [{ namespace: 'ns:1', address: '10.0.0.1' }],
  'vnet:traceFollow': [{ namespace: 'ns:1', filter: 'icmp' }],
  'vnet:traceCancel': [{ id: 'f1' }],
  'vnet:captureLocate': [{ id: 'c1', n: 3 }],
};
/** The params each lab channel must hand the engine for goodArgs. */
const goodParams: Record<string, unknown> = {
  labValidate: { text: LAB_TEXT },
  labPlan: { text: LAB_TEXT, file: 'x.yaml' },
  labApply: { text: LAB_TEXT, file: 'x.yaml' },
  labExport: { text: LAB_TEXT },
  labDestroy: { name: 'x' },
  labList: undefined,
  buildCommands: { actions: ACTIONS },
  build: { actions: ACTIONS },
  captureStart: { interfaces: ['ns:1/if:2'] },
  captureStop: { id: 'c1' },
  captureList: undefined,
  captureRead: { id: 'c1', offset: 0, length: 4096 },
  captureDiscard: { id: 'c1' },
  trace: { namespace: 'ns:1', address: '10.0.0.1' },
  traceFollow: { namespace: 'ns:1', filter: 'icmp' },
  traceCancel: { id: 'f1' },
  captureLocate: { id: 'c1', n: 3 },
};

beforeAll(async () => {
  await import('../../electron/hosts/desktop/preload');
});

describe('IPC sender check', () => {
  it('every registered handler refuses foreign senders and never reaches the engine', async () => {
    const { handlers, calls, editing } = setup();
    expect(handlers.size).toBeGreaterThan(0);
    for (const [channel, handler] of handlers) {
      for (const [who, event] of foreignSenders) {
        let threw: unknown = null;
        try { await handler(event, ...(goodArgs[channel] ?? [])); } catch (e) { threw = e; }
        expect(threw, `${channel} accepted ${who}`).toBeInstanceOf(Error);
        expect(String((threw as Error).message)).toContain('refused');
      }
    }
    expect(calls).toEqual([]);
    expect(editing()).toBe(0);
  });

  it('every registered handler works for our own window', async () => {
    const { handlers, calls, editing } = setup();
    const answers = new Map<string, unknown>();
    for (const [channel, handler] of handlers) answers.set(channel, await handler(good(), ...(goodArgs[channel] ?? [])));
    expect(calls.map((c) => c.method).sort()).toEqual([...METHOD_NAMES, 'openInWireshark'].sort());
    expect(calls.find((c) => c.method === 'setSampleRate')?.params).toEqual({ hz: 5 });
    expect(editing()).toBe(1);
    // Lab methods: exactly the params the engine expects, the answer wrapped as an RpcOutcome.
    for (const [method, params] of Object.entries(goodParams)) {
      expect(calls.find((c) => c.method === method)?.params, method).toEqual(params);
      expect(answers.get(`vnet:${method}`), method).toEqual({ ok: true, result: { method } });
    }
    expect(answers.get('vnet:hello')).toEqual({ method: 'hello' }); // the older methods are unchanged
  });

  it('lab methods hand the engine\'s errors to the page intact (code, message, data), not as a bare message', async () => {
    const { handlers } = setup(async (method) => {
      if (method === 'labApply') throw new RpcError('labApply: the engine runs without privileges; enable editing', ErrorCodes.NotPrivileged);
      if (method === 'labValidate') throw new RpcError('x.yaml:3: bad', ErrorCodes.InvalidParams, { line: 3 });
      throw new Error('engine unavailable: not running');
    });
    const denied = await handlers.get('vnet:labApply')!(good(), LAB_TEXT) as RpcOutcome<unknown>;
    expect(denied).toEqual({ ok: false, error: { code: 1001, message: 'labApply: the engine runs without privileges; enable editing' } });
    // What the renderer does with it: a ProtocolError carrying the engine's code.
    let thrown: unknown;
    try { outcomeResult(denied); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(ErrorCodes.NotPrivileged);
    expect((thrown as ProtocolError).message).toContain('without privileges');
    expect(await handlers.get('vnet:labValidate')!(good(), LAB_TEXT)).toEqual({ ok: false, error: { code: -32602, message: 'x.yaml:3: bad', data: { line: 3 } } });
    expect(await handlers.get('vnet:build')!(good(), ACTIONS)).toEqual({ ok: false, error: { code: -32603, message: 'engine unavailable: not running' } });
    // A refused sender still gets an exception, never an outcome.
    await expect(handlers.get('vnet:labApply')!(foreignSenders[0][1], LAB_TEXT)).rejects.toThrow(/refused/);
  });

  it('checks arguments too: no extra or mistyped values reach the engine', async () => {
    const { handlers, calls } = setup();
    await expect(handlers.get('vnet:setSampleRate')!(good(), '5; rm -rf /')).rejects.toThrow(/finite number/);
    await expect(handlers.get('vnet:setSampleRate')!(good(), Number.NaN)).rejects.toThrow(/finite number/);
    await expect(handlers.get('vnet:hello')!(good(), { evil: true })).rejects.toThrow(/no arguments/);
    const bad: [string, unknown[], RegExp][] = [
      ['vnet:labApply', [], /lab file's text/],
      ['vnet:labApply', [{ text: LAB_TEXT }], /lab file's text/],
      ['vnet:labApply', ['x'.repeat((1 << 20) + 1)], /at most/],
      ['vnet:labApply', [LAB_TEXT, 42], /file name/],
      ['vnet:labPlan', [LAB_TEXT, 'a.yaml', 'extra'], /takes \(text, file\?\)/],
      ['vnet:labValidate', [null], /lab file's text/],
      ['vnet:labExport', [['a']], /lab file's text/],
      ['vnet:labDestroy', [], /one lab name/],
      ['vnet:labDestroy', [{ name: 'x' }], /one lab name/],
      ['vnet:labDestroy', ['x', 'y'], /one lab name/],
      ['vnet:labList', [{}], /no arguments/],
      ['vnet:build', [{ op: 'ns-add', ns: 'red' }], /list of actions/],
      ['vnet:build', [[{ op: 'ns-add', ns: 'red' }, 'rm -rf /']], /actions\[1\] must be an object/],
      ['vnet:build', [[{ ns: 'red' }]], /actions\[0\] must be an object with an "op"/],
      ['vnet:buildCommands', [ACTIONS, ACTIONS], /list of actions/],
      ['vnet:buildCommands', [Array.from({ length: 10_001 }, () => ({ op: 'up', ns: 'host', name: 'lo' }))], /at most 10000/],
    ];
    for (const [channel, args, why] of bad) await expect(handlers.get(channel)!(good(), ...args), `${channel} ${JSON.stringify(args).slice(0, 60)}`).rejects.toThrow(why);
    expect(calls).toEqual([]);
  });

  it('no other ipcMain registration exists anywhere in electron/ (so none can skip the check)', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p); else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(path.join(root, 'electron'));
    const registrations: string[] = [];
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\.(handle|handleOnce|on|once|addListener|prependListener)\s*\(/g)) {
        const before = src.slice(Math.max(0, m.index! - 40), m.index!);
        if (/ipcMain\s*$/.test(before) || /ipcMain\??\s*$/.test(before)) registrations.push(`${path.relative(root, f)}: ipcMain.${m[1]}`);
      }
      // Destructured or aliased ipcMain would dodge the regex above: forbid it outright.
      expect(/\{[^}]*\bipcMain\b[^}]*\}\s*=/.test(src), `${f} destructures ipcMain`).toBe(false);
    }
    expect(registrations).toEqual(['electron/hosts/desktop/ipc.ts: ipcMain.handle']);
    // And in ipc.ts that one call sits inside the guard, right before the check.
    const ipcSrc = fs.readFileSync(path.join(root, 'electron/hosts/desktop/ipc.ts'), 'utf8');
    const at = ipcSrc.indexOf('ipcMain.handle(');
    expect(ipcSrc.slice(at, at + 200)).toMatch(/const refused = check\(event\);\s*if \(refused\) throw/);
  });
});

describe('preload', () => {
  it('exposes exactly the keys of VnetPreloadApi on window.vnet, all functions', () => {
    const src = fs.readFileSync(path.join(root, 'electron/contract/preload-api.ts'), 'utf8');
    const sf = ts.createSourceFile('preload-api.ts', src, ts.ScriptTarget.ES2022, true);
    let keys: string[] | null = null;
    sf.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n) && n.name.text === 'VnetPreloadApi') {
        keys = n.members.map((m) => (m.name as ts.Identifier).text);
      }
    });
    expect(keys).not.toBeNull();
    expect(exposeCalls).toEqual(['vnet']);
    expect(Object.keys(exposed).sort()).toEqual([...keys!].sort());
    for (const [k, v] of Object.entries(exposed)) expect(typeof v, k).toBe('function');
  });

  it('calls only channels main handles, and subscribes only to channels main sends', async () => {
    const { handlers } = setup();
    const api = exposed as Record<string, (...a: unknown[]) => unknown>;
    invoked.length = 0; listened.length = 0;
    for (const [k, fn] of Object.entries(api)) {
      if (k.startsWith('on')) {
        const got: unknown[] = [];
        const off = fn((p: unknown) => got.push(p)) as () => void;
        const l = listened.at(-1)!;
        // The page gets the payload only, never the IPC event (which would expose ipcRenderer).
        l.listener({ sender: 'IPC EVENT' }, { payload: k });
        expect(got).toEqual([{ payload: k }]);
        off();
        expect(removed.at(-1)).toBe(l.channel);
      } else {
        const answer = await fn(...(goodArgs[`vnet:${k}`] ?? []));
        expect(answer, k).toEqual({ from: `vnet:${k}` }); // what main answered, handed over as is
      }
    }
    const invokeChannels = invoked.map((i) => i.channel).sort();
    expect(invokeChannels).toEqual([...handlers.keys()].sort());
    expect(invokeChannels).toEqual(Object.values(INVOKE_CHANNELS).sort());
    expect(listened.map((l) => l.channel).sort()).toEqual(Object.values(NOTIFY_CHANNELS).sort());
    expect(invoked.find((i) => i.channel === 'vnet:setSampleRate')?.args).toEqual([5]);
    // The preload passes the arguments through unchanged; main checks them (see above).
    expect(invoked.find((i) => i.channel === 'vnet:labApply')?.args).toEqual([LAB_TEXT, 'x.yaml']);
    expect(invoked.find((i) => i.channel === 'vnet:labDestroy')?.args).toEqual(['x']);
    expect(invoked.find((i) => i.channel === 'vnet:build')?.args).toEqual([ACTIONS]);
    expect(invoked.find((i) => i.channel === 'vnet:labList')?.args).toEqual([]);
  });
});

describe('Electron code stays locked down (static checks: Electron cannot be launched here)', () => {
  it('the sandboxed preload imports nothing at run time but electron', () => {
    const src = fs.readFileSync(path.join(root, 'electron/hosts/desktop/preload.ts'), 'utf8');
    const sf = ts.createSourceFile('preload.ts', src, ts.ScriptTarget.ES2022, true);
    const runtimeImports: string[] = [];
    sf.forEachChild((n) => {
      if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly) runtimeImports.push((n.moduleSpecifier as ts.StringLiteral).text);
    });
    expect(runtimeImports).toEqual(['electron']);
    expect(src).not.toMatch(/\brequire\s*\(/);
  });

  it('the window keeps isolation, sandbox and no Node; navigation and new windows are denied', () => {
    const src = fs.readFileSync(path.join(root, 'electron/hosts/desktop/main.ts'), 'utf8');
    for (const flag of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webSecurity: true', 'webviewTag: false', 'allowRunningInsecureContent: false']) {
      expect(src, flag).toContain(flag);
    }
    expect(src).toMatch(/'will-navigate', \(event\) => event\.preventDefault\(\)/);
    expect(src).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
    expect(src).toMatch(/app\.on\('web-contents-created'/);
    expect(src).toMatch(/setPermissionRequestHandler\([^)]*\) => callback\(false\)\)/);
    expect(src).not.toMatch(/nodeIntegration: true|contextIsolation: false|sandbox: false|webSecurity: false/);
  });
});

describe('vnet://app protocol', () => {
  it('serves only the renderer build, with the strict CSP', async () => {
    const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'vnet-app-'));
    fs.mkdirSync(path.join(tmp, 'r'));
    fs.writeFileSync(path.join(tmp, 'r', 'index.html'), '<title>x</title>');
    fs.writeFileSync(path.join(tmp, 'secret'), 'SECRET');
    try {
      const ok = await appProtocolResponse(path.join(tmp, 'r'), APP_ENTRY_URL);
      expect(ok.status).toBe(200);
      expect(ok.headers['Content-Security-Policy']).toContain("script-src 'self'");
      expect(ok.headers['Content-Security-Policy']).toContain("connect-src 'none'");
      for (const u of ['vnet://app/../secret', 'vnet://app/%2e%2e/secret', 'vnet://other/index.html', 'file:///etc/passwd']) {
        const r = await appProtocolResponse(path.join(tmp, 'r'), u);
        expect(r.status, u).not.toBe(200);
        expect(r.body.toString()).not.toContain('SECRET');
      }
    } finally { fs.rmSync(tmp, { recursive: true, force: true }); }
  });
});
