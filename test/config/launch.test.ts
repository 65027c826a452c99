import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadLaunch, loadLaunches, parseLaunch, scaffoldLaunch } from '../../src/config/index.js';
import { tempDir } from '../tmp.js';
import { configErrorOf, configErrorOfAsync, lines, summary } from './helpers.js';

const F = 'ws/launches/search.yaml';

describe('launches/NAME.yaml', () => {
  test('a planned small launch gets its defaults', () => {
    const l = parseLaunch(
      lines(
        'problem: Finding old conversations takes too long',
        'owner: ana',
        'size: small',
        'outcome:',
        '  metric: { kind: retention, days: 90 }',
        '  direction: increase',
        '  target: { absolute: 0.03 }',
        'events:',
        '  activation: [{ action: searched, object: conversations }]',
      ),
      F,
    );
    assert.equal(l.launched_at, undefined);
    assert.deepEqual(l.checkpoints, [30]);
    assert.deepEqual(l.funnel, { adoption_weeks: 2, engagement_days: 4, engagement_window_days: 28 });
    assert.deepEqual(l.impact, {});
    assert.deepEqual(l.share, {});
    assert.deepEqual([l.decisions, l.actions], [[], []]);
  });

  test('a big launch is due at 30, 90, 180 and 365 days unless it says otherwise', () => {
    const base = lines('problem: p', 'owner: o', 'size: big');
    assert.deepEqual(parseLaunch(base, F).checkpoints, [30, 90, 180, 365]);
    assert.deepEqual(parseLaunch(base + 'checkpoints: [14, 60]\n', F).checkpoints, [14, 60]);
  });

  test('every problem at its line: date, target, metric kind, order of checkpoints, secrets', () => {
    const err = configErrorOf(() =>
      parseLaunch(
        lines(
          'problem: p', //                                                    1
          'owner: o', //                                                      2
          'size: huge', //                                                    3
          'launched_at: 2026-02-30', //                                       4
          'outcome:', //                                                      5
          '  metric: { kind: revenue, days: 90 }', //                         6
          '  direction: up', //                                               7
          '  target: { absolute: 0.03, relative: 0.1 }', //                   8
          'checkpoints: [90, 30]', //                                         9
          'share:', //                                                        10
          '  slack: { url: "https://hooks.slack.com/x" }', //                 11
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:3: size: expected one of small, big, got "huge"`,
      `${F}:4: launched_at: expected a real calendar date, got "2026-02-30"`,
      `${F}:6: outcome.metric.kind: expected one of retention, count, milestone, got "revenue"`,
      `${F}:7: outcome.direction: expected one of increase, decrease, got "up"`,
      `${F}:8: outcome.target: expected exactly one of absolute or relative, e.g. { relative: 0.1 } for +10%`,
      `${F}:9: checkpoints[1]: expected days in increasing order, got 30 after 90`,
      `${F}:11: share.slack: expected exactly one of webhook_env or webhook_file (webhook URLs are secrets: never write one here)`,
      `${F}:11: share.slack.url: unknown key 'url' (allowed keys: webhook_env, webhook_file)`,
    ]);
  });

  test('audience and holdout: syntax and unknown fields at the character', () => {
    const err = configErrorOf(() =>
      parseLaunch(
        lines(
          'problem: p', //                                  1
          'owner: o', //                                    2
          'size: small', //                                 3
          'audience: "plan in (\'pro\' and seats > 2"', //  4
          'holdout:', //                                    5
          '  segment: "stage = \'set_up\'"', //             6
          '  randomized: false', //                         7
        ),
        F,
      ),
    );
    const [syntax, field] = err.diagnostics;
    assert.equal(syntax.line, 4);
    assert.match(syntax.message, /expected/);
    assert.deepEqual([field.line, field.col, field.length], [6, 13, 5]);
    assert.match(field.message, /^unknown field 'stage' \(fields: account_id, plan, seats, age_days, signup_day, bucket, /);
  });

  test('a milestone metric names a milestone of milestones.yaml', () => {
    const text = lines('problem: p', 'owner: o', 'size: small', 'outcome:', '  metric: { kind: milestone, name: activated, within_days: 90 }', '  direction: increase', '  target: { relative: 0.1 }');
    const err = configErrorOf(() => parseLaunch(text, F, { milestones: ['setup', 'activation'] }));
    assert.deepEqual(summary(err), [`${F}:5: outcome.metric.name: unknown milestone 'activated' (milestones.yaml has: setup, activation)`]);
    assert.equal(parseLaunch(text, F).outcome?.metric.kind, 'milestone');
  });

  test('a segment comparing a field with a value of another type is a config error at the value', () => {
    const err = configErrorOf(() => parseLaunch(lines('problem: p', 'owner: o', 'size: small', 'audience: "plan = 3 and bucket < \'x\'"'), F));
    assert.deepEqual(
      err.diagnostics.map((d) => [d.line, d.col, d.message.replace(/, at column \d+$/, '')]),
      [[4, 19, "plan is a string, got 3 (quote it: '3')"]],
    );
  });
});

describe('cairn launch new (scaffoldLaunch)', () => {
  test('writes a commented file that loads as a planned launch, and a feedback folder; never overwrites', async () => {
    const dir = await tempDir();
    const { file, feedbackDir } = await scaffoldLaunch(dir, 'inbox_search', { owner: 'ana@example.com' });
    assert.equal(file, path.join(dir, 'launches', 'inbox_search.yaml'));
    assert.ok((await stat(feedbackDir)).isDirectory());
    const text = await readFile(file, 'utf8');
    assert.match(text, /^# Launch: inbox_search/);
    assert.match(text, /owner: ana@example.com/);
    const launch = await loadLaunch(file);
    assert.equal(launch.name, 'inbox_search');
    assert.equal(launch.config.launched_at, undefined);
    assert.deepEqual(launch.config.events?.activation, [{ action: 'used', object: 'inbox_search' }]);
    const again = await configErrorOfAsync(() => scaffoldLaunch(dir, 'inbox_search'));
    assert.match(again.message, /already exists; use --force to overwrite/);
    await scaffoldLaunch(dir, 'inbox_search', { force: true });
    await assert.rejects(scaffoldLaunch(dir, 'Inbox-Search'), (e) => e instanceof ConfigError && /invalid launch name: "Inbox-Search"/.test(e.message));
  });

  test('loadLaunches reads every file and reports the problems of all of them together', async () => {
    const dir = await tempDir();
    await scaffoldLaunch(dir, 'a_ok');
    await scaffoldLaunch(dir, 'b_bad');
    await scaffoldLaunch(dir, 'c_bad');
    for (const n of ['b_bad', 'c_bad']) {
      const f = path.join(dir, 'launches', `${n}.yaml`);
      await writeFile(f, (await readFile(f, 'utf8')).replace('size: small', 'size: medium'));
    }
    const err = await configErrorOfAsync(() => loadLaunches(dir));
    assert.equal(err.diagnostics.length, 2);
    assert.deepEqual(err.diagnostics.map((d) => path.basename(d.file)), ['b_bad.yaml', 'c_bad.yaml']);
    assert.deepEqual(await loadLaunches(path.join(dir, 'nowhere')), []);
  });
});
