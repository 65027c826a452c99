import { join, sql, type Ident, type SqlFragment } from './fragment.js';

/** Column types Cairn's tables use; each dialect names them its own way. */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'double' | 'timestamp' | 'date' | 'json';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

export interface TableDef {
  name: string;
  columns: readonly ColumnDef[];
  /** Columns that identify a row (upsert key); engines may also sort by them. */
  key?: readonly string[];
}

export interface CompiledQuery {
  text: string;
  params: unknown[];
}

/**
 * Where engines differ in SQL text. Shared queries are written once against these hooks;
 * each engine overrides the few that differ. Keep hooks small.
 */
export abstract class SqlDialect {
  abstract readonly name: string;

  quoteIdent(name: string): string {
    return `"${name}"`;
  }

  /** Placeholder for the n-th (1-based) bound value; a Date binds as a timestamp. */
  abstract placeholder(index: number, value: unknown): string;

  /** The value the driver binds; Dates travel as epoch milliseconds. */
  bindValue(value: unknown): unknown {
    return value instanceof Date ? value.getTime() : value;
  }

  /** Epoch milliseconds of a timestamp expression, so every engine returns times alike. */
  abstract epochMs(expr: string): string;

  abstract columnType(type: ColumnType, nullable: boolean): string;

  /** The calendar day (UTC) of a timestamp expression. */
  day(expr: string): string {
    return `CAST(${expr} AS DATE)`;
  }

  /** A date expression moved by a whole number of days (an SQL expression). */
  abstract addDays(dateExpr: string, daysExpr: string): string;

  /** Whole days from one date expression to another. */
  abstract diffDays(fromExpr: string, toExpr: string): string;

  /** The first day of the month of a date expression. */
  abstract monthStart(dateExpr: string): string;

  /** A window sum of `valueExpr` over the trailing `days` days (this one included) per partition. */
  abstract rollingDaysSum(valueExpr: string, partitionExpr: string, dayExpr: string, days: number): string;

  /** The value of `valueExpr` on the row where `byExpr` is largest (an aggregate). */
  abstract argMax(valueExpr: string, byExpr: string): string;

  /** The q-th quantile (0 ≤ q ≤ 1) of a numeric expression (an aggregate; engines may approximate). */
  abstract quantile(expr: string, q: number): string;

  /** The text of a top-level key of a JSON text column; the key travels as a bound value. */
  abstract jsonText(column: Ident, key: string): SqlFragment;

  /**
   * One text value holding several numbers or dates, each as its text (dates 'YYYY-MM-DD',
   * numbers as they round-trip), NULL as empty, separated by ','. For wide results of such
   * values: drivers pay per cell, so one cell per row reads far faster than dozens.
   */
  packText(values: readonly SqlFragment[]): SqlFragment {
    if (values.length === 0) return sql`''`;
    return join(values.map((v) => sql`coalesce(CAST(${v} AS VARCHAR), '')`), ` || ',' || `);
  }

  compile(fragment: SqlFragment): CompiledQuery {
    let text = '';
    const params: unknown[] = [];
    for (const part of fragment.parts) {
      if ('text' in part) text += part.text;
      else if ('ident' in part) text += this.quoteIdent(part.ident);
      else {
        params.push(this.bindValue(part.param));
        text += this.placeholder(params.length, part.param);
      }
    }
    return { text, params };
  }

  createTable(def: TableDef): string {
    const cols = def.columns.map((c) => `${this.quoteIdent(c.name)} ${this.columnType(c.type, c.nullable ?? false)}`);
    return `CREATE TABLE IF NOT EXISTS ${this.quoteIdent(def.name)} (${cols.join(', ')}${this.tableConstraints(def)})${this.tableOptions(def)}`;
  }

  /** Adds a column a table gained since a store was made; such columns are nullable. */
  addColumn(table: TableDef, column: ColumnDef): string {
    if (!column.nullable) throw new Error(`invalid added column: ${table.name}.${column.name} must be nullable`);
    return `ALTER TABLE ${this.quoteIdent(table.name)} ADD COLUMN IF NOT EXISTS ${this.quoteIdent(column.name)} ${this.columnType(column.type, true)}`;
  }

  /** Constraints inside the column list, such as a primary key. */
  protected tableConstraints(_def: TableDef): string {
    return '';
  }

  /** Engine and ordering clauses after the column list. */
  protected tableOptions(_def: TableDef): string {
    return '';
  }
}
