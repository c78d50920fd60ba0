// Lab file (YAML) → Lab. Shape and value checks happen here, each with the file line and path;
// cross references (dangling ends, duplicates across sections) are checked in validate.ts. Both
// passes run on every file, so one run lists every problem, in line order: a part that does not
// parse is left out of the cross-checks (as a Gap), the rest is still checked.
// The format is documented in README.md, section "Lab files".
import { isScalar, LineCounter, parseDocument } from 'yaml';
import {
  HOST_NS, MTU_MAX, MTU_MIN, ifnameError, isNetwork, labnameError, macError, nsnameError, parseCidr, parseIp, networkOf,
} from './names';
import { LabError, type Lab, type LabIssue, type LabBridge, type LabInterface, type LabNamespace, type LabNat, type LabRoute, type LabTuntap, type LabVeth, type LabVethEnd } from './types';
import { Reader, join, type Entry, type YNode } from './yaml-reader';
import { noGaps, validateLab, type Gaps } from './validate';

const TOP_KEYS = ['name', 'description', 'namespaces', 'bridges', 'veths', 'tuntaps'] as const;
const NS_KEYS = ['interfaces', 'routes', 'forwarding', 'nat'] as const;
const IF_KEYS = ['addresses', 'mtu', 'mac', 'up'] as const;
const ROUTE_KEYS = ['to', 'via', 'dev', 'metric'] as const;
const NAT_KEYS = ['masquerade'] as const;
const MASQ_KEYS = ['from', 'out'] as const;
const BRIDGE_KEYS = ['namespace', 'addresses', 'mtu', 'mac', 'up', 'external'] as const;
const TUNTAP_KEYS = ['mode', 'namespace', 'addresses', 'mtu', 'mac', 'up', 'bridge'] as const;

/** Parses and validates a lab file's text. Throws LabError listing every problem found. */
export function parseLab(text: string, file = 'lab.yaml'): Lab {
  const { lab, issues } = parseLabIssues(text);
  if (!lab || issues.length) throw new LabError(file, issues);
  return lab;
}

/** Like parseLab, but returns the problems instead of throwing (the canvas shows them): every
 *  one found, sorted by line (then path), each once. */
export function parseLabIssues(text: string): { lab: Lab | null; issues: LabIssue[] } {
  const { lab, issues } = readLab(text);
  return issues.length ? { lab: null, issues: ordered(issues) } : { lab, issues: [] };
}

function readLab(text: string): { lab: Lab | null; issues: LabIssue[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, strict: true });
  const r = new Reader(lc);
  for (const e of doc.errors) {
    const line = lc.linePos(e.pos[0]).line;
    r.err(line, '', `YAML syntax: ${firstLine(e.message)}`);
  }
  // past a syntax error the structure the parser recovered is a guess: nothing more is said
  if (r.issues.length) return { lab: null, issues: r.issues };
  const root = doc.contents as YNode;
  if (root == null || (isScalar(root) && root.value === null)) {
    return { lab: null, issues: [{ line: 1, path: '', message: "the file is empty (a lab needs at least 'name: …')" }] };
  }
  const top = r.map(root, '', 'the lab file', 1, false);
  if (!top) return { lab: null, issues: r.issues };
  const gaps = noGaps();
  r.onlyKeys(top, TOP_KEYS, '');
  const get = (k: string) => top.find((e) => e.key === k);

  const nameE = get('name');
  let name = '';
  if (!nameE) r.err(1, 'name', "the lab needs a 'name' (it marks everything the lab makes)");
  else {
    const s = r.str(nameE.value, 'name', 'name', nameE.line);
    if (s !== null) {
      const why = labnameError(s) ?? (s === 'canvas' ? "'canvas' is reserved (it names what the canvas builds)" : null);
      if (why) r.err(r.line(nameE.value, nameE.line), 'name', why); else name = s;
    }
  }
  let description: string | null = null;
  const descE = get('description');
  if (descE) description = r.str(descE.value, 'description', 'description', descE.line);

  const namespaces: LabNamespace[] = [];
  const nsE = get('namespaces');
  const nsEntries = nsE ? r.map(nsE.value, 'namespaces', 'namespaces', nsE.line) : [];
  if (!nsEntries) gaps.namespaces = true;
  for (const e of nsEntries ?? []) {
    const ns = parseNamespace(r, e);
    if (ns) namespaces.push(ns);
  }

  const bridges: LabBridge[] = [];
  const brE = get('bridges');
  const brEntries = brE ? r.map(brE.value, 'bridges', 'bridges', brE.line) : [];
  if (!brEntries) { gaps.bridges = 'all'; gaps.made = 'all'; }
  for (const e of brEntries ?? []) {
    const b = parseBridge(r, e, gaps);
    if (b) bridges.push(b);
  }

  const tuntaps: LabTuntap[] = [];
  const ttE = get('tuntaps');
  const ttEntries = ttE ? r.map(ttE.value, 'tuntaps', 'tuntaps', ttE.line) : [];
  if (!ttEntries) gaps.made = 'all';
  for (const e of ttEntries ?? []) {
    const t = parseTuntap(r, e, gaps);
    if (t) tuntaps.push(t);
  }

  const veths: LabVeth[] = [];
  const vE = get('veths');
  const items = vE ? r.seq(vE.value, 'veths', 'veths', vE.line) : [];
  if (!items) gaps.made = 'all';
  (items ?? []).forEach((item, i) => {
    const v = parseVethEnds(r, item, `veths[${i}]`, r.line(item, vE?.line), gaps);
    if (v) veths.push(v);
  });

  // With problems found so far this is what parsed, less the gaps: only the cross-checks see it.
  const lab: Lab = { name, description, namespaces, bridges, veths, tuntaps };
  validateLab(lab, r, gaps);
  return { lab: r.issues.length ? null : lab, issues: r.issues };
}

/** By line, then path (a stable sort: one line's problems about one thing keep their order); a
 *  problem found twice is listed once. */
function ordered(issues: LabIssue[]): LabIssue[] {
  const seen = new Set<string>();
  return [...issues]
    .sort((a, b) => a.line - b.line || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .filter((i) => {
      const key = `${i.line}\n${i.path}\n${i.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function parseNamespace(r: Reader, e: Entry): LabNamespace | null {
  const path = join('namespaces', e.key);
  const why = nsnameError(e.key);
  if (why) { r.err(e.line, path, why); return null; }
  const ns: LabNamespace = { name: e.key, forwarding: null, interfaces: new Map(), routes: [], nat: [], line: e.line };
  // not a mapping: still listed (references to it are not dangling), with nothing in it to check
  const entries = r.map(e.value, path, `namespace '${e.key}'`, e.line);
  if (!entries) return ns;
  r.onlyKeys(entries, NS_KEYS, path);
  for (const f of entries) {
    const p = join(path, f.key);
    if (f.key === 'forwarding') ns.forwarding = r.bool(f.value, p, 'forwarding', f.line);
    else if (f.key === 'interfaces') {
      for (const ie of r.map(f.value, p, 'interfaces', f.line) ?? []) {
        const ip = join(p, ie.key);
        const bad = ifnameError(ie.key);
        if (bad) { r.err(ie.line, ip, bad); continue; }
        const conf = parseInterfaceConf(r, ie, ip);
        if (conf) ns.interfaces.set(ie.key, conf);
      }
    } else if (f.key === 'routes') {
      (r.seq(f.value, p, 'routes', f.line) ?? []).forEach((item, i) => {
        const rt = parseRoute(r, item, `${p}[${i}]`, r.line(item, f.line));
        if (rt) ns.routes.push(rt);
      });
    } else if (f.key === 'nat') {
      (r.seq(f.value, p, 'nat', f.line) ?? []).forEach((item, i) => {
        const n = parseNat(r, item, `${p}[${i}]`, r.line(item, f.line));
        if (n) ns.nat.push(n);
      });
    }
  }
  return ns;
}

interface LinkConf { addresses: string[]; mtu: number | null; mac: string | null; up: boolean }

/** addresses / mtu / mac / up, shared by interfaces, bridges and tun/taps: what parsed (a bad
 *  value is reported and left out; the device it belongs to is still there for the cross-checks). */
function parseLinkConf(r: Reader, entries: Entry[], path: string): LinkConf {
  const out: LinkConf = { addresses: [], mtu: null, mac: null, up: true };
  for (const f of entries) {
    const p = join(path, f.key);
    if (f.key === 'addresses') {
      const seen = new Map<string, number>();
      (r.seq(f.value, p, 'addresses', f.line) ?? []).forEach((item, i) => {
        const ap = `${p}[${i}]`;
        const line = r.line(item, f.line);
        const s = r.str(item, ap, 'an address', line);
        if (s === null) return;
        const c = parseCidr(s);
        if (!c) { r.err(line, ap, `'${s}' is not a valid CIDR (address/prefix, e.g. 10.0.0.1/24 or fd00::1/64)`); return; }
        if (seen.has(c.text)) { r.err(line, ap, `'${s}' is listed twice (also on line ${seen.get(c.text)})`); return; }
        seen.set(c.text, line);
        out.addresses.push(c.text);
      });
    } else if (f.key === 'mtu') {
      const v = r.int(f.value, p, 'mtu', f.line, MTU_MIN, MTU_MAX);
      if (v !== null) out.mtu = v;
    } else if (f.key === 'mac') {
      const s = r.str(f.value, p, 'mac', f.line);
      if (s !== null) {
        const why = macError(s);
        if (why) r.err(r.line(f.value, f.line), p, why); else out.mac = s.toLowerCase();
      }
    } else if (f.key === 'up') {
      const v = r.bool(f.value, p, 'up', f.line);
      if (v !== null) out.up = v;
    }
  }
  return out;
}

function parseInterfaceConf(r: Reader, e: Entry, path: string): LabInterface | null {
  const entries = r.map(e.value, path, `interface '${e.key}'`, e.line);
  if (!entries) return null;
  r.onlyKeys(entries, IF_KEYS, path);
  return { ...parseLinkConf(r, entries, path), line: e.line };
}

function parseRoute(r: Reader, node: YNode, path: string, line: number): LabRoute | null {
  const entries = r.map(node, path, 'a route', line, false);
  if (!entries) return null;
  r.onlyKeys(entries, ROUTE_KEYS, path);
  const before = r.issues.length;
  const get = (k: string) => entries.find((x) => x.key === k);
  const toE = get('to');
  let to: string | null = null; let toFamily: 4 | 6 | null = null;
  if (!toE) r.err(line, path, "a route needs 'to' (default or a network like 10.0.0.0/24)");
  else {
    const s = r.str(toE.value, join(path, 'to'), 'to', toE.line);
    if (s === 'default') to = 'default';
    else if (s !== null) {
      const c = parseCidr(s);
      if (!c) r.err(r.line(toE.value, toE.line), join(path, 'to'), `'${s}' is not 'default' nor a valid CIDR network`);
      else if (!isNetwork(c)) r.err(r.line(toE.value, toE.line), join(path, 'to'), `'${s}' has host bits set; a route goes to a network (e.g. ${networkOf(c).text})`);
      else { to = c.text; toFamily = c.family; }
    }
  }
  let via: string | null = null; let viaFamily: 4 | 6 | null = null;
  const viaE = get('via');
  if (viaE) {
    const s = r.str(viaE.value, join(path, 'via'), 'via', viaE.line);
    if (s !== null) {
      const ip = parseIp(s);
      if (!ip) r.err(r.line(viaE.value, viaE.line), join(path, 'via'), `'${s}' is not a valid IP address`);
      else { via = ip.text; viaFamily = ip.family; }
    }
  }
  let dev: string | null = null;
  const devE = get('dev');
  if (devE) {
    const s = r.str(devE.value, join(path, 'dev'), 'dev', devE.line);
    if (s !== null) {
      const why = ifnameError(s);
      if (why) r.err(r.line(devE.value, devE.line), join(path, 'dev'), why); else dev = s;
    }
  }
  let metric: number | null = null;
  const mE = get('metric');
  if (mE) metric = r.int(mE.value, join(path, 'metric'), 'metric', mE.line, 0, 0xffffffff);
  if (r.issues.length !== before || to === null) return null;
  if (!viaE && !devE) { r.err(line, path, "a route needs 'via' (a gateway) or 'dev' (an interface), or both"); return null; }
  if (toFamily && viaFamily && toFamily !== viaFamily) {
    r.err(r.line(viaE?.value, line), join(path, 'via'), `gateway ${via} is IPv${viaFamily} but the route to ${to} is IPv${toFamily}`);
    return null;
  }
  return { to, via, dev, metric, family: toFamily ?? viaFamily ?? 4, line };
}

function parseNat(r: Reader, node: YNode, path: string, line: number): LabNat | null {
  const entries = r.map(node, path, 'a nat rule', line, false);
  if (!entries) return null;
  r.onlyKeys(entries, NAT_KEYS, path);
  const m = entries.find((x) => x.key === 'masquerade');
  if (!m) { r.err(line, path, "a nat rule needs 'masquerade: { from: CIDR, out: IFNAME }'"); return null; }
  const mp = join(path, 'masquerade');
  const me = r.map(m.value, mp, 'masquerade', m.line, false);
  if (!me) return null;
  r.onlyKeys(me, MASQ_KEYS, mp);
  const before = r.issues.length;
  const fromE = me.find((x) => x.key === 'from');
  const outE = me.find((x) => x.key === 'out');
  let from = ''; let out = '';
  if (!fromE) r.err(m.line, mp, "masquerade needs 'from' (the inside network, e.g. 172.17.0.0/16)");
  else {
    const s = r.str(fromE.value, join(mp, 'from'), 'from', fromE.line);
    if (s !== null) {
      const c = parseCidr(s);
      if (!c || c.family !== 4) r.err(r.line(fromE.value, fromE.line), join(mp, 'from'), `'${s}' is not a valid IPv4 CIDR`);
      else from = c.text;
    }
  }
  if (!outE) r.err(m.line, mp, "masquerade needs 'out' (the interface towards the outside)");
  else {
    const s = r.str(outE.value, join(mp, 'out'), 'out', outE.line);
    if (s !== null) {
      const why = ifnameError(s);
      if (why) r.err(r.line(outE.value, outE.line), join(mp, 'out'), why); else out = s;
    }
  }
  if (r.issues.length !== before) return null;
  return { masquerade: { from, out }, line };
}

/** A bridge (null: a bad name, or where it is is unknown: then it is a gap). */
function parseBridge(r: Reader, e: Entry, gaps: Gaps): LabBridge | null {
  const path = join('bridges', e.key);
  const why = ifnameError(e.key);
  if (why) { r.err(e.line, path, why); return null; }
  const unknown = () => { if (gaps.bridges !== 'all') gaps.bridges.add(e.key); addMade(gaps, `*:${e.key}`); return null; };
  const entries = r.map(e.value, path, `bridge '${e.key}'`, e.line);
  if (!entries) return unknown();
  r.onlyKeys(entries, BRIDGE_KEYS, path);
  const conf = parseLinkConf(r, entries, path);
  const namespace = parseNsRef(r, entries, path);
  let external = false;
  const ex = entries.find((x) => x.key === 'external');
  if (ex) {
    external = r.bool(ex.value, join(path, 'external'), 'external', ex.line) ?? false;
    if (external) {
      for (const s of entries.filter((x) => ['addresses', 'mtu', 'mac', 'up'].includes(x.key))) {
        r.err(s.line, join(path, s.key), `an external bridge is not configured by the lab (it only gets ports); remove '${s.key}'`);
      }
    }
  }
  if (namespace === null) return unknown();
  return { name: e.key, namespace, ...conf, external, line: e.line };
}

function addMade(gaps: Gaps, what: string): void {
  if (gaps.made !== 'all') gaps.made.add(what);
}

/** A tun/tap (null: a bad name, or where it is is unknown: then what it makes is a gap). */
function parseTuntap(r: Reader, e: Entry, gaps: Gaps): LabTuntap | null {
  const path = join('tuntaps', e.key);
  const why = ifnameError(e.key);
  if (why) { r.err(e.line, path, why); return null; }
  const entries = r.map(e.value, path, `tun/tap '${e.key}'`, e.line, false);
  if (!entries) { addMade(gaps, `*:${e.key}`); return null; }
  r.onlyKeys(entries, TUNTAP_KEYS, path);
  const conf = parseLinkConf(r, entries, path);
  const namespace = parseNsRef(r, entries, path);
  const modeE = entries.find((x) => x.key === 'mode');
  let mode: 'tun' | 'tap' | null = null;
  if (!modeE) r.err(e.line, path, "a tun/tap needs 'mode: tun' or 'mode: tap'");
  else {
    const s = r.str(modeE.value, join(path, 'mode'), 'mode', modeE.line);
    if (s === 'tun' || s === 'tap') mode = s;
    else if (s !== null) r.err(r.line(modeE.value, modeE.line), join(path, 'mode'), `mode must be 'tun' or 'tap', not '${s}'`);
  }
  let bridge: string | null = null;
  const bE = entries.find((x) => x.key === 'bridge');
  if (bE) {
    const s = r.str(bE.value, join(path, 'bridge'), 'bridge', bE.line);
    const bad = s === null ? null : ifnameError(s);
    if (bad) r.err(r.line(bE.value, bE.line), join(path, 'bridge'), bad);
    else if (s !== null && mode === 'tun') r.err(bE.line, join(path, 'bridge'), 'a tun device carries IP packets, not frames: only a tap can be a bridge port');
    else bridge = s;
  }
  if (namespace === null) { addMade(gaps, `*:${e.key}`); return null; }
  // a bad or missing mode is reported above; the device is still made by the lab for the
  // cross-checks (a lab with problems is never returned, so the stand-in mode goes nowhere)
  return { name: e.key, namespace, ...conf, mode: mode ?? 'tap', bridge, line: e.line };
}

/** The `namespace:` key of a bridge or tun/tap ('host' when absent). */
function parseNsRef(r: Reader, entries: Entry[], path: string): string | null {
  const e = entries.find((x) => x.key === 'namespace');
  if (!e) return HOST_NS;
  const s = r.str(e.value, join(path, 'namespace'), 'namespace name', e.line);
  if (s === null) return null;
  const why = nsnameError(s);
  if (why) { r.err(r.line(e.value, e.line), join(path, 'namespace'), why); return null; }
  return s;
}

/** `[red:eth0, br-rooms]`: ends are resolved (bridge or NAMESPACE:IFNAME) in validate.ts. A veth
 *  that does not parse leaves gaps: the interfaces its ends name (or, for an end with a bad name,
 *  anything in that end's namespace) may be made by it. */
function parseVethEnds(r: Reader, node: YNode, path: string, line: number, gaps: Gaps): LabVeth | null {
  const items = r.seq(node, path, 'a veth (a list of its two ends)', line);
  if (!items) { gaps.made = 'all'; return null; }
  const ends: LabVethEnd[] = [];
  const broken = () => {
    for (const end of ends) if (end.bridge === null) addMade(gaps, `${end.namespace}:${end.name}`);
    return null;
  };
  items.forEach((it, i) => {
    const p = `${path}[${i}]`;
    const s = r.str(it, p, 'a veth end (NAMESPACE:IFNAME or a bridge name)', r.line(it, line));
    if (s === null) return;
    const l = r.line(it, line);
    const colon = s.indexOf(':');
    if (colon >= 0) {
      const ns = s.slice(0, colon); const name = s.slice(colon + 1);
      const nsWhy = nsnameError(ns); const ifWhy = ifnameError(name);
      if (nsWhy) { r.err(l, p, `in '${s}': ${nsWhy}`); return; }
      if (ifWhy) { r.err(l, p, `in '${s}': ${ifWhy}`); addMade(gaps, `${ns}:*`); return; }
      ends.push({ namespace: ns, name, bridge: null, spec: s, line: l });
    } else {
      const why = ifnameError(s);
      if (why) { r.err(l, p, `${why} (an end is NAMESPACE:IFNAME or a bridge name)`); return; }
      // a bridge name for now; validate.ts resolves its namespace and the port's name
      ends.push({ namespace: '', name: '', bridge: s, spec: s, line: l });
    }
  });
  if (items.length !== 2) { r.err(line, path, `a veth has exactly 2 ends, not ${items.length}`); return broken(); }
  if (ends.length !== 2) return broken();
  return { ends: [ends[0], ends[1]], line };
}
