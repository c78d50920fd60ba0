// The editor's slice (log, undo/redo stacks), Delete's plan (what it removes, when it asks), input
// checks and default names. Pure: no DOM, no engine.
import { describe, expect, it } from 'vitest';
import { addLog, createEditorStore, emptyEditor, MAX_LOG, MAX_UNDO, stepDone, stepRedone, stepUndone, updateLog, type Step } from '../../renderer/src/editor/editor-store';
import { deletionPlan } from '../../renderer/src/editor/gestures';
import { cidrError, ifnameError, macError, mtuError, namesIn, nsKey, nsnameError, routeToError, uniqueName } from '../../renderer/src/editor/model';
import { picture } from './editor-fixtures';

const step = (title: string): Step => ({ title, actions: [{ op: 'ns-add', ns: title }], inverse: [{ op: 'ns-del', ns: title }] });

describe('editor store', () => {
  it('a new step joins the undo stack and clears redo; undo and redo move it between them', () => {
    let s = emptyEditor();
    s = stepDone(s, step('a'));
    s = stepDone(s, step('b'));
    expect(s.undo.map((x) => x.title)).toEqual(['a', 'b']);
    s = stepUndone(s);
    expect(s.undo.map((x) => x.title)).toEqual(['a']);
    expect(s.redo.map((x) => x.title)).toEqual(['b']);
    s = stepRedone(s, { ...step('b'), inverse: [] });
    expect(s.undo.map((x) => x.title)).toEqual(['a', 'b']);
    expect(s.undo[1].inverse).toEqual([]);   // the inverse computed anew at redo time
    expect(s.redo).toEqual([]);
    s = stepUndone(s);
    s = stepDone(s, step('c'));
    expect(s.redo).toEqual([]);              // a new step forgets what could be redone
    expect(stepUndone(emptyEditor())).toEqual(emptyEditor());
  });

  it('keeps at most MAX_UNDO steps and MAX_LOG log entries (the oldest go)', () => {
    let s = emptyEditor();
    for (let i = 0; i < MAX_UNDO + 5; i++) s = stepDone(s, step(`s${i}`));
    expect(s.undo.length).toBe(MAX_UNDO);
    expect(s.undo[0].title).toBe('s5');
    for (let i = 0; i < MAX_LOG + 3; i++) s = addLog(s, { kind: 'do', title: `t${i}`, commands: [], status: 'ok', error: null }).state;
    expect(s.log.length).toBe(MAX_LOG);
    expect(s.log[0].title).toBe('t3');
  });

  it('log entries get ids and are updated in place', () => {
    const r = addLog(emptyEditor(), { kind: 'do', title: 'x', commands: [], status: 'running', error: null });
    const s = updateLog(r.state, r.id, { status: 'ok', commands: ['ip netns add x'] });
    expect(s.log[0]).toMatchObject({ id: r.id, status: 'ok', commands: ['ip netns add x'] });
    const store = createEditorStore();
    const id = store.getState().log_({ kind: 'undo', title: 'y', commands: [], status: 'running', error: null });
    store.getState().patchLog(id, { status: 'error', error: 'refused' });
    expect(store.getState().log[0]).toMatchObject({ kind: 'undo', status: 'error', error: 'refused' });
  });
});

describe('Delete', () => {
  const t = picture();
  it('one interface the app made: removed without asking', () => {
    const p = deletionPlan(t, ['ns:1/if:7'], []);
    expect(p.actions).toEqual([{ op: 'link-del', ns: 'host', name: 'tap0', kind: 'tap' }]);
    expect(p.items.length).toBe(1);
    expect(p.foreign).toEqual([]);
  });
  it("something the app did not make (docker0, a namespace not in the journal) is flagged: ask first", () => {
    expect(deletionPlan(t, ['ns:1/if:5'], []).foreign).toEqual(['bridge docker0 in host']);
    expect(deletionPlan(t, ['ns:3'], []).foreign).toEqual(['namespace blue']);
    expect(deletionPlan(t, ['ns:3'], ['blue']).foreign).toEqual([]);
  });
  it('both ends of a veth, or a veth end inside a deleted namespace, are one deletion', () => {
    const p = deletionPlan(t, ['ns:2/if:2', 'ns:1/if:4'], []);
    expect(p.actions).toEqual([{ op: 'link-del', ns: 'red', name: 'eth0', kind: 'veth' }]);
    const q = deletionPlan(t, ['ns:2', 'ns:1/if:4'], ['red']);
    expect(q.actions).toEqual([{ op: 'ns-del', ns: 'red' }]);
  });
  it('two objects are two items (the page asks); the host, loopbacks and process namespaces are left alone with a reason', () => {
    const p = deletionPlan(t, ['ns:2', 'ns:3', 'ns:1', 'ns:4', 'ns:1/if:1'], ['red', 'blue']);
    expect(p.items).toEqual(['namespace red', 'namespace blue']);
    expect(p.refused).toEqual(['the host namespace cannot be deleted', 'pid 9 (ctr) belongs to a process (end the process to remove it)', 'lo (loopback) cannot be deleted']);
  });
});

describe('names and input checks', () => {
  const t = picture();
  it('namespace keys: host, the netns name, null for a process namespace', () => {
    expect([nsKey(t, 'ns:1'), nsKey(t, 'ns:2'), nsKey(t, 'ns:4')]).toEqual(['host', 'red', null]);
  });
  it('default names do not collide', () => {
    const taken = namesIn(t, 'host');
    expect(uniqueName(taken, 'br')).toBe('br1');
    expect(uniqueName(taken, 'tap')).toBe('tap1');
    expect(uniqueName(new Set(), 'veth-red', true)).toBe('veth-red');
    expect(uniqueName(new Set(['veth-red']), 'veth-red', true)).toBe('veth-red0');
    expect(uniqueName(new Set(), 'a-very-long-bridge-name', true).length).toBeLessThanOrEqual(15);
  });
  it('checks name the bad value', () => {
    expect(ifnameError('eth0')).toBeNull();
    expect(ifnameError('a-name-that-is-too-long')).toMatch(/at most 15/);
    expect(ifnameError('bad name')).toMatch(/'bad name' is not a valid interface name/);
    expect(nsnameError('host')).toMatch(/engine's own/);
    expect(nsnameError('red')).toBeNull();
    expect(cidrError('10.0.0.1/24')).toBeNull();
    expect(cidrError('fd00::1/64')).toBeNull();
    expect(cidrError('10.0.0.300/24')).toMatch(/'10.0.0.300' is not an IPv4 or IPv6 address/);
    expect(cidrError('10.0.0.1')).toMatch(/not a CIDR/);
    expect(cidrError('10.0.0.1/33')).toMatch(/too long/);
    expect(cidrError('fd00:::1/64')).toMatch(/not an IPv4 or IPv6/);
    expect(routeToError('default')).toBeNull();
    expect(routeToError('10.1.0.0/16')).toBeNull();
    expect(routeToError('10.1.0.1/16')).toMatch(/host bits set .*10\.1\.0\.0\/16/);
    expect(macError('02:00:00:00:00:01')).toBeNull();
    expect(macError('01:00:00:00:00:01')).toMatch(/multicast/);
    expect(macError('02:00:00:00:00')).toMatch(/not a MAC/);
    expect(mtuError('1400')).toBeNull();
    expect(mtuError('67')).toMatch(/out of range/);
    expect(mtuError('abc')).toMatch(/not a number/);
  });
});
