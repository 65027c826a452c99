import { DuckDBInstance } from '@duckdb/node-api';
import { join, raw, sql } from '../sql/fragment.js';
import { DuckDbDialect } from './duckdb-dialect.js';

/** A column of a Parquet file: its name and type. */
export interface ParquetColumn {
  name: string;
  type: 'text' | 'boolean' | 'bigint' | 'double' | 'date';
}

const TYPES: Record<ParquetColumn['type'], string> = { text: 'VARCHAR', boolean: 'BOOLEAN', bigint: 'BIGINT', double: 'DOUBLE', date: 'DATE' };

/**
 * Writes rows to a Parquet file through an in-memory DuckDB (its COPY … FORMAT parquet, zstd),
 * whichever engine holds the workspace: the rows come from Cairn, not from a table. Column
 * names and types are Cairn's own; values are bound.
 */
export async function writeParquet(file: string, columns: readonly ParquetColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  const dialect = new DuckDbDialect();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const quoted = columns.map((c) => dialect.quoteIdent(c.name));
    await conn.run(`CREATE TABLE export (${columns.map((c, i) => `${quoted[i]} ${TYPES[c.type]}`).join(', ')})`);
    // Column by column as bound lists, a chunk of rows per statement.
    for (let at = 0; at < rows.length; at += 10_000) {
      const chunk = rows.slice(at, at + 10_000);
      const lists = columns.map((c, i) => sql`unnest(CAST(${chunk.map((r) => r[i] ?? null)} AS ${raw(TYPES[c.type])}[]))`);
      const q = dialect.compile(sql`INSERT INTO export SELECT ${join(lists)}`);
      await conn.run(q.text, q.params as never, dialect.paramTypes(q.params));
    }
    const target = dialect.compile(sql`COPY export TO ${file} (FORMAT parquet, COMPRESSION zstd)`);
    await conn.run(target.text, target.params as never);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
