// Can this process change the kernel the way a lab run does? Checked up front, so that a run
// without privileges stops with a sentence naming the cause instead of the kernel's words for the
// first step it refused (e.g. "make /run/netns a shared mount: Operation not permitted"), and
// before it changes anything (journal, lock, namespaces).
import * as fs from 'node:fs';

const CAP_NET_ADMIN = 12; // links, addresses, routes, netns ids
const CAP_SYS_ADMIN = 21; // mounts (/run/netns), setns into named namespaces

export const NEEDS_ROOT = 'needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run it with sudo';

/** The effective capability set of this process (in its own user namespace), from /proc. */
export function effectiveCaps(status = '/proc/self/status'): bigint | null {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(status, 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : null;
  } catch { return null; }
}

/** Which of the capabilities a lab run needs are missing ([] = none; null caps = unknown: assume
 *  root is enough, let the kernel decide). */
export function missingLabCaps(caps = effectiveCaps()): string[] {
  if (caps === null) return process.getuid?.() === 0 ? [] : ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'];
  const out: string[] = [];
  if (!(caps & (1n << BigInt(CAP_NET_ADMIN)))) out.push('CAP_NET_ADMIN');
  if (!(caps & (1n << BigInt(CAP_SYS_ADMIN)))) out.push('CAP_SYS_ADMIN');
  return out;
}

/** null when this process may run `what` (e.g. "lab apply"); else the message to show. */
export function labPrivilegeError(what: string, caps = effectiveCaps()): string | null {
  const missing = missingLabCaps(caps);
  return missing.length ? `${what} ${NEEDS_ROOT} (missing: ${missing.join(', ')})` : null;
}
