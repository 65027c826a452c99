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
  let rows: { value: T; line: number; raw: string }[] = [];
  const bad: QuarantineEntry[] = [];
  const quarantine = (line: number, payload: string, reason: string, message: string, field: string | null) => {
    summary.lines = Math.max(summary.lines, line);
    bad.push({ kind, source, file: basename(file), line, reason, field, message, payload, receivedAt: now });
  };
  const flush = async () => {
    const batch = rows;
    rows = [];
    try {
      summary.imported += await write(batch.map((r) => r.value));
    } catch {
      // A value the store refuses despite the checks must not cost the other rows: one by one.
      for (const r of batch) {
        try {
          summary.imported += await write([r.value]);
        } catch (err) {
          quarantine(r.line, r.raw, 'store_rejected', `the store refused it: ${err instanceof Error ? err.message : String(err)}`, null);
        }
      }
    }
    summary.quarantined += bad.length;
    await store.addToQuarantine(bad.splice(0));
  };
  const input = await openInput(file);
  for await (const rec of csvRecords(input)) {
    summary.lines = Math.max(summary.lines, rec.line);
    if (rec.kind === 'problem') {
      quarantine(rec.line, rec.raw, 'invalid_row', rec.message, null);
      continue;
    }
    const checked = check(rec.values);
    if (checked.ok) rows.push({ value: checked.value, line: rec.line, raw: rec.raw });
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
