// Kernel tests run only inside the throwaway world of scripts/world.sh (`npm test` puts them there).
// As root outside it they fail loudly (they would touch the real machine); as a normal user they
// are skipped and `npm test` says that they need root.
import { describe } from 'vitest';

export const isRoot = process.getuid?.() === 0;
export const inWorld = process.env.VNET_WORLD === '1';

if (isRoot && !inWorld) {
  throw new Error('kernel tests must run inside the throwaway world: run `npm test` (or scripts/world.sh npx vitest ...)');
}

/** `describe` for suites that touch the kernel: skipped (with the reason in its name) when not root. */
export const describeKernel: typeof describe = isRoot
  ? describe
  : (((name: string, ...rest: unknown[]) =>
      (describe.skip as (...a: unknown[]) => void)(`${name} (needs root: run sudo npm test)`, ...rest)) as unknown as typeof describe);
