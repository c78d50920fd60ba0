// Generates malformed lab files from the example: each case is a small edit of one line (or an
// added line) with the line number the error must name and words the message must contain.
// Shared by the unit test (messages) and the kernel test (nothing changes in the kernel).

export const BASE = [
  'name: two-rooms',                                              // 1
  'namespaces:',                                                  // 2
  '  red:',                                                       // 3
  '    interfaces:',                                              // 4
  '      eth0: { addresses: [10.20.0.2/24] }',                    // 5
  '    routes:',                                                  // 6
  '      - { to: default, via: 10.20.0.1 }',                      // 7
  '  blue:',                                                      // 8
  '    interfaces:',                                              // 9
  '      eth0: { addresses: [10.20.0.3/24], mtu: 1400 }',         // 10
  'bridges:',                                                     // 11
  '  br-rooms: { addresses: [10.20.0.1/24] }',                    // 12
  'veths:',                                                       // 13
  '  - [red:eth0, br-rooms]',                                     // 14
  '  - [blue:eth0, br-rooms]',                                    // 15
  'tuntaps:',                                                     // 16
  '  tun-demo: { mode: tun, addresses: [192.168.77.1/24] }',      // 17
  '  tap-vm:   { mode: tap, bridge: br-rooms }',                  // 18
];

export interface MalformedCase {
  title: string;
  text: string;
  line: number;          // the line the error must name
  mentions: string[];    // words the message (path + message) must contain
}

const replaceLine = (n: number, s: string) => BASE.map((l, i) => (i === n - 1 ? s : l)).join('\n') + '\n';
const replaceRange = (from: number, to: number, s: string) => [...BASE.slice(0, from - 1), s, ...BASE.slice(to)].join('\n') + '\n';
const insertAfter = (n: number, s: string) => [...BASE.slice(0, n), s, ...BASE.slice(n)].join('\n') + '\n';

export function malformedCases(): MalformedCase[] {
  const out: MalformedCase[] = [];
  const add = (title: string, text: string, line: number, ...mentions: string[]) => out.push({ title, text, line, mentions });

  // --- bad interface names, in every place a name appears
  const badIfnames = [
    'this-is-too-long0', 'abcdefghijklmnop', '-eth0', '.eth0', 'eth 0', 'eth/0', 'eth0@x', 'eth$0', 'eth0!', 'é0', 'a"b',
  ];
  for (const b of badIfnames) {
    const q = JSON.stringify(b);
    add(`bad interface key ${b}`, replaceLine(10, `      ${q}: { addresses: [10.20.0.3/24] }`), 10, 'namespaces.blue.interfaces');
    add(`bad bridge name ${b}`, replaceLine(12, `  ${q}: { addresses: [10.20.0.1/24] }`), 12, 'bridges.');
    add(`bad tun name ${b}`, replaceLine(17, `  ${q}: { mode: tun }`), 17, 'tuntaps.');
    add(`bad veth end ifname ${b}`, replaceLine(15, `  - [${JSON.stringify('blue:' + b)}, br-rooms]`), 15, 'veths[1][0]');
  }
  // --- bad namespace names
  for (const b of ['-red', 'r e d', 'r/ed', 'x'.repeat(65), 'red:1', 'ré']) {
    add(`bad namespace key ${b}`, replaceLine(8, `  ${JSON.stringify(b)}:`), 8, 'namespaces.');
    add(`bad bridge namespace ${b}`, replaceLine(12, `  br-rooms: { namespace: ${JSON.stringify(b)} }`), 12, 'bridges.br-rooms.namespace');
  }
  // --- bad CIDRs wherever addresses go
  const badCidrs = [
    '10.20.0.300/24', '10.20.0.2/33', '10.20.0.2', '10.20.0/24', '10.20.0.2/-1', '010.20.0.2/24', '10.20.0.2/24/1',
    'fe80::g/64', '::1/129', '1::2::3/64', '1:2:3:4:5:6:7:8:9/64', 'abc', '10.20.0.2/', '/24', '10.20.0.2 /24',
  ];
  for (const c of badCidrs) {
    const q = JSON.stringify(c);
    add(`bad CIDR red ${c}`, replaceLine(5, `      eth0: { addresses: [${q}] }`), 5, 'namespaces.red.interfaces.eth0.addresses[0]', c, 'CIDR');
    add(`bad CIDR blue second ${c}`, replaceLine(10, `      eth0: { addresses: [10.20.0.3/24, ${q}] }`), 10, 'namespaces.blue.interfaces.eth0.addresses[1]', c);
    add(`bad CIDR bridge ${c}`, replaceLine(12, `  br-rooms: { addresses: [${q}] }`), 12, 'bridges.br-rooms.addresses[0]', c);
    add(`bad CIDR tun ${c}`, replaceLine(17, `  tun-demo: { mode: tun, addresses: [${q}] }`), 17, 'tuntaps.tun-demo.addresses[0]', c);
  }
  // --- routes
  const routes: [string, string[]][] = [
    ['{ to: default, via: 10.20.0.300 }', ['via', '10.20.0.300']],
    ['{ to: 10.30.0.1/24, via: 10.20.0.1 }', ['to', 'host bits']],
    ['{ to: 10.30.0.0/40, via: 10.20.0.1 }', ['to', '10.30.0.0/40']],
    ['{ to: everywhere, via: 10.20.0.1 }', ['to', 'everywhere']],
    ['{ via: 10.20.0.1 }', ['routes[0]', "'to'"]],
    ['{ to: default }', ['routes[0]', 'via']],
    ['{ to: 10.30.0.0/24, via: fd00::1 }', ['via', 'IPv6']],
    ['{ to: 10.30.0.0/24, dev: eth9 }', ['dev', 'eth9']],
    ['{ to: 10.30.0.0/24, dev: "bad name!" }', ['dev']],
    ['{ to: default, via: 10.20.0.1, metric: -1 }', ['metric']],
    ['{ to: default, via: 10.20.0.1, metric: fast }', ['metric']],
    ['{ to: default, via: 10.20.0.1, table: 5 }', ['table', 'unknown key']],
    ['default', ['routes[0]', 'mapping']],
    ['[default, 10.20.0.1]', ['routes[0]', 'mapping']],
    ['{ to: [default], via: 10.20.0.1 }', ['to', 'string']],
  ];
  for (const [r, m] of routes) add(`route ${r}`, replaceLine(7, `      - ${r}`), 7, 'namespaces.red.routes[0]', ...m);
  // --- dangling references
  for (const ns of ['green', 'yellow', 'host2']) {
    add(`veth end in unlisted ns ${ns}`, replaceLine(15, `  - [${ns}:eth0, br-rooms]`), 15, 'veths[1][0]', ns, 'not listed');
    add(`bridge in unlisted ns ${ns}`, replaceLine(12, `  br-rooms: { namespace: ${ns} }`), 12, 'bridges.br-rooms.namespace', ns);
    add(`tun in unlisted ns ${ns}`, replaceLine(17, `  tun-demo: { mode: tun, namespace: ${ns} }`), 17, 'tuntaps.tun-demo.namespace', ns);
  }
  for (const br of ['br-room', 'br0', 'docker0']) {
    add(`veth end names unknown bridge ${br}`, replaceLine(14, `  - [red:eth0, ${br}]`), 14, 'veths[0][1]', br, 'bridge');
    add(`tap on unknown bridge ${br}`, replaceLine(18, `  tap-vm: { mode: tap, bridge: ${br} }`), 18, 'tuntaps.tap-vm.bridge', br);
  }
  for (const ifn of ['eth1', 'veth0', 'lan']) {
    add(`interface settings with no veth ${ifn}`, insertAfter(5, `      ${ifn}: { addresses: [10.21.0.2/24] }`), 6, `namespaces.red.interfaces.${ifn}`, 'no veth');
    add(`route via unknown dev ${ifn}`, replaceLine(7, `      - { to: default, dev: ${ifn} }`), 7, 'namespaces.red.routes[0].dev', ifn);
  }
  add('tun on a bridge', replaceLine(17, '  tun-demo: { mode: tun, bridge: br-rooms }'), 17, 'tuntaps.tun-demo.bridge', 'tap');
  add('tap on a bridge in another namespace', insertAfter(18, '  tap-2: { mode: tap, namespace: red, bridge: br-rooms }'), 19, 'tuntaps.tap-2.bridge', 'namespace');
  add('both veth ends on one bridge', replaceLine(15, '  - [br-rooms, br-rooms]'), 15, 'veths[1]', 'loop');
  add('both veth ends the same', replaceLine(15, '  - [blue:eth0, blue:eth0]'), 15, 'veths[1]', 'blue:eth0');
  add('nat out unknown', insertAfter(7, '    nat:\n      - masquerade: { from: 10.20.0.0/24, out: wan0 }'), 9, 'namespaces.red.nat[0].masquerade.out', 'wan0');
  add('nat in the host namespace', insertAfter(1, 'namespaces:\n  host:\n    nat:\n      - masquerade: { from: 10.20.0.0/24, out: br-rooms }').replace('\nnamespaces:\n  red:', '\n  red:'), 5, 'host', 'firewall');
  add('bridge settings in interfaces', insertAfter(5, '      red-eth0: { mtu: 1400 }'), 6, 'namespaces.red.interfaces.red-eth0', 'no veth');
  add('configuring a bridge under interfaces', insertAfter(1, 'namespaces:\n  host:\n    interfaces:\n      br-rooms: { mtu: 1400 }').replace('\nnamespaces:\n  red:', '\n  red:'), 5, 'br-rooms', 'bridges.br-rooms');
  // --- wrong types and values
  const types: [number, string, string[]][] = [
    [10, '      eth0: { addresses: [10.20.0.3/24], mtu: big }', ['mtu', 'integer']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mtu: 1400.5 }', ['mtu', 'integer']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mtu: 10 }', ['mtu', 'range']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mtu: 70000 }', ['mtu', 'range']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mtu: "1400" }', ['mtu', 'integer']],
    [10, '      eth0: { addresses: [10.20.0.3/24], up: yes }', ['up', 'true or false']],
    [10, '      eth0: { addresses: [10.20.0.3/24], up: 1 }', ['up', 'true or false']],
    [10, '      eth0: { addresses: 10.20.0.3/24 }', ['addresses', 'list']],
    [10, '      eth0: { addresses: [[10.20.0.3/24]] }', ['addresses[0]', 'string']],
    [10, '      eth0: { addresses: [42] }', ['addresses[0]', 'string']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mac: 02:00:00:00:00 }', ['mac']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mac: 01:00:00:00:00:01 }', ['mac', 'multicast']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mac: 00:00:00:00:00:00 }', ['mac', 'zero']],
    [10, '      eth0: { addresses: [10.20.0.3/24], mac: zz:00:00:00:00:01 }', ['mac']],
    [10, '      eth0: [10.20.0.3/24]', ['eth0', 'mapping']],
    [10, '      eth0: up', ['eth0', 'mapping']],
    [12, '  br-rooms: yes', ['br-rooms', 'mapping']],
    [12, '  br-rooms: { external: maybe }', ['external', 'true or false']],
    [12, '  br-rooms: { external: true, addresses: [10.20.0.1/24] }', ['external', 'addresses']],
    [14, '  - red:eth0', ['veths[0]', 'list']],
    [14, '  - [red:eth0]', ['veths[0]', '2 ends']],
    [14, '  - [red:eth0, br-rooms, blue:eth1]', ['veths[0]', '2 ends']],
    [14, '  - [red:eth0, 42]', ['veths[0][1]', 'string']],
    [14, '  - { a: red:eth0, b: br-rooms }', ['veths[0]', 'list']],
    [17, '  tun-demo: { mode: tunnel }', ['mode', 'tunnel']],
    [17, '  tun-demo: { addresses: [192.168.77.1/24] }', ['tun-demo', 'mode']],
    [17, '  tun-demo: { mode: 4 }', ['mode', 'string']],
    [17, '  tun-demo:', ['tun-demo', 'missing']],
    [1, 'name: 42', ['name', 'string']],
    [1, 'name: "two rooms"', ['name', 'two rooms']],
    [1, 'name: ""', ['name', 'empty']],
    [1, `name: ${'x'.repeat(41)}`, ['name', 'at most']],
    [1, 'name: [a, b]', ['name', 'string']],
    [1, 'name: canvas', ['name', 'reserved']],
    [1, 'nom: two-rooms', ['nom', 'unknown key']],
  ];
  for (const [n, s, m] of types) add(`type: ${s.trim()}`, replaceLine(n, s), n, ...m);
  // whole sections of the wrong type
  const sections: [number, number, string, string[]][] = [
    [9, 10, '    interfaces: [eth0]', ['namespaces.blue.interfaces', 'mapping']],
    [8, 10, '  blue: [eth0]', ['namespaces.blue', 'mapping']],
    [2, 10, 'namespaces: [red, blue]', ['namespaces', 'mapping']],
    [11, 12, 'bridges: [br-rooms]', ['bridges', 'mapping']],
    [13, 15, 'veths: { red: br-rooms }', ['veths', 'list']],
    [16, 18, 'tuntaps: tun-demo', ['tuntaps', 'mapping']],
    [6, 7, '    routes: { to: default }', ['namespaces.red.routes', 'list']],
    [6, 7, '    routes: default', ['namespaces.red.routes', 'list']],
  ];
  for (const [from, to, s, m] of sections) add(`section: ${s.trim()}`, replaceRange(from, to, s), from, ...m);
  add('forwarding not a bool', insertAfter(8, '    forwarding: on'), 9, 'forwarding', 'true or false');
  add('forwarding a number', insertAfter(3, '    forwarding: 1'), 4, 'forwarding', 'true or false');
  add('nat not a list', insertAfter(3, '    nat: { masquerade: { from: 10.20.0.0/24, out: eth0 } }'), 4, 'nat', 'list');
  add('nat bad from', insertAfter(7, '    nat:\n      - masquerade: { from: 10.20.0/24, out: eth0 }'), 9, 'masquerade.from', '10.20.0/24');
  add('nat v6 from', insertAfter(7, '    nat:\n      - masquerade: { from: fd00::/64, out: eth0 }'), 9, 'masquerade.from', 'IPv4');
  add('nat missing out', insertAfter(7, '    nat:\n      - masquerade: { from: 10.20.0.0/24 }'), 9, 'masquerade', "'out'");
  add('nat unknown key', insertAfter(7, '    nat:\n      - snat: { from: 10.20.0.0/24 }'), 9, 'snat', 'unknown key');
  add('missing name', BASE.slice(1).join('\n'), 1, 'name');
  add('top-level list', '- name: x\n', 1, 'mapping');
  add('top-level scalar', 'two-rooms\n', 1, 'mapping');
  add('empty file', '', 1, 'empty');
  add('comment-only file', '# a lab, some day\n\n# name: x\n', 1, 'empty');
  // --- duplicates
  add('duplicate namespace key', insertAfter(10, '  blue:'), 11, 'namespaces.blue', 'twice', 'lines 8 and 11');
  add('duplicate bridge key', insertAfter(12, '  br-rooms: {}'), 13, 'bridges.br-rooms', 'twice');
  add('duplicate interface key', insertAfter(5, '      eth0: { addresses: [10.20.0.9/24] }'), 6, 'namespaces.red.interfaces.eth0', 'twice');
  add('duplicate tun key', insertAfter(17, '  tun-demo: { mode: tun }'), 18, 'tuntaps.tun-demo', 'twice');
  add('duplicate top key', insertAfter(1, 'name: again'), 2, 'name', 'twice');
  add('duplicate route key', replaceLine(7, '      - { to: default, via: 10.20.0.1, via: 10.20.0.2 }'), 7, 'routes[0].via', 'twice');
  add('same veth end twice', insertAfter(15, '  - [red:eth0, blue:eth1]'), 16, 'veths[2][0]', 'already made by veths[0]');
  add('veth end same as a bridge', insertAfter(15, '  - [host:br-rooms, red:eth1]'), 16, 'veths[2][0]', 'br-rooms', 'already made by bridges.br-rooms');
  add('tun named like a bridge port', insertAfter(17, '  red-eth0: { mode: tun }'), 14, 'veths[0][1]', 'red-eth0', 'already made by tuntaps.red-eth0');
  add('tap named like a bridge', insertAfter(17, '  br-rooms: { mode: tap }'), 18, 'tuntaps.br-rooms', 'already made by bridges.br-rooms');
  add('veth end same as tun', insertAfter(15, '  - [host:tun-demo, red:eth1]'), 16, 'veths[2][0]', 'tun-demo', 'already made by tuntaps.tun-demo');
  add('duplicate address', replaceLine(5, '      eth0: { addresses: [10.20.0.2/24, 10.20.0.2/24] }'), 5, 'addresses[1]', 'twice');
  add('duplicate address, two spellings', replaceLine(5, '      eth0: { addresses: [fd00::1/64, "fd00:0::1/64"] }'), 5, 'addresses[1]', 'twice');
  // --- unknown keys at every level
  const unknown: [number, string, string][] = [
    [1, 'colour: red', 'colour'],
    [3, '    interface:', 'namespaces.red.interface'],
    [3, '    mtu: 1400', 'namespaces.red.mtu'],
    [5, '        ignored: 1', ''],
  ];
  for (const [n, s, m] of unknown.slice(0, 3)) add(`unknown key ${s.trim()}`, insertAfter(n, s), n + 1, m, 'unknown key');
  const unknownInline: [number, string, string][] = [
    [5, '      eth0: { addresses: [10.20.0.2/24], adress: 10.0.0.1/24 }', 'adress'],
    [5, '      eth0: { addresses: [10.20.0.2/24], master: br-rooms }', 'master'],
    [5, '      eth0: { addrs: [10.20.0.2/24] }', 'addrs'],
    [7, '      - { to: default, via: 10.20.0.1, gw: 10.20.0.1 }', 'gw'],
    [10, '      eth0: { addresses: [10.20.0.3/24], mtu: 1400, state: up }', 'state'],
    [12, '  br-rooms: { addresses: [10.20.0.1/24], stp: true }', 'stp'],
    [12, '  br-rooms: { address: 10.20.0.1/24 }', 'address'],
    [12, '  br-rooms: { addresses: [10.20.0.1/24], ns: red }', 'ns'],
    [17, '  tun-demo: { mode: tun, owner: 1000 }', 'owner'],
    [17, '  tun-demo: { mode: tun, multi_queue: true }', 'multi_queue'],
    [18, '  tap-vm:   { mode: tap, master: br-rooms }', 'master'],
    [18, '  tap-vm:   { type: tap, bridge: br-rooms }', 'type'],
  ];
  for (const [n, s, m] of unknownInline) add(`unknown key ${m} on line ${n}`, replaceLine(n, s), n, m, 'unknown key');
  // --- YAML syntax
  // (the YAML parser notices an unclosed bracket on the line after it)
  add('unclosed flow map', replaceLine(10, '      eth0: { addresses: [10.20.0.3/24], mtu: 1400'), 11, 'YAML', 'end with a }');
  add('unclosed flow seq', replaceLine(14, '  - [red:eth0, br-rooms'), 15, 'YAML', 'end with a ]');
  add('tab indentation', replaceLine(12, '\tbr-rooms: { addresses: [10.20.0.1/24] }'), 12, 'YAML');
  add('mis-indented interface', replaceLine(10, '  eth0: { addresses: [10.20.0.3/24] }'), 10, 'namespaces.eth0.addresses', 'unknown key');
  add('nested compact mapping', replaceLine(12, '  br-rooms: addresses: [10.20.0.1/24]'), 12, 'YAML');
  return out;
}
