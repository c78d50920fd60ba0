// Helpers for the lab kernel tests: read the world with iproute2's JSON, wait for asynchronous
// namespace cleanup, and give each test its own journal directory.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ip, ipJson } from './ip';
import { isLinkLocal6 } from '../../electron/contract';

/** Runs a command (argv, no shell); throws on failure. For `ip` itself, use ip() from ./ip. */
export function sh(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
}

export function netnsList(): string[] {
  try { return fs.readdirSync('/run/netns').sort(); } catch { return []; }
}

/** Links of a namespace ('host' = the test's own), as `ip -j -d link` reports them. */
export function links(ns = 'host'): any[] {
  return ipJson<any[]>(...(ns === 'host' ? [] : ['-n', ns]), '-d', 'link', 'show');
}

export function addrs(ns: string, dev: string): string[] {
  const j = ipJson<any[]>(...(ns === 'host' ? [] : ['-n', ns]), 'addr', 'show', 'dev', dev);
  return (j[0]?.addr_info ?? []).map((a: any) => `${a.local}/${a.prefixlen}`);
}

export function ping(ns: string, addr: string): boolean {
  try { ip('netns', 'exec', ns, 'ping', '-c', '1', '-W', '2', addr); return true; } catch { return false; }
}

/** A fingerprint of the kernel state the lab code could touch: links (name, kind, alias, master,
 *  addresses) of the host and every named namespace. IPv6 link-local addresses are left out: the
 *  kernel makes them itself, some time after a link comes up, so they would make a fingerprint
 *  taken right after an apply differ from one taken a moment later though nothing touched it. */
export function kernelState(): string {
  const out: string[] = [];
  for (const ns of ['host', ...netnsList()]) {
    out.push(`[${ns}]`);
    let list: any[];
    try { list = ipJson<any[]>(...(ns === 'host' ? [] : ['-n', ns]), '-d', 'addr', 'show'); } catch { out.push('(a file in /run/netns that is not a namespace)'); continue; }
    // sorted by name: a link made again (after a rollback) has a new ifindex but is the same
    out.push(...list.map((l) => `${l.ifname} ${l.linkinfo?.info_kind ?? ''} ${l.ifalias ?? ''} ${l.master ?? ''} ${(l.addr_info ?? []).filter((a: any) => !isLinkLocal6(a.local)).map((a: any) => `${a.local}/${a.prefixlen}`).join(',')}`).sort());
  }
  return out.join('\n');
}

/** Waits until `pred` holds (the kernel removes a deleted namespace's devices asynchronously). */
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function tmpStateDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vnet-lab-'));
  process.env.VNET_STATE_DIR = d;
  return d;
}

/** Every link in the host or a named namespace that carries a lab's mark. */
export function markedLinks(lab: string): string[] {
  const out: string[] = [];
  for (const ns of ['host', ...netnsList()]) {
    let list: any[];
    try { list = links(ns); } catch { continue; }
    for (const l of list) if (l.ifalias === `vnet-studio:${lab}`) out.push(`${ns}/${l.ifname}`);
  }
  return out;
}
