// The trace method's params as the engine checks them (exactly the expected fields, each of its
// type and range, errors naming the field), the CLI's usage errors in the one style, and which
// interfaces a trace captures on a model with more than it may.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { validateTrace } from '../../electron/trace/handlers';
import { reachableInterfaces } from '../../electron/trace/reach';
import { CLI_PATH } from '../../electron/paths';
import { ifaceId, type Interface, type Model, type Namespace } from '../../electron/contract';

describe('trace params', () => {
  const ok = { namespace: 'ns:4026531840', address: '10.0.0.1' };
  it('takes the fields it knows, in range', () => {
    expect(validateTrace(ok)).toEqual(ok);
    expect(validateTrace({ ...ok, count: 3, timeoutMs: 500 })).toEqual({ ...ok, count: 3, timeoutMs: 500 });
    expect(validateTrace({ ...ok, address: 'fd00::1' }).address).toBe('fd00::1');
  });
  it.each([
    [null, 'trace: params must be an object'],
    [[ok], 'trace: params must be an object'],
    [{ address: '10.0.0.1' }, 'trace: missing param "namespace"'],
    [{ namespace: ok.namespace }, 'trace: missing param "address"'],
    [{ ...ok, ttl: 3 }, 'trace: unknown param "ttl"'],
    [{ ...ok, namespace: 'red' }, 'trace: "namespace" must be a namespace id such as "ns:4026531840", got "red"'],
    [{ ...ok, address: '10.0.0' }, 'trace: "address" must be an IPv4 or IPv6 address, got "10.0.0"'],
    [{ ...ok, address: 7 }, 'trace: "address" must be an IPv4 or IPv6 address, got 7'],
    [{ ...ok, count: 0 }, 'trace: "count" must be an integer from 1 to 10, got 0'],
    [{ ...ok, count: 1.5 }, 'trace: "count" must be an integer from 1 to 10, got 1.5'],
    [{ ...ok, timeoutMs: 50 }, 'trace: "timeoutMs" must be an integer from 100 to 10000, got 50'],
    [{ ...ok, timeoutMs: '500' }, 'trace: "timeoutMs" must be an integer from 100 to 10000, got "500"'],
  ])('%j is refused', (params, message) => {
    expect(() => validateTrace(params)).toThrow(message);
  });
});

describe('vnet-studio trace: bad usage, in the one style, exit 2', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  const usage = run('trace', '--help').stdout;
  it('--help: the usage on stdout', () => {
    expect(usage.startsWith('usage: vnet-studio trace NS ADDRESS')).toBe(true);
    expect(run('help').stdout).toMatch(/^ {2}trace +ping an address from a namespace/m);
  });
  it.each([
    [['trace'], 'missing the namespace NS and the ADDRESS to ping'],
    [['trace', 'red'], 'missing the ADDRESS to ping'],
    [['trace', 'red', '10.0.0.1', 'extra'], "unexpected argument 'extra'"],
    [['trace', 'red', '10.0.0'], "'10.0.0' is not an IPv4 or IPv6 address"],
    [['trace', 'red', '10.0.0.1', '--count', '11'], "--count must be a whole number from 1 to 10, got '11'"],
    [['trace', 'red', '10.0.0.1', '--timeout', 'x'], "--timeout must be a whole number from 100 to 10000, got 'x'"],
    [['trace', 'red', '10.0.0.1', '--frob'], "unknown option '--frob'"],
  ])('%j', (args, problem) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`vnet-studio trace: ${problem}\n\n${usage}`);
  });
});

describe('which interfaces a trace captures', () => {
  const mk = (nsId: string, index: number, name: string, extra: Partial<Interface> = {}): Interface => ({
    id: ifaceId(nsId, index), index, name, kind: 'veth', linkKind: 'veth', mac: null, mtu: 1500, state: 'up', flags: ['UP'],
    master: null, peer: null, tun: null, alias: null, addresses: [], stats: { rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 },
    ...extra,
  });
  const ns = (id: string, label: string, interfaces: Interface[]): Namespace => ({ id, inode: Number(id.slice(3)), kind: 'named', name: label, label, pids: [], interfaces, routes: [] });
  // a host with a bridge and 20 containers on it; container c0 pings c19
  const host = 'ns:1';
  const containers = Array.from({ length: 20 }, (_, k) => `ns:${100 + k}`);
  const model: Model = {
    namespaces: [
      ns(host, 'host', [
        mk(host, 1, 'lo', { kind: 'loopback' }),
        mk(host, 2, 'eth0', { kind: 'physical' }),
        mk(host, 3, 'docker0', { kind: 'bridge' }),
        mk(host, 4, 'down0', { flags: [] }),
        ...containers.map((c, k) => mk(host, 10 + k, `veth${k}`, { peer: ifaceId(c, 2), master: ifaceId(host, 3) })),
      ]),
      ...containers.map((c, k) => ns(c, `c${k}`, [
        mk(c, 1, 'lo', { kind: 'loopback' }),
        mk(c, 2, 'eth0', { peer: ifaceId(host, 10 + k), addresses: [`172.17.0.${k + 2}/16`] }),
      ])),
    ],
  };
  it('all of them when they fit: the sender first, no other namespace\'s lo, nothing down', () => {
    const r = reachableInterfaces(model, containers[0], '172.17.0.21', 100);
    expect(r.left).toBe(0);
    const names = r.interfaces.map((x) => `${x.ns.label}:${x.iface.name}`);
    expect(names.slice(0, 2)).toEqual(['c0:lo', 'c0:eth0']);
    expect(names).not.toContain('host:lo');
    expect(names).not.toContain('host:down0');
    expect(names).not.toContain('c5:lo');
    expect(names).toHaveLength(2 + 2 + 20 + 19);
  });
  it('past the limit: the sender\'s and the addressee\'s, the veths into them and the bridge first', () => {
    const r = reachableInterfaces(model, containers[0], '172.17.0.21', 8);
    const names = r.interfaces.map((x) => `${x.ns.label}:${x.iface.name}`);
    expect(names).toEqual(['c0:lo', 'c0:eth0', 'c19:eth0', 'host:eth0', 'host:docker0', 'host:veth0', 'host:veth19', 'host:veth1']);
    expect(r.left).toBe(43 - 8);
  });
});
