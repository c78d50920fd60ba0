// Inspector editing: for an interface up/down, MTU, MAC, addresses (add/remove); for a namespace
// routes (add/remove, a default route too) and forwarding. Inputs are checked as typed (inline
// errors); the engine checks again and its refusal (naming the object) is shown under the field.
import { useState, type ReactNode } from 'react';
import { addressText, canonicalCidr, HOST_NS, MAIN_TABLE, parseCidr, type BuildAction } from '../../../electron/contract';
import { useTopology } from '../store';
import { interfacesOf } from '../store/topology';
import { cidrError, ifnameError, ipFamily, isAdminUp, macError, mtuError, nsKey, routeToError } from './model';
import { perform, useWhyNotEditable } from './perform';

function useAct() {
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (title: string, actions: BuildAction[]) => {
    setBusy(true); setErr(null);
    const e = await perform(title, actions);
    setBusy(false); setErr(e);
    return !e;
  };
  return { err, busy, act, setErr };
}

function Field({ label, children, error, testid }: { label: string; children: ReactNode; error?: string | null; testid?: string }) {
  return (
    <div className="edit-field">
      <span className="edit-label">{label}</span>
      <div className="edit-input">{children}</div>
      {error && <div className="field-error" data-testid={testid}>{error}</div>}
    </div>
  );
}

/** Keyed by id: typed-in values do not carry over to the next selected interface. */
export const IfaceEditor = ({ id }: { id: string }) => <IfaceEditorFor key={id} id={id} />;
export const NamespaceEditor = ({ id }: { id: string }) => <NamespaceEditorFor key={id} id={id} />;

function IfaceEditorFor({ id }: { id: string }) {
  const why = useWhyNotEditable();
  const i = useTopology((s) => s.interfaces[id]);
  const ns = useTopology((s) => (i ? nsKey(s, i.namespaceId) : null));
  const { err, busy, act } = useAct();
  const [name, setName] = useState('');
  const all = useTopology((s) => s.interfaces);
  const [mtu, setMtu] = useState('');
  const [mac, setMac] = useState('');
  const [addr, setAddr] = useState('');
  if (!i) return null;
  if (!ns) return <div className="editor muted" data-testid="iface-editor" data-enabled="false">This interface is in a process namespace: the engine cannot address it by name, so it is not edited here.</div>;
  const up = isAdminUp(i);
  const nameErr = name ? ifnameError(name) ?? (name !== i.name && Object.values(all).some((x) => x.namespaceId === i.namespaceId && x.name === name) ? `${ns === HOST_NS ? 'the host namespace' : `namespace ${ns}`} already has an interface named '${name}'` : null) : null;
  const mtuErr = mtu ? mtuError(mtu) : null;
  const macErr = mac ? macError(mac) : null;
  const addrIn = addr.trim();
  const addrErr = addrIn ? cidrError(addrIn) ?? (i.addresses.includes(canonicalCidr(addrIn)) ? `${i.name} already has ${addrIn}` : null) : null;
  const off = !!why || busy;
  const shown = i.addresses;
  return (
    <fieldset className="editor" data-testid="iface-editor" data-enabled={String(!why)} disabled={off} title={why ?? undefined}>
      <legend>edit</legend>
      <Field label="name" error={nameErr} testid="edit-name-error">
        <input data-testid="edit-name" placeholder={i.name} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!nameErr} spellCheck={false} />
        <button data-testid="edit-rename" disabled={!name || name === i.name || !!nameErr}
          onClick={async () => { if (await act(`rename ${i.name} to ${name} in ${ns}`, [{ op: 'rename', ns, name: i.name, newName: name }])) setName(''); }}>rename</button>
      </Field>
      <Field label="state">
        <button data-testid="edit-updown" onClick={() => void act(`set ${i.name} in ${ns} ${up ? 'down' : 'up'}`, [{ op: up ? 'down' : 'up', ns, name: i.name }])}>
          {up ? 'set down' : 'set up'}
        </button>
      </Field>
      <Field label="MTU" error={mtuErr} testid="edit-mtu-error">
        <input data-testid="edit-mtu" placeholder={String(i.mtu)} value={mtu} onChange={(e) => setMtu(e.target.value)} aria-invalid={!!mtuErr}
          onKeyDown={(e) => { if (e.key === 'Enter' && mtu && !mtuErr) document.querySelector<HTMLButtonElement>('[data-testid="edit-mtu-apply"]')?.click(); }} />
        <button data-testid="edit-mtu-apply" disabled={!mtu || !!mtuErr}
          onClick={async () => { if (await act(`set ${i.name} in ${ns} mtu ${mtu}`, [{ op: 'mtu', ns, name: i.name, mtu: Number(mtu) }])) setMtu(''); }}>set</button>
      </Field>
      <Field label="MAC" error={macErr} testid="edit-mac-error">
        <input data-testid="edit-mac" placeholder={i.mac ?? ''} value={mac} onChange={(e) => setMac(e.target.value)} aria-invalid={!!macErr} spellCheck={false} />
        <button data-testid="edit-mac-apply" disabled={!mac || !!macErr}
          onClick={async () => { if (await act(`set ${i.name} in ${ns} address ${mac}`, [{ op: 'mac', ns, name: i.name, mac: mac.toLowerCase() }])) setMac(''); }}>set</button>
      </Field>
      <Field label="addresses" error={addrErr} testid="edit-addr-error">
        <div className="addr-list">
          {shown.map((a) => (
            <div key={a} className="addr-item" data-testid="edit-address" data-address={a}>
              <span>{addressText(a, i.peers)}</span>
              <button className="small" data-testid="addr-remove" title={`ip addr del ${a} dev ${i.name}`}
                onClick={() => void act(`remove ${a} from ${i.name} in ${ns}`, [{ op: 'addr-del', ns, name: i.name, address: a }])}>✕</button>
            </div>
          ))}
        </div>
        <form className="inline" onSubmit={async (e) => {
          e.preventDefault();
          if (!addrIn || addrErr) return;
          if (await act(`add ${addrIn} to ${i.name} in ${ns}`, [{ op: 'addr-add', ns, name: i.name, address: addrIn }])) setAddr('');
        }}>
          <input data-testid="edit-addr" placeholder="10.0.0.1/24" value={addr} onChange={(e) => setAddr(e.target.value)} aria-invalid={!!addrErr} spellCheck={false} />
          <button data-testid="edit-addr-add" type="submit" disabled={!addrIn || !!addrErr}>add</button>
        </form>
      </Field>
      {err && <div className="engine-error" data-testid="edit-error">{err}</div>}
    </fieldset>
  );
}

function NamespaceEditorFor({ id }: { id: string }) {
  const why = useWhyNotEditable();
  const ns = useTopology((s) => nsKey(s, id));
  const t = useTopology((s) => s);
  const { err, busy, act } = useAct();
  const [to, setTo] = useState('default');
  const [via, setVia] = useState('');
  const [dev, setDev] = useState('');
  if (!t.namespaces[id]) return null;
  if (!ns) return <div className="editor muted" data-testid="ns-editor" data-enabled="false">A process namespace: the engine cannot enter it by name, so it is not edited here.</div>;
  const ifs = interfacesOf(t, id);
  const devName = (d: string | null) => (d ? t.interfaces[d]?.name ?? null : null);
  const routes = (t.routes[id] ?? []).filter((r) => r.table === MAIN_TABLE && r.type === 'unicast');
  const toErr = routeToError(to.trim());
  const viaFam = via.trim() ? ipFamily(via.trim()) : null;
  const viaErr = via.trim() && !viaFam ? `'${via.trim()}' is not an IP address` : null;
  const fam: 4 | 6 = (to.trim() === 'default' ? null : parseCidr(to.trim())?.family) ?? viaFam ?? 4;
  const famErr = viaFam && viaFam !== fam ? `gateway ${via.trim()} is IPv${viaFam} but ${to.trim()} is IPv${fam}` : null;
  const needErr = !via.trim() && !dev ? 'give a gateway (via) or a device' : null;
  const formErr = toErr ?? viaErr ?? famErr ?? needErr;
  const off = !!why || busy;
  return (
    <fieldset className="editor" data-testid="ns-editor" data-enabled={String(!why)} disabled={off} title={why ?? undefined}>
      <legend>edit</legend>
      <Field label="forwarding">
        <button data-testid="forwarding-on" onClick={() => void act(`enable forwarding in ${ns}`, [{ op: 'forwarding', ns, on: true }])}>enable</button>
        <button data-testid="forwarding-off" onClick={() => void act(`disable forwarding in ${ns}`, [{ op: 'forwarding', ns, on: false }])}>disable</button>
      </Field>
      <Field label="routes">
        <div className="addr-list">
          {routes.map((r, k) => (
            <div key={k} className="addr-item" data-testid="edit-route" data-to={r.dst}>
              <span>{r.dst}{r.gateway ? ` via ${r.gateway}` : ''}{devName(r.dev) ? ` dev ${devName(r.dev)}` : ''}{r.protocol === 'kernel' ? ' (kernel)' : ''}</span>
              <button className="small" data-testid="route-remove" title="ip route del"
                onClick={() => void act(`remove route ${r.dst} in ${ns}`, [{ op: 'route-del', ns, to: r.dst, via: r.gateway, dev: devName(r.dev), metric: r.metric, family: r.family }])}>✕</button>
            </div>
          ))}
          {routes.length === 0 && <span className="muted">no routes</span>}
        </div>
      </Field>
      <form className="route-form" onSubmit={async (e) => {
        e.preventDefault();
        if (formErr) return;
        const a: BuildAction = { op: 'route-add', ns, to: to.trim(), via: via.trim() || null, dev: dev || null, metric: null, family: fam };
        if (await act(`add route ${to.trim()}${via.trim() ? ` via ${via.trim()}` : ''}${dev ? ` dev ${dev}` : ''} in ${ns}`, [a])) { setVia(''); setDev(''); setTo('default'); }
      }}>
        <input data-testid="route-to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="default or 10.1.0.0/24" aria-invalid={!!toErr} spellCheck={false} />
        <input data-testid="route-via" value={via} onChange={(e) => setVia(e.target.value)} placeholder="via (gateway)" spellCheck={false} />
        <select data-testid="route-dev" value={dev} onChange={(e) => setDev(e.target.value)}>
          <option value="">(any device)</option>
          {ifs.map((x) => <option key={x.id} value={x.name}>{x.name}</option>)}
        </select>
        <button data-testid="route-add" type="submit" disabled={!!formErr}>add route</button>
      </form>
      {(to !== 'default' || via || dev) && formErr && <div className="field-error" data-testid="route-error">{formErr}</div>}
      {err && <div className="engine-error" data-testid="edit-error">{err}</div>}
    </fieldset>
  );
}
