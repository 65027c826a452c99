/**
 * Storage: the `Store` interface (the only seam to a database), the tables every engine keeps,
 * and SQL built from whitelisted identifiers and bound values. Engines live in their own
 * folders (`duckdb/`, `clickhouse/`); only the composition root (src/cli/workspace.ts) picks one. A feature's
 * SQL uses the dialect's hooks (fragments in, fragments out) and, where engines' idioms
 * differ, one builder per engine (`PerDialect`) in a `*-sql.ts` file beside the feature.
 */
export {
  NO_WRITE,
  LEASE_NAME,
  type RecordTable,
  SEQ_PER_REFRESH,
  changeSeq,
  changeSeqs,
  type AccountStatusRow,
  type FrameworkVersionRow,
  type MilestoneChangeRow,
  type MilestoneStatusRow,
  type StatusRefreshLease,
  type StatusRefreshResult,
  type StatusRefreshWrite,
  type CollectedWrite,
  type QuarantineChange,
  type SourceStats,
  type JobStats,
  type DeadLetter,
  type Store,
  type StoreStats,
  type WriteResult,
} from './store.js';
export { TABLES } from './schema.js';
export { sortedCounts, tally } from './stats-queries.js';
export { COPIED_TABLES, copyCounts, exportRows, type CopiedTable, type CopiedValue, type RestoringStore } from './copy-tables.js';
export {
  EVENT_BATCH_COLUMNS,
  EventBatchWriter,
  RepeatedHashes,
  batchLineHash,
  batchLineProblem,
  messageIdHash,
  parseBatchLine,
  repeatedHashes,
  type EventBatch,
} from './event-batch-file.js';
export { sql, raw, ident, join, SqlFragment, type Ident } from './sql/fragment.js';
export { SqlDialect, type CastType, type DialectCapabilities, type DialectName, type PerDialect, type ZipColumn } from './sql/dialect.js';
