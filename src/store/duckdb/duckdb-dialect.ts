import { listValue } from '@duckdb/node-api';
import { sql, type Ident, type SqlFragment } from '../sql/fragment.js';
import { SqlDialect, type ColumnType, type TableDef } from '../sql/dialect.js';

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

export class DuckDbDialect extends SqlDialect {
  readonly name = 'duckdb';

  placeholder(index: number, value: unknown): string {
    return value instanceof Date ? `epoch_ms(CAST($${index} AS BIGINT))` : `$${index}`;
  }

  override bindValue(value: unknown): unknown {
    if (Array.isArray(value)) return listValue(value);
    return super.bindValue(value);
  }

  columnType(type: ColumnType, nullable: boolean): string {
    return TYPES[type] + (nullable ? '' : ' NOT NULL');
  }

  epochMs(expr: string): string {
    return `epoch_ms(${expr})`;
  }

  addDays(dateExpr: string, daysExpr: string): string {
    return `CAST(${dateExpr} + to_days(CAST(${daysExpr} AS INTEGER)) AS DATE)`;
  }

  diffDays(fromExpr: string, toExpr: string): string {
    return `date_diff('day', ${fromExpr}, ${toExpr})`;
  }

  monthStart(dateExpr: string): string {
    return `CAST(date_trunc('month', ${dateExpr}) AS DATE)`;
  }

  rollingDaysSum(valueExpr: string, partitionExpr: string, dayExpr: string, days: number): string {
    return `sum(${valueExpr}) OVER (PARTITION BY ${partitionExpr} ORDER BY ${dayExpr} RANGE BETWEEN INTERVAL ${Math.trunc(days) - 1} DAYS PRECEDING AND CURRENT ROW)`;
  }

  argMax(valueExpr: string, byExpr: string): string {
    return `arg_max(${valueExpr}, ${byExpr})`;
  }

  quantile(expr: string, q: number): string {
    if (!(q >= 0 && q <= 1)) throw new Error(`invalid quantile: ${q}`);
    return `quantile_cont(${expr}, ${q})`;
  }

  jsonText(column: Ident, key: string): SqlFragment {
    const path = `$."${key.replace(/["\\]/g, (c) => '\\' + c)}"`;
    return sql`json_extract_string(${column}, ${path})`;
  }

  // Small fact tables get a primary key so upserts can use ON CONFLICT; events do not (an
  // index over every event costs more than the anti-join that keeps message ids unique).
  protected override tableConstraints(def: TableDef): string {
    return def.key ? `, PRIMARY KEY (${def.key.map((k) => this.quoteIdent(k)).join(', ')})` : '';
  }
}
