/**
 * Collecting events and account facts without losing any: bulk import of files (JSON lines,
 * CSV, Parquet) today, the HTTP collector next. Everything is checked against the model's
 * rules; what fails goes to quarantine with its reason, and message ids are stored once.
 */
export { importEvents, type EventImportOptions, type ImportProgress, type ImportSummary } from './import/import-events.js';
export { importAccounts, importAccountHistory, type FactsImportSummary } from './import/import-accounts.js';
