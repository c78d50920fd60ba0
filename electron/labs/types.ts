// A lab after parsing and validation: every name checked, every address in canonical form,
// every reference resolved. `line` fields point back into the file for later messages.

export interface LabInterface {
  addresses: string[];       // canonical "addr/prefix"
  mtu: number | null;
  mac: string | null;        // lower case
  up: boolean;               // default true
  line: number;
}

export interface LabRoute {
  to: string;                // "default" or a canonical network "10.0.0.0/24"
  via: string | null;        // canonical gateway address
  dev: string | null;        // interface name in the same namespace
  metric: number | null;
  family: 4 | 6;
  line: number;
}

/** Source NAT as docker does for docker0: packets from `from` leaving by `out` get the address of `out`. */
export interface LabNat {
  masquerade: { from: string; out: string };
  line: number;
}

export interface LabNamespace {
  name: string;              // 'host' = the engine's own namespace, never created or deleted
  forwarding: boolean | null;    // net.ipv4.ip_forward (and ipv6 all.forwarding); null = leave as is
  interfaces: Map<string, LabInterface>;
  routes: LabRoute[];
  nat: LabNat[];
  line: number;
}

export interface LabLinkCommon {
  name: string;
  namespace: string;         // 'host' or a lab/existing namespace
  addresses: string[];
  mtu: number | null;
  mac: string | null;
  up: boolean;
  line: number;
}

export interface LabBridge extends LabLinkCommon {
  /** Bridges made by someone else (docker0, a user's br0): the lab only adds ports; never made or deleted. */
  external: boolean;
}

export interface LabTuntap extends LabLinkCommon {
  mode: 'tun' | 'tap';
  bridge: string | null;     // master bridge (same namespace)
}

/** One end of a veth pair after resolution: it lives in `namespace` under `name`. */
export interface LabVethEnd {
  namespace: string;
  name: string;
  /** The bridge this end becomes a port of (end written as a bridge name), else null. */
  bridge: string | null;
  /** As written in the file ("red:eth0", "br-rooms"). */
  spec: string;
  line: number;
}

export interface LabVeth {
  ends: [LabVethEnd, LabVethEnd];
  line: number;
}

export interface Lab {
  name: string;
  description: string | null;
  /** Namespaces in file order; includes 'host' only when the file lists it. */
  namespaces: LabNamespace[];
  bridges: LabBridge[];
  veths: LabVeth[];
  tuntaps: LabTuntap[];
}

/** One problem found in a lab file. `line` is 1-based (0 when unknown). */
import type { LabIssue } from '../contract';
export type { LabIssue };

export class LabError extends Error {
  constructor(readonly file: string, readonly issues: LabIssue[]) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
    this.name = 'LabError';
  }
}

export function formatIssue(file: string, i: LabIssue): string {
  return `${file}:${i.line}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}
