// LabKernel over the native netlink addon: reads the host and the lab's namespaces with dumps, and
// performs actions as pipelined netlink batches — one batch per namespace per stage, the
// namespaces' batches in parallel. No `ip` processes; only NAT runs a tool (nft, via nsenter),
// because nftables is not rtnetlink.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { MAIN_TABLE, type InterfaceKind } from '../contract';
import { loadNative, type MutateOp, type MutatingAddon, type MutatingHandle, type RawLink } from '../../native';
import type { Action } from './actions';
import { KernelRefusal, type LabKernel, type ReadHint } from './apply';
import { commandsFor } from './commands';
import { scanNamed } from '../engine/namespaces';
import { ALIAS_PREFIX, HOST_NS, canonicalCidr, labAlias, labGroup, parseIp } from './names';
import { key, type Actual, type ActualLink, type ActualRoute } from './state';

const run = promisify(execFile);

/**
 * TEST HOOK, honoured only inside a throwaway test world (VNET_WORLD=1, scripts/world.sh):
 * VNET_LAB_TEST_CRASH=after-create makes an apply kill itself (SIGKILL) right after its links were
 * created and before any was marked — the few microseconds between a create and its alias
 * request, which a real kill -9 hits too rarely to test.
 */
function crashAfterCreate(): boolean {
  return process.env.VNET_WORLD === '1' && process.env.VNET_LAB_TEST_CRASH === 'after-create';
}

function kindOf(l: RawLink): InterfaceKind {
  if (l.type === 772) return 'loopback';
  if (l.kind === 'tun') return l.tun?.type === 'tap' ? 'tap' : 'tun';
  if (l.kind === 'veth' || l.kind === 'bridge' || l.kind === 'vxlan') return l.kind;
  return l.kind ? 'other' : 'physical';
}

export class NativeLabKernel implements LabKernel {
  private handles = new Map<string, { h: MutatingHandle; inode: number }>();
  private readonly addon: MutatingAddon;

  constructor(addon?: MutatingAddon, readonly netnsDir = '/run/netns') {
    this.addon = addon ?? loadNative();
  }

  nsPath(ns: string): string | null {
    return ns === HOST_NS ? null : path.join(this.netnsDir, ns);
  }

  private inodeOf(ns: string): number | null {
    try { return fs.statSync(ns === HOST_NS ? '/proc/self/ns/net' : path.join(this.netnsDir, ns)).ino; } catch { return null; }
  }

  /** A handle bound to `ns`, re-opened when the name now means another namespace. */
  async handle(ns: string): Promise<MutatingHandle> {
    const ino = this.inodeOf(ns);
    const cached = this.handles.get(ns);
    if (cached && cached.inode === ino) return cached.h;
    if (cached) { cached.h.close(); this.handles.delete(ns); }
    const h = await this.addon.openNamespace(this.nsPath(ns));
    this.handles.set(ns, { h, inode: h.inode });
    return h;
  }

  private forget(ns: string): void {
    const c = this.handles.get(ns);
    if (c) { c.h.close(); this.handles.delete(ns); }
  }

  close(): void {
    for (const ns of [...this.handles.keys()]) this.forget(ns);
  }

  /** Named namespaces: mounted ones, plus names whose mount is missing (a crash between the file
   *  and its bind mount) so cleanup can remove them. */
  namedNamespaces(): { all: Set<string>; mounted: Set<string> } {
    const { named, pending } = scanNamed(this.netnsDir);
    const mounted = new Set(named.map((n) => n.name));
    return { all: new Set([...mounted, ...pending]), mounted };
  }

  async readActual(hint: ReadHint, retry = true): Promise<Actual> {
    const { all, mounted } = this.namedNamespaces();
    const a: Actual = { namespaces: all, links: new Map(), routes: new Map(), forwarding: new Map() };
    const wanted = [HOST_NS, ...hint.namespaces.filter((n) => mounted.has(n))];
    const dumps = await Promise.all(wanted.map(async (ns) => {
      const h = await this.handle(ns);
      const [links, addrs, routes] = await Promise.all([h.dumpLinks(), h.dumpAddrs(), h.dumpRoutes()]);
      return { ns, h, links, addrs, routes };
    }));
    const byIndex = new Map<string, Map<number, RawLink>>();
    for (const d of dumps) byIndex.set(d.ns, new Map(d.links.map((l) => [l.index, l])));
    for (const d of dumps) {
      const idx = byIndex.get(d.ns)!;
      const addrsOf = new Map<number, string[]>();
      for (const x of d.addrs) {
        const list = addrsOf.get(x.index) ?? [];
        list.push(`${x.address}/${x.prefixlen}`);
        addrsOf.set(x.index, list);
      }
      // veth peers in other namespaces: resolve the nsids this namespace uses, only for our links
      const nsidOf = new Map<number, string>();
      const need = new Set(d.links.filter((l) => l.kind === 'veth' && l.linkNetnsid >= 0 && (l.alias?.startsWith(ALIAS_PREFIX) || (!l.alias && l.group === hint.group))).map((l) => l.linkNetnsid));
      if (need.size) {
        // the host first (a lab namespace's peers are mostly there), then the rest all at once (one
        // by one, 100 namespaces cost ~15 ms of thread hops)
        const ask = async (list: string[]) => {
          const ids = await Promise.all(list.map((o) => d.h.getNsid(o === HOST_NS ? '/proc/self/ns/net' : path.join(this.netnsDir, o)).catch(() => -1)));
          ids.forEach((id, i) => { if (need.has(id)) nsidOf.set(id, list[i]); });
        };
        if (d.ns !== HOST_NS) await ask([HOST_NS]);
        if (nsidOf.size < need.size) await ask(hint.peersIn.filter((n) => mounted.has(n) && n !== d.ns));
      }
      for (const l of d.links) {
        let peer: ActualLink['peer'] = null;
        if (l.kind === 'veth' && l.link > 0) {
          const pns = l.linkNetnsid < 0 ? d.ns : nsidOf.get(l.linkNetnsid);
          if (pns !== undefined) {
            const idx2 = byIndex.get(pns);
            const p = idx2?.get(l.link);
            if (p) peer = { ns: pns, name: p.name };
            else if (!idx2) peer = { ns: pns, name: '' };   // a namespace not read (about to be deleted)
          }
        }
        a.links.set(key(d.ns, l.name), {
          ns: d.ns, name: l.name, index: l.index, kind: kindOf(l), alias: l.alias || null, group: l.group ?? null, mtu: l.mtu, mac: l.mac,
          up: (l.flags & 1) !== 0, master: l.master ? idx.get(l.master)?.name ?? null : null, peer,
          addresses: (addrsOf.get(l.index) ?? []).map(canonicalCidr),
        });
      }
      const routes: ActualRoute[] = [];
      for (const r of d.routes) {
        if (r.table !== MAIN_TABLE || r.type !== 1) continue;
        routes.push({
          to: r.dst === null ? 'default' : `${r.dst}/${r.dstLen}`, via: r.gateway, dev: r.oif ? idx.get(r.oif)?.name ?? null : null,
          metric: r.priority, family: r.family,
        });
      }
      a.routes.set(d.ns, routes.map((r) => ({ ...r, to: r.to === 'default' ? r.to : canonicalCidr(r.to), via: r.via && (parseIp(r.via)?.text ?? r.via) })));
    }
    // The lab's veth ends whose peer namespace was just deleted: the kernel removes them
    // asynchronously (after a destroy that returned at once). Wait for that, then read again.
    const dying = [...a.links.values()].filter((l) => (l.alias === hint.alias || (!l.alias && l.group === hint.group)) && l.kind === 'veth' && l.peer === null);
    // Another lab's (or the canvas's) veth end where this lab wants a link: dying too when its
    // peer is in no namespace left (that lab was just destroyed); alive, it is a conflict.
    // (Not long: a namespace kept alive by a process after `ip netns del` never goes.)
    const others = retry && hint.wanted?.length ? await this.othersDying(a, dumps, new Set(hint.wanted), hint.alias, mounted) : [];
    if ((dying.length || others.length) && retry) {
      await Promise.all([
        this.waitGone(dying.map((l) => ({ ns: l.ns, name: l.name }))),
        this.waitGone(others.map((l) => ({ ns: l.ns, name: l.name })), 2_000),
      ]);
      return this.readActual(hint, false);
    }
    for (const ns of hint.forwardingOf) {
      if (ns !== HOST_NS) continue;   // other namespaces: the journal knows what the lab set
      try { a.forwarding.set(ns, fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1'); } catch { /* unknown */ }
    }
    return a;
  }

  async run(actions: Action[], lab: string, done: (a: Action) => void, vanishing: { ns: string; name: string }[] = []): Promise<void> {
    const stage = (ops: Action['op'][]) => actions.filter((a) => ops.includes(a.op));
    // VNET_LAB_TRACE=1: time per stage on stderr (for the bench and for finding slow spots)
    let t = process.hrtime.bigint();
    const trace = (what: string) => {
      if (process.env.VNET_LAB_TRACE !== '1') return;
      const n = process.hrtime.bigint();
      process.stderr.write(`lab trace: ${what} ${(Number(n - t) / 1e6).toFixed(1)} ms\n`);
      t = n;
    };
    // Deletions: routes first; then the links (a bridge lets go of all its ports at once — one
    // RCU grace period per port, ~0.4 ms each, in our own request); then the namespaces, whose
    // interfaces (and the veth ends outside whose peers were inside) the kernel removes
    // asynchronously. Not both at once: the kernel's namespace cleanup would take the rtnl lock
    // the bridge's deletion needs, and detach the same ports one by one in the meantime.
    await this.perNamespace(stage(['route-del']), lab, done);
    for (const a of stage(['nat-del'])) { await this.nat(a, lab); done(a); }
    await this.perNamespace(stage(['link-del']), lab, done);
    trace('link-del');
    const nsDel = stage(['ns-del']);
    if (nsDel.length) {
      for (const a of nsDel) this.forget(a.ns);   // no socket of ours keeps them alive
      await this.wrap(nsDel[0], () => this.addon.deleteNamedNamespace(nsDel.map((a) => a.ns)));
      nsDel.forEach(done);
      trace('ns-del');
    }
    void vanishing;   // not waited for here: the next read of this lab waits for its dying ends
    const nsAdd = stage(['ns-add']);
    if (nsAdd.length) {
      for (const a of nsAdd) this.forget(a.ns);
      await this.wrap(nsAdd[0], () => this.addon.createNamedNamespace(nsAdd.map((a) => a.ns)));
      nsAdd.forEach(done);
      trace('ns-add');
    }
    const creates = stage(['bridge-add', 'tuntap-add', 'veth-add']);
    await this.oneBatch(creates, lab, done);
    trace('create links');
    if (crashAfterCreate()) process.kill(process.pid, 'SIGKILL');
    // creation already marked the end it made (in the same batch); the planner's alias action for it is done
    const marked = new Set(creates.map((a) => { const { ns, ops } = this.toNative(a, lab); return key(ns, 'name' in ops[0] ? String(ops[0].name) : ''); }));
    const config = stage(['rename', 'alias', 'mtu', 'mac', 'master', 'addr-del', 'addr-add', 'up', 'down', 'route-add']);
    const skip = config.filter((a) => a.op === 'alias' && marked.has(key(a.ns, a.name)));
    skip.forEach(done);
    // One batch too: the addon opens a socket in each namespace from one helper thread, cheaper
    // than a handle (thread + sockets) per namespace; measured as fast as 100 batches in parallel
    // on 2 cores, and no handle per lab namespace stays open afterwards.
    await this.oneBatch(config.filter((a) => !skip.includes(a)), lab, done);
    trace('configure links');
    for (const a of stage(['forwarding'])) {
      if (a.op !== 'forwarding') continue;
      const v = a.on ? '1' : '0';
      await this.wrap(a, async () => {
        await this.addon.setSysctl(this.nsPath(a.ns), 'net.ipv4.ip_forward', v);
        await this.addon.setSysctl(this.nsPath(a.ns), 'net.ipv6.conf.all.forwarding', v);
      });
      done(a);
    }
    for (const a of stage(['nat-add'])) { await this.nat(a, lab); done(a); }
  }

  /** Veth ends marked by another lab, in the way of `wanted`, whose peer's namespace (an nsid) is
   *  none of the named namespaces nor the host: their namespace is being dismantled. */
  private async othersDying(a: Actual, dumps: { ns: string; h: MutatingHandle; links: RawLink[] }[], wanted: Set<string>, alias: string, mounted: Set<string>): Promise<ActualLink[]> {
    const out: ActualLink[] = [];
    for (const d of dumps) {
      const raw = d.links.filter((l) => l.kind === 'veth' && l.linkNetnsid >= 0 && l.alias?.startsWith(ALIAS_PREFIX) && l.alias !== alias
        && wanted.has(key(d.ns, l.name)) && a.links.get(key(d.ns, l.name))?.peer === null);
      if (!raw.length) continue;
      const live = [HOST_NS, ...mounted].filter((n) => n !== d.ns);
      const ids = new Set(await Promise.all(live.map((o) => d.h.getNsid(o === HOST_NS ? '/proc/self/ns/net' : path.join(this.netnsDir, o)).catch(() => -1))));
      for (const l of raw) if (!ids.has(l.linkNetnsid)) out.push(a.links.get(key(d.ns, l.name))!);
    }
    return out;
  }

  /** Waits (up to `ms`) until the kernel's asynchronous namespace cleanup removed these interfaces. */
  private async waitGone(list: { ns: string; name: string }[], ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    const byNs = new Map<string, Set<string>>();
    for (const l of list) { if (!byNs.has(l.ns)) byNs.set(l.ns, new Set()); byNs.get(l.ns)!.add(l.name); }
    for (const [ns, names] of byNs) {
      const h = await this.handle(ns);
      for (;;) {
        const links = await h.dumpLinks();
        if (!links.some((l) => names.has(l.name)) || Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private async wrap<T>(a: Action, f: () => Promise<T>): Promise<T> {
    try { return await f(); } catch (e) { throw new KernelRefusal(a, e as Error); }
  }

  /** The actions' ops grouped by the namespace that performs them (in the order given). */
  private grouped(actions: Action[], lab: string): Map<string, { ops: MutateOp[]; owners: Action[] }> {
    const groups = new Map<string, { ops: MutateOp[]; owners: Action[] }>();
    for (const a of actions) {
      const { ns, ops } = this.toNative(a, lab);
      let g = groups.get(ns);
      if (!g) groups.set(ns, (g = { ops: [], owners: [] }));
      for (const op of ops) { g.ops.push(op); g.owners.push(a); }
    }
    return groups;
  }

  /** One batch per namespace (in the order given), all namespaces at once. Only for actions that
   *  create no links (see oneBatch). */
  private async perNamespace(actions: Action[], lab: string, done: (a: Action) => void): Promise<void> {
    if (!actions.length) return;
    const failures: KernelRefusal[] = [];
    await Promise.all([...this.grouped(actions, lab)].map(async ([ns, g]) => {
      const h = await this.wrap(g.owners[0], () => this.handle(ns));
      await this.batch(h, g, done, failures);
    }));
    if (failures.length) throw failures[0];
  }

  /**
   * Link creations (and then their settings): ONE batch on the host handle, each namespace's ops in a run of their own (an op
   * with `ns` runs in that namespace). Not one batch per namespace in parallel: the addon picks a
   * new link's ifindex up front from its view of the namespace, and a parallel batch elsewhere that
   * puts a veth peer into that namespace gets an index from the kernel meanwhile — the same one, at
   * times, and the create fails with EEXIST. Within one batch the addon re-reads a namespace after
   * a peer was put into it.
   */
  private async oneBatch(actions: Action[], lab: string, done: (a: Action) => void): Promise<void> {
    if (!actions.length) return;
    const all = { ops: [] as MutateOp[], owners: [] as Action[] };
    for (const [ns, g] of this.grouped(actions, lab)) {
      const p = this.nsPath(ns);
      all.ops.push(...(p === null ? g.ops : g.ops.map((op) => ({ ...op, ns: p }))));
      all.owners.push(...g.owners);
    }
    const h = await this.wrap(all.owners[0], () => this.handle(HOST_NS));
    const failures: KernelRefusal[] = [];
    await this.batch(h, all, done, failures);
    if (failures.length) throw failures[0];
  }

  private async batch(h: MutatingHandle, g: { ops: MutateOp[]; owners: Action[] }, done: (a: Action) => void, failures: KernelRefusal[]): Promise<void> {
    const results = await this.wrap(g.owners[0], () => h.batch(g.ops, { stopOnError: true }));
    const lastOp = new Map<Action, number>();
    g.owners.forEach((a, i) => lastOp.set(a, i));
    results.forEach((r, i) => {
      const a = g.owners[i];
      if (!r.ok) { if (!failures.some((f) => f.action === a)) failures.push(new KernelRefusal(a, r.error)); return; }
      if (lastOp.get(a) === i) done(a);   // an action is done when its last op is
    });
    if (results.length < g.ops.length && !failures.length) failures.push(new KernelRefusal(g.owners[results.length], new Error('not performed')));
  }

  /** The netlink ops of one action, and the namespace whose handle performs them. */
  private toNative(a: Action, lab: string): { ns: string; ops: MutateOp[] } {
    const alias = labAlias(lab);
    const group = labGroup(lab);
    const markOps = (dev: string): MutateOp[] => (crashAfterCreate() ? [] : [{ op: 'setLink', dev, alias }]);
    switch (a.op) {
      // Each create carries the lab's netdev group (the kernel sets it in the create itself; both
      // veth ends) and is followed by its alias in the same pipelined batch (the kernel ignores an
      // alias in a create): a crash between the two leaves a link that the group + journal still
      // name as the lab's. A tun/tap gets its alias before it is made persistent (no window at all).
      case 'bridge-add': return { ns: a.ns, ops: [{ op: 'createBridge', name: a.name, group }, ...markOps(a.name)] };
      case 'tuntap-add':
        return { ns: a.ns, ops: [{ op: 'createTunTap', name: a.name, mode: a.mode, persist: true, alias }] };
      case 'veth-add': {
        // Performed in the host namespace when one end lives there (no path needed for it).
        const [here, there] = a.peerNs === HOST_NS && a.ns !== HOST_NS
          ? [{ ns: a.peerNs, name: a.peerName }, { ns: a.ns, name: a.name }]
          : [{ ns: a.ns, name: a.name }, { ns: a.peerNs, name: a.peerName }];
        const op: MutateOp = { op: 'createVeth', name: here.name, peerName: there.name, group };
        if (there.ns !== here.ns) op.peerNsPath = this.nsPath(there.ns) ?? '/proc/self/ns/net';
        return { ns: here.ns, ops: [op, ...markOps(here.name)] };
      }
      case 'link-del': return { ns: a.ns, ops: [{ op: 'deleteLink', dev: a.name }] };
      case 'alias': return { ns: a.ns, ops: [{ op: 'setLink', dev: a.name, alias: a.alias }] };
      case 'rename': return { ns: a.ns, ops: [{ op: 'setLink', dev: a.name, name: a.newName }] };
      case 'mtu': return { ns: a.ns, ops: [{ op: 'setLink', dev: a.name, mtu: a.mtu }] };
      case 'mac': return { ns: a.ns, ops: [{ op: 'setLink', dev: a.name, mac: a.mac }] };
      case 'master': return { ns: a.ns, ops: [{ op: 'setLink', dev: a.name, master: a.master }] };
      case 'up': case 'down': return { ns: a.ns, ops: [{ op: 'setLink', dev: a.name, up: a.op === 'up' }] };
      case 'addr-add': return { ns: a.ns, ops: [{ op: 'addAddr', dev: a.name, cidr: a.address }] };
      case 'addr-del': return { ns: a.ns, ops: [{ op: 'delAddr', dev: a.name, cidr: a.address }] };
      case 'route-add': case 'route-del': {
        const op: MutateOp = { op: a.op === 'route-add' ? 'addRoute' : 'delRoute', dst: a.to, family: a.family };
        if (a.via) op.gateway = a.via;
        if (a.dev) op.dev = a.dev;
        if (a.metric !== null) op.metric = a.metric;
        return { ns: a.ns, ops: [op] };
      }
      default: throw new Error(`internal: ${a.op} is not a netlink batch op`);
    }
  }

  /** nftables is not rtnetlink: run nft inside the namespace (argv only, values validated). */
  private async nat(a: Action, lab: string): Promise<void> {
    if (a.op !== 'nat-add' && a.op !== 'nat-del') return;
    if (a.ns === HOST_NS) throw new KernelRefusal(a, new Error('NAT is only made inside a lab namespace'));
    const nsFile = path.join(this.netnsDir, a.ns);
    for (const argv of commandsFor(a, lab)) {
      // commandsFor gives `ip netns exec NS nft ...`; run nft through nsenter on the same file
      const nft = argv.slice(argv.indexOf('nft'));
      try {
        await run('nsenter', [`--net=${nsFile}`, '--', ...nft], { timeout: 10_000 });
      } catch (e) {
        const err = e as Error & { code?: string; stderr?: string };
        if (a.op === 'nat-del' && /No such file|does not exist/i.test(err.stderr ?? '')) continue;
        const msg = err.code === 'ENOENT' ? 'needs nsenter and nft (Debian: apt install nftables)' : (err.stderr || err.message).trim();
        throw new KernelRefusal(a, new Error(msg));
      }
    }
  }
}
