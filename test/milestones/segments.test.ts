import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSegmentExpression } from '../../src/config/index.js';
import {
  compileSegment,
  DEFAULT_SEGMENT_FIELDS,
  filterAccounts,
  SegmentError,
  type AccountRecord,
  type MilestoneRecord,
  type SegmentFieldCatalog,
} from '../../src/milestones/segments.js';

const KNOWN: SegmentFieldCatalog = { ...DEFAULT_SEGMENT_FIELDS, milestones: ['setup', 'activation'] };

const notReached: MilestoneRecord = { reached: false, progress: 0, days_to_reach: null, reached_at: null };

function account(id: string, facts: Partial<AccountRecord> = {}): AccountRecord {
  return {
    account_id: id,
    stage: 'signed_up',
    plan: 'starter',
    seats: 5,
    age_days: 10,
    churned: false,
    days_since_last_event: 1,
    milestones: { setup: notReached, activation: notReached },
    ...facts,
  };
}

const ACCOUNTS: AccountRecord[] = [
  account('a1', { stage: 'signed_up', age_days: 30, seats: 3, milestones: { setup: { ...notReached, progress: 0.5 }, activation: notReached } }),
  account('a2', { stage: 'signed_up', age_days: 7, plan: null, seats: null, days_since_last_event: null }),
  account('a3', {
    stage: 'activated',
    age_days: 90,
    plan: 'pro',
    seats: 25,
    milestones: {
      setup: { reached: true, progress: 1, days_to_reach: 12, reached_at: '2025-01-13' },
      activation: { reached: true, progress: 1, days_to_reach: 40, reached_at: '2025-02-10' },
    },
  }),
  account('a4', {
    stage: 'set_up',
    age_days: 61,
    plan: 'Pro',
    seats: 10,
    churned: true,
    days_since_last_event: 45,
    milestones: { setup: { reached: true, progress: 1, days_to_reach: 20, reached_at: '2025-03-01T09:30:00Z' }, activation: notReached },
  }),
];

/** The ids of the accounts the expression keeps. */
function ids(text: string, records = ACCOUNTS): string[] {
  const predicate = compileSegment(parseSegmentExpression(text), KNOWN);
  return filterAccounts(records, predicate).map((r) => r.account_id);
}

/** Asserts a SegmentError and returns [message, offset]. */
function segmentError(text: string, known = KNOWN): [string, number] {
  try {
    compileSegment(parseSegmentExpression(text), known);
  } catch (err) {
    assert.ok(err instanceof SegmentError, `expected a SegmentError, got ${String(err)}`);
    return [err.message, err.offset];
  }
  assert.fail(`expected ${JSON.stringify(text)} not to compile`);
}

describe('compileSegment: evaluation', () => {
  test('the template segments', () => {
    assert.deepEqual(ids(`stage = 'signed_up' and age_days > 14`), ['a1']);
    assert.deepEqual(ids(`stage = 'activated' and age_days > 60`), ['a3']);
  });

  test('every comparison operator on numbers', () => {
    assert.deepEqual(ids('age_days = 61'), ['a4']);
    assert.deepEqual(ids('age_days = 61.0'), ['a4'], '= on numbers is numeric');
    assert.deepEqual(ids('age_days != 61'), ['a1', 'a2', 'a3']);
    assert.deepEqual(ids('age_days <> 61'), ['a1', 'a2', 'a3']);
    assert.deepEqual(ids('age_days < 30'), ['a2']);
    assert.deepEqual(ids('age_days <= 30'), ['a1', 'a2']);
    assert.deepEqual(ids('age_days > 61'), ['a3']);
    assert.deepEqual(ids('age_days >= 61'), ['a3', 'a4']);
    assert.deepEqual(ids('days_since_last_event > -1'), ['a1', 'a3', 'a4']);
  });

  test('strings compare exactly and case-sensitively', () => {
    assert.deepEqual(ids(`plan = 'pro'`), ['a3']);
    assert.deepEqual(ids(`plan = 'Pro'`), ['a4']);
    assert.deepEqual(ids(`plan = 'pro '`), []);
    assert.deepEqual(ids(`plan != 'pro'`), ['a1', 'a4'], 'a null plan is not != anything');
  });

  test('booleans: bare, = and !=', () => {
    assert.deepEqual(ids('churned'), ['a4']);
    assert.deepEqual(ids('not churned'), ['a1', 'a2', 'a3']);
    assert.deepEqual(ids('churned = true'), ['a4']);
    assert.deepEqual(ids('churned != true'), ['a1', 'a2', 'a3']);
    assert.deepEqual(ids('churned = false'), ['a1', 'a2', 'a3']);
  });

  test('in and not in', () => {
    assert.deepEqual(ids(`stage in ('set_up', 'activated')`), ['a3', 'a4']);
    assert.deepEqual(ids(`stage not in ('set_up', 'activated')`), ['a1', 'a2']);
    assert.deepEqual(ids('seats in (3, 25.0)'), ['a1', 'a3']);
    assert.deepEqual(ids(`plan not in ('pro')`), ['a1', 'a4'], 'a null plan is in no list, nor out of one');
    assert.deepEqual(ids('churned in (true)'), ['a4']);
  });

  test('null: comparisons with a null field are false; is [not] null tests it', () => {
    assert.deepEqual(ids('seats > 0'), ['a1', 'a3', 'a4']);
    assert.deepEqual(ids('seats <= 1000'), ['a1', 'a3', 'a4']);
    assert.deepEqual(ids('seats is null'), ['a2']);
    assert.deepEqual(ids('seats is not null'), ['a1', 'a3', 'a4']);
    assert.deepEqual(ids('plan is null or plan = \'starter\''), ['a1', 'a2']);
    // Simplified to false, then negated: `not (seats > 10)` keeps the null-seat account.
    assert.deepEqual(ids('not (seats > 10)'), ['a1', 'a2', 'a4']);
    assert.deepEqual(ids('seats <= 10'), ['a1', 'a4']);
    assert.deepEqual(ids('days_since_last_event is null and age_days < 14'), ['a2']);
  });

  test('and, or, not and nested parentheses', () => {
    assert.deepEqual(ids(`stage = 'signed_up' or stage = 'set_up' and churned`), ['a1', 'a2', 'a4']);
    assert.deepEqual(ids(`(stage = 'signed_up' or stage = 'set_up') and churned`), ['a4']);
    assert.deepEqual(ids(`not (stage = 'signed_up' or (age_days > 60 and (churned or plan = 'pro')))`), []);
    assert.deepEqual(ids(`not (stage = 'signed_up' or (age_days > 80 and (churned or plan = 'pro')))`), ['a4']);
    assert.deepEqual(ids('not not churned'), ['a4']);
  });

  test('milestones.* fields', () => {
    assert.deepEqual(ids('milestones.setup.reached'), ['a3', 'a4']);
    assert.deepEqual(ids('milestones.setup.reached and not milestones.activation.reached'), ['a4']);
    assert.deepEqual(ids('milestones.setup.progress >= 0.5'), ['a1', 'a3', 'a4']);
    assert.deepEqual(ids('milestones.setup.days_to_reach < 15'), ['a3']);
    assert.deepEqual(ids('milestones.activation.days_to_reach is null'), ['a1', 'a2', 'a4']);
    assert.deepEqual(ids(`milestones.setup.reached_at >= '2025-02-01'`), ['a4']);
    assert.deepEqual(ids(`milestones.setup.reached_at < '2025-03-01T10:00:00Z'`), ['a3', 'a4']);
    assert.deepEqual(ids(`milestones.activation.reached_at = '2025-02-10'`), ['a3']);
  });

  test('a record without a milestone entry reads it as null', () => {
    const bare = account('b1', { milestones: {} });
    assert.deepEqual(ids('milestones.setup.reached', [bare]), []);
    assert.deepEqual(ids('not milestones.setup.reached', [bare]), ['b1']);
    assert.deepEqual(ids('milestones.setup.progress is null', [bare]), ['b1']);
  });

  test('hostile text is only ever a string value', () => {
    const odd = account('x1', { stage: "'; DROP TABLE accounts; --" });
    const records = [...ACCOUNTS, odd];
    assert.deepEqual(ids(`stage = '; DROP TABLE accounts; --'`, records), []);
    assert.deepEqual(ids(`stage = '''; DROP TABLE accounts; --'`, records), ['x1']);
    assert.deepEqual(ids(`plan = 'x'' OR ''1''=''1'`, records), []);
    // Field names cannot reach the prototype.
    assert.equal(segmentError('constructor')[0].startsWith("unknown field 'constructor'"), true);
    assert.equal(segmentError('milestones.setup.constructor')[0].startsWith("unknown milestone field 'constructor'"), true);
  });

  test('custom catalogs: extra fields and milestones', () => {
    const known: SegmentFieldCatalog = {
      fields: { ...DEFAULT_SEGMENT_FIELDS.fields, mrr: 'number' },
      milestones: ['setup'],
      milestoneFields: DEFAULT_SEGMENT_FIELDS.milestoneFields,
    };
    const records = [{ ...account('m1'), mrr: 500 }, { ...account('m2'), mrr: 'lots' }, account('m3')];
    const predicate = compileSegment(parseSegmentExpression('mrr >= 100 or mrr is null'), known);
    assert.deepEqual(filterAccounts(records, predicate).map((r) => r.account_id), ['m1', 'm2', 'm3'], 'a mistyped value is null');
  });

  test('the longest chain the limits allow compiles and evaluates', () => {
    let chain = 'churned';
    for (let i = 100; chain.length + 18 <= 4090; i++) chain += ` or age_days = ${i}`;
    assert.deepEqual(ids(chain), ['a4'], 'a4 churned; no account is 100 days old or more');
    assert.deepEqual(ids(`not (${chain})`), ['a1', 'a2', 'a3']);
  });

  test('the predicate is a named function', () => {
    assert.equal(compileSegment(parseSegmentExpression('churned'), KNOWN).name, 'segmentPredicate');
  });
});

describe('compileSegment: field and type errors', () => {
  test('a value of the wrong type', () => {
    assert.deepEqual(segmentError(`age_days > 'x'`), ["age_days is a number, got the string 'x', at column 12", 11]);
    assert.deepEqual(segmentError('stage = 14'), ["stage is a string, got 14 (quote it: '14'), at column 9", 8]);
    assert.deepEqual(segmentError('churned = 1'), ['churned is a boolean, got 1, at column 11', 10]);
    assert.deepEqual(segmentError(`seats in (1, '2')`), ["seats is a number, got the string '2', at column 14", 13]);
    assert.deepEqual(segmentError('milestones.setup.progress > true'), [
      'milestones.setup.progress is a number, got true, at column 29',
      28,
    ]);
    assert.deepEqual(segmentError(`milestones.setup.reached_at > 'last week'`), [
      "milestones.setup.reached_at is a date, got the string 'last week' (write dates as 'YYYY-MM-DD'), at column 31",
      30,
    ]);
  });

  test('ordering operators only on numbers and dates', () => {
    assert.deepEqual(segmentError(`stage > 'a'`), ["'>' does not apply to stage, a string; use =, !=, in or not in, at column 1", 0]);
    assert.deepEqual(segmentError('churned < true'), ["'<' does not apply to churned, a boolean; use =, !=, in or not in, at column 1", 0]);
  });

  test('a bare field must be a boolean', () => {
    assert.deepEqual(segmentError('churned and stage'), [
      "stage is a string, not a condition; compare it, e.g. stage = '...', at column 13",
      12,
    ]);
    assert.deepEqual(segmentError('age_days'), ['age_days is a number, not a condition; compare it, e.g. age_days > 0, at column 1', 0]);
  });

  test('unknown fields and milestones', () => {
    assert.deepEqual(segmentError(`stge = 'a'`), [
      "unknown field 'stge' (fields: account_id, stage, plan, seats, age_days, churned, days_since_last_event, milestones.<milestone>.<field>), at column 1",
      0,
    ]);
    assert.deepEqual(segmentError('churned or milestones.activated.reached'), [
      "unknown milestone 'activated' (milestones: setup, activation), at column 23",
      22,
    ]);
    assert.deepEqual(segmentError('milestones.setup.reachd'), [
      "unknown milestone field 'reachd' in milestones.setup.reachd (fields: reached, progress, days_to_reach, reached_at), at column 1",
      0,
    ]);
    assert.deepEqual(segmentError('milestones.setup'), [
      "expected a field after 'milestones.setup.' (reached, progress, days_to_reach, reached_at), at column 1",
      0,
    ]);
    assert.deepEqual(segmentError('milestones'), [
      'expected milestones.<milestone>.<field>, e.g. milestones.setup.reached, at column 1',
      0,
    ]);
    assert.deepEqual(segmentError('stage.name'), [
      "unknown field 'stage.name' (fields: account_id, stage, plan, seats, age_days, churned, days_since_last_event, milestones.<milestone>.<field>), at column 1",
      0,
    ]);
  });

  test('the first error in text order wins', () => {
    assert.deepEqual(segmentError(`age_days > 'x' and stge = 1`)[1], 11);
  });
});
