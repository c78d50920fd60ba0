// "Save as lab": the canvas (or a selection) as a lab file, checked by the engine's own lab parser
// (the same code `vnet-studio lab validate` runs).
import { describe, expect, it } from 'vitest';
import { parseLabIssues } from '../../electron/labs/parse';
import { labYaml } from '../../renderer/src/editor/lab-yaml';
import { picture } from './editor-fixtures';

const valid = (text: string) => {
  const r = parseLabIssues(text);
  expect(r.issues, text).toEqual([]);
  return r.lab!;
};

describe('save as lab', () => {
  it('the whole canvas: named namespaces, the app-made bridge and tap, the veth to the bridge, routes', () => {
    const { text, notes } = labYaml(picture(), 'saved');
    const lab = valid(text);
    expect(lab.name).toBe('saved');
    expect(text).toContain('  red:\n    interfaces:\n      eth0: { addresses: ["10.0.0.1/24"], mtu: 1400 }');
    expect(text).toContain('      - { to: "default", via: "10.0.0.254" }');
    expect(text).toContain('  blue: {}');
    expect(text).toContain('  br0: { addresses: ["10.0.0.254/24"] }');
    expect(text).toContain('  - ["red:eth0", "br0"]');
    expect(text).toContain('  tap0: { mode: "tap", bridge: "br0" }');
    // not the machine's own devices, nor the kernel's routes, nor link-local addresses
    expect(text).not.toMatch(/docker0|vethabc|192\.168\.1|fe80|10\.0\.0\.0\/24/);
    expect(notes).toEqual([]);
  });

  it('a selection: only those objects, plus what they need (the peer, the bridge as external when not the app\'s)', () => {
    const t = picture();
    const { text, notes } = labYaml(t, 'sel', ['ns:1/if:6']);
    // vethabc's peer lives in a process namespace: a lab cannot name it
    expect(notes.join('\n')).toMatch(/process namespace/);
    valid(text);
    const r = labYaml(t, 'sel2', ['ns:3']);
    expect(valid(r.text).name).toBe('sel2');
    expect(r.text).toBe('name: sel2\nnamespaces:\n  blue: {}\n');
  });

  it('an interface down and odd names are written so the parser reads them back as they are', () => {
    const t = picture();
    t.interfaces['ns:2/if:2'] = { ...t.interfaces['ns:2/if:2'], flags: [], state: 'down' };
    const { text } = labYaml(t, 'x');
    expect(text).toContain('eth0: { addresses: ["10.0.0.1/24"], mtu: 1400, up: false }');
    valid(text);
  });
});
