// The engine process's captures: starting one on interfaces the engine knows (resolved in its
// model, opened through its namespace handles), ending them when an interface or namespace leaves
// the model, the live stream (every CAPTURE_BATCH_MS, at most CAPTURE_MAX_LIVE_PER_SECOND packets
// a second over all captures; the rest are skipped and counted, the pcapng keeps them), and the
// files (a private directory, the running ones plus the last CAPTURE_MAX_KEPT ended ones).
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CAPTURE_BATCH_MS, CAPTURE_DEFAULT_FILE_BYTES, CAPTURE_DEFAULT_LIVE_BYTES, CAPTURE_MAX_KEPT, CAPTURE_MAX_LIVE_PER_SECOND,
  CAPTURE_MAX_RUNNING, CAPTURE_MAX_SNAPLEN, ErrorCodes, type CaptureEnded, type CaptureInfo, type CaptureInterface,
  type CaptureLinkType, type CapturePacketsBatch, type CaptureStartParams, type DeltaBatch, type Interface, type Namespace,
} from '../contract';
import type { Engine } from '../engine';
import type { CaptureAddon } from '../../native/types';
import { loadNative } from '../../native';
import { captureName } from './names';
import { CaptureSession } from './session';

export class CaptureError extends Error {
  constructor(message: string, readonly code: number = ErrorCodes.InvalidParams) { super(message); }
}

export interface CaptureManagerOptions {
  native?: CaptureAddon;
  /** TCP ports left out of captures on the host namespace's lo (the web host's own port). */
  excludePorts?: number[];
}

/** What only in-process callers (the CLI) choose: where the pcapng goes, without a size limit. */
export interface LocalOutput {
  /** Write the pcapng to this path (created; it must not exist)... */
  file?: string;
  /** ...or hand its blocks to this. */
  sink?: (b: Buffer) => void;
}

export interface ManagerEvents {
  packets: [CapturePacketsBatch];
  ended: [CaptureEnded];
}

/** Kinds whose frames start at the IP header. */
const RAW_KINDS = new Set(['tun', 'ipip', 'sit', 'gre', 'wireguard']);
export function linkTypeOf(iface: Interface): CaptureLinkType {
  if (iface.tun) return iface.tun.mode === 'tap' ? 'ethernet' : 'raw';
  return RAW_KINDS.has(iface.kind) ? 'raw' : 'ethernet';
}

function withExclusions(filter: string, ports: number[]): string {
  if (!ports.length) return filter;
  const not = ports.map((p) => `not tcp port ${p}`).join(' and ');
  return filter.trim() ? `(${filter}) and ${not}` : not;
}

export class CaptureManager extends EventEmitter<ManagerEvents> {
  private readonly sessions = new Map<string, CaptureSession>();
  private readonly native: CaptureAddon;
  private readonly excludePorts: number[];
  private dir: string | null = null;
  private nextId = 1;
  private tokens = CAPTURE_MAX_LIVE_PER_SECOND;
  private lastRefill = Date.now();
  private lastStats = new Map<string, number>();
  private lastFlush = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly onDelta = (b: DeltaBatch) => this.delta(b);

  constructor(private readonly engine: Engine, opts: CaptureManagerOptions = {}) {
    super();
    this.native = opts.native ?? loadNative();
    this.excludePorts = opts.excludePorts ?? [];
    engine.on('delta', this.onDelta);
  }

  /** The session behind a capture id (in-process callers follow its packets). */
  session(id: string): CaptureSession { return this.get(id); }

  list(): CaptureInfo[] { return [...this.sessions.values()].map((s) => s.info()); }

  get(id: string): CaptureSession {
    const s = this.sessions.get(id);
    if (!s) throw new CaptureError(`no capture "${id}" (captureList lists them)`);
    return s;
  }

  async start(p: CaptureStartParams, local?: LocalOutput): Promise<CaptureInfo> {
    const running = [...this.sessions.values()].filter((s) => s.running).length;
    if (running >= CAPTURE_MAX_RUNNING) throw new CaptureError(`captureStart: ${running} captures are running, the most there may be; stop one first`, ErrorCodes.Conflict);
    if (!this.engine.status().privileged) throw new CaptureError('captureStart: capturing needs CAP_NET_RAW: the engine runs without privileges (enable editing, or run as root)', ErrorCodes.NotPrivileged);
    const model = this.engine.model();
    const filter = p.filter ?? '';
    const snaplen = p.snaplen ?? CAPTURE_MAX_SNAPLEN;
    const picked: { ns: Namespace; iface: Interface; info: CaptureInterface }[] = [];
    p.interfaces.forEach((id, k) => {
      const ns = model.namespaces.find((n) => n.interfaces.some((i) => i.id === id));
      const iface = ns?.interfaces.find((i) => i.id === id);
      if (!ns || !iface) throw new CaptureError(`captureStart: interfaces[${k}]: the engine knows no interface "${id}"`);
      const onHostLo = ns.kind === 'host' && iface.kind === 'loopback';
      const info: CaptureInterface = {
        id, nsId: ns.id, name: captureName(ns, iface), nsLabel: ns.label, linkType: linkTypeOf(iface),
        kernelFilter: onHostLo ? withExclusions(filter, this.excludePorts) : filter,
      };
      picked.push({ ns, iface, info });
    });
    // Every filter compiled first: one that does not compile starts nothing.
    for (const { info } of picked) {
      const err = this.native.compileFilter(info.kernelFilter, info.linkType, snaplen);
      if (err) throw new CaptureError(`captureStart: ${err}`);
    }
    const handles = picked.map(({ ns, info }) => {
      const h = this.engine.namespaceHandle(ns.id);
      if (!h) throw new CaptureError(`captureStart: namespace ${ns.label} of ${info.name} is not open in the engine (${ns.error ?? 'not read yet'})`, ErrorCodes.KernelRefused);
      return h;
    });
    const id = `c${this.nextId++}`;
    const session = new CaptureSession({
      id, interfaces: picked.map((x) => x.info), filter, kernelFilter: picked[0].info.kernelFilter, snaplen,
      count: p.count ?? null, liveBytes: p.liveBytes ?? CAPTURE_DEFAULT_LIVE_BYTES,
      maxFileBytes: local ? Number.MAX_SAFE_INTEGER : p.maxFileBytes ?? CAPTURE_DEFAULT_FILE_BYTES,
      file: local?.file ?? path.join(this.ensureDir(), `${id}.pcapng`), sink: local?.sink, keepFile: local?.file !== undefined,
      maxLiveQueue: Math.ceil((CAPTURE_MAX_LIVE_PER_SECOND * CAPTURE_BATCH_MS) / 1000) * 2,
      // the CLI has no live stream: nothing made for it
      liveWanted: () => this.listenerCount('packets') > 0,
    });
    try {
      await Promise.all(picked.map(async ({ iface, info }, k) => {
        try {
          session.interfaces[k].socket = await this.native.openCapture(handles[k], { ifindex: iface.index, filter: info.kernelFilter, snaplen, epbInterface: k }, (b) => session.onBatch(k, b));
        } catch (e) {
          const err = e as { code?: string; message?: string };
          const code = err.code === 'EPERM' || err.code === 'EACCES' ? ErrorCodes.NotPrivileged : err.code === 'EINVAL' ? ErrorCodes.InvalidParams : ErrorCodes.KernelRefused;
          throw new CaptureError(`captureStart: ${info.name}: ${err.message ?? String(e)}`, code);
        }
      }));
    } catch (e) {
      for (const i of session.interfaces) i.socket?.close();
      session.discard();
      if (local?.file) fs.rmSync(local.file, { force: true }); // nothing started: no file either
      throw e;
    }
    this.sessions.set(id, session);
    session.on('ended', (info) => this.ended(session, info));
    // Under a flood the packet callbacks may keep the event loop busy past the timer: flush from here too.
    session.on('released', () => { if (Date.now() - (this.lastFlush.get(id) ?? 0) >= CAPTURE_BATCH_MS) this.flush(session, false); });
    session.run();
    this.startTimer();
    return session.info();
  }

  stop(id: string): CaptureInfo { return this.get(id).end('stopped', null); }

  discard(id: string): void {
    const s = this.get(id);
    if (s.running) throw new CaptureError(`captureDiscard: capture "${id}" is running; stop it first`, ErrorCodes.Conflict);
    this.forget(s);
  }

  private forget(s: CaptureSession): void {
    s.discard();
    this.sessions.delete(s.id);
    this.lastStats.delete(s.id);
    this.lastFlush.delete(s.id);
  }

  /** Ends every capture (the engine is going away) and removes the files. */
  close(): void {
    this.engine.off('delta', this.onDelta);
    for (const s of this.sessions.values()) s.end('engine-stopped', 'the engine stopped');
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.sessions.clear();
  }

  private ensureDir(): string {
    // Private (mkdtemp makes it 0700): the files may hold anything that crossed the machine.
    if (!this.dir) this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-capture-'));
    return this.dir;
  }

  private delta(b: DeltaBatch): void {
    const nsGone = new Set(b.deltas.flatMap((d) => (d.op === 'namespace-removed' ? [d.id] : [])));
    for (const d of b.deltas) {
      if (d.op !== 'interface-removed' && d.op !== 'namespace-removed') continue;
      for (const s of this.sessions.values()) {
        if (!s.running) continue;
        const hit = s.interfaces.find((i) => (d.op === 'interface-removed' ? i.id === d.id && !nsGone.has(i.nsId) : i.nsId === d.id));
        if (!hit) continue;
        if (d.op === 'interface-removed') s.end('interface-gone', `${hit.name} went away (deleted, or moved to another namespace)`);
        else s.end('namespace-gone', `namespace ${hit.nsLabel} of ${hit.name} went away`);
      }
    }
  }

  private ended(s: CaptureSession, info: CaptureInfo): void {
    this.flush(s, true);
    this.emit('ended', { id: s.id, reason: info.reason ?? 'stopped', message: info.message, stats: info.stats });
    // The ended ones kept: the newest CAPTURE_MAX_KEPT.
    const ended = [...this.sessions.values()].filter((x) => !x.running);
    for (const old of ended.slice(0, Math.max(0, ended.length - CAPTURE_MAX_KEPT))) this.forget(old);
    if (![...this.sessions.values()].some((x) => x.running) && this.timer) { clearInterval(this.timer); this.timer = null; }
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { for (const s of this.sessions.values()) if (s.running) this.flush(s, false); }, CAPTURE_BATCH_MS);
    this.timer.unref?.();
  }

  /** One live batch of `s`, within the rate limit; a batch without packets only once a second
   *  (its counts), or when `force`. */
  private flush(s: CaptureSession, force: boolean): void {
    const now = Date.now();
    this.lastFlush.set(s.id, now);
    this.tokens = Math.min(CAPTURE_MAX_LIVE_PER_SECOND, this.tokens + ((now - this.lastRefill) / 1000) * CAPTURE_MAX_LIVE_PER_SECOND);
    this.lastRefill = now;
    const { packets, skipped } = s.takeLive();
    const allowed = Math.max(0, Math.min(packets.length, Math.floor(this.tokens)));
    this.tokens -= allowed;
    const over = packets.length - allowed;
    if (over) s.skipLive(over);
    const last = this.lastStats.get(s.id) ?? 0;
    if (!allowed && !skipped && !over && !force && now - last < 1000) return;
    this.lastStats.set(s.id, now);
    this.emit('packets', { id: s.id, packets: packets.slice(0, allowed), skipped: skipped + over, stats: s.stats() });
  }
}
