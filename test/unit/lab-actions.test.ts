// Canvas actions as a client sends them: strictly checked before the engine acts, and each rendered
// as the `ip` command lines that do the same.
import { describe, expect, test } from 'vitest';
import { commandsFor, shellLine } from '../../electron/labs/commands';
import { validateAction } from '../../electron/labs/validate-action';

describe('canvas actions', () => {
  test('good actions are normalised and render to ip commands', () => {
    const cases: [unknown, string[]][] = [
      [{ op: 'ns-add', ns: 'red' }, ['ip netns add red']],
      [{ op: 'bridge-add', ns: 'host', name: 'br0' }, ['ip link add br0 type bridge']],
      [{ op: 'veth-add', ns: 'red', name: 'eth0', peerNs: 'blue', peerName: 'eth0' }, ['ip link add eth0 netns red type veth peer name eth0 netns blue']],
      [{ op: 'veth-add', ns: 'red', name: 'a', peerNs: 'red', peerName: 'b' }, ['ip -n red link add a type veth peer name b']],
      [{ op: 'master', ns: 'host', name: 'v0', master: null }, ['ip link set dev v0 nomaster']],
      [{ op: 'mac', ns: 'red', name: 'eth0', mac: '02:AA:00:00:00:01' }, ['ip -n red link set dev eth0 address 02:aa:00:00:00:01']],
      [{ op: 'addr-add', ns: 'red', name: 'eth0', address: 'FD00:0::1/64' }, ['ip -n red addr add fd00::1/64 dev eth0']],
      [{ op: 'route-add', ns: 'red', to: 'default', via: '10.0.0.1', dev: null, metric: null, family: 4 }, ['ip -n red route add default via 10.0.0.1']],
      [{ op: 'forwarding', ns: 'red', on: true }, ['ip netns exec red sysctl -w net.ipv4.ip_forward=1', 'ip netns exec red sysctl -w net.ipv6.conf.all.forwarding=1']],
      [{ op: 'alias', ns: 'host', name: 'br0', alias: 'my bridge' }, ["ip link set dev br0 alias 'my bridge'"]],
    ];
    for (const [raw, lines] of cases) expect(commandsFor(validateAction(raw)).map(shellLine)).toEqual(lines);
  });

  test('bad actions are refused naming the field', () => {
    const bad: [unknown, string][] = [
      [null, 'must be an object'],
      [{ op: 'rm-rf' }, '"op" must be one of'],
      [{ op: 'ns-add', ns: 'red', extra: 1 }, 'unknown field "extra"'],
      [{ op: 'ns-add', ns: '../etc' }, '"ns"'],
      [{ op: 'ns-add', ns: 'host' }, 'host namespace'],
      [{ op: 'bridge-add', ns: 'host', name: 'a-very-long-bridge-name' }, '"name"'],
      [{ op: 'bridge-add', ns: 'host', name: 'br0; reboot' }, '"name"'],
      [{ op: 'mtu', ns: 'host', name: 'br0', mtu: 10 }, '"mtu"'],
      [{ op: 'mac', ns: 'host', name: 'br0', mac: '01:00:00:00:00:01' }, 'multicast'],
      [{ op: 'addr-add', ns: 'host', name: 'br0', address: '10.0.0.300/24' }, 'not a valid CIDR'],
      [{ op: 'route-add', ns: 'host', to: '10.0.0.1/24', via: null, dev: 'br0', metric: null, family: 4 }, 'network'],
      [{ op: 'route-add', ns: 'host', to: 'default', via: null, dev: null, metric: null, family: 4 }, 'needs "via" or "dev"'],
      [{ op: 'route-add', ns: 'host', to: 'fd00::/64', via: null, dev: 'br0', metric: null, family: 4 }, '"to" fd00::/64 is IPv6 but "family" is 4'],
      [{ op: 'route-add', ns: 'host', to: 'default', via: '10.0.0.1', dev: null, metric: null, family: 6 }, '"via" 10.0.0.1 is IPv4 but "family" is 6'],
      [{ op: 'alias', ns: 'host', name: 'br0', alias: 'vnet-studio:other' }, "the app's own"],
      [{ op: 'nat-add', ns: 'host', from: '10.0.0.0/8', out: 'eth0' }, 'never changed'],
      [{ op: 'forwarding', ns: 'red', on: 'yes' }, 'true or false'],
      [{ op: 'tuntap-add', ns: 'host', name: 't0', mode: 'tunnel' }, '"tun" or "tap"'],
    ];
    for (const [raw, msg] of bad) expect(() => validateAction(raw), JSON.stringify(raw)).toThrow(msg);
  });
});
