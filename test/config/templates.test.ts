import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  parseCairnConfig,
  parseMilestones,
  parseTrackingPlan,
  HELPDESK_DIR,
  type Matcher,
} from '../../src/config/index.js';
import { CATEGORIES, CONVERSATION, FEATURES, SETUP_STEPS } from '../../src/demo/catalog.js';
import { LAUNCH_EVENTS } from '../../src/demo/launches.js';

const read = (name: string) => readFile(path.join(HELPDESK_DIR, name), 'utf8');
const pair = (m: { action: string; object: string }) => `${m.action} ${m.object}`;

describe('examples/helpdesk templates', async () => {
  const config = parseCairnConfig(await read('cairn.yaml'), 'cairn.yaml');
  const { milestones, segments, stages } = parseMilestones(await read('milestones.yaml'), 'milestones.yaml');
  const plan = parseTrackingPlan(await read('tracking-plan.yaml'), 'tracking-plan.yaml');

  test('cairn.yaml: DuckDB, a year of retention, default server, a quarterly review', () => {
    assert.deepEqual(config, {
      version: 1,
      engine: { kind: 'duckdb', path: 'cairn.duckdb' },
      retention: { kind: 'still_customer', days: 365, dormant_days: 30, early_days: 90 },
      import: { max_line_bytes: 32768 },
      collect: { account_facts: 'import' },
      server: { port: 4318, host: '127.0.0.1', rate_limit: 200_000, max_queued_events: 2_000_000, status_refresh_seconds: 2, status_refresh_max_share: 0.2, api_auth: 'token' },
      review: { every: 'quarter', cohorts: 'quarter' },
      scheduler: { refresh: '10 0 * * *', review: true, launches: '20 * * * *' },
      webhooks: { endpoints: {}, retry: { max_attempts: 8, first_delay_seconds: 30, max_delay_seconds: 3600 }, timeout_seconds: 10 },
      checklist: { allowed_origins: [] },
    });
  });

  test('milestones.yaml: setup is the checklist of the seven catalog steps', () => {
    const setup = milestones.setup;
    assert.ok(setup?.kind === 'checklist');
    assert.equal(setup.at_least, 5, "five of the seven steps mark a real setup");
    assert.deepEqual(
      setup.steps.map((s) => ({ id: s.id, label: s.label, action: s.when.action, object: s.when.object })),
      SETUP_STEPS.map((s) => ({ id: s.id, label: s.label, action: s.action, object: s.object })),
    );
  });

  test('milestones.yaml: activation, utilization and maturity as in the seed', () => {
    const { activation, utilization, maturity } = milestones;
    assert.deepEqual(Object.keys(milestones), ['setup', 'activation', 'utilization', 'maturity']);
    assert.ok(activation?.kind === 'threshold');
    assert.deepEqual(activation.count, { action: CONVERSATION.closed, object: CONVERSATION.object });
    assert.equal(activation.within_days, 90);
    assert.equal(activation.at_least, 20);
    assert.ok(utilization?.kind === 'per_seat');
    assert.deepEqual(utilization.count, {
      action: CONVERSATION.closed,
      object: CONVERSATION.object,
      metadata: { state: 'resolved' },
    });
    assert.equal(utilization.per_month_per_seat_at_least, 3);
    assert.ok(maturity?.kind === 'categories');
    assert.equal(maturity.window_days, 90);
    assert.equal(maturity.mature_in_at_least, 3);
    assert.deepEqual(
      Object.fromEntries(Object.entries(milestones).map(([name, m]) => [name, m.requires])),
      { setup: [], activation: ['setup'], utilization: ['activation'], maturity: ['utilization'] },
    );
  });

  test('milestones.yaml: every categorised catalog feature sits in its category and level, and nothing else', () => {
    const maturity = milestones.maturity;
    assert.ok(maturity?.kind === 'categories');
    assert.deepEqual(Object.keys(maturity.categories), [...CATEGORIES]);
    for (const category of CATEGORIES) {
      for (const level of ['basic', 'mature'] as const) {
        const want = FEATURES.filter((f) => f.category === category && f.level === level).map(pair);
        const got: string[] = (maturity.categories[category]?.[level] ?? []).map((m: Matcher) => pair(m));
        assert.deepEqual(got, want, `${category}.${level}`);
      }
    }
  });

  test('milestones.yaml: stages follow the milestones and the segments name real stages', () => {
    assert.deepEqual(
      stages?.map((s) => [s.name, s.milestone]),
      [
        ['signed_up', undefined],
        ['set_up', 'setup'],
        ['activated', 'activation'],
        ['utilizing', 'utilization'],
        ['mature', 'maturity'],
      ],
    );
    assert.deepEqual(segments, {
      stuck_in_setup: "stage = 'signed_up' and age_days > 14",
      activated_underutilised: "stage = 'activated' and age_days > 60",
    });
    const names = new Set(stages?.map((s) => s.name));
    for (const expr of Object.values(segments)) {
      for (const [, stage] of expr.matchAll(/stage = '(\w+)'/g)) assert.ok(names.has(stage!), stage);
    }
  });

  test('tracking-plan.yaml: lists every catalog event and every instrumented demo launch event with its places, a place variant’s second place too, and nothing else', () => {
    assert.equal(plan.unplanned, 'flag');
    const want = new Map<string, string>();
    for (const s of SETUP_STEPS) want.set(pair(s), s.place);
    want.set(pair({ action: CONVERSATION.opened, object: CONVERSATION.object }), CONVERSATION.place);
    want.set(pair({ action: CONVERSATION.closed, object: CONVERSATION.object }), CONVERSATION.place);
    for (const f of FEATURES) want.set(pair(f), f.altPlace ? `${f.place},${f.altPlace.place}` : f.place);
    for (const e of LAUNCH_EVENTS) want.set(pair(e), e.place);
    assert.equal(want.size, SETUP_STEPS.length + 2 + FEATURES.length + LAUNCH_EVENTS.length, 'catalog pairs are distinct');
    const got = new Map(plan.events.map((e) => [pair(e), e.places?.join(',')]));
    assert.deepEqual(got, want);
  });

  test('tracking-plan.yaml: closed conversations carry the state the milestones count', () => {
    const closed = plan.events.find((e) => e.action === 'closed' && e.object === 'conversation');
    assert.deepEqual(closed?.metadata.state, { type: 'string', required: true, enum: ['resolved', 'unresolved'] });
    const id = { type: 'string', required: true };
    assert.deepEqual(closed?.metadata.conversation_id, id);
    const opened = plan.events.find((e) => e.action === 'opened' && e.object === 'conversation');
    assert.deepEqual(opened?.metadata.conversation_id, id);
  });

  test('every event a milestone counts is in the tracking plan', () => {
    const planned = new Set(plan.events.map(pair));
    const used: Matcher[] = [];
    for (const m of Object.values(milestones)) {
      if (m.kind === 'checklist') used.push(...m.steps.map((s) => s.when));
      if (m.kind === 'threshold' || m.kind === 'per_seat') used.push(m.count);
      if (m.kind === 'categories') for (const c of Object.values(m.categories)) used.push(...c.basic, ...c.mature);
    }
    assert.ok(used.length > 50);
    for (const m of used) assert.ok(planned.has(pair(m)), pair(m));
  });
});
