import { TABLES, type TableName } from './schema.js';
import { ident, join, sql, type SqlFragment } from './sql/fragment.js';
import type { Store } from './store.js';

/**
 * Moving a workspace's data from one store to another (`cairn migrate`): the tables copied as
 * they are (message ids, arrival times, sources, quarantine ids kept), in TABLES column order,
 * timestamps as epoch milliseconds and days as 'YYYY-MM-DD', so any engine reads and writes
 * them alike. The daily rollup is not copied: the target derives it from the events.
 */
export const COPIED_TABLES = [
  'accounts',
  'account_history',
  'users',
  'user_account_changes',
  'events',
  'quarantine',
  'plan_violations',
  'checkpoints',
  'launch_ledger',
  // The statuses with their history: the feed's seq numbers and framework versions go on from there.
  'framework_versions',
  'milestone_changes',
  'account_status',
  'milestone_status',
  'status_refreshes',
  // What Cairn did: segment entries (a feed, as milestone_changes), scheduled runs, webhook deliveries with the dead letters.
  'segment_changes',
  'job_runs',
  'webhook_deliveries',
] as const satisfies readonly TableName[];
export type CopiedTable = (typeof COPIED_TABLES)[number];

export type CopiedValue = string | number | null;

/** A store that takes rows exported from another as they are. */
export interface RestoringStore extends Store {
  restore(table: CopiedTable, rows: readonly (readonly CopiedValue[])[]): Promise<void>;
}

/** Tables read in pages by a unique key (a message id is unique per source); the others are small and read whole. */
const PAGE_KEY: Partial<Record<CopiedTable, readonly [string] | readonly [string, string]>> = {
  events: ['message_id', 'source'],
  accounts: ['account_id'],
  users: ['user_id'],
  quarantine: ['id'],
  milestone_changes: ['seq'],
  account_status: ['account_id'],
  milestone_status: ['account_id', 'milestone'],
  segment_changes: ['seq'],
  webhook_deliveries: ['id'],
};

/** The rows of a table, a page at a time, each in TABLES column order. */
export async function* exportRows(store: Store, table: CopiedTable, pageSize = 100_000): AsyncGenerator<CopiedValue[][]> {
  const d = store.dialect;
  const columns = TABLES[table].columns;
  const select = join(
    columns.map((c): SqlFragment => {
      const col = ident(c.name);
      if (c.type === 'timestamp') return sql`${d.epochMs(sql`${col}`)} AS ${col}`;
      if (c.type === 'date') return sql`${d.dayText(sql`${col}`)} AS ${col}`;
      return sql`${col}`;
    }),
  );
  const convert = (row: Record<string, unknown>): CopiedValue[] =>
    columns.map((c) => {
      const v = row[c.name];
      if (v === null || v === undefined) return null;
      return c.type === 'text' || c.type === 'json' || c.type === 'date' ? String(v) : Number(v);
    });
  const key = PAGE_KEY[table];
  if (!key) {
    yield (await store.query<Record<string, unknown>>(sql`SELECT ${select} FROM ${ident(table)}`)).map(convert);
    return;
  }
  const [first, second] = key.map((k) => ident(k));
  // 64-bit keys come back as text; they are bound as numbers again.
  const numeric = new Set<string>(columns.filter((c) => c.type === 'bigint' || c.type === 'integer').map((c) => c.name));
  const order = second ? sql`${first}, ${second}` : sql`${first}`;
  const after = (last: Record<string, unknown>): SqlFragment => {
    const v = (k: string) => (numeric.has(k) ? Number(last[k]) : last[k]);
    return second ? sql`WHERE ${first} > ${v(key[0])} OR (${first} = ${v(key[0])} AND ${second} > ${v(key[1]!)})` : sql`WHERE ${first} > ${v(key[0])}`;
  };
  for (let where = sql``; ; ) {
    const rows: Record<string, unknown>[] = await store.query(sql`SELECT ${select} FROM ${ident(table)} ${where} ORDER BY ${order} LIMIT ${pageSize}`);
    if (rows.length === 0) return;
    yield rows.map(convert);
    if (rows.length < pageSize) return;
    where = after(rows[rows.length - 1]);
  }
}

/** What a copy is checked by: rows per table, and the rollup's total against the events'. */
export async function copyCounts(store: Store): Promise<Record<string, number>> {
  const [row] = await store.query<Record<string, unknown>>(sql`SELECT
    (SELECT count(*) FROM events) AS events, (SELECT coalesce(sum(count), 0) FROM events) AS event_occurrences,
    (SELECT coalesce(sum(n), 0) FROM account_activity) AS rollup_occurrences,
    (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM account_history) AS account_history,
    (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM user_account_changes) AS user_account_changes, (SELECT count(*) FROM quarantine) AS quarantine,
    (SELECT coalesce(sum(n), 0) FROM plan_violations) AS plan_violations, (SELECT count(*) FROM checkpoints) AS checkpoints,
    (SELECT count(*) FROM launch_ledger) AS launch_ledger,
    (SELECT count(*) FROM milestone_changes) AS milestone_changes, (SELECT count(*) FROM account_status) AS account_status,
    (SELECT count(*) FROM milestone_status) AS milestone_status, (SELECT count(*) FROM framework_versions) AS framework_versions,
    (SELECT count(*) FROM status_refreshes) AS status_refreshes, (SELECT count(*) FROM segment_changes) AS segment_changes,
    (SELECT count(*) FROM job_runs) AS job_runs, (SELECT count(*) FROM webhook_deliveries) AS webhook_deliveries`);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}
