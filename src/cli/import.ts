import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { importAccountHistory, importAccounts, importEvents, sourceNameProblem, type ImportSummary } from '../collect/index.js';
import type { TrackingPlan } from '../config/index.js';
import type { Store } from '../store/index.js';
import { usageError } from './errors.js';
import { formatNumber, print, printJson, progressBar } from './output.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

interface ImportOptions extends GlobalOptions {
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
export async function runEventImport(
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

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  const cmd = program.command('import').description('import events, accounts or account history from files (import format v1)');

  cmd
    .command('events')
    .description('import events from JSON lines (.jsonl, .jsonl.gz), CSV or Parquet files; Segment-shaped lines too')
    .argument('<files...>', 'event files')
    .option('--source <name>', 'source recorded on the events; an id it already stored is a duplicate (import: an id any source stored)', 'import')
    .option('--json', 'print { imported, duplicates, quarantined, flagged } as JSON')
    .action(async (files: string[], opts: ImportOptions) => {
      const problem = opts.source === undefined ? null : sourceNameProblem(opts.source, '--source');
      if (problem) throw usageError(problem);
      checkFiles(files);
      await withWorkspace(globals(), async (ws, store) => {
        // Checked against tracking-plan.yaml with the collector's rules.
        const r = await runEventImport(store, files, { ...opts, maxLineBytes: ws.config.import.max_line_bytes, plan: ws.trackingPlan });
        const out = { imported: r.imported, duplicates: r.duplicates, quarantined: r.quarantined, flagged: r.flagged ?? 0, lines: r.lines };
        if (opts.json) return printJson(out);
        print(`imported ${formatNumber(r.imported)} events from ${formatNumber(r.lines)} lines`);
        print(`  ${formatNumber(r.duplicates)} duplicates (message id already stored) skipped`);
        print(`  ${formatNumber(r.quarantined)} quarantined${r.quarantined ? ': see `cairn stats` for the reasons' : ''}`);
        if (r.flagged) print(`  ${formatNumber(r.flagged)} stored but flagged by tracking-plan.yaml: see \`cairn stats\``);
      });
    });

  for (const [name, label, run] of [
    ['accounts', 'accounts CSV: account_id,name,created_at,plan,seats,churned_at', importAccounts],
    ['account-history', 'account history CSV: account_id,valid_from,plan,seats,mrr,status', importAccountHistory],
  ] as const) {
    cmd
      .command(name)
      .description(`import an ${label}`)
      .argument('<file>', 'CSV file with a header row')
      .option('--json', 'print { imported, quarantined } as JSON')
      .action(async (file: string, opts: ImportOptions) => {
        checkFiles([file]);
        await withWorkspace(globals(), async (_ws, store) => {
          const r = await run(store, file);
          const out = { imported: r.imported, quarantined: r.quarantined, lines: r.lines };
          if (opts.json) return printJson(out);
          print(`imported ${formatNumber(r.imported)} ${name === 'accounts' ? 'accounts' : 'history rows'}; ${formatNumber(r.quarantined)} quarantined`);
        });
      });
  }
}
