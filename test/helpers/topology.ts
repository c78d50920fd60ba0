// A seedable random topology generator for the differential tests: named namespaces (and sometimes
// one held only by a process), veth pairs across and within namespaces, bridges with ports,
// persistent tun/tap, MTU/MAC/alias changes, renames, IPv4 and IPv6 addresses (v6 `nodad`, so they
// are never tentative), point-to-point addresses (`addr add A peer P/len`, v4 and v6, on veth ends and
// tun/taps), gateway/device/host/blackhole routes, links up and down.
//
// Everything is made with `ip` from argv arrays (`ip -batch -` fed lines our own generator wrote —
// never a shell string). Only ever run inside the throwaway world (scripts/world.sh).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { ip, ipBatch, ipJson } from './ip';
import { inNs, type NsRef } from './iproute';

/** mulberry32: small, fast, good enough, and the same sequence for the same seed everywhere. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Slot = string; // 'host', a namespace name, or 'proc' (a namespace only a process holds)

interface Dev {
  name: string; slot: Slot; kind: 'veth' | 'bridge' | 'tun' | 'tap';
  up: boolean; v4?: { net: number; host: number }; v6?: boolean; enslaved?: boolean; peer?: Dev; moved?: boolean;
  /** Point-to-point addresses, as ip writes them ("10.5.2.7 peer 10.5.3.1/32"). */
  ptp4?: string; ptp6?: string;
}

/** `pauseBefore`: wait this long (ms) before the step, so the engine has taken in what came
 *  before (its follow-up re-reads done) and the changes that follow reach it as changes to settled
 *  links, not as part of their creation. */
export interface Step { slot: Slot; lines: string[]; pauseBefore?: number }

export interface TopologyPlan {
  seed: number;
  prefix: string;
  named: string[];
  /** A namespace held only by a process (`unshare --net sleep`). */
  processNs: boolean;
  /** IPv6 duplicate address detection on (the kernel's default). Off in most topologies: the kernel
   *  announces an address only when DAD ends (~1-2 s) while `ip addr` lists it at once as
   *  tentative, so with DAD on every comparison waits for it. */
  dad: boolean;
  /** A process sitting in a named namespace (`ip netns exec NAME sleep`): must not show up as a
   *  namespace of its own. */
  sleeperIn: string | null;
  steps: Step[];
}

export interface BuiltTopology {
  plan: TopologyPlan;
  procPid: number | null;
  children: ChildProcess[];
}

/** A random topology for `seed`. `prefix` (≤ 5 chars) starts every name it makes, so names never
 *  collide with a previous topology whose namespaces the kernel is still tearing down. */
export function generateTopology(seed: number, prefix: string): TopologyPlan {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

  const named = Array.from({ length: int(1, 3) }, (_, i) => `${prefix}n${i}`);
  const processNs = chance(0.3);
  const slots: Slot[] = ['host', ...named, ...(processNs ? ['proc'] : [])];
  const sleeperIn = chance(0.3) ? pick(named) : null;
  const target = (s: Slot) => (s === 'host' ? '1' : s === 'proc' ? '{proc}' : s);

  let counter = 0;
  const name = (tag: string) => `${prefix}${tag}${counter++}`;
  const devs: Dev[] = [];
  const create: string[] = [];                       // in the host: links made straight into their namespace
  const per = new Map<Slot, string[]>(slots.map((s) => [s, []]));
  const later = new Map<Slot, string[]>(slots.map((s) => [s, []])); // after addresses and up: routes, downs
  const L = (s: Slot) => per.get(s)!;

  // veth pairs, some within one namespace
  for (let i = int(1, 4); i > 0; i--) {
    const a = pick(slots); const b = chance(0.25) ? a : pick(slots);
    const na = name('v'); const nb = name('v');
    create.push(`link add ${na} netns ${target(a)} type veth peer name ${nb} netns ${target(b)}`);
    const da: Dev = { name: na, slot: a, kind: 'veth', up: false }; const db: Dev = { name: nb, slot: b, kind: 'veth', up: false, peer: da };
    da.peer = db;
    devs.push(da, db);
  }
  // bridges
  for (let i = int(0, 2); i > 0; i--) {
    const s = pick(slots); const n = name('b');
    create.push(`link add ${n} netns ${target(s)} type bridge`);
    devs.push({ name: n, slot: s, kind: 'bridge', up: false });
  }
  // persistent tun/tap (tuntap has no netns option: made inside their namespace)
  for (let i = int(0, 2); i > 0; i--) {
    const s = pick(slots); const mode = chance(0.5) ? 'tap' : 'tun'; const n = name('t');
    L(s).push(`tuntap add mode ${mode} name ${n}`);
    devs.push({ name: n, slot: s, kind: mode, up: false });
  }

  // renames (while down), MTU, MAC, alias
  for (const d of devs) {
    if (chance(0.1)) { const nn = `${d.name}r`; L(d.slot).push(`link set dev ${d.name} name ${nn}`); d.name = nn; }
    if (d.kind !== 'bridge' && chance(0.3)) L(d.slot).push(`link set dev ${d.name} mtu ${int(1280, 9000)}`);
    if (d.kind !== 'tun' && chance(0.25)) {
      const mac = ['02', ...Array.from({ length: 5 }, () => int(0, 255).toString(16).padStart(2, '0'))].join(':');
      L(d.slot).push(`link set dev ${d.name} address ${mac}`);
    }
    if (chance(0.15)) L(d.slot).push(`link set dev ${d.name} alias ${prefix}-alias-${int(0, 999)}`);
  }
  // bridge ports: veth ends and taps in the bridge's namespace. At most one end of a veth pair is
  // ever a port, so no two ports are joined by a wire: no bridge loop, no broadcast storm.
  for (const br of devs.filter((d) => d.kind === 'bridge')) {
    for (const d of devs) {
      if (d.slot === br.slot && (d.kind === 'veth' || d.kind === 'tap') && !d.enslaved && !d.peer?.enslaved && chance(0.5)) {
        L(d.slot).push(`link set dev ${d.name} master ${br.name}`);
        d.enslaved = true;
      }
    }
  }
  // addresses: each device its own subnet (10.K.0.0/24, fd00:K::/64)
  let net = 1;
  for (const d of devs) {
    if (!chance(0.6)) continue;
    const n = net++; const host = int(1, 250);
    d.v4 = { net: n, host };
    L(d.slot).push(`addr add 10.${n}.0.${host}/24 dev ${d.name}`);
    if (chance(0.6)) { d.v6 = true; L(d.slot).push(`addr add fd00:${n}::${host.toString(16)}/64 dev ${d.name} nodad`); }
    if (chance(0.15)) L(d.slot).push(`addr add 10.${n}.1.${host}/24 dev ${d.name}`);
  }
  // point-to-point addresses (what openvpn gives its tun): our address, the far end and its prefix
  // length, each on a subnet of its own (10.K.2.x peer 10.K.3.y, fd00:K:2::x peer fd00:K:3::y)
  for (const d of devs) {
    if (d.kind === 'bridge' || !chance(0.35)) continue;
    const n = net++; const host = int(1, 250); const far = int(1, 250);
    if (chance(0.7)) {
      d.ptp4 = `10.${n}.2.${host} peer 10.${n}.3.${far}/${chance(0.7) ? 32 : 24}`;
      L(d.slot).push(`addr add ${d.ptp4} dev ${d.name}`);
    }
    if (chance(0.6)) {
      d.ptp6 = `fd00:${n}:2::${host.toString(16)} peer fd00:${n}:3::${far.toString(16)}/${chance(0.7) ? 128 : 64}`;
      L(d.slot).push(`addr add ${d.ptp6} dev ${d.name} nodad`);
    }
  }
  // up
  for (const d of devs) if (chance(0.7)) { d.up = true; L(d.slot).push(`link set dev ${d.name} up`); }
  for (const s of slots) if (s !== 'host' && chance(0.5)) L(s).push('link set dev lo up');

  // routes, on up devices with an address (the gateway is in the connected subnet)
  let rt = 1;
  for (const d of devs) {
    if (!d.up || !d.v4) continue;
    const gw = d.v4.host === 250 ? 1 : d.v4.host + 1;
    const lines = later.get(d.slot)!;
    if (chance(0.5)) lines.push(`route add 10.200.${rt++}.0/24 via 10.${d.v4.net}.0.${gw}${chance(0.5) ? ` metric ${int(1, 500)}` : ''}`);
    if (chance(0.3)) lines.push(`route add 10.201.${rt++}.0/24 dev ${d.name}`);
    if (chance(0.2)) lines.push(`route add 10.202.0.${rt++} dev ${d.name}${chance(0.5) ? ` metric ${int(1, 50)}` : ''}`);
    if (d.v6 && chance(0.4)) lines.push(`route add fd99:${rt++}::/64 via fd00:${d.v4.net}::${gw.toString(16)} dev ${d.name}`);
  }
  for (const s of slots) {
    const lines = later.get(s)!;
    const up = devs.filter((d) => d.slot === s && d.up && d.v4);
    if (up.length && chance(0.4)) {
      const d = pick(up); lines.push(`route add default via 10.${d.v4!.net}.0.${d.v4!.host === 250 ? 1 : d.v4!.host + 1}`);
    }
    if (chance(0.2)) lines.push(`route add blackhole 10.250.${rt++}.0/24`);
  }
  // some links go down again (the kernel takes their routes away)
  for (const d of devs) if (d.up && chance(0.15)) { d.up = false; later.get(d.slot)!.push(`link set dev ${d.name} down`); }

  const dad = chance(0.3);
  // some veth ends and tun/taps move to another namespace at the end (the kernel flushes their
  // addresses and routes; a moved veth end changes what its peer's IFLA_LINK_NETNSID means)
  const moves = new Map<Slot, string[]>(slots.map((s) => [s, []]));
  for (const d of devs) {
    if ((d.kind === 'veth' || d.kind === 'tap' || d.kind === 'tun') && chance(0.15)) {
      const to = pick(slots.filter((x) => x !== d.slot));
      if (to === undefined) continue;
      moves.get(d.slot)!.push(`link set dev ${d.name} netns ${target(to)}`);
      d.slot = to; d.moved = true;
    }
  }

  // sometimes the last changes come after a pause, to links the engine already knows: aliases and
  // MTUs of links that may be down (the kernel notifies an alias change only on an up link)
  const pause = chance(0.3) ? 150 : 0;
  const late = new Map<Slot, string[]>(slots.map((s) => [s, []]));
  if (pause) {
    for (const d of devs) {
      if (chance(0.25)) late.get(d.slot)!.push(`link set dev ${d.name} alias ${prefix}-late-${int(0, 999)}`);
      if (d.kind !== 'bridge' && chance(0.15)) late.get(d.slot)!.push(`link set dev ${d.name} mtu ${int(1280, 9000)}`);
      // (a moved device lost its addresses and its bridge on the way)
      if (!d.moved && d.v4 && chance(0.3)) late.get(d.slot)!.push(`addr del 10.${d.v4.net}.0.${d.v4.host}/24 dev ${d.name}`);
      if (!d.moved && d.ptp4 && chance(0.3)) late.get(d.slot)!.push(`addr del ${d.ptp4} dev ${d.name}`);
      // an IPv6 address's peer changes in place (the same address, announced again); only on a
      // link still up: one taken down lost its IPv6 addresses
      if (!d.moved && d.up && d.ptp6 && chance(0.8)) {
        late.get(d.slot)!.push(`addr change ${d.ptp6.replace(/ peer (\S+)::\w+\//, ' peer $1::fe/')} dev ${d.name} nodad`);
      }
      if (!d.moved && d.enslaved && chance(0.6)) late.get(d.slot)!.push(`link set dev ${d.name} nomaster`);
    }
  }

  const steps: Step[] = [{ slot: 'host', lines: create }];
  for (const s of slots) steps.push({ slot: s, lines: per.get(s)! });
  for (const s of slots) steps.push({ slot: s, lines: later.get(s)! });
  for (const s of slots) steps.push({ slot: s, lines: moves.get(s)! });
  const lateSteps: Step[] = slots.map((s) => ({ slot: s, lines: late.get(s)! })).filter((x) => x.lines.length > 0);
  if (lateSteps.length) lateSteps[0] = { ...lateSteps[0], pauseBefore: pause };
  steps.push(...lateSteps);
  return { seed, prefix, named, processNs, dad, sleeperIn, steps: steps.filter((x) => x.lines.length > 0) };
}

/** The plan as shell-like text, for a failure message (never executed as such). */
export function describeTopology(plan: TopologyPlan): string {
  const out = [`seed ${plan.seed}: namespaces ${plan.named.join(', ')}${plan.processNs ? ' + process ns' : ''}` +
    `${plan.sleeperIn ? `, sleeper in ${plan.sleeperIn}` : ''}${plan.dad ? '' : ', IPv6 DAD off (accept_dad=0 in all and default)'}`];
  for (const s of plan.steps) {
    if (s.pauseBefore) out.push(`  sleep ${s.pauseBefore / 1000}`);
    const where = s.slot === 'host' ? '' : s.slot === 'proc' ? 'nsenter -t {proc} -n ' : `-n ${s.slot} `;
    for (const l of s.lines) out.push(`  ip ${where}${l}`);
  }
  return out.join('\n');
}

const DAD_OFF = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
}

/** The world host's own accept_dad (our /proc/sys is the world's: world.sh mounted a new /proc). */
function setAcceptDad(v: string): void {
  for (const k of ['all', 'default']) fs.writeFileSync(`/proc/sys/net/ipv6/conf/${k}/accept_dad`, v);
}
function getAcceptDad(): string { return fs.readFileSync('/proc/sys/net/ipv6/conf/default/accept_dad', 'utf8').trim(); }

function readNetInode(pid: number | 'self'): string | null {
  try { return fs.readlinkSync(`/proc/${pid}/ns/net`); } catch { return null; }
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function slotRef(slot: Slot, procPid: number | null): NsRef {
  if (slot === 'host') return { kind: 'host' };
  if (slot === 'proc') return { kind: 'process', pid: procPid! };
  return { kind: 'named', name: slot };
}

/** Makes the topology. Throws (with the seed) when a command fails. */
export async function buildTopology(plan: TopologyPlan): Promise<BuiltTopology> {
  const built: BuiltTopology = { plan, procPid: null, children: [] };
  try {
    for (const n of plan.named) ip('netns', 'add', n);
    if (!plan.dad) {
      setAcceptDad('0');
      for (const n of plan.named) run('ip', ['netns', 'exec', n, 'sysctl', '-q', '-w', ...DAD_OFF]);
    }
    if (plan.processNs) {
      // unshare execs sleep in place, so the child's pid is the holder of the new namespace.
      const child = spawn('unshare', ['--net', 'sleep', '3600'], { stdio: 'ignore' });
      built.children.push(child);
      const hostNs = readNetInode('self');
      await waitFor(() => { const x = readNetInode(child.pid!); return x !== null && x !== hostNs; }, 'the process namespace');
      built.procPid = child.pid!;
      if (!plan.dad) run('nsenter', ['-t', String(built.procPid), '-n', 'sysctl', '-q', '-w', ...DAD_OFF]);
    }
    if (plan.sleeperIn) {
      built.children.push(spawn('ip', ['netns', 'exec', plan.sleeperIn, 'sleep', '3600'], { stdio: 'ignore' }));
    }
    for (const s of plan.steps) {
      if (s.pauseBefore) await new Promise((r) => setTimeout(r, s.pauseBefore));
      const lines = s.lines.map((l) => l.replaceAll('{proc}', String(built.procPid)));
      if (lines.length) ipBatch(lines, ...inNs(slotRef(s.slot, built.procPid)));
    }
  } catch (e) {
    (e as Error).message = `topology seed ${plan.seed}: ${(e as Error).message}\n${describeTopology(plan)}`;
    throw e;
  }
  return built;
}

/** What the world's host namespace holds before any topology: restored after each one. */
export interface HostBaseline { links: Set<string>; routes: Set<string>; acceptDad: string }

interface HostRoute { dst: string; type?: string; gateway?: string; dev?: string; metric?: number }
const hostRoutes = (): Array<{ family: '-4' | '-6'; r: HostRoute; key: string }> =>
  (['-4', '-6'] as const).flatMap((family) => ipJson<HostRoute[]>(family, 'route', 'show', 'table', 'main')
    .map((r) => ({ family, r, key: `${family} ${JSON.stringify(r)}` })));

export function hostBaseline(): HostBaseline {
  return {
    acceptDad: getAcceptDad(),
    links: new Set(ipJson<Array<{ ifname: string }>>('link', 'show').map((l) => l.ifname)),
    routes: new Set(hostRoutes().map((x) => x.key)),
  };
}

/** Removes everything the topology made and waits until the host namespace is back to `baseline`
 *  with no namespace of ours left (routes without a device, like blackholes, outlive the links). */
export async function destroyTopology(t: BuiltTopology, baseline: HostBaseline): Promise<void> {
  for (const c of t.children) c.kill('SIGKILL');
  setAcceptDad(baseline.acceptDad);
  for (const n of t.plan.named) { try { ip('netns', 'del', n); } catch { /* gone */ } }
  const ours = () => ipJson<Array<{ ifname: string }>>('link', 'show')
    .map((l) => l.ifname).filter((n) => !baseline.links.has(n));
  for (const n of ours()) { try { ip('link', 'del', 'dev', n); } catch { /* its peer's namespace took it */ } }
  for (const { family, r, key } of hostRoutes()) {
    if (baseline.routes.has(key)) continue;
    const spec = [...(r.type ? [r.type] : []), r.dst, ...(r.dev ? ['dev', r.dev] : []), ...(r.metric !== undefined ? ['metric', String(r.metric)] : [])];
    try { ip(family, 'route', 'del', ...spec); } catch { /* went with its link */ }
  }
  await waitFor(() => ours().length === 0, `the host's links to be back to the baseline (left: ${ours().join(', ')})`);
  await waitFor(() => hostRoutes().every((x) => baseline.routes.has(x.key)), 'the host routes to be back to the baseline');
  await waitFor(() => t.children.every((c) => c.exitCode !== null || c.signalCode !== null), 'the helper processes to exit');
}

/** What a set of plans exercised, counted from their commands (printed by the differential test so
 *  a run shows its coverage, not just "passed"). */
export function coverage(plans: TopologyPlan[]): string {
  const c: Record<string, number> = {};
  const inc = (k: string, n = 1) => { c[k] = (c[k] ?? 0) + n; };
  for (const p of plans) {
    inc('named namespaces', p.named.length);
    if (p.processNs) inc('process namespaces');
    if (p.sleeperIn) inc('processes in named namespaces');
    if (p.dad) inc('topologies with IPv6 DAD');
    for (const st of p.steps) {
      if (st.pauseBefore) inc('topologies with late changes to settled links');
      for (const l of st.lines) {
        const m = /netns (\S+) type veth peer name \S+ netns (\S+)/.exec(l);
        if (m) inc(m[1] === m[2] ? 'veth pairs within a namespace' : 'veth pairs across namespaces');
        if (/type bridge/.test(l)) inc('bridges');
        if (/tuntap add mode tap/.test(l)) inc('taps');
        if (/tuntap add mode tun/.test(l)) inc('tuns');
        if (/ master /.test(l)) inc('bridge ports');
        if (/ nomaster$/.test(l)) inc('ports leaving their bridge');
        if (/^addr del/.test(l)) inc('addresses deleted');
        if (/^addr add \d/.test(l)) inc('IPv4 addresses');
        if (/^addr add fd/.test(l)) inc('IPv6 addresses');
        if (/^addr add \d\S* peer /.test(l)) inc('IPv4 point-to-point addresses');
        if (/^addr add fd\S* peer /.test(l)) inc('IPv6 point-to-point addresses');
        if (/^addr del \S+ peer /.test(l)) inc('point-to-point addresses deleted');
        if (/^addr change \S+ peer /.test(l)) inc('IPv6 peers changed in place');
        if (/^route add/.test(l)) inc('routes');
        if (/ up$/.test(l)) inc('links set up');
        if (/ down$/.test(l)) inc('links set down');
        if (/ name \S+r$/.test(l)) inc('renames');
        if (/ mtu /.test(l)) inc('MTU changes');
        if (/ address /.test(l)) inc('MAC changes');
        if (/ alias /.test(l)) inc('aliases');
        if (/^link set dev \S+ netns /.test(l)) inc('moves to another namespace');
      }
    }
  }
  return Object.entries(c).map(([k, v]) => `${v} ${k}`).join(', ');
}
