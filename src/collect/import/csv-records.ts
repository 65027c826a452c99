import { parse } from 'csv-parse';
import type { OpenedFile } from './file-source.js';

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  values: Record<string, string>;
  raw: string;
}

export interface CsvProblem {
  line: number;
  message: string;
  raw: string;
}

/**
 * Streams a CSV file with a header row as records. A malformed record (wrong column count,
 * broken quoting) is reported and skipped; it never stops the file.
 */
export async function* csvRecords(input: OpenedFile, onProblem: (p: CsvProblem) => void): AsyncGenerator<CsvRecord> {
  let header: string[] | null = null;
  const parser = input.stream.pipe(
    parse({ raw: true, info: true, relax_column_count: true, skip_records_with_error: true, bom: true, trim: false }),
  );
  parser.on('skip', (err: Error & { lines?: number; raw?: string }) => {
    onProblem({ line: err.lines ?? 0, message: err.message, raw: err.raw ?? '' });
  });
  for await (const rec of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number } }>) {
    const raw = rec.raw.replace(/\r?\n$/, '');
    const line = rec.info.lines - (raw.match(/\n/g)?.length ?? 0);
    if (header === null) {
      header = rec.record.map((h) => h.trim().toLowerCase());
      continue;
    }
    if (rec.record.length === 1 && rec.record[0] === '') continue;
    if (rec.record.length !== header.length) {
      onProblem({ line, message: `expected ${header.length} columns (${header.join(',')}), got ${rec.record.length}`, raw });
      continue;
    }
    const values: Record<string, string> = {};
    header.forEach((h, i) => (values[h] = rec.record[i]));
    yield { line, values, raw };
  }
}
