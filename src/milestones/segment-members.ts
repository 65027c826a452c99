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

/** The accounts of a named segment as of the report's date. */
export async function segmentMembers(store: Store, framework: MilestonesConfig, name: string, report: MilestoneReport): Promise<AccountStatus[]> {
  const text = Object.hasOwn(framework.segments, name) ? framework.segments[name] : undefined;
  if (text === undefined) throw new Error(`unknown segment: ${name}`);
  const predicate = compileSegment(parseSegmentExpression(text), { ...DEFAULT_SEGMENT_FIELDS, milestones: Object.keys(framework.milestones) });
  const last = await store.query<{ account_id: string; last_day: string }>(
    sql`SELECT account_id, ${store.dialect.dayText(sql`max(day)`)} AS last_day FROM account_activity WHERE day <= ${store.dialect.date(report.as_of)} GROUP BY account_id`,
  );
  const lastByAccount = new Map(last.map((r) => [r.account_id, asDay(r.last_day)!]));
  const records = report.accounts.map((a) => segmentRecord(a, lastByAccount.get(a.account_id), report.as_of));
  return filterAccounts(records, predicate).map((r) => r.status);
}
