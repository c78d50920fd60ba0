// Checks one canvas action (the contract's BuildAction) received from a client: exact fields, types,
// names and addresses. The engine is the privileged boundary, so nothing unchecked reaches the
// kernel. Pure: the renderer may run the same check before sending.
import type { BuildAction } from '../contract';
import { ALIAS_PREFIX, HOST_NS, ifnameError, isNetwork, macError, MTU_MAX, MTU_MIN, nsnameError, parseCidr, parseIp } from './names';

type Spec = Record<string, 'ns' | 'ifname' | 'ifname?' | 'string' | 'mode' | 'mtu' | 'mac' | 'master' | 'cidr' | 'route-to' | 'ip?' | 'metric?' | 'family' | 'bool' | 'alias' | 'net4'>;

const SPECS: Record<BuildAction['op'], Spec> = {
  'ns-add': { ns: 'ns' },
  'ns-del': { ns: 'ns' },
  'bridge-add': { ns: 'ns', name: 'ifname' },
  'tuntap-add': { ns: 'ns', name: 'ifname', mode: 'mode' },
  'veth-add': { ns: 'ns', name: 'ifname', peerNs: 'ns', peerName: 'ifname' },
  'link-del': { ns: 'ns', name: 'ifname', kind: 'string' },
  alias: { ns: 'ns', name: 'ifname', alias: 'alias' },
  rename: { ns: 'ns', name: 'ifname', newName: 'ifname' },
  mtu: { ns: 'ns', name: 'ifname', mtu: 'mtu' },
  mac: { ns: 'ns', name: 'ifname', mac: 'mac' },
  master: { ns: 'ns', name: 'ifname', master: 'master' },
  up: { ns: 'ns', name: 'ifname' },
  down: { ns: 'ns', name: 'ifname' },
  'addr-add': { ns: 'ns', name: 'ifname', address: 'cidr' },
  'addr-del': { ns: 'ns', name: 'ifname', address: 'cidr' },
  'route-add': { ns: 'ns', to: 'route-to', via: 'ip?', dev: 'ifname?', metric: 'metric?', family: 'family' },
  'route-del': { ns: 'ns', to: 'route-to', via: 'ip?', dev: 'ifname?', metric: 'metric?', family: 'family' },
  forwarding: { ns: 'ns', on: 'bool' },
  'nat-add': { ns: 'ns', from: 'net4', out: 'ifname' },
  'nat-del': { ns: 'ns', from: 'net4', out: 'ifname' },
};

/** Returns the action (normalised) or throws an Error whose message names the field. */
export function validateAction(v: unknown, where = 'action'): BuildAction {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: must be an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.op !== 'string' || !Object.prototype.hasOwnProperty.call(SPECS, o.op)) {
    throw new Error(`${where}: "op" must be one of ${Object.keys(SPECS).join(', ')}`);
  }
  const spec = SPECS[o.op as BuildAction['op']];
  for (const k of Object.keys(o)) if (k !== 'op' && !(k in spec)) throw new Error(`${where} (${o.op}): unknown field "${k}"`);
  const out: Record<string, unknown> = { op: o.op };
  for (const [k, t] of Object.entries(spec)) {
    const x = o[k];
    const bad = (why: string): never => { throw new Error(`${where} (${o.op}): "${k}" ${why}`); };
    const str = () => (typeof x === 'string' ? x : bad(`must be a string, got ${JSON.stringify(x) ?? 'nothing'}`));
    switch (t) {
      case 'ns': { const s = str(); if (s !== HOST_NS) { const w = nsnameError(s); if (w) bad(w); } out[k] = s; break; }
      case 'ifname': { const s = str(); const w = ifnameError(s); if (w) bad(w); out[k] = s; break; }
      case 'ifname?': if (x === null || x === undefined) out[k] = null; else { const s = str(); const w = ifnameError(s); if (w) bad(w); out[k] = s; } break;
      case 'master': if (x === null) out[k] = null; else { const s = str(); const w = ifnameError(s); if (w) bad(w); out[k] = s; } break;
      case 'string': { const s = str(); if (s.length > 32) bad('is too long'); out[k] = s; break; }
      case 'mode': if (x !== 'tun' && x !== 'tap') bad('must be "tun" or "tap"'); out[k] = x; break;
      case 'mtu': if (typeof x !== 'number' || !Number.isInteger(x) || x < MTU_MIN || x > MTU_MAX) bad(`must be an integer from ${MTU_MIN} to ${MTU_MAX}`); out[k] = x; break;
      case 'mac': { const s = str(); const w = macError(s); if (w) bad(w); out[k] = s.toLowerCase(); break; }
      case 'alias': {
        const s = str();
        if (s.length > 255) bad('is longer than 255 bytes');
        if (s.startsWith(ALIAS_PREFIX)) bad(`may not start with "${ALIAS_PREFIX}" (that mark is the app's own)`);
        out[k] = s; break;
      }
      case 'cidr': { const s = str(); const c = parseCidr(s); if (!c) bad(`'${s}' is not a valid CIDR`); out[k] = c!.text; break; }
      case 'net4': { const s = str(); const c = parseCidr(s); if (!c || c.family !== 4) bad(`'${s}' is not a valid IPv4 CIDR`); out[k] = c!.text; break; }
      case 'route-to': {
        const s = str();
        if (s === 'default') { out[k] = s; break; }
        const c = parseCidr(s);
        if (!c || !isNetwork(c)) bad(`'${s}' is not 'default' nor a network CIDR`);
        out[k] = c!.text; break;
      }
      case 'ip?': if (x === null || x === undefined) out[k] = null; else { const s = str(); const ip = parseIp(s); if (!ip) bad(`'${s}' is not an IP address`); out[k] = ip!.text; } break;
      case 'metric?': if (x === null || x === undefined) out[k] = null; else if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 0xffffffff) bad('must be an integer from 0 to 4294967295'); else out[k] = x; break;
      case 'family': if (x !== 4 && x !== 6) bad('must be 4 or 6'); out[k] = x; break;
      case 'bool': if (typeof x !== 'boolean') bad('must be true or false'); out[k] = x; break;
    }
  }
  const a = out as BuildAction;
  if (a.op === 'route-add' || a.op === 'route-del') {
    if (a.via === null && a.dev === null) throw new Error(`${where} (${a.op}): needs "via" or "dev"`);
    const families = [['to', a.to === 'default' ? null : parseCidr(a.to)!.family], ['via', a.via === null ? null : parseIp(a.via)!.family]] as const;
    for (const [field, fam] of families) if (fam !== null && fam !== a.family) throw new Error(`${where} (${a.op}): "${field}" ${a[field]} is IPv${fam} but "family" is ${a.family}`);
  }
  if ((a.op === 'ns-add' || a.op === 'ns-del') && a.ns === HOST_NS) throw new Error(`${where} (${a.op}): the host namespace is not created or deleted`);
  if ((a.op === 'nat-add' || a.op === 'nat-del') && a.ns === HOST_NS) throw new Error(`${where} (${a.op}): NAT is only made inside a named namespace (the host's firewall is never changed)`);
  return a;
}
