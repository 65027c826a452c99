import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { importAccountHistory, importAccounts, importEvents, sourceNameProblem, type ImportSummary } from '../collect/index.js';
import type { TrackingPlan } from '../config/index.js';
import type { Store } from '../store/index.js';
import { usageError } from './errors.js';
import { formatNumber, print, printJson } from './output.js';
import { progressBar } from './progress-bar.js';
import { describeRefresh, refreshJson, writeThenRefresh } from './refresh.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

interface ImportOptions {
  json?: boolean;
  source?: string;
}

function checkFiles(files: string[]): void {
  for (const f of files) {
    if (!existsSync(f)) throw usageError(`no such file: ${f}`);
    if (!statSync(f).isFile()) throw usageError(`not a file: ${f}`);
  }
}

/** Imports event files with a progress bar over the bytes read. */
export async function importEventFiles(
  store: Store,
  files: string[],
  opts: { json?: boolean; source?: string; maxLineBytes?: number; plan?: TrackingPlan },
): Promise<ImportSummary> {
  const bar = progressBar(!opts.json, 'MB');
  try {
    return await importEvents(store, files, {
      source: opts.source,
      maxLineBytes: opts.maxLineBytes,
      plan: opts.plan,
      onProgress: (p) => bar.update(Math.round(p.bytesRead / 1e6), Math.max(1, Math.round(p.totalBytes / 1e6)), basename(p.file)),
    });
  } finally {
    bar.stop();
  }
}

/** `cairn import events FILE…`: events from JSON lines, CSV or Parquet. */
export async function runImportEvents(files: string[], opts: ImportOptions, globals: GlobalOptions): Promise<void> {
  const problem = opts.source === undefined ? null : sourceNameProblem(opts.source, '--source');
  if (problem) throw usageError(problem);
  checkFiles(files);
  await withWorkspace(globals, async (ws, store) => {
    // Checked against tracking-plan.yaml with the collector's rules.
    const { result: r, statuses } = await writeThenRefresh(ws, store, () =>
      importEventFiles(store, files, { ...opts, maxLineBytes: ws.config.import.max_line_bytes, plan: ws.trackingPlan }),
    );
    const out = { imported: r.imported, duplicates: r.duplicates, quarantined: r.quarantined, flagged: r.flagged ?? 0, lines: r.lines, statuses: refreshJson(statuses) };
    if (opts.json) return printJson(out);
    print(`imported ${formatNumber(r.imported)} events from ${formatNumber(r.lines)} lines`);
    print(`  ${formatNumber(r.duplicates)} duplicates (message id already stored) skipped`);
    print(`  ${formatNumber(r.quarantined)} quarantined${r.quarantined ? ': see `cairn stats` for the reasons' : ''}`);
    if (r.flagged) print(`  ${formatNumber(r.flagged)} stored but flagged by tracking-plan.yaml: see \`cairn stats\``);
    if (statuses) print(describeRefresh(statuses));
  });
}

const CSV_IMPORTS = { accounts: importAccounts, 'account-history': importAccountHistory } as const;

/** `cairn import accounts|account-history FILE`: a CSV of accounts or of their history. */
export async function runImportCsv(kind: keyof typeof CSV_IMPORTS, file: string, opts: ImportOptions, globals: GlobalOptions): Promise<void> {
  checkFiles([file]);
  await withWorkspace(globals, async (ws, store) => {
    const { result: r, statuses } = await writeThenRefresh(ws, store, () => CSV_IMPORTS[kind](store, file));
    const out = { imported: r.imported, quarantined: r.quarantined, lines: r.lines, statuses: refreshJson(statuses) };
    if (opts.json) return printJson(out);
    print(`imported ${formatNumber(r.imported)} ${kind === 'accounts' ? 'accounts' : 'history rows'}; ${formatNumber(r.quarantined)} quarantined`);
    if (statuses) print(describeRefresh(statuses));
  });
}
