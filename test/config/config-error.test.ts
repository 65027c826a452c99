import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, formatDiagnostic } from '../../src/config/index.js';

describe('ConfigError', () => {
  test('formats file:line:col: path: message and a caret under the culprit', () => {
    const text = formatDiagnostic({
      file: 'milestones.yaml',
      line: 7,
      col: 15,
      path: 'milestones.activation.at_least',
      message: 'expected a positive integer, got -3',
      sourceLine: '    at_least: -3',
      length: 2,
    });
    assert.equal(
      text,
      [
        'milestones.yaml:7:15: milestones.activation.at_least: expected a positive integer, got -3',
        '  7 |     at_least: -3',
        '    |               ^^',
      ].join('\n'),
    );
  });

  test('a whole-file problem has no line, column or frame', () => {
    const err = ConfigError.forFile('/w/cairn.yaml', 'file not found');
    assert.equal(err.message, '/w/cairn.yaml: file not found');
    assert.equal(err.name, 'ConfigError');
    assert.ok(err instanceof Error);
  });

  test('lists every diagnostic, files in first-seen order and lines top to bottom', () => {
    const d = (file: string, line: number) => ({ file, line, col: 1, path: 'a', message: `m${line}` });
    const err = new ConfigError([d('b.yaml', 9), d('a.yaml', 3), d('b.yaml', 2)]);
    assert.deepEqual(
      err.diagnostics.map((x) => `${x.file}:${x.line}`),
      ['b.yaml:2', 'b.yaml:9', 'a.yaml:3'],
    );
    assert.ok(err.message.startsWith('b.yaml:2:1: a: m2'));
    assert.match(err.message, /\n\nb\.yaml:9:1: a: m9\n\na\.yaml:3:1: a: m3$/);
  });
});
