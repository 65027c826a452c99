import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPath, YamlSource } from '../../src/config/index.js';
import { lines } from './helpers.js';

const text = lines(
  'milestones:', //                                   1
  '  setup:', //                                      2
  '    kind: checklist', //                           3
  '    steps:', //                                    4
  '      - id: a', //                                 5
  '        when: { action: x, object: y }', //        6
  '  activation:', //                                 7
  '    at_least: -3', //                              8
  'shared: &m { action: closed, object: c }', //      9
  'other: *m', //                                     10
);

describe('YamlSource', () => {
  const source = YamlSource.parse('m.yaml', text);
  const at = (path: PropertyKey[], anchor?: 'key' | 'value') => {
    const d = source.diagnostic(path, 'x', anchor);
    return `${d.line}:${d.col}`;
  };

  test('points at a scalar value', () => {
    assert.equal(at(['milestones', 'activation', 'at_least']), '8:15');
    assert.equal(at(['milestones', 'setup', 'steps', 0, 'id']), '5:13');
  });

  test('points at the key of a block map, which names it better than its first line', () => {
    assert.equal(at(['milestones', 'activation']), '7:3');
    assert.equal(at(['milestones', 'setup', 'steps']), '4:5');
  });

  test('points at a flow map itself and at a key when asked', () => {
    assert.equal(at(['milestones', 'setup', 'steps', 0, 'when']), '6:15');
    assert.equal(at(['milestones', 'setup', 'steps', 0, 'when', 'object'], 'key'), '6:28');
  });

  test('a missing path falls back to the nearest existing ancestor', () => {
    assert.equal(source.has(['milestones', 'activation', 'within_days']), false);
    assert.equal(at(['milestones', 'activation', 'within_days']), '7:3');
    assert.equal(at(['nope', 'deeper']), '1:1');
  });

  test('follows aliases', () => {
    assert.equal(at(['other', 'object']), '9:38');
  });

  test('keeps the plain data', () => {
    assert.deepEqual((source.value as { other: unknown }).other, { action: 'closed', object: 'c' });
    assert.deepEqual(source.syntaxErrors, []);
  });

  test('reports YAML syntax errors with their line', () => {
    const broken = YamlSource.parse('b.yaml', lines('a: 1', 'b:', '  c: [1, 2', 'd: 4'));
    assert.ok(broken.syntaxErrors.length > 0);
    assert.equal(broken.syntaxErrors[0]!.line, 4);
    assert.equal(broken.value, undefined);
    const dup = YamlSource.parse('b.yaml', lines('a: 1', 'b: 2', 'a: 3'));
    assert.equal(dup.syntaxErrors[0]!.line, 3);
    assert.match(dup.syntaxErrors[0]!.message, /unique/);
  });

  test('formats paths the way people write them', () => {
    assert.equal(formatPath(['milestones', 'setup', 'steps', 2, 'when']), 'milestones.setup.steps[2].when');
    assert.equal(formatPath(['milestones', 'Bad Name']), 'milestones["Bad Name"]');
    assert.equal(formatPath([]), '');
  });
});
