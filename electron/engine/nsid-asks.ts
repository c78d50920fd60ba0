// The nsid queries of every namespace reader, sent together: the asks made in one turn of the event
// loop go to the addon as one getNsidsMany call. On a dense host's first read each of a thousand
// pods asks for the nsid behind its veth (one query each), and a worker round trip per pod cost
// more main-thread time than the kernel's answers.
import type { NamespaceHandle, NativeAddon } from '../../native/types';

interface Ask {
  handle: NamespaceHandle;
  paths: readonly string[];
  resolve: (nsids: (number | null)[]) => void;
  reject: (err: unknown) => void;
}

export class NsidAsks {
  private queued: Ask[] = [];

  constructor(private readonly native: Pick<NativeAddon, 'getNsidsMany'>) {}

  /** What handle.getNsids(paths) answers, asked together with this turn's other asks. Rejects as
   *  getNsids does: the handle was closed, or a path is not a non-empty string. */
  ask(handle: NamespaceHandle, paths: readonly string[]): Promise<(number | null)[]> {
    return new Promise((resolve, reject) => {
      if (!this.queued.length) setImmediate(() => this.send());
      this.queued.push({ handle, paths, resolve, reject });
    });
  }

  private send(): void {
    const asks = this.queued;
    this.queued = [];
    this.native.getNsidsMany(asks.map((a) => a.handle), asks.map((a) => a.paths)).then(
      (answers) => answers.forEach((r, k) => (r instanceof Error ? asks[k].reject(r) : asks[k].resolve(r))),
      // Bad arguments fail the whole call: every ask in it hears why.
      (err: unknown) => { for (const a of asks) a.reject(err); });
  }
}
