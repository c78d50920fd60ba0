import { describe, expect, it } from 'vitest';
import { parseServeArgs, untilStopped } from '../../electron/commands/serve';

describe('vnet-studio serve arguments', () => {
  it('defaults to 127.0.0.1, the default port (null: 7171 or a free one), and opening a browser', () => {
    expect(parseServeArgs([])).toEqual({ host: '127.0.0.1', port: null, open: true, engineArgs: [], help: false });
    expect(parseServeArgs(['-h']).help).toBe(true);
  });
  it('takes --host, --port (both spellings), --no-open and engine arguments', () => {
    expect(parseServeArgs(['--host', '0.0.0.0', '--port=8080', '--no-open', '--engine-arg', '--sample-hz=20']))
      .toEqual({ host: '0.0.0.0', port: 8080, open: false, engineArgs: ['--sample-hz=20'], help: false });
    expect(parseServeArgs(['--host=::1']).host).toBe('::1');
    expect(parseServeArgs(['--engine-arg', '--engine-arg', '--engine-arg', 'x']).engineArgs).toEqual(['--engine-arg', 'x']);
  });
  it('names what is wrong', () => {
    expect(() => parseServeArgs(['--port', 'abc'])).toThrow(/--port: 'abc' is not a port number/);
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseServeArgs(['--port', '-1'])).toThrow(/--port/);
    expect(() => parseServeArgs(['--port'])).toThrow(/option '--port' needs a value/);
    expect(() => parseServeArgs(['--host', 'a b;rm'])).toThrow(/--host: 'a b;rm' is not an address/);
    expect(() => parseServeArgs(['--open-sesame'])).toThrow(/unknown option '--open-sesame'/);
  });
});

describe('vnet-studio serve stops', () => {
  it('when the process that started it is gone (our parent is no longer that pid)', async () => {
    const gone = process.ppid + 1; // not our parent: as if it had died and we had been handed on
    await expect(untilStopped(gone, 10)).resolves.toBe(`parent process ${gone} is gone`);
  });
  it('on a real SIGHUP, and lets go of the signal afterwards', async () => {
    const signals = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;
    const before = signals.map((sig) => process.listenerCount(sig));
    const stopped = untilStopped(process.ppid, 60_000);
    expect(signals.map((sig) => process.listenerCount(sig))).toEqual(before.map((n) => n + 1));
    process.kill(process.pid, 'SIGHUP');
    await expect(stopped).resolves.toBe('SIGHUP');
    // A second ^C while stopping then kills at once, as usual.
    expect(signals.map((sig) => process.listenerCount(sig))).toEqual(before);
  });
});
