// Each action as the `ip` (iproute2) command lines that do the same thing: what the command log
// shows, what `lab export` writes, and what the bench's `ip` baselines run. argv arrays, never
// shell strings; `shellLine` quotes them only for display and scripts.
import type { Action } from './actions';
import { HOST_NS, fnv8 } from './names';

const ipIn = (ns: string): string[] => (ns === HOST_NS ? ['ip'] : ['ip', '-n', ns]);
/** Runs a non-`ip` tool inside a namespace, as a user would type it. */
const execIn = (ns: string, argv: string[]): string[] => (ns === HOST_NS ? argv : ['ip', 'netns', 'exec', ns, ...argv]);

/** nftables table holding one lab's NAT rules in one namespace (nft identifiers: [A-Za-z0-9_]). */
export function natTable(lab: string): string {
  return `vnet_studio_${lab.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 24)}_${fnv8(lab).slice(0, 4)}`;
}

export function commandsFor(a: Action, lab = 'lab'): string[][] {
  switch (a.op) {
    case 'ns-add': return [['ip', 'netns', 'add', a.ns]];
    case 'ns-del': return [['ip', 'netns', 'del', a.ns]];
    case 'bridge-add': return [[...ipIn(a.ns), 'link', 'add', a.name, 'type', 'bridge']];
    case 'tuntap-add': return [[...ipIn(a.ns), 'tuntap', 'add', 'dev', a.name, 'mode', a.mode]];
    case 'veth-add': {
      if (a.ns === a.peerNs) return [[...ipIn(a.ns), 'link', 'add', a.name, 'type', 'veth', 'peer', 'name', a.peerName]];
      const nsArg = (ns: string) => (ns === HOST_NS ? [] : ['netns', ns]);
      return [['ip', 'link', 'add', a.name, ...nsArg(a.ns), 'type', 'veth', 'peer', 'name', a.peerName, ...nsArg(a.peerNs)]];
    }
    case 'link-del': return [[...ipIn(a.ns), 'link', 'del', a.name]];
    case 'alias': return [[...ipIn(a.ns), 'link', 'set', 'dev', a.name, 'alias', a.alias]];
    case 'rename': return [[...ipIn(a.ns), 'link', 'set', 'dev', a.name, 'name', a.newName]];
    case 'mtu': return [[...ipIn(a.ns), 'link', 'set', 'dev', a.name, 'mtu', String(a.mtu)]];
    case 'mac': return [[...ipIn(a.ns), 'link', 'set', 'dev', a.name, 'address', a.mac]];
    case 'master': return [[...ipIn(a.ns), 'link', 'set', 'dev', a.name, ...(a.master === null ? ['nomaster'] : ['master', a.master])]];
    case 'up': case 'down': return [[...ipIn(a.ns), 'link', 'set', 'dev', a.name, a.op]];
    case 'addr-add': case 'addr-del':
      return [[...ipIn(a.ns), 'addr', a.op === 'addr-add' ? 'add' : 'del', a.address, 'dev', a.name]];
    case 'route-add': case 'route-del':
      return [[...ipIn(a.ns), ...(a.family === 6 ? ['-6'] : []), 'route', a.op === 'route-add' ? 'add' : 'del', a.to,
        ...(a.via ? ['via', a.via] : []), ...(a.dev ? ['dev', a.dev] : []), ...(a.metric !== null ? ['metric', String(a.metric)] : [])]];
    case 'forwarding': {
      const v = a.on ? '1' : '0';
      return [execIn(a.ns, ['sysctl', '-w', `net.ipv4.ip_forward=${v}`]), execIn(a.ns, ['sysctl', '-w', `net.ipv6.conf.all.forwarding=${v}`])];
    }
    case 'nat-add': {
      const t = natTable(lab);
      return [
        execIn(a.ns, ['nft', 'add', 'table', 'ip', t]),
        execIn(a.ns, ['nft', 'add', 'chain', 'ip', t, 'postrouting', '{ type nat hook postrouting priority 100 ; }']),
        execIn(a.ns, ['nft', 'add', 'rule', 'ip', t, 'postrouting', 'ip', 'saddr', a.from, 'oifname', a.out, 'masquerade']),
      ];
    }
    case 'nat-del':
      // The lab's table holds only its own rules: dropping the table drops them all.
      return [execIn(a.ns, ['nft', 'delete', 'table', 'ip', natTable(lab)])];
  }
}

const SAFE = /^[A-Za-z0-9_.,:/@%+=-]+$/;
/** One argv as a POSIX shell line (for display and scripts only; never executed through a shell). */
export function shellLine(argv: string[]): string {
  return argv.map((x) => (SAFE.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The command lines of an action list, as text. */
export function commandLines(actions: Action[], lab = 'lab'): string[] {
  return actions.flatMap((a) => commandsFor(a, lab).map(shellLine));
}
