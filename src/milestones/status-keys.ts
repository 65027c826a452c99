import { join, raw, sql, type SqlFragment, type Store } from '../store/index.js';
import { addDays } from './days.js';
import { lastActiveDays } from './segment-members.js';
import type { SegmentCondition } from './segment-sql.js';
import type { Day } from './types.js';

/** The columns of account_status a list may sort by, each read as it is. */
export const STATUS_KEY_COLUMNS = ['account_id', 'stage', 'plan', 'seats', 'signup_day', 'next_milestone'] as const;

export type StatusKeyColumn = (typeof STATUS_KEY_COLUMNS)[number];

/** What a list sorts by: a column, a milestone's progress, or the last day with events. */
export type StatusKey = { column: StatusKeyColumn } | { milestone: string } | { last_active_day: true };

/** Filters the materialized statuses answer in SQL (bound values only). */
export interface StatusKeyFilter {
  stage?: string;
  plan?: string;
  /** 'YYYY-MM': signed up in this month. */
  signup_month?: string;
  churned?: boolean;
  milestone?: { name: string; reached: boolean };
  /** Segment expressions every account must pass (segmentCondition, as of the statuses' day). */
  segments?: readonly SegmentCondition[];
}

/** The filter as SQL conditions on account_status (bound values only). */
function whereOf(store: Store, filter: StatusKeyFilter): SqlFragment {
  const d = store.dialect;
  const where: SqlFragment[] = [];
  if (filter.stage !== undefined) where.push(sql`stage = ${filter.stage}`);
  if (filter.plan !== undefined) where.push(sql`plan = ${filter.plan}`);
  if (filter.churned !== undefined) where.push(filter.churned ? sql`churned_day IS NOT NULL` : sql`churned_day IS NULL`);
  if (filter.signup_month !== undefined) {
    const first = `${filter.signup_month}-01`;
    where.push(sql`signup_day >= ${d.date(first)} AND signup_day < ${d.date(addDays(first, 32).slice(0, 8) + '01')}`);
  }
  if (filter.milestone !== undefined) {
    where.push(sql`account_id IN (SELECT account_id FROM milestone_status WHERE milestone = ${filter.milestone.name} AND reached = ${filter.milestone.reached ? 1 : 0})`);
  }
  for (const segment of filter.segments ?? []) where.push(segment.sql);
  return where.length ? sql`WHERE ${join(where, ' AND ')}` : sql``;
}

/** A whole number for LIMIT or OFFSET, checked and written as text (old ClickHouse binds no value there). */
function whole(what: string, n: number): SqlFragment {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid ${what}: ${n}`);
  return raw(String(n));
}

/** How many accounts of the materialized statuses pass `filter`. */
export async function statusCount(store: Store, filter: StatusKeyFilter): Promise<number> {
  const [{ n }] = await store.query<{ n: string | number }>(sql`SELECT count(*) AS n FROM account_status ${whereOf(store, filter)}`);
  return Number(n);
}

/**
 * A page of the materialized statuses sorted by one column, in SQL: how many accounts pass
 * `filter`, and the ids of those from `offset` on. Missing values come last either way, ties go
 * by account id. `stages`: the journey's stage names in order, when sorting by stage (its
 * place on the journey). Call it when the statuses are current (currentStatuses).
 */
export async function statusPage(
  store: Store,
  filter: StatusKeyFilter,
  sort: { column: StatusKeyColumn; desc: boolean; stages?: readonly string[] },
  limit: number,
  offset: number,
): Promise<{ total: number; ids: string[] }> {
  if (!(STATUS_KEY_COLUMNS as readonly string[]).includes(sort.column)) throw new Error(`invalid status key: ${sort.column}`);
  const conditions = whereOf(store, filter);
  const key =
    sort.column === 'stage' && sort.stages
      ? sql`CASE ${join(sort.stages.map((s, i) => sql`WHEN stage = ${s} THEN ${raw(String(i))}`), ' ')} ELSE -1 END`
      : raw(sort.column);
  const n = await statusCount(store, filter);
  const rows = await store.query<{ account_id: string }>(
    sql`SELECT account_id FROM account_status ${conditions} ORDER BY ${key} IS NULL, ${key} ${raw(sort.desc ? 'DESC' : 'ASC')}, account_id
      LIMIT ${whole('limit', limit)} OFFSET ${whole('offset', offset)}`,
  );
  return { total: n, ids: rows.map((r) => r.account_id) };
}

/**
 * The accounts of the materialized statuses that pass `filter`, each with its value of one
 * key and nothing else: what a page of a list needs to sort and count before it reads its own
 * rows in full, when the sort or a filter is not SQL's to do ({@link statusPage} is). Reads
 * two columns where reading every status would read them all, with the milestones. Call it
 * when the statuses are current (currentStatuses); `asOf` is their day, for the last active day.
 */
export async function statusKeys(store: Store, asOf: Day, filter: StatusKeyFilter, key: StatusKey): Promise<{ account_id: string; value: string | number | null }[]> {
  const d = store.dialect;
  const conditions = whereOf(store, filter);
  if ('column' in key) {
    if (!(STATUS_KEY_COLUMNS as readonly string[]).includes(key.column)) throw new Error(`invalid status key: ${key.column}`);
    const column = key.column === 'signup_day' ? d.dayText(sql`signup_day`) : raw(key.column);
    const rows = await store.query<{ account_id: string; value: string | number | null }>(sql`SELECT account_id, ${column} AS value FROM account_status ${conditions}`);
    return key.column === 'seats' ? rows.map((r) => ({ account_id: r.account_id, value: r.value === null ? null : Number(r.value) })) : rows;
  }
  const ids = await store.query<{ account_id: string }>(sql`SELECT account_id FROM account_status ${conditions}`);
  let values: Map<string, string | number | null>;
  if ('milestone' in key) {
    const rows = await store.query<{ account_id: string; progress: string | number }>(sql`SELECT account_id, progress FROM milestone_status WHERE milestone = ${key.milestone}`);
    values = new Map(rows.map((r) => [r.account_id, Number(r.progress)]));
  } else {
    values = await lastActiveDays(store, asOf);
  }
  return ids.map((r) => ({ account_id: r.account_id, value: values.get(r.account_id) ?? null }));
}
