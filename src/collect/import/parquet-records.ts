/** One Parquet row as the checks read it: plain JSON values, with its 1-based row number. */
export interface ParquetRow {
  line: number;
  value: Record<string, unknown>;
  raw: string;
}

/**
 * Reads a Parquet file row group by row group (memory stays bounded by one group) with a
 * reader in JavaScript, whatever the store's engine. Values become what JSON would carry:
 * timestamps ISO text, 64-bit integers numbers, nested structs objects.
 */
export async function* parquetRows(path: string): AsyncGenerator<ParquetRow> {
  // Loaded with the first Parquet file: verbs and imports without one never load the reader.
  const [{ asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects }, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  let line = 0;
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, compressors, rowStart: start, rowEnd: end });
    for (const row of rows) {
      const value = plain(row) as Record<string, unknown>;
      yield { line: ++line, value, raw: JSON.stringify(value) };
    }
    start = end;
  }
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
