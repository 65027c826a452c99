import { basename } from 'node:path';
import { IMPORT_SOURCE, normalizeAccount, normalizeAccountHistory, type Checked, type QuarantineEntry, type QuarantineKind } from '../../model/index.js';
import type { Store } from '../../store/index.js';
import { csvRecords } from './csv-records.js';
import { openInput } from './file-source.js';

export interface FactsImportSummary {
  imported: number;
  quarantined: number;
  lines: number;
}

/** Rows written per store call: account files are small next to events, but need not fit in memory. */
const BATCH = 10_000;

async function importFacts<T>(
  store: Store,
  file: string,
  kind: QuarantineKind,
  check: (row: Record<string, string>) => Checked<T>,
  write: (rows: T[]) => Promise<number>,
  source: string,
): Promise<FactsImportSummary> {
  const now = Date.now();
  const summary: FactsImportSummary = { imported: 0, quarantined: 0, lines: 0 };
  let rows: T[] = [];
  const bad: QuarantineEntry[] = [];
  const quarantine = (line: number, payload: string, reason: string, message: string, field: string | null) => {
    summary.lines = Math.max(summary.lines, line);
    bad.push({ kind, source, file: basename(file), line, reason, field, message, payload, receivedAt: now });
  };
  const flush = async () => {
    summary.imported += await write(rows);
    rows = [];
    summary.quarantined += bad.length;
    await store.addToQuarantine(bad.splice(0));
  };
  const input = await openInput(file);
  for await (const rec of csvRecords(input, (p) => quarantine(p.line, p.raw, 'invalid_row', p.message, null))) {
    summary.lines = Math.max(summary.lines, rec.line);
    const checked = check(rec.values);
    if (checked.ok) rows.push(checked.value);
    else quarantine(rec.line, rec.raw, checked.reject.reason, checked.reject.message, checked.reject.field ?? null);
    if (rows.length >= BATCH) await flush();
  }
  await flush();
  return summary;
}

/** Imports an accounts CSV: account_id,name,created_at,plan,seats,churned_at. A later row for an id replaces it. */
export function importAccounts(store: Store, file: string, source = IMPORT_SOURCE): Promise<FactsImportSummary> {
  return importFacts(store, file, 'account', normalizeAccount, (rows) => store.upsertAccounts(rows), source);
}

/** Imports an account-history CSV: account_id,valid_from,plan,seats,mrr,status. */
export function importAccountHistory(store: Store, file: string, source = IMPORT_SOURCE): Promise<FactsImportSummary> {
  return importFacts(store, file, 'account_history', normalizeAccountHistory, (rows) => store.upsertAccountHistory(rows), source);
}
