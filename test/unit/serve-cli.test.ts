import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../electron/commands/serve';

describe('vnet-studio serve arguments', () => {
  it('defaults to 127.0.0.1, the default port (null: 7171 or a free one), and opening a browser', () => {
    expect(parseServeArgs([])).toEqual({ host: '127.0.0.1', port: null, open: true, engineArgs: [] });
  });
  it('takes --host, --port (both spellings), --no-open and engine arguments', () => {
    expect(parseServeArgs(['--host', '0.0.0.0', '--port=8080', '--no-open', '--engine-arg', '--sample-hz=20']))
      .toEqual({ host: '0.0.0.0', port: 8080, open: false, engineArgs: ['--sample-hz=20'] });
    expect(parseServeArgs(['--host=::1']).host).toBe('::1');
  });
  it('names what is wrong', () => {
    expect(() => parseServeArgs(['--port', 'abc'])).toThrow(/--port: "abc" is not a port number/);
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseServeArgs(['--port', '-1'])).toThrow(/--port/);
    expect(() => parseServeArgs(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseServeArgs(['--host', 'a b;rm'])).toThrow(/--host: "a b;rm" is not an address/);
    expect(() => parseServeArgs(['--open-sesame'])).toThrow(/unknown option "--open-sesame"/);
  });
});
