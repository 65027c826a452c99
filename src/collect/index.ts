/**
 * Collecting events and account facts without losing any: bulk import of files (JSON lines,
 * CSV, Parquet), and the HTTP collector (`http/`: endpoints, write keys, tracking-plan checks,
 * the write-ahead log). Everything is checked against the model's rules; what fails goes to
 * quarantine with its reason (`quarantine.ts` lists and replays it), and message ids are
 * stored once per source. `data-quality.ts` sums up arrivals per day and tracking-plan coverage.
 * The server's credentials live here too: write keys, the admin token, dashboard tokens, and
 * the identity secret the in-product checklist's tokens are signed with.
 */
export { importEvents, type EventImportOptions, type ImportProgress, type ImportSummary } from './import/import-events.js';
export { importAccounts, importAccountHistory, type FactsImportSummary } from './import/import-accounts.js';
export { Collector, type CollectorOptions, type CollectorHealth, type IngestResult } from './http/collector.js';
export type { GenerationObserver } from './http/wal.js';
export { WriteKeys, WriteKeyError, adminToken, adminTokenProblem, keyNameProblem, sourceNameProblem, stateDir, writeAtomic, STATE_DIR, type WriteKeyRecord } from './http/keys.js';
export { IdentitySecrets, identityToken, type TokenCheck } from './http/identity-secret.js';
export { BODY_LIMITS, HttpError, checkContentType, parseJson } from './http/body.js';
export { collectorRoutes, type KeyCheck } from './http/routes.js';
export { listQuarantine, showQuarantine, replayQuarantine, type QuarantineDetail, type QuarantineList, type ReplaySummary } from './quarantine.js';
export { eventsPerDay, freshness, planCoverage, type DayCount, type Freshness, type PlanCoverage, type PlannedCoverage } from './data-quality.js';
