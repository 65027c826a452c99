import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTrackingPlan } from '../../src/config/index.js';
import { configErrorOf, lines, summary } from './helpers.js';

const F = 'ws/tracking-plan.yaml';

describe('tracking-plan.yaml', () => {
  test('applies defaults', () => {
    const plan = parseTrackingPlan(
      lines(
        'events:',
        '  - { action: installed, object: messenger }',
        '  - action: closed',
        '    object: conversation',
        '    places: [inbox]',
        '    owner: support-team',
        '    metadata:',
        '      state: { type: string, required: true, enum: [resolved, unresolved] }',
        '      count: { type: number }',
        '    unplanned_metadata: quarantine',
      ),
      F,
    );
    assert.equal(plan.unplanned, 'flag');
    assert.deepEqual(plan.events[0], { action: 'installed', object: 'messenger', metadata: {}, unplanned_metadata: 'accept', violations: 'quarantine' });
    assert.deepEqual(plan.events[1]?.metadata, {
      state: { type: 'string', required: true, enum: ['resolved', 'unresolved'] },
      count: { type: 'number', required: false },
    });
    assert.equal(plan.events[1]?.unplanned_metadata, 'quarantine');
  });

  test('a duplicate (action, object) pair is reported at the second one', () => {
    const err = configErrorOf(() =>
      parseTrackingPlan(
        lines(
          'unplanned: quarantine', //                              1
          'events:', //                                            2
          '  - { action: closed, object: conversation }', //       3
          '  - { action: opened, object: conversation }', //       4
          '  - action: closed', //                                 5
          '    object: conversation', //                           6
          '    places: [inbox]', //                                7
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:5: events[2]: duplicate event (closed, conversation): already declared at line 3 (events[0])`,
    ]);
  });

  test('a wrong type, an unknown key and a bad enum are all reported, each at its line', () => {
    const err = configErrorOf(() =>
      parseTrackingPlan(
        lines(
          'unplanned: drop', //                                                1
          'events:', //                                                        2
          '  - action: closed', //                                             3
          '    object: conversation', //                                       4
          '    place: inbox', //                                               5
          '    metadata:', //                                                  6
          '      state: { type: string, enum: [resolved, 1] }', //             7
          '      tags: { type: list }', //                                     8
          '  - { action: viewed, object: report, places: reports }', //        9
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:1: unplanned: expected one of accept, flag, quarantine, got "drop"`,
      `${F}:5: events[0].place: unknown key 'place' (allowed keys: action, object, places, description, owner, metadata, unplanned_metadata, violations)`,
      `${F}:7: events[0].metadata.state.enum[1]: expected a string (the field's type), got 1`,
      `${F}:8: events[0].metadata.tags.type: expected one of string, number, boolean, object, array, got "list"`,
      `${F}:9: events[1].places: expected a list, got "reports"`,
    ]);
  });

  test('missing required keys are reported at their parent', () => {
    const err = configErrorOf(() =>
      parseTrackingPlan(lines('unplanned: flag', 'events:', '  - action: closed', '    places: [inbox]'), F),
    );
    assert.deepEqual(summary(err), [
      `${F}:3: events[0].object: missing required key 'object' (expected a non-empty string)`,
    ]);
    const noEvents = configErrorOf(() => parseTrackingPlan(lines('unplanned: flag'), F));
    assert.deepEqual(summary(noEvents), [`${F}:1: events: missing required key 'events' (expected a list)`]);
  });

  test('a YAML syntax error is reported with its line', () => {
    const err = configErrorOf(() =>
      parseTrackingPlan(lines('events:', '  - { action: closed, object: conversation }', '  - { action: opened', 'x: 1'), F),
    );
    assert.ok(err.message.startsWith(`${F}:4:`), err.message);
  });

  test('an empty file says a map was expected', () => {
    const err = configErrorOf(() => parseTrackingPlan('', F));
    assert.equal(err.diagnostics.length, 1);
    assert.ok(err.message.startsWith(`${F}:1:1: expected a map, got an empty value`), err.message);
  });
});
