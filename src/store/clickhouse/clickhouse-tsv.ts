import { Transform } from 'node:stream';

/**
 * Tab-separated text as ClickHouse reads it: `\` escapes, `\N` is NULL. Used for bulk inserts
 * of values Cairn holds in memory (accounts, quarantine entries), so no value becomes SQL.
 */
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

export function tsvValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`invalid number for ClickHouse: ${v}`);
    return Number.isInteger(v) ? v.toFixed(0) : String(v);
  }
  return v.replace(/[\\\t\n\r\0]/g, (c) => TSV_ESCAPES[c]);
}

/** Rows as tab-separated text, one line each. */
export const tsvRows = (rows: readonly (readonly (string | number | null | undefined)[])[]): string =>
  rows.map((r) => r.map(tsvValue).join('\t') + '\n').join('');

const BACKSLASH = 0x5c;

/**
 * Cairn's batch files (event-batch-file.ts) are tab-separated without escapes: a value holds
 * no tab or newline, but JSON metadata may hold `\`, which ClickHouse's format would read as
 * an escape. Doubling each backslash byte (never part of a multi-byte UTF-8 character) makes
 * the file ClickHouse text; empty values stay empty (not NULL).
 */
export function escapeBatchBackslashes(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      // indexOf finds each backslash natively: most chunks have none and pass through as they are.
      let at = chunk.indexOf(BACKSLASH);
      if (at < 0) return done(null, chunk);
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(chunk.subarray(from, at + 1), DOUBLED);
        from = at + 1;
        at = chunk.indexOf(BACKSLASH, from);
      }
      parts.push(chunk.subarray(from));
      done(null, Buffer.concat(parts));
    },
  });
}

const DOUBLED = Buffer.from([BACKSLASH]);
