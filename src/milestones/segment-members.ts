import type { MilestonesConfig } from '../config/index.js';
import { parseSegmentExpression } from '../config/index.js';
import { sql, type Store } from '../store/index.js';
import { asDay, daysBetween } from './days.js';
import type { AccountStatus, MilestoneReport } from './engine.js';
import { DEFAULT_SEGMENT_FIELDS, compileSegment, filterAccounts, type AccountRecord } from './segments.js';
import type { Day } from './types.js';

/** The record a segment expression sees for one account. */
export function segmentRecord(a: AccountStatus, lastEvent: Day | undefined, asOf: Day): AccountRecord & { status: AccountStatus } {
  const milestones: AccountRecord['milestones'] = {};
  for (const [name, m] of Object.entries(a.milestones)) {
    milestones[name] = {
      reached: m.reached,
      progress: m.progress,
      reached_at: m.reached_at,
      days_to_reach: m.reached_at ? daysBetween(a.signup_day, m.reached_at) : null,
    };
  }
  return {
    account_id: a.account_id,
    stage: a.stage,
    plan: a.plan,
    seats: a.seats,
    age_days: a.age_days,
    churned: a.churned,
    days_since_last_event: lastEvent ? daysBetween(lastEvent, asOf) : null,
    milestones,
    status: a,
  };
}

/** Each account's last day with events, up to `asOf`. */
export async function lastActiveDays(store: Store, asOf: Day): Promise<Map<string, Day>> {
  const last = await store.query<{ account_id: string; last_day: string }>(
    sql`SELECT account_id, ${store.dialect.dayText(sql`max(day)`)} AS last_day FROM account_activity WHERE day <= ${store.dialect.date(asOf)} GROUP BY account_id`,
  );
  return new Map(last.map((r) => [r.account_id, asDay(r.last_day)!]));
}

/** {@link lastActiveDays} of these accounts only (a page of a list). */
export async function lastActiveDaysOf(store: Store, asOf: Day, accounts: readonly string[]): Promise<Map<string, Day>> {
  if (accounts.length === 0) return new Map();
  const d = store.dialect;
  const rows = await store.query<{ account_id: string; last_day: string }>(
    sql`SELECT account_id, ${d.dayText(sql`max(day)`)} AS last_day FROM account_activity
      WHERE day <= ${d.date(asOf)} AND account_id IN (SELECT account_id FROM ${d.zipRows([{ name: 'account_id', type: 'text', values: accounts }])} ids) GROUP BY account_id`,
  );
  return new Map(rows.map((r) => [r.account_id, asDay(r.last_day)!]));
}

/**
 * The accounts of the report that a segment expression keeps, in the report's order. The
 * expression is parsed and checked against the framework's fields (SegmentError, ConfigError
 * for text that does not parse) and evaluated in TypeScript, never in SQL. `lastActive`: from
 * {@link lastActiveDays} when the caller has it.
 */
export async function accountsMatching(
  store: Store,
  framework: MilestonesConfig,
  expression: string,
  report: Pick<MilestoneReport, 'as_of' | 'accounts'>,
  lastActive?: Map<string, Day>,
): Promise<AccountStatus[]> {
  const predicate = compileSegment(parseSegmentExpression(expression), { ...DEFAULT_SEGMENT_FIELDS, milestones: Object.keys(framework.milestones) });
  const last = lastActive ?? (await lastActiveDays(store, report.as_of));
  const records = report.accounts.map((a) => segmentRecord(a, last.get(a.account_id), report.as_of));
  return filterAccounts(records, predicate).map((r) => r.status);
}

/** The accounts of a named segment as of the report's date. */
export async function segmentMembers(store: Store, framework: MilestonesConfig, name: string, report: MilestoneReport, lastActive?: Map<string, Day>): Promise<AccountStatus[]> {
  const text = Object.hasOwn(framework.segments, name) ? framework.segments[name] : undefined;
  if (text === undefined) throw new Error(`unknown segment: ${name}`);
  return accountsMatching(store, framework, text, report, lastActive);
}
