// Kernel tests run only inside the throwaway world of scripts/world.sh (`npm test` puts them there).
// As root outside it they fail loudly (they would touch the real machine); as a normal user they
// are skipped and `npm test` says that they need root.
import { readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { DEFAULT_STATE_DIR } from '../../electron/labs/journal';

export const isRoot = process.getuid?.() === 0;

/** The mount points scripts/world.sh covers with a private tmpfs (mount source "vnet-world"):
 *  `ip netns` names, and the labs' state (so a lab applied in a test journals in the world). */
export const WORLD_MOUNTS = ['/run/netns', DEFAULT_STATE_DIR];

/** Mount points of this process's mount namespace whose source is world.sh's "vnet-world". */
export function worldMounts(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' '))
      .filter((f) => f[f.length - 2] === 'vnet-world').map((f) => f[4]);
  } catch { return []; }
}

/** Inside scripts/world.sh's world: the variable AND the mounts only that script makes (a stray
 *  VNET_WORLD=1 must never let kernel tests loose on the real machine). */
export const inWorld = process.env.VNET_WORLD === '1' && WORLD_MOUNTS.every((m) => worldMounts().includes(m));

if (isRoot && !inWorld) {
  throw new Error('kernel tests must run inside the throwaway world: run `npm test` (or scripts/world.sh npx vitest ...)');
}

/** `describe` for suites that touch the kernel: skipped (with the reason in its name) when not root. */
export const describeKernel: typeof describe = isRoot
  ? describe
  : (((name: string, ...rest: unknown[]) =>
      (describe.skip as (...a: unknown[]) => void)(`${name} (needs root: run sudo npm test)`, ...rest)) as unknown as typeof describe);

/** In the world of `VNET_WORLD_PIDS=host scripts/world.sh`: the machine's pid namespace, where the
 *  kernel's process events can be had (checked by the mount only that mode makes). */
export const hostPidsWorld = inWorld && process.env.VNET_WORLD_PIDS === 'host' && worldMounts().includes('/run/vnet-world');

/** Where that world keeps the initial network namespace (for the process-event socket); else null. */
export const initNetns: string | null = hostPidsWorld ? process.env.VNET_WORLD_INIT_NETNS ?? null : null;
