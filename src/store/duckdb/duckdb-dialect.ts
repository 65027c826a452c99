import { BIGINT, BOOLEAN, DOUBLE, DuckDBListValue, LIST, listValue, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import { ident, join, raw, sql, type Ident, type SqlFragment } from '../sql/fragment.js';
import { SqlDialect, type CastType, type ColumnType, type DialectCapabilities, type TableDef, type ZipColumn } from '../sql/dialect.js';

const TYPES: Record<ColumnType, string> = {
  text: 'VARCHAR',
  bigint: 'BIGINT',
  integer: 'INTEGER',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  // Stored as text: written by JSON.stringify, so already valid, and DuckDB's json functions read text.
  json: 'VARCHAR',
};

const ITEM_TYPES: Partial<Record<string, DuckDBType>> = { string: VARCHAR, number: DOUBLE, bigint: BIGINT, boolean: BOOLEAN };

const CASTS: Record<CastType, SqlFragment> = {
  text: raw('VARCHAR'),
  integer: raw('INTEGER'),
  bigint: raw('BIGINT'),
  double: raw('DOUBLE'),
  date: raw('DATE'),
};

export class DuckDbDialect extends SqlDialect {
  readonly name = 'duckdb';
  readonly capabilities: DialectCapabilities = { windowFunctions: true, temporaryTables: true, transactions: true };

  placeholder(index: number, value: unknown): string {
    return value instanceof Date ? `epoch_ms(CAST($${index} AS BIGINT))` : `$${index}`;
  }

  override bindValue(value: unknown): unknown {
    if (Array.isArray(value)) return listValue(value);
    return super.bindValue(value);
  }

  /**
   * Types for the bound values node-api would get wrong, else undefined: it types a list by its
   * first item, so a list that starts with NULL would bind every item as NULL, and one that
   * starts with a whole number fails on a fraction or a number beyond 32 bits.
   */
  paramTypes(params: readonly unknown[]): DuckDBType[] | undefined {
    let types: DuckDBType[] | undefined;
    params.forEach((p, i) => {
      if (!(p instanceof DuckDBListValue)) return;
      const first = p.items.find((v) => v !== null);
      const wider = typeof first === 'number' && p.items.some((v) => typeof v === 'number' && (v | 0) !== v);
      if (p.items[0] !== null && !wider) return;
      const item = ITEM_TYPES[typeof first];
      if (item) (types ??= [])[i] = LIST(item);
    });
    return types;
  }

  columnType(type: ColumnType, nullable: boolean): string {
    return TYPES[type] + (nullable ? '' : ' NOT NULL');
  }

  protected castType(type: CastType): SqlFragment {
    return CASTS[type];
  }

  epochMs(expr: SqlFragment): SqlFragment {
    return sql`epoch_ms(${expr})`;
  }

  addDays(date: SqlFragment, days: number): SqlFragment {
    return sql`CAST(${date} + to_days(CAST(${raw(String(Math.trunc(days)))} AS INTEGER)) AS DATE)`;
  }

  diffDays(from: SqlFragment, to: SqlFragment): SqlFragment {
    return sql`date_diff('day', ${from}, ${to})`;
  }

  monthStart(date: SqlFragment): SqlFragment {
    return sql`CAST(date_trunc('month', ${date}) AS DATE)`;
  }

  argMax(value: SqlFragment, by: SqlFragment): SqlFragment {
    return sql`arg_max(${value}, ${by})`;
  }

  argMin(value: SqlFragment, by: SqlFragment): SqlFragment {
    return sql`arg_min(${value}, ${by})`;
  }

  quantile(expr: SqlFragment, q: number): SqlFragment {
    if (!(q >= 0 && q <= 1)) throw new Error(`invalid quantile: ${q}`);
    return sql`quantile_cont(${expr}, ${raw(String(q))})`;
  }

  jsonText(column: Ident, key: string): SqlFragment {
    const path = `$."${key.replace(/["\\]/g, (c) => '\\' + c)}"`;
    return sql`json_extract_string(${column}, ${path})`;
  }

  zipRows(columns: readonly ZipColumn[]): SqlFragment {
    // Several unnest() calls in one SELECT list walk their lists side by side.
    const cols = columns.map((c) => sql`unnest(CAST(${[...c.values]} AS ${CASTS[c.type]}[])) AS ${ident(c.name)}`);
    return sql`(SELECT ${join(cols)})`;
  }

  textPrefix(expr: SqlFragment, chars: number): SqlFragment {
    return sql`substring(${expr}, 1, ${raw(String(Math.max(0, Math.trunc(chars))))})`;
  }

  textLength(expr: SqlFragment): SqlFragment {
    return sql`length(${expr})`;
  }

  // Small fact tables get a primary key so upserts can use ON CONFLICT; events do not (an
  // index over every event costs more than the anti-join that keeps message ids unique).
  protected override tableConstraints(def: TableDef): string {
    return def.key ? `, PRIMARY KEY (${def.key.map((k) => this.quoteIdent(k)).join(', ')})` : '';
  }
}
