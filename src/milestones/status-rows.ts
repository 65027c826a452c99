import type { MilestonesConfig } from '../config/index.js';
import { raw, sql, type AccountStatusRow, type MilestoneStatusRow, type SqlFragment, type Store } from '../store/index.js';
import { asDay, daysBetween } from './days.js';
import { stateMilestone, type AccountStatus, type MilestoneReport } from './engine.js';
import { mapSliced } from './sliced.js';
import type { FunnelAccount, FunnelStatuses } from './funnel.js';
import type { StatusSnapshot } from './status-changes.js';
import type { Day, MilestoneResult } from './types.js';

/**
 * An account's status as the rows of account_status and milestone_status; `stateDays`: the
 * history's days it held the state-like milestone; `only`: the milestones whose rows to give.
 */
export function statusRows(a: AccountStatus, asOf: Day, version: number, stateDays: readonly Day[] | null, only?: ReadonlySet<string>): { account: AccountStatusRow; milestones: MilestoneStatusRow[] } {
  const next = a.next_best_step;
  return {
    account: {
      account_id: a.account_id,
      as_of: asOf,
      framework_version: version,
      stage: a.stage,
      signup_day: a.signup_day,
      churned_day: a.churned_day,
      plan: a.plan,
      seats: a.seats,
      next_milestone: next?.milestone ?? null,
      next_action: next?.action ?? null,
      next_reason: next?.reason ?? null,
      state_days: stateDays === null ? null : stateDays.join(','),
    },
    milestones: Object.entries(a.milestones).flatMap(([milestone, m]) => (only && !only.has(milestone) ? [] : [{
      account_id: a.account_id,
      milestone,
      reached: m.reached,
      reached_day: m.reached_at,
      progress: m.progress,
      detail: JSON.stringify(m.detail),
      as_of: asOf,
      framework_version: version,
    }])),
  };
}

export const snapshotOf = (a: AccountStatus): StatusSnapshot => ({
  stage: a.stage,
  reached: Object.fromEntries(Object.entries(a.milestones).map(([name, m]) => [name, m.reached_at])),
});

/** Accounts restricted to `ids`, through a relation of bound values (never pasted text). */
function onlyAccounts(store: Store, column: SqlFragment, ids: readonly string[] | undefined): SqlFragment {
  if (ids === undefined) return sql``;
  if (ids.length === 0) return sql`AND 1 = 0`;
  return sql`AND ${column} IN (SELECT account_id FROM ${store.dialect.zipRows([{ name: 'account_id', type: 'text', values: ids }])} ids)`;
}

/** Above this many accounts, reading all and keeping some costs less than binding their ids. */
const FEW_ACCOUNTS = 1000;

/**
 * Each account's stage and reached milestones as the milestone_changes feed left them (its
 * last change of each), of every account or of `only`: what a refresh diffs against. The feed,
 * not the status tables, so that on an engine without transactions a refresh cut short after
 * writing statuses but before recording its changes cannot hide them from the next one.
 * Accounts with no change stand in the first stage with nothing reached (absent here).
 */
export async function readSnapshots(store: Store, firstStage: string, only?: readonly string[]): Promise<Map<string, StatusSnapshot>> {
  const d = store.dialect;
  const ids = only && only.length <= FEW_ACCOUNTS ? only : undefined;
  const rows = await store.query<{ account_id: string; kind: string; m: string; last_name: string; last_change: string; last_day: string }>(
    sql`SELECT account_id, kind, CASE WHEN kind = 'stage' THEN '' ELSE name END AS m, ${d.argMax(sql`name`, sql`seq`)} AS last_name,
      ${d.argMax(sql`change`, sql`seq`)} AS last_change, ${d.argMax(d.dayText(sql`day`), sql`seq`)} AS last_day
    FROM milestone_changes WHERE 1 = 1 ${onlyAccounts(store, sql`account_id`, ids)} GROUP BY account_id, kind, m`,
  );
  const keep = only && !ids ? new Set(only) : null;
  const out = new Map<string, { stage: string; reached: Record<string, Day | null> }>();
  for (const r of rows) {
    if (keep && !keep.has(r.account_id)) continue;
    let s = out.get(r.account_id);
    if (!s) out.set(r.account_id, (s = { stage: firstStage, reached: {} }));
    if (r.kind === 'stage') s.stage = r.last_name;
    else s.reached[r.m] = r.last_change === 'reached' ? asDay(r.last_day) : null;
  }
  return out;
}

/** A whole number for LIMIT or OFFSET, checked and written as text (old ClickHouse binds no value there). */
function count(what: string, n: number): SqlFragment {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid ${what}: ${n}`);
  return raw(String(n));
}

/** Which accounts to read from the materialized statuses. */
export interface StatusFilter {
  accounts?: readonly string[];
  stage?: string;
  plan?: string;
  /** A page, in account id order. */
  limit?: number;
  offset?: number;
  /** false: the milestones' detail is not read (each reads `{}`), for readers of reached days alone such as the funnel: it is most of the read's time. */
  details?: boolean;
  /** false: the days each account held the state-like milestone are not read (no `state_on`): only the funnel needs them. */
  stateDays?: boolean;
}

/**
 * Accounts' statuses from the materialized tables, as the engine would compute them as of
 * the day they were refreshed: the same objects, field for field.
 */
export async function readStatusRows(
  store: Store,
  framework: MilestonesConfig,
  filter: StatusFilter = {},
): Promise<{ as_of: Day | null; accounts: AccountStatus[]; state_on?: NonNullable<MilestoneReport['state_on']> }> {
  const d = store.dialect;
  const where = sql`WHERE 1 = 1 ${onlyAccounts(store, sql`account_id`, filter.accounts)}
    ${filter.stage === undefined ? sql`` : sql`AND stage = ${filter.stage}`} ${filter.plan === undefined ? sql`` : sql`AND plan = ${filter.plan}`}`;
  const page = filter.limit === undefined ? sql`` : sql`LIMIT ${count('limit', filter.limit)} OFFSET ${count('offset', filter.offset ?? 0)}`;
  const rows = await store.query<{
    account_id: string;
    as_of: string;
    stage: string;
    signup_day: string;
    churned_day: string | null;
    plan: string | null;
    seats: string | number | null;
    next_milestone: string | null;
    next_action: string | null;
    next_reason: string | null;
    state_days: string | null;
  }>(
    sql`SELECT account_id, ${d.dayText(sql`as_of`)} AS as_of, stage, ${d.dayText(sql`signup_day`)} AS signup_day, ${d.dayText(sql`churned_day`)} AS churned_day,
      plan, seats, next_milestone, next_action, next_reason, ${filter.stateDays === false ? sql`NULL AS state_days` : sql`state_days`} FROM account_status ${where} ORDER BY account_id ${page}`,
  );
  if (rows.length === 0) return { as_of: null, accounts: [] };
  const byAccount = new Map<string, Record<string, MilestoneResult>>(rows.map((r) => [r.account_id, {}]));
  // A page reads its own accounts' milestones; a whole read reads them all at once.
  const ids = filter.limit === undefined && filter.accounts === undefined ? undefined : rows.map((r) => r.account_id);
  const details = filter.details !== false;
  const milestones = await store.query<{ account_id: string; milestone: string; reached: number | string; reached_day: string | null; progress: number | string; detail?: string }>(
    sql`SELECT account_id, milestone, reached, ${d.dayText(sql`reached_day`)} AS reached_day, progress ${details ? sql`, detail` : sql``} FROM milestone_status
      WHERE 1 = 1 ${onlyAccounts(store, sql`account_id`, ids)}`,
  );
  await mapSliced(milestones, (m) => {
    const own = byAccount.get(m.account_id);
    const detail = details ? (JSON.parse(m.detail!) as Record<string, unknown>) : {};
    if (own) own[m.milestone] = { reached: Number(m.reached) === 1, reached_at: asDay(m.reached_day), progress: Number(m.progress), detail };
  });
  const names = Object.keys(framework.milestones);
  const asOf = asDay(rows[0].as_of)!;
  const accounts = await mapSliced(rows, (r): AccountStatus => {
    const own = byAccount.get(r.account_id)!;
    const churned = asDay(r.churned_day);
    const signup = asDay(r.signup_day)!;
    return {
      account_id: r.account_id,
      stage: r.stage,
      churned: churned !== null,
      churned_day: churned,
      signup_day: signup,
      age_days: daysBetween(signup, asOf),
      plan: r.plan,
      seats: r.seats === null ? null : Number(r.seats),
      // In the framework's order, as the engine gives them.
      milestones: Object.fromEntries(names.filter((n) => own[n]).map((n) => [n, own[n]])),
      next_best_step: r.next_milestone === null ? null : { milestone: r.next_milestone, action: r.next_action ?? '', reason: r.next_reason ?? '' },
    };
  });
  const held = stateMilestone(framework);
  if (held === null || filter.stateDays === false) return { as_of: asOf, accounts };
  return { as_of: asOf, accounts, state_on: { milestone: held, accounts: stateDaysOf(rows) } };
}

/**
 * Every account's status as the funnel reads it (computeFunnel), from the materialized tables:
 * six columns, and each account's reached days packed in one cell, read column by column
 * (drivers build row objects far more slowly), where readStatusRows reads every milestone of
 * every account: the funnel's first answer after a refresh waits on this read.
 */
export async function readFunnelRows(store: Store, framework: MilestonesConfig): Promise<Omit<FunnelStatuses, 'stages'>> {
  const d = store.dialect;
  const held = stateMilestone(framework);
  const names = Object.keys(framework.milestones);
  const [columns, reached] = await Promise.all([
    store.queryColumns(
      sql`SELECT account_id, stage, plan, ${d.dayText(sql`signup_day`)} AS signup_day, ${d.dayText(sql`churned_day`)} AS churned_day,
        ${held === null ? sql`NULL AS state_days` : sql`state_days`} FROM account_status ORDER BY account_id`,
    ),
    names.length === 0
      ? Promise.resolve({ account_id: [], days: [] })
      : store.queryColumns(
          sql`SELECT account_id, ${d.packText(names.map((n) => sql`max(CASE WHEN milestone = ${n} THEN reached_day END)`))} AS days
            FROM milestone_status WHERE reached_day IS NOT NULL GROUP BY account_id`,
        ),
  ]);
  const ids = (columns.account_id ?? []) as string[];
  const col = <T>(name: string) => (columns[name] ?? []) as T[];
  const [stages, plans, signups, churns] = [col<string>('stage'), col<string | null>('plan'), col<string>('signup_day'), col<string | null>('churned_day')];
  const reachedIds = reached.account_id as string[];
  const reachedDays = new Map(reachedIds.map((id, i) => [id, (reached.days[i] as string).split(',')]));
  const accounts = ids.map((id, i): FunnelAccount => {
    const own = reachedDays.get(id);
    const milestones: FunnelAccount['milestones'] = {};
    names.forEach((n, j) => (milestones[n] = { reached_at: own?.[j] || null }));
    const churned = asDay(churns[i]);
    return { account_id: id, stage: stages[i], signup_day: asDay(signups[i])!, churned: churned !== null, churned_day: churned, plan: plans[i], milestones };
  });
  if (held === null) return { accounts };
  const stateDays = col<string | null>('state_days');
  return { accounts, state_on: { milestone: held, accounts: stateDaysOf(ids.map((account_id, i) => ({ account_id, state_days: stateDays[i] }))) } };
}

/** The history's days each account held the state: a day no one held is absent (the funnel reads it as nobody). */
function stateDaysOf(rows: readonly { account_id: string; state_days: string | null }[]): Map<Day, Set<string>> {
  const byDay = new Map<Day, Set<string>>();
  for (const r of rows) {
    for (const day of r.state_days ? r.state_days.split(',') : []) {
      const set = byDay.get(day);
      if (set) set.add(r.account_id);
      else byDay.set(day, new Set([r.account_id]));
    }
  }
  return byDay;
}

/** How many accounts a filter matches (for a page's total). */
export async function countStatusRows(store: Store, filter: Pick<StatusFilter, 'stage' | 'plan'> = {}): Promise<number> {
  const [{ n }] = await store.query<{ n: string | number }>(
    sql`SELECT count(*) AS n FROM account_status WHERE 1 = 1
      ${filter.stage === undefined ? sql`` : sql`AND stage = ${filter.stage}`} ${filter.plan === undefined ? sql`` : sql`AND plan = ${filter.plan}`}`,
  );
  return Number(n);
}
