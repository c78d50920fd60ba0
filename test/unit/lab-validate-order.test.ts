// `lab validate` lists every problem of a file in one run, in line order: the shape and value
// checks (parse.ts) and the cross-reference checks (validate.ts) both run, and their problems are
// merged. The engine's labValidate method returns the same list.
import { JSONRPCServer } from 'json-rpc-2.0';
import { describe, expect, test } from 'vitest';
import { parseLab, parseLabIssues } from '../../electron/labs/parse';
import { registerLabMethods } from '../../electron/labs/handlers';
import { formatIssue, LabError } from '../../electron/labs/types';

// Problems of three kinds, the cross-reference one first in the file, the unknown key last.
const MANY = [
  'name: many',                                         // 1
  'bridges:',                                           // 2
  '  br0: { namespace: green }',                        // 3  dangling namespace (validate.ts)
  'namespaces:',                                        // 4
  '  red:',                                             // 5
  '    interfaces:',                                    // 6
  '      eth0: { addresses: [10.0.0.300/24] }',         // 7  bad CIDR (parse.ts)
  '    routes:',                                        // 8
  '      - { to: default, dev: eth7 }',                 // 9  route through no interface (validate.ts)
  'veths:',                                             // 10
  '  - [red:eth0, blue:eth0]',                          // 11 dangling namespace (validate.ts)
  'tuntaps:',                                           // 12
  '  tap0: { mode: tap, colour: blue }',                // 13 unknown key (parse.ts)
].join('\n');

const EXPECTED = [
  "many.yaml:3: bridges.br0.namespace: namespace 'green' is not listed under namespaces: (add 'green: {}' there, or use 'host')",
  "many.yaml:7: namespaces.red.interfaces.eth0.addresses[0]: '10.0.0.300/24' is not a valid CIDR (address/prefix, e.g. 10.0.0.1/24 or fd00::1/64)",
  "many.yaml:9: namespaces.red.routes[0].dev: 'eth7' is not an interface this lab makes in namespace 'red'",
  "many.yaml:11: veths[0][1]: in 'blue:eth0': namespace 'blue' is not listed under namespaces: (add 'blue: {}' there, or use 'host')",
  "many.yaml:13: tuntaps.tap0.colour: unknown key 'colour' (allowed: mode, namespace, addresses, mtu, mac, up, bridge)",
];

describe('lab validate: every problem, in line order', () => {
  test('shape, value and cross-reference problems together, sorted by line', () => {
    const { lab, issues } = parseLabIssues(MANY);
    expect(lab).toBeNull();
    expect(issues.map((i) => formatIssue('many.yaml', i))).toEqual(EXPECTED);
  });

  test('parseLab throws them all, one per line, in the same order', () => {
    let err: unknown;
    try { parseLab(MANY, 'many.yaml'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message.split('\n')).toEqual(EXPECTED);
  });

  test('the engine\'s labValidate returns the same list', async () => {
    const server = new JSONRPCServer();
    registerLabMethods(server, () => undefined, { privileged: false });
    const r = await server.receive({ jsonrpc: '2.0', id: 1, method: 'labValidate', params: { text: MANY, file: 'many.yaml' } });
    expect(r?.error).toBeUndefined();
    const res = r!.result as { ok: boolean; name: string | null; issues: { line: number; path: string; message: string }[] };
    expect(res.ok).toBe(false);
    expect(res.name).toBeNull();
    expect(res.issues.map((i) => formatIssue('many.yaml', i))).toEqual(EXPECTED);
  });

  test('on one line: ordered by path; a problem found twice is listed once', () => {
    // line 1: the name is missing and an unknown key stands in its place
    expect(parseLabIssues('nom: x\nnamespaces:\n  red: {}\n').issues.map((i) => `${i.line} ${i.path}`)).toEqual(['1 name', '1 nom']);
    // the YAML parser reports this one twice
    expect(parseLabIssues('name: a: b: c\n').issues).toEqual([
      { line: 1, path: '', message: 'YAML syntax: Nested mappings are not allowed in compact mappings' },
    ]);
  });

  test('a part that does not parse is not reported again as a dangling reference', () => {
    // br0 is not a mapping: veth and tap ends on it are not "unknown bridges"; blue is not a
    // mapping: it is still listed; the veth with one end still makes red:eth0
    const text = [
      'name: gaps',                             // 1
      'namespaces:',                            // 2
      '  red:',                                 // 3
      '    interfaces:',                        // 4
      '      eth0: { addresses: [10.0.0.2/24] }', // 5
      '  blue: [eth0]',                         // 6
      'bridges:',                               // 7
      '  br0: yes',                             // 8
      'veths:',                                 // 9
      '  - [red:eth0]',                         // 10
      '  - [blue:eth0, br0]',                   // 11
      'tuntaps:',                               // 12
      '  tap0: { mode: tap, bridge: br0 }',     // 13
    ].join('\n');
    expect(parseLabIssues(text).issues.map((i) => `${i.line} ${i.path}`)).toEqual([
      '6 namespaces.blue', '8 bridges.br0', '10 veths[0]',
    ]);
  });

  test.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\n   \n'],
    ['a comment-only file', '# a lab, some day\n\n  # name: x\n'],
    ['a lone document marker', '---\n'],
  ])('%s is one issue: the file is empty', (_what, text) => {
    const { lab, issues } = parseLabIssues(text);
    expect(lab).toBeNull();
    expect(issues.map((i) => formatIssue('x.yaml', i))).toEqual(["x.yaml:1: the file is empty (a lab needs at least 'name: …')"]);
  });

  test('a valid file has no issues', () => {
    const { lab, issues } = parseLabIssues('name: ok\nnamespaces:\n  red: {}\n');
    expect(issues).toEqual([]);
    expect(lab?.name).toBe('ok');
  });
});
