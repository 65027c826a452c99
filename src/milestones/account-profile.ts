import type { MilestonesConfig } from '../config/index.js';
import { sql, type Store } from '../store/index.js';
import { computeMilestones, type AccountStatus } from './engine.js';
import { frameworkLanguage, type FrameworkLanguage } from './language.js';
import { milestoneHistory, type MilestoneChange } from './milestone-history.js';
import { segmentHistory, type SegmentChange } from './segment-changes.js';
import type { Day } from './types.js';

/** A day in an account's story: signup, a setup step, a milestone reached, churn. */
export interface TimelineEntry {
  day: Day;
  what: string;
  /** The milestone the entry belongs to, when it does. */
  milestone?: string;
}

export interface MonthActivity {
  /** 'YYYY-MM'. */
  month: string;
  events: number;
}

export interface UserMove {
  user_id: string;
  from_account: string;
  to_account: string;
  source: string;
  changed_at: string;
}

export interface RecentEvent {
  timestamp: string;
  action: string;
  object: string;
  place: string | null;
  user_id: string | null;
  source: string;
  count: number;
}

/** One account for a person (`cairn account`, the API's account): status, story, activity. */
export interface AccountProfile {
  as_of: Day;
  status: AccountStatus;
  timeline: TimelineEntry[];
  activity: MonthActivity[];
  users_moved: UserMove[];
  /** What refreshes recorded (milestone_changes), up to `as_of`, oldest first. */
  history: MilestoneChange[];
  /** Segments entered and left (segment_changes), up to `as_of`, oldest first. */
  segment_history: SegmentChange[];
}

/** The account's story in days, in the framework's words: signup, setup steps, milestones reached, churn. */
function timeline(a: AccountStatus, words: FrameworkLanguage): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ day: a.signup_day, what: 'signed up' }];
  for (const [name, m] of Object.entries(a.milestones)) {
    const label = words.milestone(name).label;
    const steps = (m.detail.steps ?? []) as { label: string; done_at: string | null }[];
    for (const s of steps) if (s.done_at) entries.push({ day: s.done_at, what: `${label}: ${s.label}`, milestone: name });
    if (m.reached_at) entries.push({ day: m.reached_at, what: `reached ${label}`, milestone: name });
  }
  if (a.churned_day) entries.push({ day: a.churned_day, what: 'churned' });
  return entries.sort((x, y) => x.day.localeCompare(y.day));
}

async function monthlyActivity(store: Store, accountId: string, asOf: Day): Promise<MonthActivity[]> {
  const d = store.dialect;
  const rows = await store.query<{ month: string; events: string | number }>(
    sql`SELECT ${d.dayText(d.monthStart(sql`day`))} AS month, sum(n) AS events FROM account_activity
      WHERE account_id = ${accountId} AND day <= ${d.date(asOf)} GROUP BY month ORDER BY month`,
  );
  return rows.map((m) => ({ month: m.month.slice(0, 7), events: Number(m.events) }));
}

/** Users identify or group calls moved into or out of the account, and which source did. */
async function userMoves(store: Store, accountId: string, asOf: Day): Promise<UserMove[]> {
  const d = store.dialect;
  const rows = await store.query<{ user_id: string; from_account: string; to_account: string; source: string; changed_at: string }>(
    sql`SELECT user_id, from_account, to_account, source, ${d.epochMs(sql`changed_at`)} AS changed_at FROM user_account_changes
      WHERE (from_account = ${accountId} OR to_account = ${accountId}) AND ${d.day(sql`changed_at`)} <= ${d.date(asOf)} ORDER BY changed_at, user_id`,
  );
  return rows.map((r) => ({ ...r, changed_at: new Date(Number(r.changed_at)).toISOString() }));
}

/**
 * The account's status with its story, or null when it had not signed up by `asOf`. `known`:
 * its status as of `asOf` when the caller has read it already (materialized statuses).
 */
export async function accountProfile(store: Store, framework: MilestonesConfig, accountId: string, asOf: Day, known?: AccountStatus | null): Promise<AccountProfile | null> {
  const status = known !== undefined ? known : (await computeMilestones(store, framework, asOf, { accounts: [accountId] })).accounts[0];
  if (!status) return null;
  const [activity, moves, changes, segments] = await Promise.all([
    monthlyActivity(store, accountId, asOf),
    userMoves(store, accountId, asOf),
    milestoneHistory(store, accountId),
    segmentHistory(store, accountId),
  ]);
  return {
    as_of: asOf,
    status,
    timeline: timeline(status, frameworkLanguage(framework)),
    activity,
    users_moved: moves,
    history: changes.filter((c) => c.day <= asOf),
    segment_history: segments.filter((c) => c.day <= asOf),
  };
}

/** The account's last events up to the end of `asOf`, newest first (at most 100). */
export async function recentEvents(store: Store, accountId: string, asOf: Day): Promise<RecentEvent[]> {
  const d = store.dialect;
  const rows = await store.query<{ at: string | number; action: string; object: string; place: string | null; user_id: string | null; source: string; count: string | number }>(
    sql`SELECT ${d.epochMs(sql`timestamp`)} AS at, action, object, place, user_id, source, count FROM events
      WHERE account_id = ${accountId} AND ${d.day(sql`timestamp`)} <= ${d.date(asOf)} ORDER BY timestamp DESC, message_id LIMIT 100`,
  );
  return rows.map((r) => ({ timestamp: new Date(Number(r.at)).toISOString(), action: r.action, object: r.object, place: r.place, user_id: r.user_id, source: r.source, count: Number(r.count) }));
}
