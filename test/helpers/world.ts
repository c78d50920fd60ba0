// Kernel tests run only inside the throwaway world of scripts/world.sh (`npm test` puts them there).
// As root outside it they fail loudly (they would touch the real machine); as a normal user they
// are skipped and `npm test` says that they need root.
import { readFileSync } from 'node:fs';
import { describe } from 'vitest';

export const isRoot = process.getuid?.() === 0;
/** Inside scripts/world.sh's world: the variable AND the tmpfs only that script mounts on /run/netns
 *  (a stray VNET_WORLD=1 must never let kernel tests loose on the real machine). */
export const inWorld = process.env.VNET_WORLD === '1' && worldMountPresent();

function worldMountPresent(): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => {
      const f = line.split(' ');
      return f[4] === '/run/netns' && f[f.length - 2] === 'vnet-world';
    });
  } catch { return false; }
}

if (isRoot && !inWorld) {
  throw new Error('kernel tests must run inside the throwaway world: run `npm test` (or scripts/world.sh npx vitest ...)');
}

/** `describe` for suites that touch the kernel: skipped (with the reason in its name) when not root. */
export const describeKernel: typeof describe = isRoot
  ? describe
  : (((name: string, ...rest: unknown[]) =>
      (describe.skip as (...a: unknown[]) => void)(`${name} (needs root: run sudo npm test)`, ...rest)) as unknown as typeof describe);
