/**
 * The ClickHouse schema as the first Cairn on ClickHouse made it (schema version 1), written
 * out as it shipped, so the migrations are tested on a store an earlier Cairn really left:
 * events keyed by (account_id, message_id), accounts without facts_source, no
 * user_account_changes.
 */
const EVENTS = 'message_id String, account_id String, user_id Nullable(String), anonymous_id Nullable(String), action String, object String, place Nullable(String), metadata String, timestamp Int64, count Int32, received_at Int64, source String';
const ACTIVITY = 'account_id String, day Date, action String, object String, place String, n Int64';

const PHYSICAL: [name: string, columns: string, engine: string, shardBy: string][] = [
  ['events_data', EVENTS, 'ReplacingMergeTree ORDER BY (account_id, message_id)', 'cityHash64(account_id)'],
  ['accounts_data', 'account_id String, name Nullable(String), created_at Int64, plan Nullable(String), seats Nullable(Int32), churned_at Nullable(Int64), traits String, version UInt64', 'ReplacingMergeTree(version) ORDER BY account_id', 'cityHash64(account_id)'],
  ['account_history_data', 'account_id String, valid_from Int64, plan Nullable(String), seats Nullable(Int32), mrr Nullable(Float64), status String, version UInt64', 'ReplacingMergeTree(version) ORDER BY (account_id, valid_from)', 'cityHash64(account_id)'],
  ['users_data', 'user_id String, account_id String, first_seen Int64, traits String, version UInt64', 'ReplacingMergeTree(version) ORDER BY user_id', 'cityHash64(user_id)'],
  ['quarantine_data', 'id Int64, received_at Int64, kind String, source String, file Nullable(String), line Nullable(Int64), reason String, field Nullable(String), message String, payload String, deleted UInt8, version UInt64', 'ReplacingMergeTree(version) ORDER BY id', 'id'],
  ['plan_violations_data', 'day Date, source String, action String, object String, reason String, field Nullable(String), n Int64, example String, write_key String', "ReplacingMergeTree ORDER BY (day, source, action, object, reason, ifNull(field, ''), write_key)", 'cityHash64(write_key)'],
  ['checkpoints_data', 'name String, value Int64, version UInt64', 'ReplacingMergeTree(version) ORDER BY name', 'cityHash64(name)'],
  ['activity_deltas', ACTIVITY, 'SummingMergeTree(n) ORDER BY (account_id, day, action, object, place)', 'cityHash64(account_id)'],
  ['activity_corrections', `${ACTIVITY}, version UInt64`, 'ReplacingMergeTree(version) ORDER BY (account_id, day, action, object, place)', 'cityHash64(account_id)'],
];

const VIEWS = ['events', 'accounts', 'account_history', 'users', 'quarantine', 'plan_violations', 'checkpoints'];

/** Version 1's statements for one host, and its row in cairn_schema. */
export function schemaV1(target: { database: string; cluster?: string }): string[] {
  const out: string[] = [];
  for (const [name, columns, engine, shardBy] of PHYSICAL) {
    if (!target.cluster) out.push(`CREATE TABLE ${name} (${columns}) ENGINE = ${engine}`);
    else {
      out.push(`CREATE TABLE ${name}_local (${columns}) ENGINE = ${engine}`);
      out.push(`CREATE TABLE ${name} AS ${name}_local ENGINE = Distributed(${target.cluster}, ${target.database}, ${name}_local, ${shardBy})`);
    }
  }
  for (const view of VIEWS) out.push(`CREATE VIEW ${view} AS SELECT * FROM ${view}_data FINAL${view === 'quarantine' ? ' WHERE deleted = 0' : ''}`);
  out.push(`CREATE VIEW account_activity AS SELECT account_id, day, action, object, place, n FROM activity_deltas
    UNION ALL SELECT account_id, day, action, object, place, n FROM (SELECT * FROM activity_corrections FINAL)`);
  const local = target.cluster ? '_local' : '';
  out.push(`CREATE MATERIALIZED VIEW activity_deltas_mv TO activity_deltas${local} AS
    SELECT account_id, toDate(toDateTime(intDiv(timestamp, 1000), 'UTC')) AS day, action, object, ifNull(place, '') AS place, toInt64(sum(count)) AS n
    FROM events_data${local} GROUP BY account_id, day, action, object, place`);
  out.push('CREATE TABLE cairn_schema (version UInt32, applied_at Int64) ENGINE = TinyLog');
  out.push(`INSERT INTO cairn_schema VALUES (1, ${Date.now()})`);
  return out;
}
