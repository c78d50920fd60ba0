// At least 200 generated malformed lab files (bad names, bad CIDRs, dangling references, wrong
// types, duplicates, unknown keys, YAML syntax): each is rejected before anything is planned, with
// the file's line number and words naming the thing that is wrong.
import { describe, expect, test } from 'vitest';
import { parseLab, parseLabIssues } from '../../electron/labs/parse';
import { formatIssue, LabError } from '../../electron/labs/types';
import { BASE, malformedCases } from '../helpers/lab-malformed';

const cases = malformedCases();

describe('malformed lab files', () => {
  test('the generator makes at least 200 cases and the base file is valid', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(parseLabIssues(BASE.join('\n')).issues).toEqual([]);
  });

  test.each(cases.map((c) => [c.title, c] as const))('%s', (_title, c) => {
    const { lab, issues } = parseLabIssues(c.text);
    expect(lab).toBeNull();
    const texts = issues.map((i) => formatIssue('two-rooms.yaml', i));
    const hit = issues.find((i) => i.line === c.line && c.mentions.every((m) => `${i.path}: ${i.message}`.includes(m)));
    expect(hit, `expected an error on line ${c.line} mentioning ${JSON.stringify(c.mentions)}; got:\n${texts.join('\n')}`).toBeDefined();
    expect(() => parseLab(c.text, 'two-rooms.yaml')).toThrow(LabError);
    expect(() => parseLab(c.text, 'two-rooms.yaml')).toThrow(`two-rooms.yaml:${c.line}:`);
  });

  test('the message reads as the brief asks', () => {
    const text = BASE.join('\n').replace('[10.20.0.2/24]', '[10.20.0.300/24]');
    expect(() => parseLab(text, 'two-rooms.yaml')).toThrow(
      "two-rooms.yaml:5: namespaces.red.interfaces.eth0.addresses[0]: '10.20.0.300/24' is not a valid CIDR");
  });
});
