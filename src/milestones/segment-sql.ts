import { checkSegment, parseSegmentExpression, resolveSegmentField, segmentLiteral, type MilestonesConfig, type ResolvedField, type SegmentExpr } from '../config/index.js';
import { join, raw, sql, type SqlDialect, type SqlFragment } from '../store/index.js';
import { DEFAULT_SEGMENT_FIELDS } from './segments.js';
import type { Day } from './types.js';

/**
 * A segment expression as an SQL condition on account_status, so a list pages a segment in
 * SQL as it pages a stage. Built from the parsed expression only: columns come from the fixed
 * table below, every value is bound. It keeps the evaluator's meaning (segments.ts): no leaf is
 * ever NULL (a comparison of a null field is false, and `coalesce` says so where SQL would say
 * unknown: ClickHouse 18.16 keeps `0 AND NULL` NULL), so `not`, `and` and `or` read as there.
 * Milestones and the last active day are `account_id IN (subquery)`: one JOIN at most, no
 * correlation, no CTE, so it runs on every engine.
 */
export interface SegmentCondition {
  readonly expression: string;
  readonly sql: SqlFragment;
}

/** Parses and checks the expression (SegmentExpressionError as compileSegment throws), then writes it as SQL. */
export function segmentCondition(d: SqlDialect, framework: MilestonesConfig, expression: string, asOf: Day): SegmentCondition {
  const parsed = parseSegmentExpression(expression);
  const known = { ...DEFAULT_SEGMENT_FIELDS, milestones: Object.keys(framework.milestones) };
  checkSegment(parsed, known);
  const write = (e: SegmentExpr): SqlFragment => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return sql`(${write(e.left)} ${raw(e.kind === 'and' ? 'AND' : 'OR')} ${write(e.right)})`;
      case 'not':
        return sql`(NOT ${write(e.expr)})`;
      default:
        return leaf(d, asOf, resolveSegmentField(e.field, e.start, known), e);
    }
  };
  return { expression, sql: write(parsed) };
}

type Leaf = Exclude<SegmentExpr, { kind: 'and' | 'or' | 'not' }>;

/** Where a field is read: a column of account_status, or a value in a subquery keyed by account. */
type Source = { own: SqlFragment } | { from: SqlFragment; where: SqlFragment; value: SqlFragment; having?: boolean };

const DAY_MS = 86_400_000;

function source(d: SqlDialect, asOf: Day, f: ResolvedField): Source {
  const [head, milestone, field] = f.path;
  if (head !== 'milestones') {
    if (head === 'age_days') return { own: d.diffDays(sql`signup_day`, d.date(asOf)) };
    if (head === 'churned') return { own: sql`(churned_day IS NOT NULL)` };
    if (head === 'days_since_last_event') {
      return { from: sql`account_activity`, where: sql`day <= ${d.date(asOf)}`, value: d.diffDays(sql`max(day)`, d.date(asOf)), having: true };
    }
    return { own: raw(OWN_COLUMNS[head]) };
  }
  const values: Record<string, SqlFragment> = {
    reached: sql`(m.reached = 1)`,
    progress: sql`m.progress`,
    // Dates compare as epoch milliseconds, as the evaluator reads them (a day is its midnight UTC).
    reached_at: sql`(${d.diffDays(d.date('1970-01-01'), sql`m.reached_day`)} * ${raw(String(DAY_MS))})`,
    days_to_reach: d.diffDays(sql`a.signup_day`, sql`m.reached_day`),
  };
  const from = field === 'days_to_reach' ? sql`milestone_status m JOIN (SELECT account_id, signup_day FROM account_status) a ON a.account_id = m.account_id` : sql`milestone_status m`;
  return { from, where: sql`m.milestone = ${milestone}`, value: values[field!] };
}

/** The columns of account_status a segment field reads as they are. */
const OWN_COLUMNS: Record<string, string> = { account_id: 'account_id', stage: 'stage', plan: 'plan', seats: 'seats' };

const OPERATORS = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

/** One comparison as a condition that is never NULL. */
function leaf(d: SqlDialect, asOf: Day, f: ResolvedField, e: Leaf): SqlFragment {
  const at = source(d, asOf, f);
  const value = 'own' in at ? at.own : at.value;
  if (e.kind === 'is_null') {
    if ('own' in at) return sql`(${value} ${raw(e.negated ? 'IS NOT NULL' : 'IS NULL')})`;
    return sql`(account_id ${raw(e.negated ? 'IN' : 'NOT IN')} (${subquery(at, sql`${value} IS NOT NULL`)}))`;
  }
  const test = condition(value, f, e);
  return 'own' in at ? sql`coalesce(${test}, ${false})` : sql`(account_id IN (${subquery(at, test)}))`;
}

/** The accounts of a subquery source whose value passes `test`. */
function subquery(at: Extract<Source, { from: SqlFragment }>, test: SqlFragment): SqlFragment {
  return at.having
    ? sql`SELECT account_id FROM ${at.from} WHERE ${at.where} GROUP BY account_id HAVING ${test}`
    : sql`SELECT m.account_id FROM ${at.from} WHERE ${at.where} AND ${test}`;
}

/** The test of a leaf on a value (NULL when the value is: callers make that false). */
function condition(value: SqlFragment, f: ResolvedField, e: Exclude<Leaf, { kind: 'is_null' }>): SqlFragment {
  if (f.type === 'boolean') {
    // Booleans as the set of values that pass: no engine compares its booleans with a bound one alike.
    const wanted =
      e.kind === 'truthy'
        ? [true]
        : e.kind === 'compare'
          ? [e.op === '=' ? segmentLiteral(f, e.value) : !segmentLiteral(f, e.value)]
          : [true, false].filter((b) => e.values.some((v) => segmentLiteral(f, v) === b) !== e.negated);
    if (wanted.length === 2) return sql`(${value} IS NOT NULL)`;
    if (wanted.length === 0) return sql`(1 = 0)`;
    return wanted[0] ? sql`(${value})` : sql`(NOT (${value}))`;
  }
  if (e.kind === 'truthy') throw new Error(`invalid segment field: ${f.name} is not a boolean`);
  if (e.kind === 'compare') return sql`(${value} ${raw(OPERATORS[e.op])} ${segmentLiteral(f, e.value)})`;
  // Each value compared alone: an engine's IN wants one type, and numbers bind as integers or not.
  const any = join(
    e.values.map((v) => sql`${value} = ${segmentLiteral(f, v)}`),
    ' OR ',
  );
  return e.negated ? sql`(NOT (${any}))` : sql`(${any})`;
}
