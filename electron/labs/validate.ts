// Cross-reference checks of a parsed lab: namespaces that are not listed, veth ends that name no
// bridge, interface names made twice in one namespace, interface settings for interfaces nothing
// makes, routes through unknown devices. Resolves bridge-port veth ends to their generated names.
// Runs also on a file with parsing problems (parse.ts): what did not parse is a Gap, and a check
// whose answer depends on a gap is skipped rather than reported as a second, made-up problem.
import { HOST_NS, bridgePortName } from './names';
import type { Lab } from './types';

interface IssueSink { err(line: number, path: string, message: string): void }

interface Made { what: string; line: number; kind: 'veth' | 'bridge' | 'tuntap' }

/** What parse.ts could not make out. */
export interface Gaps {
  /** The namespaces: section is not a mapping: no namespace can be said to be unlisted. */
  namespaces: boolean;
  /** Bridges named in the file but not understood (where they are, what they are); 'all': the bridges: section. */
  bridges: Set<string> | 'all';
  /** Interfaces a part that did not parse may make: 'NS:NAME', 'NS:*' or '*:NAME'; 'all': cannot tell. */
  made: Set<string> | 'all';
}

export function noGaps(): Gaps {
  return { namespaces: false, bridges: new Set(), made: new Set() };
}

export function validateLab(lab: Lab, r: IssueSink, gaps: Gaps = noGaps()): void {
  const listed = new Set(lab.namespaces.map((n) => n.name));
  const known = (ns: string) => ns === HOST_NS || listed.has(ns) || gaps.namespaces;
  const unsureBridge = (name: string) => gaps.bridges === 'all' || gaps.bridges.has(name);
  const mayBeMade = (ns: string, name: string) => gaps.made === 'all' ||
    gaps.made.has(`${ns}:${name}`) || gaps.made.has(`${ns}:*`) || gaps.made.has(`*:${name}`);
  const nsWord = (ns: string) => (ns === HOST_NS ? 'the host namespace' : `namespace '${ns}'`);
  const notListed = (ns: string) => `namespace '${ns}' is not listed under namespaces: (add '${ns}: {}' there, or use 'host')`;

  // What the lab makes in each namespace, by interface name.
  const made = new Map<string, Map<string, Made>>();
  const claim = (ns: string, name: string, m: Made, path: string): boolean => {
    let names = made.get(ns);
    if (!names) made.set(ns, (names = new Map()));
    const prev = names.get(name);
    if (prev) {
      r.err(m.line, path, `'${name}' in ${nsWord(ns)} is already made by ${prev.what} (line ${prev.line})`);
      return false;
    }
    names.set(name, m);
    return true;
  };

  const bridges = new Map(lab.bridges.map((b) => [b.name, b]));
  for (const b of lab.bridges) {
    if (!known(b.namespace)) { r.err(b.line, `bridges.${b.name}.namespace`, notListed(b.namespace)); continue; }
    claim(b.namespace, b.name, { what: `bridges.${b.name}`, line: b.line, kind: 'bridge' }, `bridges.${b.name}`);
  }
  for (const t of lab.tuntaps) {
    const path = `tuntaps.${t.name}`;
    if (!known(t.namespace)) { r.err(t.line, `${path}.namespace`, notListed(t.namespace)); continue; }
    claim(t.namespace, t.name, { what: path, line: t.line, kind: 'tuntap' }, path);
    if (t.bridge !== null) {
      const b = bridges.get(t.bridge);
      if (!b && unsureBridge(t.bridge)) continue;
      if (!b) r.err(t.line, `${path}.bridge`, `'${t.bridge}' is not a bridge of this lab (list it under bridges:, with 'external: true' if it exists already)`);
      else if (b.namespace !== t.namespace) r.err(t.line, `${path}.bridge`, `bridge '${t.bridge}' is in ${nsWord(b.namespace)} but the tap is in ${nsWord(t.namespace)}; a port must be in its bridge's namespace`);
    }
  }

  lab.veths.forEach((v, i) => {
    const path = `veths[${i}]`;
    let ok = true;
    v.ends.forEach((end, j) => {
      if (end.bridge === null) {
        if (!known(end.namespace)) { r.err(end.line, `${path}[${j}]`, `in '${end.spec}': ${notListed(end.namespace)}`); ok = false; }
        return;
      }
      const b = bridges.get(end.bridge);
      if (!b) {
        if (!unsureBridge(end.bridge)) r.err(end.line, `${path}[${j}]`, `'${end.spec}' is neither NAMESPACE:IFNAME nor a bridge of this lab (bridges: ${[...bridges.keys()].join(', ') || 'none'})`);
        ok = false;
      }
    });
    // A veth in error still names its NAMESPACE:IFNAME ends: their interface settings are not
    // reported again as "made by nothing".
    const claimNamed = () => {
      const done = new Set<string>();
      v.ends.forEach((end, j) => {
        if (end.bridge !== null || !known(end.namespace) || done.has(end.spec)) return;
        done.add(end.spec);
        claim(end.namespace, end.name, { what: `${path} ('${end.spec}')`, line: end.line, kind: 'veth' }, `${path}[${j}]`);
      });
    };
    if (!ok) { claimNamed(); return; }
    const [a, b] = v.ends;
    if (a.bridge !== null && a.bridge === b.bridge) { r.err(v.line, path, `both ends are on bridge '${a.bridge}' (that makes a loop)`); return; }
    if (a.spec === b.spec) { r.err(v.line, path, `both ends are '${a.spec}'`); claimNamed(); return; }
    for (const [end, other] of [[a, b], [b, a]] as const) {
      if (end.bridge === null) continue;
      const br = bridges.get(end.bridge)!;
      end.namespace = br.namespace;
      end.name = bridgePortName(lab.name, br.name, other.bridge !== null ? other.bridge : { namespace: other.namespace, name: other.name });
    }
    v.ends.forEach((end, j) => {
      claim(end.namespace, end.name, { what: `${path} ('${end.spec}')`, line: end.line, kind: 'veth' }, `${path}[${j}]`);
    });
  });

  for (const ns of lab.namespaces) {
    const names = made.get(ns.name) ?? new Map<string, Made>();
    for (const [ifname, conf] of ns.interfaces) {
      const path = `namespaces.${ns.name}.interfaces.${ifname}`;
      if (ifname === 'lo') {
        if (conf.mac !== null || conf.mtu !== null) r.err(conf.line, path, "only 'up' and 'addresses' can be set on lo");
        continue;
      }
      const m = names.get(ifname);
      if (!m && mayBeMade(ns.name, ifname)) continue;
      if (!m) r.err(conf.line, path, `no veth in this lab makes '${ns.name}:${ifname}' (add it to veths:, e.g. [${ns.name}:${ifname}, BRIDGE])`);
      else if (m.kind !== 'veth') r.err(conf.line, path, `'${ifname}' is made by ${m.what} (line ${m.line}); set its addresses, mtu, mac and up there`);
    }
    ns.routes.forEach((rt, i) => {
      if (rt.dev !== null && rt.dev !== 'lo' && !names.has(rt.dev) && !mayBeMade(ns.name, rt.dev)) {
        r.err(rt.line, `namespaces.${ns.name}.routes[${i}].dev`, `'${rt.dev}' is not an interface this lab makes in ${nsWord(ns.name)}`);
      }
    });
    ns.nat.forEach((n, i) => {
      if (ns.name === HOST_NS) {
        r.err(n.line, `namespaces.${ns.name}.nat[${i}]`, 'nat is only made inside a namespace of the lab: VNet Studio never changes the host\'s firewall (put the "outside" in a namespace too)');
        return;
      }
      if (!names.has(n.masquerade.out) && !mayBeMade(ns.name, n.masquerade.out)) {
        r.err(n.line, `namespaces.${ns.name}.nat[${i}].masquerade.out`, `'${n.masquerade.out}' is not an interface this lab makes in ${nsWord(ns.name)}`);
      }
    });
  }
}
