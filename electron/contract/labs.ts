// Labs and canvas building: the lab methods of `Methods` (rpc.ts), relayed by both hosts. The
// engine side is electron/labs/handlers.ts, registered by electron/engine-process/index.ts.

/** One kernel change, as the canvas and lab files make them. `ns` is HOST_NS ('host') for the
 *  engine's own namespace, else an `ip netns` name. Each renders to `ip`/`bridge` command lines. */
export type BuildAction =
  | { op: 'ns-add'; ns: string }
  | { op: 'ns-del'; ns: string }
  | { op: 'bridge-add'; ns: string; name: string }
  | { op: 'tuntap-add'; ns: string; name: string; mode: 'tun' | 'tap' }
  /** A veth pair: `name` in `ns`, its peer `peerName` in `peerNs`. */
  | { op: 'veth-add'; ns: string; name: string; peerNs: string; peerName: string }
  | { op: 'link-del'; ns: string; name: string; kind: string }
  | { op: 'alias'; ns: string; name: string; alias: string }
  /** Rename a link (`ip link set dev NAME name NEWNAME`); canvas only, lab files name things themselves. */
  | { op: 'rename'; ns: string; name: string; newName: string }
  | { op: 'mtu'; ns: string; name: string; mtu: number }
  | { op: 'mac'; ns: string; name: string; mac: string }
  /** master null = nomaster. */
  | { op: 'master'; ns: string; name: string; master: string | null }
  | { op: 'up' | 'down'; ns: string; name: string }
  | { op: 'addr-add' | 'addr-del'; ns: string; name: string; address: string }
  | { op: 'route-add' | 'route-del'; ns: string; to: string; via: string | null; dev: string | null; metric: number | null; family: 4 | 6 }
  | { op: 'forwarding'; ns: string; on: boolean }
  | { op: 'nat-add' | 'nat-del'; ns: string; from: string; out: string };

/** A problem in a lab file: 1-based line, the path of the thing ("namespaces.red.interfaces.eth0"). */
export interface LabIssue { line: number; path: string; message: string }

export interface LabResult {
  lab: string;
  actions: BuildAction[];
  /** The same changes as `ip` command lines, in order. */
  commands: string[];
  notes: string[];
}

export interface LabSummary {
  name: string;
  file: string | null;
  /** 'applying'/'destroying' = interrupted (cleaned up at the next start or `lab destroy`). */
  state: 'applying' | 'applied' | 'destroying';
  namespaces: string[];
  links: { ns: string; name: string; kind: string }[];
  updated: string;
}

export interface LabProgress { lab: string; phase: 'apply' | 'destroy' | 'rollback'; done: number; total: number; object: string }

export interface LabMethods {
  /** Parse and check a lab file; nothing is touched. */
  labValidate: { params: { text: string; file?: string }; result: { ok: boolean; name: string | null; issues: LabIssue[] } };
  /** What applying would do (actions + commands); nothing is touched. */
  labPlan: { params: { text: string; file?: string }; result: LabResult };
  /** Apply (only the difference); progress as `labProgress` notifications. */
  labApply: { params: { text: string; file?: string }; result: LabResult };
  /** Remove exactly what the lab made. */
  labDestroy: { params: { name: string }; result: LabResult };
  /** The lab as a shell script of `ip` commands. */
  labExport: { params: { text: string; file?: string }; result: { script: string } };
  /** Labs this machine's journal knows. */
  labList: { params: Record<string, never> | undefined; result: { labs: LabSummary[] } };
  /** The `ip` command lines of canvas actions, without doing them. */
  buildCommands: { params: { actions: BuildAction[] }; result: { commands: string[] } };
  /** Perform canvas actions now (in order; stops at the first refusal). Interfaces and namespaces
   *  created are marked and journaled as the pseudo-lab 'canvas'. */
  build: { params: { actions: BuildAction[] }; result: { commands: string[]; done: number } };
}
export const LAB_METHOD_NAMES = ['labValidate', 'labPlan', 'labApply', 'labDestroy', 'labExport', 'labList', 'buildCommands', 'build'] as const satisfies readonly (keyof LabMethods)[];
