import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { milestonesCsv, type AccountStatus } from '../milestones/index.js';
import { EXPORT_FORMATS } from './choices.js';
import { oneOf, usageError } from './errors.js';
import { writeParquetFile } from './workspace.js';

export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * `--out FILE` of a listing: its format and path, checked (format, a file already there)
 * before any work; null without --out. --json asks for JSON.
 */
export function exportOut(opts: { out?: string; format: string; json?: boolean; force?: boolean }): { format: ExportFormat; file: string } | null {
  return opts.out ? { format: exportFormat(opts.out, opts.json ? 'json' : opts.format), file: exportTarget(opts.out, opts.force) } : null;
}

/** The format of `--out FILE`: `--format` when given (table is for the terminal), else the file's extension. */
function exportFormat(out: string, format: string | undefined): ExportFormat {
  if (format !== undefined && format !== 'table') return oneOf('--format', format, EXPORT_FORMATS);
  const ext = extname(out).slice(1).toLowerCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(ext)) return ext as ExportFormat;
  throw usageError(`--out ${out}: name the format with --format ${EXPORT_FORMATS.join('|')}, or end the file in .csv, .json or .parquet`);
}

/** Refuses a file already there unless --force: checked before any work is done. */
function exportTarget(out: string, force: boolean | undefined): string {
  const file = resolve(out);
  if (existsSync(file) && !force) throw usageError(`${file} exists: choose another --out, or --force to replace it`);
  return file;
}

/**
 * Writes accounts on the framework to a file: CSV as `--format csv` prints it (cells that a
 * spreadsheet would run as a formula neutralised), JSON as `--json` prints it, or Parquet with
 * the CSV's columns, typed. Written beside the target and renamed over it: never half a file.
 */
export async function writeAccountsExport(file: string, format: ExportFormat, accounts: readonly AccountStatus[], names: readonly string[], json: object): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    if (format === 'csv') await writeFile(tmp, milestonesCsv(accounts, names));
    else if (format === 'json') await writeFile(tmp, JSON.stringify(json, null, 2) + '\n');
    else await writeParquetFile(tmp, ...parquetTable(accounts, names));
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The CSV's columns, typed, and the rows. */
function parquetTable(accounts: readonly AccountStatus[], names: readonly string[]) {
  const columns: { name: string; type: 'text' | 'boolean' | 'bigint' | 'double' | 'date' }[] = [
    { name: 'account_id', type: 'text' },
    { name: 'stage', type: 'text' },
    { name: 'churned', type: 'boolean' },
    { name: 'signup_day', type: 'date' },
    { name: 'age_days', type: 'bigint' },
    { name: 'plan', type: 'text' },
    { name: 'seats', type: 'bigint' },
  ];
  for (const n of names) columns.push({ name: `${n}_reached`, type: 'boolean' }, { name: `${n}_reached_at`, type: 'date' }, { name: `${n}_progress`, type: 'double' });
  columns.push({ name: 'next_milestone', type: 'text' }, { name: 'next_action', type: 'text' }, { name: 'next_reason', type: 'text' });
  const rows = accounts.map((a) => [
    a.account_id,
    a.stage,
    a.churned,
    a.signup_day,
    a.age_days,
    a.plan,
    a.seats,
    ...names.flatMap((n) => [a.milestones[n].reached, a.milestones[n].reached_at, a.milestones[n].progress]),
    a.next_best_step?.milestone ?? null,
    a.next_best_step?.action ?? null,
    a.next_best_step?.reason ?? null,
  ]);
  return [columns, rows] as const;
}
