import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMilestones } from '../../src/config/index.js';
import { configErrorOf, lines, summary } from './helpers.js';

const F = 'ws/milestones.yaml';

describe('milestones.yaml', () => {
  test('reads each kind and applies defaults', () => {
    const config = parseMilestones(
      lines(
        'milestones:',
        '  setup:',
        '    kind: checklist',
        '    steps:',
        '      - { id: install, when: { action: installed, object: messenger, place: settings } }',
        '  activation:',
        '    kind: threshold',
        '    requires: [setup]',
        '    count: { action: closed, object: conversation }',
        '    within_days: 90',
        '    at_least: 20',
        '  utilization:',
        '    kind: per_seat',
        '    count: { action: closed, object: conversation, metadata: { state: resolved, n: 2, ok: true } }',
        '    per_month_per_seat_at_least: 2.5',
        '  maturity:',
        '    kind: categories',
        '    window_days: 90',
        '    categories:',
        '      automation:',
        '        basic: []',
        '        mature: [{ action: published, object: workflow }]',
        '    mature_in_at_least: 1',
      ),
      F,
    );
    assert.deepEqual(config.segments, {});
    assert.equal(config.stages, undefined);
    assert.deepEqual(Object.keys(config.milestones), ['setup', 'activation', 'utilization', 'maturity']);
    const { setup, activation, utilization, maturity } = config.milestones;
    assert.equal(setup?.kind, 'checklist');
    assert.deepEqual(setup?.requires, []);
    assert.equal(activation?.kind === 'threshold' && activation.at_least, 20);
    assert.deepEqual(activation?.requires, ['setup']);
    assert.ok(utilization?.kind === 'per_seat');
    assert.equal(utilization.period, 'calendar_month');
    assert.deepEqual(utilization.count.metadata, { state: 'resolved', n: 2, ok: true });
    assert.ok(maturity?.kind === 'categories');
    assert.equal(maturity.categories.automation?.mature_at_least, 1);
  });

  test('a wrong type at line 7 is reported at line 7', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                                         1
          '  activation:', //                                       2
          '    kind: threshold', //                                 3
          '    label: Activated', //                                4
          '    count: { action: closed, object: conversation }', // 5
          '    within_days: 90', //                                 6
          '    at_least: -3', //                                    7
        ),
        F,
      ),
    );
    assert.ok(
      err.message.startsWith(`${F}:7:15: milestones.activation.at_least: expected a positive integer, got -3`),
      err.message,
    );
    assert.equal(err.diagnostics.length, 1);
  });

  test('an unknown key lists the keys allowed for that kind', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:',
          '  activation:',
          '    kind: threshold',
          '    count: { action: closed, object: conversation }',
          '    within_days: 90',
          '    at_leest: 20',
          '    at_least: 20',
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:6: milestones.activation.at_leest: unknown key 'at_leest' (allowed keys: kind, label, description, requires, count, within_days, at_least)`,
    ]);
  });

  test('missing required keys are reported at the line of their parent', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                         1
          '  utilization:', //                      2
          '    kind: per_seat', //                  3
          '    count:', //                          4
          '      action: closed', //                5
          '  maturity:', //                         6
          '    label: Mature', //                   7
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:2: milestones.utilization.per_month_per_seat_at_least: missing required key 'per_month_per_seat_at_least' (expected a positive number)`,
      `${F}:4: milestones.utilization.count.object: missing required key 'object' (expected a non-empty string)`,
      `${F}:6: milestones.maturity.kind: missing required key 'kind' (expected one of checklist, threshold, per_seat, categories)`,
    ]);
  });

  test('a missing milestones key is reported at the top of the file', () => {
    const err = configErrorOf(() => parseMilestones(lines('segments: {}'), F));
    assert.deepEqual(summary(err), [`${F}:1: milestones: missing required key 'milestones' (expected a map)`]);
  });

  test('a YAML syntax error is reported with its line', () => {
    const err = configErrorOf(() =>
      parseMilestones(lines('milestones:', '  setup:', '    kind: checklist', '   steps: []'), F),
    );
    assert.ok(err.message.startsWith(`${F}:4:`), err.message);
  });

  test('collects several problems at once', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                                                   1
          '  setup:', //                                                      2
          '    kind: checklist', //                                           3
          '    steps:', //                                                    4
          '      - id: Install Messenger', //                                 5
          '        when: { action: installed, object: messenger, colour: red }', // 6
          '  activation:', //                                                 7
          '    kind: threshold', //                                           8
          '    count: { action: closed, object: conversation }', //           9
          '    within_days: ninety', //                                       10
          '    at_least: 0', //                                               11
          '  adoption:', //                                                   12
          '    kind: streak', //                                              13
          'segments:', //                                                     14
          '  stuck: 3', //                                                    15
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:5: milestones.setup.steps[0].id: expected a step id of lowercase letters, digits and underscores, starting with a letter, got "Install Messenger"`,
      `${F}:6: milestones.setup.steps[0].when.colour: unknown key 'colour' (allowed keys: action, object, place, metadata)`,
      `${F}:10: milestones.activation.within_days: expected a positive integer, got "ninety"`,
      `${F}:11: milestones.activation.at_least: expected a positive integer, got 0`,
      `${F}:13: milestones.adoption.kind: expected one of checklist, threshold, per_seat, categories, got "streak"`,
      `${F}:15: segments.stuck: expected a non-empty string, got 3`,
    ]);
  });

  test('keys named like Object.prototype members are kept or refused like any other, never dropped unseen', () => {
    const config = parseMilestones(
      lines(
        'milestones:',
        '  constructor:',
        '    kind: threshold',
        '    count: { action: closed, object: conversation, metadata: { __proto__: resolved, toString: x } }',
        '    within_days: 90',
        '    at_least: 2',
      ),
      F,
    );
    assert.deepEqual(Object.keys(config.milestones), ['constructor']);
    const [m] = Object.values(config.milestones);
    const count = m.kind === 'threshold' ? m.count : null;
    assert.deepEqual(Object.entries(count?.metadata ?? {}), [['__proto__', 'resolved'], ['toString', 'x']], 'a metadata filter on __proto__ still filters');
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                                                 1
          '  __proto__:', //                                                2
          '    kind: threshold', //                                         3
          '    count: { action: closed, object: conversation }', //         4
          '    within_days: 90', //                                         5
          '    at_least: 2', //                                             6
          'segments:', //                                                   7
          "  __proto__: \"stage = 'x'\"", //                              8
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:2: milestones.__proto__: expected a milestone name of lowercase letters, digits and underscores, starting with a letter, got "__proto__"`,
      `${F}:8: segments.__proto__: expected a segment name of lowercase letters, digits and underscores, starting with a letter, got "__proto__"`,
    ]);
  });

  test('requires must name existing milestones', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:',
          '  setup:',
          '    kind: checklist',
          '    steps: [{ id: a, when: { action: x, object: y } }]',
          '  activation:',
          '    kind: threshold',
          '    requires: [setup, onboarding]',
          '    count: { action: closed, object: conversation }',
          '    within_days: 90',
          '    at_least: 20',
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:7: milestones.activation.requires[1]: unknown milestone 'onboarding' (milestones: setup, activation)`,
    ]);
  });

  test('a requires cycle is reported once, at the entry that closes it', () => {
    const threshold = (name: string, requires: string) => [
      `  ${name}:`,
      '    kind: threshold',
      `    requires: [${requires}]`,
      '    count: { action: closed, object: conversation }',
      '    within_days: 90',
      '    at_least: 20',
    ];
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                    1
          ...threshold('a', 'c'), //           2-7
          ...threshold('b', 'a'), //           8-13
          ...threshold('c', 'b'), //           14-19
          ...threshold('d', 'd'), //           20-25
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:10: milestones.b.requires[0]: requires cycle: a → c → b → a`,
      `${F}:22: milestones.d.requires[0]: requires cycle: d → d`,
    ]);
  });

  test('checklist, categories and stages are checked against themselves', () => {
    const err = configErrorOf(() =>
      parseMilestones(
        lines(
          'milestones:', //                                         1
          '  setup:', //                                            2
          '    kind: checklist', //                                 3
          '    at_least: 3', //                                     4
          '    steps:', //                                          5
          '      - { id: a, when: { action: x, object: y } }', //   6
          '      - { id: a, when: { action: x, object: z } }', //   7
          '  maturity:', //                                         8
          '    kind: categories', //                                9
          '    window_days: 90', //                                 10
          '    mature_in_at_least: 2', //                           11
          '    categories:', //                                     12
          '      reporting:', //                                    13
          '        basic: []', //                                   14
          '        mature: [{ action: created, object: dashboard }]', // 15
          '        mature_at_least: 2', //                          16
          'stages:', //                                             17
          '  - { name: new, milestone: setup }', //                 18
          '  - { name: set_up }', //                                19
          '  - { name: new, milestone: maturity }', //              20
          '  - { name: done, milestone: retention }', //            21
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:4: milestones.setup.at_least: expected at most 2 (the number of steps), got 3`,
      `${F}:7: milestones.setup.steps[1].id: duplicate step id 'a'`,
      `${F}:11: milestones.maturity.mature_in_at_least: expected at most 1 (the number of categories), got 2`,
      `${F}:16: milestones.maturity.categories.reporting.mature_at_least: expected at most 1 (the number of mature features), got 2`,
      `${F}:18: stages[0].milestone: expected no milestone on the first stage: every account starts there`,
      `${F}:19: stages[1].milestone: missing required key 'milestone' (the milestone that enters stage 'set_up')`,
      `${F}:20: stages[2].name: duplicate stage name 'new'`,
      `${F}:21: stages[3].milestone: unknown milestone 'retention' (milestones: setup, maturity)`,
    ]);
  });
});
