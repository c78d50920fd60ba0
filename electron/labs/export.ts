// `lab export`: a POSIX shell script of `ip` commands that builds the lab on a machine without the
// app (`sh lab.sh`, as root) and takes it down again (`sh lab.sh down`).
import { commandsFor, shellLine } from './commands';
import type { Action } from './actions';
import { HOST_NS, labAlias, printable } from './names';
import { planLab } from './plan';
import { desiredFromLab, emptyActual } from './state';
import type { Lab } from './types';

/** The actions that build `lab` from nothing (what a first apply on a clean machine does). */
export function buildActions(lab: Lab): Action[] {
  return planLab(desiredFromLab(lab), emptyActual(), null).actions;
}

/** The actions that take down what buildActions made: host-side links, then the lab's namespaces. */
export function teardownActions(lab: Lab): Action[] {
  const d = desiredFromLab(lab);
  const out: Action[] = [];
  const nsOwned = new Set(d.namespaces);
  const done = new Set<string>();
  for (const n of d.nat) if (!nsOwned.has(n.ns)) out.push({ op: 'nat-del', ...n });
  for (const l of d.links) {
    if (l.external || nsOwned.has(l.ns) || done.has(`${l.ns}/${l.name}`)) continue;
    if (l.peer && nsOwned.has(l.peer.ns)) continue;          // goes away with the peer's namespace
    out.push({ op: 'link-del', ns: l.ns, name: l.name, kind: l.kind });
    done.add(`${l.ns}/${l.name}`);
    if (l.peer) done.add(`${l.peer.ns}/${l.peer.name}`);
  }
  for (const ns of [...d.namespaces].reverse()) out.push({ op: 'ns-del', ns });
  return out;
}

export function exportScript(lab: Lab, sourceFile?: string): string {
  const up = buildActions(lab);
  const down = teardownActions(lab);
  const lines: string[] = [];
  lines.push('#!/bin/sh');
  // The file name comes from the user's file system or a client: a line break in it would end the
  // comment and put the rest into a script run as root.
  const from = sourceFile ? ` (from ${printable(sourceFile)})` : '';
  lines.push(`# Lab '${lab.name}'${from}, exported by VNet Studio.`);
  if (lab.description) for (const l of lab.description.split('\n')) lines.push(`# ${l}`);
  lines.push('# Run as root:  sh THIS_FILE        builds the lab');
  lines.push('#               sh THIS_FILE down   takes it down again');
  lines.push(`# Interfaces carry the alias '${labAlias(lab.name)}' so VNet Studio recognises them.`);
  if (d_hostForwarding(lab)) lines.push('# NOTE: this lab sets IP forwarding in the host namespace (a machine-wide setting).');
  lines.push('set -e');
  lines.push('');
  lines.push('if [ "$1" = down ]; then');
  lines.push('  set +e   # take down whatever is there');
  for (const a of down) for (const c of commandsFor(a, lab.name)) lines.push(`  ${shellLine(c)}`);
  lines.push('  exit 0');
  lines.push('fi');
  lines.push('');
  let last = '';
  for (const a of up) {
    const section = sectionOf(a);
    if (section !== last) { lines.push(`# ${section}`); last = section; }
    for (const c of commandsFor(a, lab.name)) lines.push(shellLine(c));
  }
  lines.push('');
  return lines.join('\n');
}

function d_hostForwarding(lab: Lab): boolean {
  return lab.namespaces.some((n) => n.name === HOST_NS && n.forwarding !== null);
}

function sectionOf(a: Action): string {
  switch (a.op) {
    case 'ns-add': return 'namespaces';
    case 'veth-add': case 'bridge-add': case 'tuntap-add': return 'interfaces';
    case 'alias': return 'mark them as this lab\'s';
    case 'mtu': case 'mac': return 'link settings';
    case 'master': return 'bridge ports';
    case 'addr-add': return 'addresses';
    case 'up': case 'down': return 'bring links up';
    case 'forwarding': return 'forwarding';
    case 'route-add': return 'routes';
    case 'nat-add': return 'NAT (needs nft)';
    default: return 'other';
  }
}
