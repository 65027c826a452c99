/**
 * Storage: the `Store` interface (the only seam to a database), the tables every engine keeps,
 * and SQL built from whitelisted identifiers and bound values. Engines live in their own
 * folders (`duckdb/`); only composition roots (the CLI, the server) pick one.
 */
export { NO_WRITE, type CollectedWrite, type Store, type StoreStats, type WriteResult } from './store.js';
export { TABLES } from './schema.js';
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
export { SqlDialect } from './sql/dialect.js';
