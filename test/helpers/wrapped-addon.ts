// The real native addon with some methods of some handles replaced, for tests that watch or hold
// back what the engine asks the kernel. `replace(handle, nsPath)` gives one handle's replacements
// (null: leave that handle as it is); every other method goes to the real handle. The addon's
// own calls that take handles get the real handles back (dumpStatsMany: it accepts no wrapper) or
// go through each handle (getNsidsMany).
import { loadNative } from '../../native';
import type { NamespaceHandle, NativeAddon } from '../../native/types';

export function wrappedAddon(replace: (h: NamespaceHandle, nsPath: string | null) => Partial<NamespaceHandle> | null): NativeAddon {
  const real = loadNative();
  const realOf = new WeakMap<NamespaceHandle, NamespaceHandle>();
  const wrap = (h: NamespaceHandle, nsPath: string | null): NamespaceHandle => {
    const own = replace(h, nsPath);
    if (!own) return h;
    const wrapped = new Proxy(h, {
      get(target, prop) {
        if (prop in own) return own[prop as keyof NamespaceHandle];
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    realOf.set(wrapped, h);
    return wrapped;
  };
  return {
    openNamespace: async (nsPath) => wrap(await real.openNamespace(nsPath), nsPath),
    openNamespaces: async (nsPaths) => (await real.openNamespaces(nsPaths)).map((h, k) => (h instanceof Error ? h : wrap(h, nsPaths[k]))),
    dumpStatsMany: (hs) => real.dumpStatsMany(hs.map((x) => realOf.get(x) ?? x)),
    // Through each handle's own getNsids, so that a replaced one sees its paths.
    getNsidsMany: (hs, lists) => Promise.all(hs.map((h, k) => h.getNsids(lists[k]).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))))),
    scanProcNet: (keep) => real.scanProcNet(keep),
    readComm: (pid) => real.readComm(pid),
  };
}
