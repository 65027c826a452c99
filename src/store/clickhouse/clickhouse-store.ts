import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import {
  IMPORT_SOURCE,
  redactCredentials,
  type Account,
  type AccountFactsAuthority,
  type AccountHistoryRow,
  type AccountPatch,
  type PlanViolation,
  type QuarantineEntry,
  type TrackedEvent,
  type UserPatch,
} from '../../model/index.js';
import { EVENT_BATCH_COLUMNS, EventBatchWriter, repeatedHashes, type EventBatch } from '../event-batch-file.js';
import { groupViolations, patchedAccounts, patchedUsers, queryByIds } from '../patches.js';
import { readStats } from '../stats-queries.js';
import { join, raw, sql, type SqlFragment } from '../sql/fragment.js';
import type { ColumnDef } from '../sql/dialect.js';
import type { CopiedTable, CopiedValue, RestoringStore } from '../copy-tables.js';
import { TABLES, type AppendOnlyTable, type TableName } from '../schema.js';
import { LEASE_NAME, changeSeq, changeSeqs, type CollectedWrite, type RecordTable, type QuarantineChange, type StatusRefreshLease, type StatusRefreshResult, type StatusRefreshWrite, type StoreStats, type WriteResult } from '../store.js';
import { ClickHouseDialect, type ClickHouseFeatures } from './clickhouse-dialect.js';
import type { ClickHouseDriver } from './clickhouse-driver.js';
import { RefreshClaims } from './clickhouse-refresh-claims.js';
import { MIGRATIONS, SCHEMA_VERSION, dataTable, type SchemaTarget } from './clickhouse-schema.js';
import { escapeBatchBackslashes, tsvRows } from './clickhouse-tsv.js';

export interface ClickHouseStoreOptions {
  driver: ClickHouseDriver;
  /** The database the driver is in (a Distributed table names it). */
  database: string;
  /** Sharded over a cluster: its name, and a driver for every host of it (schema changes run on each); the store closes them. */
  cluster?: { name: string; hosts: readonly { url: string; driver: ClickHouseDriver }[] };
  /** How long a status refresh's claim holds without a heartbeat (default 60 s; see clickhouse-refresh-claims.ts). */
  statusLeaseMs?: number;
}

const STAGE_COLUMNS = EVENT_BATCH_COLUMNS.map(([name, type]) => `${name} ${type === 'text' ? 'String' : type === 'bigint' ? 'Int64' : 'Int32'}`).join(', ');

/**
 * The store on a ClickHouse server (or chdb). ClickHouse has no transactions, so every write is
 * made safe to repeat: events are checked against the stored message ids before they go in
 * (and collapse by key if two writers raced), versioned rows replace by key, and rows a
 * collector generation writes take ids derived from that generation.
 */
export class ClickHouseStore implements RestoringStore {
  private lastVersion = 0;
  private closed: Promise<void> | null = null;
  /** Where status refreshes claim their ids: the server, or the cluster's first shard (set by migrate). */
  private claimHost: ClickHouseDriver;
  private claimsMade: RefreshClaims | null = null;

  private constructor(
    private readonly driver: ClickHouseDriver,
    readonly dialect: ClickHouseDialect,
    private readonly options: ClickHouseStoreOptions,
  ) {
    this.claimHost = driver;
  }

  private get claims(): RefreshClaims {
    return (this.claimsMade ??= new RefreshClaims(this.claimHost, this.options.statusLeaseMs ?? 60_000));
  }

  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const driver = options.cluster ? naming(options.cluster.name, options.driver) : options.driver;
    const features = await detectFeatures(driver);
    const store = new ClickHouseStore(driver, new ClickHouseDialect(features), options);
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** Creates the schema on first use and brings an older one up to this version, on every host. */
  async migrate(): Promise<void> {
    const { cluster, database } = this.options;
    if (!cluster) return this.migrateHost(this.driver, { database });
    const first = await checkClusterHosts(cluster.name, cluster.hosts);
    for (const host of cluster.hosts) await this.migrateHost(host.driver, { database, cluster: cluster.name });
    // Every process finds the same first shard, whichever host its url names.
    if (!this.claimsMade) this.claimHost = naming(cluster.name, first.driver);
  }

  private async migrateHost(driver: ClickHouseDriver, target: SchemaTarget): Promise<void> {
    await driver.command('CREATE TABLE IF NOT EXISTS cairn_schema (version UInt32, applied_at Int64) ENGINE = TinyLog', {});
    const [row] = await driver.query<{ v: string | number }>('SELECT max(version) AS v FROM cairn_schema', {});
    const current = Number(row?.v ?? 0);
    if (current > SCHEMA_VERSION) throw new Error(`the ClickHouse schema is version ${current}, newer than this Cairn (${SCHEMA_VERSION}); upgrade Cairn`);
    const host = { command: (q: string) => driver.command(q, {}), query: <T>(q: string) => driver.query<T>(q, {}) };
    if (current === 0) {
      // An empty database: the first step makes the current schema; the others upgrade older ones.
      const [{ n }] = await host.query<{ n: string | number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name != 'cairn_schema'");
      if (Number(n) === 0) {
        await MIGRATIONS[0].apply(host, this.dialect, target);
        await driver.command(`INSERT INTO cairn_schema VALUES (${SCHEMA_VERSION}, ${Date.now()})`, {});
        return;
      }
    }
    for (const step of MIGRATIONS) {
      if (step.version <= current) continue;
      // Each step is safe to run again, so a migration cut short is finished by the next start.
      await step.apply(host, this.dialect, target);
      await driver.command(`INSERT INTO cairn_schema VALUES (${step.version}, ${Date.now()})`, {});
    }
  }

  async execute(fragment: SqlFragment): Promise<void> {
    const q = this.compile(fragment);
    await this.driver.command(q.text, q.params);
  }

  query<T = Record<string, unknown>>(fragment: SqlFragment): Promise<T[]> {
    const q = this.compile(fragment);
    return this.driver.query<T>(q.text, q.params);
  }

  queryColumns(fragment: SqlFragment): Promise<Record<string, unknown[]>> {
    const q = this.compile(fragment);
    return this.driver.queryColumns(q.text, q.params);
  }

  private compile(fragment: SqlFragment): { text: string; params: Record<string, unknown> } {
    const q = this.dialect.compile(fragment);
    // Without query parameters the values were inlined as literals.
    if (!this.dialect.features.queryParameters) return { text: q.text, params: {} };
    return { text: q.text, params: Object.fromEntries(q.params.map((v, i) => [`p${i + 1}`, v])) };
  }

  private lastId = 0;

  /** The first of `n` ids from the clock (ms × 1024): later entries get larger ids. */
  private clockIds(n: number): number {
    const first = Math.max(Date.now() * 1024, this.lastId + 1);
    this.lastId = first + n - 1;
    return first;
  }

  /** A version newer than any this process gave before (replacing rows keep the newest). */
  private nextVersion(): number {
    this.lastVersion = Math.max(Date.now() * 1000, this.lastVersion + 1);
    return this.lastVersion;
  }

  async loadEventBatch(batch: EventBatch, source: string): Promise<WriteResult> {
    if (batch.files.length === 0) return { inserted: 0, duplicates: 0 };
    const token = randomBytes(6).toString('hex');
    const stage = `cairn_stage_${token}`;
    const fresh = `cairn_fresh_${token}`;
    try {
      await this.driver.command(`CREATE TABLE ${stage} (${STAGE_COLUMNS}) ENGINE = Memory`, {});
      const columns = EVENT_BATCH_COLUMNS.map(([name]) => name);
      for (const file of batch.files) await this.driver.insertTsv(stage, columns, createReadStream(file).pipe(escapeBatchBackslashes()));
      // The first row of each id (by file and line) not stored yet by this source or an import
      // (an import's by any source: model/source.ts), looked for among its accounts' events. The
      // stored rows are probed with the batch's ids, so only the ids found make a set.
      const within = source === IMPORT_SOURCE ? sql`` : sql` AND source IN (${source}, ${IMPORT_SOURCE})`;
      await this.execute(sql`CREATE TABLE ${rawName(fresh)} ENGINE = Memory AS SELECT * FROM ${rawName(stage)}
        WHERE message_id NOT IN (SELECT message_id FROM events_data WHERE account_id GLOBAL IN (SELECT account_id FROM ${rawName(stage)})
          AND message_id GLOBAL IN (SELECT message_id FROM ${rawName(stage)})${within})
        ORDER BY file_no, line LIMIT 1 BY message_id`);
      const receivedAt = Date.now();
      await this.execute(sql`INSERT INTO events_data (message_id, account_id, user_id, anonymous_id, action, object, place, metadata, timestamp, count, received_at, source)
        SELECT message_id, account_id, nullIf(user_id, ''), nullIf(anonymous_id, ''), action, object, nullIf(place, ''), metadata,
          timestamp_ms, count, ${receivedAt}, ${source} FROM ${rawName(fresh)}`);
      // Users: the earliest time seen, and the account of that first event unless one is known.
      await this.execute(sql`INSERT INTO users_data (user_id, account_id, first_seen, traits, version)
        SELECT user_id, if(old_account IS NULL OR old_account = '', new_account, old_account),
          if(old_first IS NULL, new_first, least(old_first, new_first)), ifNull(old_traits, '{}'), ${this.nextVersion()}
        FROM (SELECT user_id, argMin(account_id, timestamp_ms) AS new_account, min(timestamp_ms) AS new_first FROM ${rawName(fresh)}
          WHERE user_id != '' GROUP BY user_id) AS f
        ANY LEFT JOIN (SELECT user_id, account_id AS old_account, first_seen AS old_first, traits AS old_traits FROM users
          WHERE user_id GLOBAL IN (SELECT user_id FROM ${rawName(fresh)})) AS u USING user_id`);
      const inserted = await this.reconcile(fresh, source);
      return { inserted, duplicates: batch.rows - inserted };
    } finally {
      for (const t of [stage, fresh]) await this.driver.command(`DROP TABLE IF EXISTS ${t}`, {}).catch(() => undefined);
    }
  }

  /**
   * Two writers that check the same new message id at the same moment both store it: the events
   * table keeps one (FINAL), but the rollup's view counted both. After each write its ids are
   * counted again among the stored rows (key columns only): more rows than ids means some id was
   * stored twice, and for the accounts and days of such ids the rollup is counted again from the
   * events; where it disagrees a correction (the whole difference, newest version wins) is
   * written. Of two racing writers the later one sees both copies, so the rollup ends exact; the
   * correction being a whole value, two writers correcting at once write the same row. Returns
   * the rows this write stored.
   */
  private async reconcile(fresh: string, source: string): Promise<number> {
    const freshRows = rawName(fresh);
    const ours = sql`account_id GLOBAL IN (SELECT account_id FROM ${freshRows}) AND message_id GLOBAL IN (SELECT message_id FROM ${freshRows}) AND source = ${source}`;
    const [{ n, stored }] = await this.query<{ n: string | number; stored: string | number }>(
      sql`SELECT (SELECT count() FROM ${freshRows}) AS n, count() AS stored FROM events_data WHERE ${ours}`,
    );
    if (Number(stored) > Number(n)) {
      const day = this.dialect.day(sql`timestamp`);
      const [raced] = await this.query<{ accounts: string[]; days: string[] }>(sql`
        SELECT groupUniqArray(account_id) AS accounts, groupUniqArrayArray(days) AS days FROM (
          SELECT account_id, groupUniqArray(toString(${day})) AS days FROM events_data WHERE ${ours}
          GROUP BY account_id, message_id HAVING count() > 1
        ) AS raced`);
      if (raced.accounts.length > 0) await this.correctRollup(raced.accounts, raced.days);
    }
    return Number(n);
  }

  /** Writes a correction for every rollup key of these accounts and days that disagrees with the events. */
  private async correctRollup(accountIds: readonly string[], dayList: readonly string[]): Promise<void> {
    // Filters sit on the physical tables (18.16 does not push them into views): the primary key finds the accounts.
    const accounts = sql`account_id IN (${join(accountIds.map((a) => sql`${a}`))})`;
    const days = join(dayList.map((day) => this.dialect.date(day)));
    const eventDay = this.dialect.day(sql`timestamp`);
    const key = raw('account_id, day, action, object, place');
    await this.execute(sql`INSERT INTO activity_corrections (account_id, day, action, object, place, n, version)
      SELECT ${key}, truth - counted AS n, ${this.nextVersion()} FROM (
        SELECT ${key}, sum(t) AS truth, sum(c) AS counted, sum(k) AS corrected FROM (
          SELECT account_id, ${eventDay} AS day, action, object, ifNull(place, '') AS place, toInt64(sum(count)) AS t, toInt64(0) AS c, toInt64(0) AS k
            FROM events_data FINAL WHERE ${accounts} AND ${eventDay} IN (${days}) GROUP BY account_id, day, action, object, place
          UNION ALL SELECT ${key}, toInt64(0) AS t, toInt64(sum(n)) AS c, toInt64(0) AS k FROM activity_deltas WHERE ${accounts} AND day IN (${days}) GROUP BY ${key}
          UNION ALL SELECT ${key}, toInt64(0) AS t, toInt64(0) AS c, n AS k FROM activity_corrections FINAL WHERE ${accounts} AND day IN (${days})
        ) AS u GROUP BY ${key}
      ) AS diff WHERE truth - counted != corrected`);
  }

  async insertEvents(events: readonly TrackedEvent[], source: string): Promise<WriteResult> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    const dir = mkdtempSync(joinPath(tmpdir(), 'cairn-batch-'));
    try {
      const writer = new EventBatchWriter(joinPath(dir, 'events.tsv'));
      events.forEach((e, i) => writer.write(0, i, e));
      writer.close();
      return await this.loadEventBatch({ files: [writer.path], rows: writer.rows, repeatedHashes: repeatedHashes(writer.hashes()) }, source);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async upsertAccounts(accounts: readonly Account[]): Promise<number> {
    const rows = [...new Map(accounts.map((a) => [a.accountId, a])).values()];
    // The facts are replaced and marked as the file's; traits gathered from group calls stay.
    const stored = await queryByIds<{ account_id: string; traits: string }>(this, (ids) => sql`SELECT account_id, traits FROM accounts WHERE account_id IN (${ids})`, rows.map((a) => a.accountId));
    const traits = new Map(stored.map((r) => [r.account_id, r.traits]));
    const version = this.nextVersion();
    await this.insertRows('accounts_data', ACCOUNT_COLUMNS, rows.map((a) => [
      a.accountId, a.name, a.createdAt, a.plan, a.seats, a.churnedAt, traits.get(a.accountId) ?? '{}', IMPORT_SOURCE, version,
    ]));
    return rows.length;
  }

  async upsertAccountHistory(history: readonly AccountHistoryRow[]): Promise<number> {
    const rows = [...new Map(history.map((h) => [`${h.accountId}\u0001${h.validFrom}`, h])).values()];
    const version = this.nextVersion();
    await this.insertRows('account_history_data', ['account_id', 'valid_from', 'plan', 'seats', 'mrr', 'status', 'version'], rows.map((h) => [
      h.accountId, h.validFrom, h.plan, h.seats, h.mrr, h.status, version,
    ]));
    return rows.length;
  }

  async append(table: AppendOnlyTable, rows: readonly Record<string, unknown>[]): Promise<void> {
    const columns = TABLES[table].columns;
    const values = rows.map((row) => columns.map((c) => appendedValue(table, c, row[c.name])));
    await this.insertRows(dataTable(table), columns.map((c) => c.name), values);
  }

  async addToQuarantine(entries: readonly QuarantineEntry[]): Promise<void> {
    await this.insertQuarantine(entries, null);
  }

  /**
   * Quarantine ids: from the write's checkpoint when it has one (the same generation applied
   * again gives the same ids, so its entries replace themselves), else from the clock.
   */
  private async insertQuarantine(entries: readonly QuarantineEntry[], checkpoint: { name: string; value: number } | null): Promise<void> {
    if (entries.length === 0) return;
    const version = this.nextVersion();
    const base = checkpoint ? idBase(`${checkpoint.name}:${checkpoint.value}`) : this.clockIds(entries.length);
    await this.insertRows('quarantine_data', ['id', 'received_at', 'kind', 'source', 'file', 'line', 'reason', 'field', 'message', 'payload', 'deleted', 'version'], entries.map((q, i) => [
      quarantineId(base, i), q.receivedAt, q.kind, q.source, q.file, q.line, q.reason, q.field, q.message, redactCredentials(q.payload), 0, version,
    ]));
  }

  async updateQuarantine(changes: readonly QuarantineChange[]): Promise<void> {
    if (changes.length === 0) return;
    const byId = new Map(changes.map((c) => [c.id, c]));
    await this.rewriteQuarantine([...byId.keys()], (row) => {
      const c = byId.get(Number(row.id))!;
      return { ...row, reason: c.reason, field: c.field, message: c.message };
    });
  }

  /** Writes a newer version of the given quarantine entries, changed by `change`. */
  private async rewriteQuarantine(ids: readonly number[], change: (row: QuarantineRow) => QuarantineRow): Promise<void> {
    const rows = await queryByIds<QuarantineRow>(
      this,
      (list) => sql`SELECT id, received_at, kind, source, file, line, reason, field, message, payload, deleted FROM quarantine WHERE id IN (${list})`,
      ids,
    );
    const version = this.nextVersion();
    await this.insertRows('quarantine_data', ['id', 'received_at', 'kind', 'source', 'file', 'line', 'reason', 'field', 'message', 'payload', 'deleted', 'version'], rows.map((r) => {
      const c = change(r);
      return [c.id, c.received_at, c.kind, c.source, c.file, c.line, c.reason, c.field, c.message, c.payload, c.deleted, version];
    }));
  }

  /**
   * No transaction to lean on: the parts go in an order that is safe to repeat, the
   * checkpoint last, so a generation applied again after a crash changes nothing twice.
   */
  async applyCollected(write: CollectedWrite): Promise<WriteResult> {
    const total: WriteResult = { inserted: 0, duplicates: 0 };
    for (const part of write.events) {
      const r = 'batch' in part ? await this.loadEventBatch(part.batch, part.source) : await this.insertEvents(part.events, part.source);
      total.inserted += r.inserted;
      total.duplicates += r.duplicates;
    }
    const refused = await this.patchAccounts(write.accounts, write.accountFacts ?? 'import');
    await this.insertQuarantine([...write.quarantine, ...refused], write.checkpoint ?? null);
    await this.insertViolations(write.violations, write.checkpoint ? `${write.checkpoint.name}:${write.checkpoint.value}` : `w${this.nextVersion()}`);
    await this.patchUsers(write.users);
    if (write.replayed?.length) await this.rewriteQuarantine(write.replayed.map(Number), (r) => ({ ...r, deleted: 1 }));
    if (write.checkpoint) {
      await this.insertRows('checkpoints_data', ['name', 'value', 'version'], [[write.checkpoint.name, write.checkpoint.value, this.nextVersion()]]);
    }
    return total;
  }

  /** One at a time across processes: the refresh claims its id (clickhouse-refresh-claims.ts). */
  async withStatusRefresh<T>(work: (lease: StatusRefreshLease) => Promise<T>): Promise<T> {
    const held = await this.claims.claim(() => this.lastRefresh());
    try {
      const result = await work(held.lease);
      await held.end(true);
      return result;
    } catch (err) {
      await held.end(false).catch(() => undefined);
      throw err;
    }
  }

  private leaseClaims = new Map<string, RefreshClaims>();

  /** A lease is claimed as a refresh is (clickhouse-refresh-claims.ts), under its own name. */
  async withLease<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!LEASE_NAME.test(name)) throw new Error(`invalid lease name: ${name}`);
    let claims = this.leaseClaims.get(name);
    if (!claims) this.leaseClaims.set(name, (claims = new RefreshClaims(this.claimHost, this.options.statusLeaseMs ?? 60_000, `lease_${name}`)));
    const held = await claims.claim(async () => 0);
    try {
      const result = await work();
      await held.end(true);
      return result;
    } catch (err) {
      await held.end(false).catch(() => undefined);
      throw err;
    }
  }

  /** Keyed rows carry a newer version, so the view shows the last one written. */
  async writeRows(table: RecordTable, rows: readonly Record<string, unknown>[]): Promise<void> {
    await this.insertObjects(table, rows, 'key' in TABLES[table] ? { version: this.nextVersion() } : {});
  }

  private async lastRefresh(): Promise<number> {
    const [row] = await this.query<{ last: string | number }>(sql`SELECT max(id) AS last FROM status_refreshes`);
    return Number(row?.last ?? 0);
  }

  /**
   * No transaction: every row is written before the refresh's record in status_refreshes,
   * which the views read as its commit (clickhouse-schema.ts): until then its changes and a
   * new framework version stay hidden, and its status rows, correct for the data, are read
   * with the stale mark the refresh set before (src/milestones refresh-statuses.ts). Rows of
   * the accounts it covered replace theirs by key, the refresh id being their version.
   */
  async applyStatusRefresh(write: StatusRefreshWrite): Promise<StatusRefreshResult> {
    const r = write.refresh;
    const now = Date.now();
    const by = { refresh: r.id };
    if (write.version) await this.insertObjects('framework_versions', [{ ...write.version, recorded_at: now }], by);
    await this.insertObjects('milestone_changes', write.changes.map((c, i) => ({ ...c, seq: changeSeq(r.id, i), recorded_at: now })));
    await this.insertObjects('account_status', write.accounts, by);
    await this.insertObjects('milestone_status', write.milestones.map((m) => ({ ...m, reached: m.reached ? 1 : 0 })), by);
    if (await this.claims.overtaken(r.id)) throw new Error(`status refresh ${r.id} was overtaken by a later one (it outlived its claim): its changes are left unrecorded`);
    const accounts = write.replace === 'all' ? write.accounts.length : write.replace.length;
    await this.insertObjects('status_refreshes', [{ ...r, accounts, changes: write.changes.length, finished_at: now }]);
    if (write.checkpoint) await this.insertRows('checkpoints_data', ['name', 'value', 'version'], [[write.checkpoint.name, write.checkpoint.value, this.nextVersion()]]);
    return { refresh: r.id, seq: changeSeqs(r.id, write.changes.length) };
  }

  async checkpoint(name: string): Promise<number | null> {
    const rows = await this.query<{ value: string | number }>(sql`SELECT value FROM checkpoints WHERE name = ${name}`);
    return rows.length ? Number(rows[0].value) : null;
  }

  /** Counts per day, source, event and reason, with the first example of each. */
  private async insertViolations(violations: readonly PlanViolation[], writeKey: string): Promise<void> {
    await this.insertRows('plan_violations_data', ['day', 'source', 'action', 'object', 'reason', 'field', 'n', 'example', 'write_key'], groupViolations(violations).map(({ v, day, n }) => [
      day, v.source, v.action, v.object, v.reason, v.field, n, v.example, writeKey,
    ]));
  }

  /** Writes the patched accounts; returns the calls refused, to be quarantined with the write. */
  private async patchAccounts(patches: readonly AccountPatch[], authority: AccountFactsAuthority): Promise<QuarantineEntry[]> {
    if (patches.length === 0) return [];
    const { rows, refused } = await patchedAccounts(this, patches, authority);
    const version = this.nextVersion();
    await this.insertRows('accounts_data', ACCOUNT_COLUMNS, rows.map((a) => [
      a.accountId, a.name, a.createdAt, a.plan, a.seats, a.churnedAt, JSON.stringify(a.traits), a.factsSource, version,
    ]));
    return refused;
  }

  /** Writes the moves between accounts first (repeats collapse), then the patched users. */
  private async patchUsers(patches: readonly UserPatch[]): Promise<void> {
    if (patches.length === 0) return;
    const { rows, moves } = await patchedUsers(this, patches);
    await this.insertRows('user_account_changes_data', ['user_id', 'from_account', 'to_account', 'source', 'changed_at'], moves.map((m) => [
      m.userId, m.fromAccount, m.toAccount, m.source, m.changedAt,
    ]));
    const version = this.nextVersion();
    await this.insertRows('users_data', ['user_id', 'account_id', 'first_seen', 'traits', 'version'], rows.map((u) => [
      u.userId, u.accountId, u.firstSeen, JSON.stringify(u.traits), version,
    ]));
  }

  /** Bulk-inserts rows as tab-separated text: values never become SQL. */
  private async insertRows(table: string, columns: readonly string[], rows: readonly (readonly (string | number | null)[])[]): Promise<void> {
    if (rows.length === 0) return;
    await this.driver.insertTsv(table, columns, tsvRows(rows));
  }

  /** Rows as objects, written in their table's columns (TABLES) and the physical table's `extra` ones. */
  private insertObjects(table: Exclude<TableName, 'account_activity'>, rows: readonly object[], extra: Record<string, number> = {}): Promise<void> {
    const columns = TABLES[table].columns.map((c) => c.name);
    const values = Object.values(extra);
    return this.insertRows(dataTable(table), [...columns, ...Object.keys(extra)], rows.map((row) => [...columns.map((c) => (row as Record<string, string | number | null>)[c]), ...values]));
  }

  private restored = 0;

  /** Rows exported from another store (copy-tables.ts), written as they are; the rollup follows the events. */
  async restore(table: CopiedTable, rows: readonly (readonly CopiedValue[])[]): Promise<void> {
    const columns = TABLES[table].columns.map((c) => c.name);
    const version = this.nextVersion();
    // Delta rows of one key stay apart: each gets a write key of its own.
    const extra: Record<CopiedTable, { names: string[]; values: () => CopiedValue[] }> = {
      events: { names: [], values: () => [] },
      accounts: { names: ['version'], values: () => [version] },
      account_history: { names: ['version'], values: () => [version] },
      users: { names: ['version'], values: () => [version] },
      user_account_changes: { names: [], values: () => [] },
      checkpoints: { names: ['version'], values: () => [version] },
      quarantine: { names: ['deleted', 'version'], values: () => [0, version] },
      plan_violations: { names: ['write_key'], values: () => [`migrated:${this.restored++}`] },
      launch_ledger: { names: [], values: () => [] },
      // Copied statuses stand until the first refresh here replaces them.
      account_status: { names: ['refresh'], values: () => [0] },
      milestone_status: { names: ['refresh'], values: () => [0] },
      milestone_changes: { names: [], values: () => [] },
      framework_versions: { names: ['refresh'], values: () => [0] },
      status_refreshes: { names: [], values: () => [] },
      segment_changes: { names: [], values: () => [] },
      job_runs: { names: [], values: () => [] },
      webhook_deliveries: { names: ['version'], values: () => [version] },
    };
    const e = extra[table];
    await this.insertRows(`${table}_data`, [...columns, ...e.names], rows.map((r) => [...r, ...e.values()]));
  }

  stats(): Promise<StoreStats> {
    return readStats(this);
  }

  close(): Promise<void> {
    this.claimsMade?.close();
    for (const claims of this.leaseClaims.values()) claims.close();
    const others = (this.options.cluster?.hosts ?? []).map((h) => h.driver).filter((d) => d !== this.options.driver);
    return (this.closed ??= Promise.all([this.driver, ...others].map((d) => d.close())).then(() => undefined));
  }
}

const ACCOUNT_COLUMNS = ['account_id', 'name', 'created_at', 'plan', 'seats', 'churned_at', 'traits', 'facts_source', 'version'];

interface QuarantineRow {
  id: string | number;
  received_at: string | number;
  kind: string;
  source: string;
  file: string | null;
  line: string | number | null;
  reason: string;
  field: string | null;
  message: string;
  payload: string;
  deleted: number;
}

/** A table or column name Cairn made itself (never from input). */
function rawName(name: string): SqlFragment {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid identifier: ${name}`);
  return raw(name);
}

/** A 53-bit number from text (FNV-1a, 64-bit), so ids derived from a generation are stable. */
function idBase(text: string): number {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  // Room below 2^53 for up to 2^20 entries per write.
  return Number(h >> 31n) * 2 ** 20;
}

const quarantineId = (base: number, i: number): number => base + i;

/**
 * Every host of the cluster must be reached for its schema (there is no distributed DDL queue
 * without ZooKeeper): each host given must be one of the cluster's, and all of them given.
 * Returns the first shard's host (the lowest shard and replica number).
 */
async function checkClusterHosts<H extends { url: string; driver: ClickHouseDriver }>(name: string, hosts: readonly H[]): Promise<H> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid cluster name: ${name}`);
  if (hosts.length === 0) throw new Error(`cluster ${name}: no hosts given`);
  const listed = await hosts[0].driver.query<{ n: string | number }>(`SELECT count() AS n FROM system.clusters WHERE cluster = '${name}'`, {});
  const total = Number(listed[0]?.n ?? 0);
  if (total === 0) throw new Error(`cluster ${name} is not in the servers' remote_servers (system.clusters)`);
  let first: { host: H; rank: number } | null = null;
  for (const host of hosts) {
    const [own] = await host.driver.query<{ n: string | number; rank: string | number }>(
      `SELECT count() AS n, min(shard_num * 1000 + replica_num) AS rank FROM system.clusters WHERE cluster = '${name}' AND is_local = 1`,
      {},
    );
    if (Number(own.n) === 0) throw new Error(`host ${host.url} is not one of cluster ${name}'s`);
    if (!first || Number(own.rank) < first.rank) first = { host, rank: Number(own.rank) };
  }
  if (hosts.length < total) throw new Error(`cluster ${name} has ${total} hosts, ${hosts.length} given: list every host's URL in engine.hosts`);
  return first!.host;
}

/** ClickHouse's codes for a server it could not reach or that went away mid-query. */
const UNREACHABLE = /Code: (279|210|209|32|394)\b/;

/**
 * A shard that does not answer fails the query (skip_unavailable_shards stays off: never a
 * silently smaller answer); the error then names the shard and the cluster.
 */
function naming(cluster: string, driver: ClickHouseDriver): ClickHouseDriver {
  const explain = (err: unknown): never => {
    const message = (err as Error)?.message ?? String(err);
    if (!UNREACHABLE.test(message)) throw err;
    const shard = /\(([\w.-]+:\d+)\)/.exec(message)?.[1] ?? 'a shard';
    throw new Error(`shard ${shard} of cluster ${cluster} did not answer, so no answer is given rather than a partial one; start it (or take it out of remote_servers) and run again. ClickHouse: ${message.split('\n')[0]}`);
  };
  return {
    command: (q, p) => driver.command(q, p).catch(explain),
    query: <T>(q: string, p: Readonly<Record<string, unknown>>) => driver.query<T>(q, p).catch(explain),
    queryColumns: (q, p) => driver.queryColumns(q, p).catch(explain),
    insertTsv: (t, c, r) => driver.insertTsv(t, c, r).catch(explain),
    close: () => driver.close(),
  };
}

/** Finds what the server offers: query parameters, JSON functions. */
async function detectFeatures(driver: ClickHouseDriver): Promise<ClickHouseFeatures> {
  const works = (query: string, params: Record<string, unknown> = {}) => driver.query(query, params).then(() => true, () => false);
  return {
    queryParameters: await works('SELECT {p1:UInt8} AS x', { p1: 1 }),
    jsonFunctions: await works("SELECT JSONHas('{}', 'a') AS x"),
  };
}

/** A value of an appended row as the TSV insert takes it: objects as JSON text, times in ms, a missing required value refused. */
function appendedValue(table: AppendOnlyTable, c: ColumnDef, v: unknown): string | number | null {
  if (v === undefined || v === null) {
    if (c.nullable) return null;
    throw new Error(`invalid ${table} row: ${c.name} is required`);
  }
  if (v instanceof Date) return v.getTime();
  return c.type === 'json' && typeof v !== 'string' ? JSON.stringify(v) : (v as string | number);
}
