// A thin reader over the `yaml` Document API that keeps line numbers: every value the lab parser
// takes goes through here, so every complaint names the file line and the path of the thing.
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';
import type { LabIssue } from './types';

export type YNode = Node | null | undefined;

export interface Entry { key: string; keyNode: Node; value: YNode; line: number }

export class Reader {
  readonly issues: LabIssue[] = [];
  constructor(private readonly lc: LineCounter) {}

  line(node: YNode, fallback = 0): number {
    const r = node?.range;
    return r ? this.lc.linePos(r[0]).line : fallback;
  }

  err(line: number, path: string, message: string): void {
    this.issues.push({ line, path, message });
  }

  /** Entries of a mapping (null value = empty mapping when `nullOk`); pushes an issue and returns null otherwise. */
  map(node: YNode, path: string, what: string, lineHint: number, nullOk = true): Entry[] | null {
    if (node == null || (isScalar(node) && node.value === null)) {
      if (nullOk) return [];
      this.err(this.line(node, lineHint), path, `${what} is missing`);
      return null;
    }
    if (!isMap(node)) {
      this.err(this.line(node, lineHint), path, `${what} must be a mapping (key: value), not ${describe(node)}`);
      return null;
    }
    const out: Entry[] = [];
    const seen = new Map<string, number>();
    for (const pair of node.items as Pair<Node, Node | null>[]) {
      const k = pair.key;
      const line = this.line(k, this.line(node, lineHint));
      if (!isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number')) {
        this.err(line, path, `keys must be plain names, not ${describe(k)}`);
        continue;
      }
      const name = String(k.value);
      const first = seen.get(name);
      if (first !== undefined) {
        this.err(line, join(path, name), `'${name}' appears twice in ${path || 'the file'} (lines ${first} and ${line}); keys must be unique`);
        continue;
      }
      seen.set(name, line);
      out.push({ key: name, keyNode: k, value: pair.value, line });
    }
    return out;
  }

  /** Complains about keys not in `allowed`, naming the ones that are. */
  onlyKeys(entries: Entry[], allowed: readonly string[], path: string): void {
    for (const e of entries) {
      if (!allowed.includes(e.key)) {
        this.err(e.line, join(path, e.key), `unknown key '${e.key}' (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  seq(node: YNode, path: string, what: string, lineHint: number): YNode[] | null {
    if (node == null || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) {
      this.err(this.line(node, lineHint), path, `${what} must be a list, not ${describe(node)}`);
      return null;
    }
    return node.items as YNode[];
  }

  str(node: YNode, path: string, what: string, lineHint: number): string | null {
    if (isScalar(node) && typeof node.value === 'string') return node.value;
    this.err(this.line(node, lineHint), path, `${what} must be a string, not ${describe(node)}`);
    return null;
  }

  int(node: YNode, path: string, what: string, lineHint: number, min: number, max: number): number | null {
    if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value)) {
      const v = node.value;
      if (v < min || v > max) {
        this.err(this.line(node, lineHint), path, `${what} ${v} is out of range (${min}..${max})`);
        return null;
      }
      return v;
    }
    this.err(this.line(node, lineHint), path, `${what} must be an integer, not ${describe(node)}`);
    return null;
  }

  bool(node: YNode, path: string, what: string, lineHint: number): boolean | null {
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.err(this.line(node, lineHint), path, `${what} must be true or false, not ${describe(node)}`);
    return null;
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Words for what a node is, for "must be X, not Y" messages. */
export function describe(node: YNode): string {
  if (node == null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string '${v}'`;
    if (typeof v === 'number') return `the number ${v}`;
    if (typeof v === 'boolean') return `${v}`;
    return `'${String(v)}'`;
  }
  return 'an alias or tag';
}
