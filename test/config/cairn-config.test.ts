import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCairnConfig } from '../../src/config/index.js';
import { configErrorOf, lines, summary } from './helpers.js';

const F = 'ws/cairn.yaml';

describe('cairn.yaml', () => {
  test('applies every default to a minimal file', () => {
    assert.deepEqual(parseCairnConfig('version: 1\n', F), {
      version: 1,
      engine: { kind: 'duckdb', path: 'cairn.duckdb' },
      retention: { kind: 'still_customer', days: 365, dormant_days: 30, early_days: 90 },
      import: { max_line_bytes: 32768 },
      collect: { account_facts: 'import' },
      server: { port: 4318, host: '127.0.0.1', rate_limit: 200_000, max_queued_events: 2_000_000, status_refresh_seconds: 2, status_refresh_max_share: 0.2, api_auth: 'token' },
      review: { every: 'quarter', cohorts: 'quarter' },
      webhooks: { endpoints: {}, retry: { max_attempts: 8, first_delay_seconds: 30, max_delay_seconds: 3600 }, timeout_seconds: 10 },
      checklist: { allowed_origins: [] },
      scheduler: { refresh: '10 0 * * *', review: true, launches: '20 * * * *' },
    });
  });

  test('reads webhook endpoints, and points at the line of what is wrong with one', () => {
    const config = parseCairnConfig(
      lines('version: 1', 'webhooks:', '  endpoints:', '    crm: { url: "https://crm.example.com/hook", secret_env: CRM_SECRET, events: [milestone.reached] }', '    cs: { url_env: SLACK_URL, format: slack, segments: [mature] }'),
      F,
    );
    assert.deepEqual(config.webhooks.endpoints.crm, { url: 'https://crm.example.com/hook', format: 'json', secret_env: 'CRM_SECRET', events: ['milestone.reached'] });
    assert.deepEqual(config.webhooks.endpoints.cs.segments, ['mature']);
    const messages = (text: string[]) => configErrorOf(() => parseCairnConfig(lines(...text), F)).diagnostics.map((d) => `${d.line}: ${d.path}: ${d.message}`);
    assert.deepEqual(messages(['version: 1', 'webhooks:', '  endpoints:', '    crm:', '      url: "https://crm.example.com/hook"', '      secret: hunter2']), [
      "6: webhooks.endpoints.crm.secret: the secret does not go in cairn.yaml: use secret_env (an environment variable) or secret_file (a file only you can read, chmod 600)",
    ]);
    assert.deepEqual(messages(['version: 1', 'webhooks:', '  endpoints:', '    crm:', '      url: "https://crm.example.com/hook"']), [
      '4: webhooks.endpoints.crm.secret_env: expected secret_env or secret_file: json deliveries are signed (a Slack endpoint needs none)',
    ]);
    assert.deepEqual(messages(['version: 1', 'webhooks:', '  endpoints:', '    crm:', '      url: "https://crm.example.com/hook"', '      secret_env: S', '      events: [milestone.reachd]']), [
      '7: webhooks.endpoints.crm.events[0]: expected one of milestone.reached, milestone.lost, stage.changed, segment.entered, segment.left, got "milestone.reachd"',
    ]);
    assert.deepEqual(messages(['version: 1', 'webhooks:', '  endpoints:', '    cs: { format: slack }', 'scheduler: { refresh: "every minute" }', 'checklist: { allowed_origins: [nope] }']), [
      '4: webhooks.endpoints.cs.url: expected one of url or url_env',
      '5: scheduler.refresh: expected a cron expression of 5 or 6 fields such as "10 0 * * *", got "every minute"',
      '6: checklist.allowed_origins[0]: expected an origin such as https://app.example.com, got "nope"',
    ]);
  });

  test('takes a review period or a cron expression, and says what else it takes', () => {
    assert.equal(parseCairnConfig(lines('version: 1', 'review: { every: "0 6 1 */3 *" }'), F).review.every, '0 6 1 */3 *');
    assert.equal(parseCairnConfig(lines('version: 1', 'review: { every: month, cohorts: month }'), F).review.cohorts, 'month');
    const err = configErrorOf(() => parseCairnConfig(lines('version: 1', 'review:', '  every: fortnightly'), F));
    assert.ok(err.message.startsWith(`${F}:3:10: review.every: expected one of month, quarter, half_year, year, or a cron expression`), err.message);
    const bad = configErrorOf(() => parseCairnConfig(lines('version: 1', 'review: { every: "61 * * * *" }'), F));
    assert.match(bad.message, /review\.every: expected one of/);
  });

  test('reads a ClickHouse engine with its optional keys', () => {
    const config = parseCairnConfig(
      lines(
        'version: 1',
        'engine:',
        '  kind: clickhouse',
        '  url: http://ch1:8123',
        '  cluster: shards',
        '  username: cairn',
        'retention: { kind: not_dormant, days: 180, dormant_days: 14 }',
      ),
      F,
    );
    assert.deepEqual(config.engine, {
      kind: 'clickhouse',
      url: 'http://ch1:8123',
      database: 'cairn',
      cluster: 'shards',
      username: 'cairn',
    });
    assert.deepEqual(config.retention, { kind: 'not_dormant', days: 180, dormant_days: 14, early_days: 90 });
  });

  test('a wrong type names the file, the line and what was expected', () => {
    const err = configErrorOf(() =>
      parseCairnConfig(
        lines(
          'version: 1', //           1
          'engine:', //              2
          '  kind: duckdb', //       3
          'retention:', //           4
          '  kind: still_customer', // 5
          '  early_days: 30', //     6
          '  days: -3', //           7
        ),
        F,
      ),
    );
    assert.ok(err.message.startsWith(`${F}:7:9: retention.days: expected a positive integer, got -3`), err.message);
    assert.match(err.message, /\n  7 \|   days: -3\n    \|         \^\^/);
  });

  test('the status refresh share is above 0 and at most 1, named at its line', () => {
    for (const [bad, shown] of [['0', '0'], ['1.5', '1.5'], ['half', '"half"']]) {
      const err = configErrorOf(() => parseCairnConfig(lines('version: 1', 'server:', `  status_refresh_max_share: ${bad}`), F));
      assert.ok(err.message.startsWith(`${F}:3:29: server.status_refresh_max_share: expected a share above 0 and at most 1, such as 0.2, got ${shown}`), err.message);
    }
    assert.equal(parseCairnConfig(lines('version: 1', 'server:', '  status_refresh_max_share: 1'), F).server.status_refresh_max_share, 1);
  });

  test('an unknown key is named along with the allowed keys', () => {
    const err = configErrorOf(() => parseCairnConfig(lines('version: 1', 'server:', '  prot: 80'), F));
    assert.deepEqual(summary(err), [
      `${F}:3: server.prot: unknown key 'prot' (allowed keys: port, host, rate_limit, max_queued_events, posthog_group_type, status_refresh_seconds, status_refresh_max_share, api_auth)`,
    ]);
  });

  test("DuckDB's memory cap is a size, named at its line when it is not", () => {
    assert.equal(parseCairnConfig(lines('version: 1', 'engine:', '  kind: duckdb', '  memory_limit: 512MB'), F).engine.kind, 'duckdb');
    const err = configErrorOf(() => parseCairnConfig(lines('version: 1', 'engine:', '  kind: duckdb', '  memory_limit: lots'), F));
    assert.match(summary(err)[0], /:4: engine\.memory_limit: expected a size such as 512MB or 2GB/);
  });

  test('a missing required key is reported at its parent', () => {
    const err = configErrorOf(() =>
      parseCairnConfig(lines('version: 1', 'engine:', '  kind: clickhouse', '  database: analytics'), F),
    );
    assert.deepEqual(summary(err), [
      `${F}:2: engine.url: missing required key 'url' (expected an http(s) URL such as http://localhost:8123)`,
    ]);
    const noVersion = configErrorOf(() => parseCairnConfig(lines('# settings', 'server: { port: 80 }'), F));
    assert.deepEqual(summary(noVersion), [`${F}:2: version: missing required key 'version' (expected version 1)`]);
  });

  test('a ClickHouse password in cairn.yaml is refused, saying where it goes instead; hosts are URLs', () => {
    const base = ['version: 1', 'engine:', '  kind: clickhouse', '  url: http://ch1:8123'];
    const err = configErrorOf(() => parseCairnConfig(lines(...base, '  password: secret'), F));
    assert.match(summary(err)[0], new RegExp(`^${F}:5: engine\\.password: .*CAIRN_CLICKHOUSE_PASSWORD.*password_file`));
    const hosts = parseCairnConfig(lines(...base, '  cluster: two', '  hosts: [http://ch1:8123, http://ch2:8123]', '  password_file: /run/ch-pass'), F).engine;
    assert.deepEqual(hosts, { kind: 'clickhouse', url: 'http://ch1:8123', database: 'cairn', cluster: 'two', hosts: ['http://ch1:8123', 'http://ch2:8123'], password_file: '/run/ch-pass' });
    assert.match(summary(configErrorOf(() => parseCairnConfig(lines(...base, '  hosts: [ch2]'), F)))[0], /:5: engine\.hosts\[0\]: expected an http\(s\) URL/);
  });

  test('an unknown engine kind lists the kinds', () => {
    const err = configErrorOf(() => parseCairnConfig(lines('version: 1', 'engine: { kind: postgres }'), F));
    assert.deepEqual(summary(err), [`${F}:2: engine.kind: expected one of duckdb, clickhouse, got "postgres"`]);
  });

  test('a YAML syntax error is reported with its line', () => {
    const err = configErrorOf(() => parseCairnConfig(lines('version: 1', 'server:', '  port: [4318', 'x: 1'), F));
    assert.ok(err.message.startsWith(`${F}:4:`), err.message);
  });

  test('collects every problem of the file into one error', () => {
    const err = configErrorOf(() =>
      parseCairnConfig(
        lines(
          'version: 2', //                    1
          'engine: { kind: duckdb, path: 3 }', // 2
          'retention:', //                    3
          '  days: 60', //                    4
          '  early_days: 90', //              5
          'server:', //                       6
          '  port: 70000', //                 7
          'colour: blue', //                  8
        ),
        F,
      ),
    );
    assert.deepEqual(summary(err), [
      `${F}:1: version: expected version 1, got 2`,
      `${F}:2: engine.path: expected a non-empty string, got 3`,
      `${F}:5: retention.early_days: expected early_days to be less than days (60), got 90`,
      `${F}:7: server.port: expected a port number from 1 to 65535, got 70000`,
      `${F}:8: colour: unknown key 'colour' (allowed keys: version, engine, retention, import, collect, server, review, webhooks, checklist, scheduler)`,
    ]);
  });
});
