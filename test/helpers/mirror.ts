// A client's copy of the engine's model, kept the way the renderer keeps one: a snapshot, then every
// delta batch (in seq order) and every counter frame applied on top. Written independently of the
// renderer's stores, from electron/contract/model.ts alone, so a test can hold the delta stream itself
// against iproute2 and against the engine's own model.
import type { CounterFrame, DeltaBatch, Interface, Model, Namespace } from '../../electron/contract';
import { decodeCounterFrame } from '../../electron/contract';

export class ModelMirror {
  model: Model;
  seq: number;
  /** Problems with the stream itself (a seq gap, a delta for an unknown namespace...). */
  readonly problems: string[] = [];

  constructor(snapshot: { seq: number; model: Model }) {
    this.model = JSON.parse(JSON.stringify(snapshot.model)) as Model;
    this.seq = snapshot.seq;
  }

  private ns(id: string): Namespace | undefined { return this.model.namespaces.find((n) => n.id === id); }

  applyBatch(b: DeltaBatch): void {
    if (b.seq <= this.seq) return; // older than the snapshot
    if (b.seq !== this.seq + 1) this.problems.push(`seq gap: had ${this.seq}, got ${b.seq}`);
    this.seq = b.seq;
    for (const d of b.deltas) {
      switch (d.op) {
        case 'namespace': {
          const n = this.ns(d.namespace.id);
          if (n) Object.assign(n, d.namespace);
          else this.model.namespaces.push({ ...d.namespace, interfaces: [], routes: [] });
          break;
        }
        case 'namespace-removed': {
          const before = this.model.namespaces.length;
          this.model.namespaces = this.model.namespaces.filter((n) => n.id !== d.id);
          if (this.model.namespaces.length === before) this.problems.push(`namespace-removed for unknown ${d.id}`);
          break;
        }
        case 'interface': {
          const n = this.ns(d.namespaceId);
          if (!n) { this.problems.push(`interface ${d.iface.id} for unknown namespace ${d.namespaceId}`); break; }
          const iface = JSON.parse(JSON.stringify(d.iface)) as Interface;
          const i = n.interfaces.findIndex((x) => x.id === iface.id);
          if (i >= 0) n.interfaces[i] = iface; else n.interfaces.push(iface);
          break;
        }
        case 'interface-removed': {
          let found = false;
          for (const n of this.model.namespaces) {
            const i = n.interfaces.findIndex((x) => x.id === d.id);
            if (i >= 0) { n.interfaces.splice(i, 1); found = true; }
          }
          if (!found) this.problems.push(`interface-removed for unknown ${d.id}`);
          break;
        }
        case 'routes': {
          const n = this.ns(d.namespaceId);
          if (!n) { this.problems.push(`routes for unknown namespace ${d.namespaceId}`); break; }
          n.routes = JSON.parse(JSON.stringify(d.routes));
          break;
        }
        case 'fdb': {
          // Entries by mac and vlan; a removal of an entry never told, or a table of something
          // that is not a bridge, is a fault of the stream.
          let br: Interface | undefined;
          for (const n of this.model.namespaces) br ??= n.interfaces.find((x) => x.id === d.bridge);
          if (!br || br.kind !== 'bridge' || !br.fdb) { this.problems.push(`fdb delta for ${d.bridge}, not a known bridge with a table`); break; }
          const key = (e: { mac: string; vlan: number | null }) => `${e.mac}/${e.vlan}`;
          const byKey = new Map(br.fdb.map((e) => [key(e), e]));
          for (const k of d.removed) if (!byKey.delete(key(k))) this.problems.push(`fdb removal of ${key(k)} unknown in ${d.bridge}`);
          for (const e of d.set) byKey.set(key(e), JSON.parse(JSON.stringify(e)));
          br.fdb = [...byKey.values()].sort((x, y) => (x.mac < y.mac ? -1 : x.mac > y.mac ? 1 : (x.vlan ?? -1) - (y.vlan ?? -1)));
          break;
        }
        default:
          this.problems.push(`unknown delta op ${JSON.stringify(d)}`);
      }
    }
  }

  applyCounters(f: CounterFrame): void {
    const byId = new Map<string, Interface>();
    for (const n of this.model.namespaces) for (const i of n.interfaces) byId.set(i.id, i);
    for (const { id, stats } of decodeCounterFrame(f)) {
      const i = byId.get(id);
      if (i) i.stats = stats; // else an interface whose delta is still queued: its delta carries its stats
    }
  }
}
