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

/** The engines Cairn speaks; a query whose idiom differs has one builder per name (see {@link PerDialect}). */
export type DialectName = 'duckdb' | 'clickhouse';

/** One builder per dialect for a query whose SQL differs between engines, side by side in one file. */
export type PerDialect<F> = { readonly [K in DialectName]: F };

/**
 * What an engine can do, for builders that choose between idioms. Defaults describe DuckDB;
 * an engine overrides what it lacks (Kysely's adapter capabilities).
 */
export interface DialectCapabilities {
  /** Window functions (`OVER (...)`). */
  readonly windowFunctions: boolean;
  /** Temporary tables that live as long as the connection. */
  readonly temporaryTables: boolean;
  /** `BEGIN … COMMIT` over several statements. */
  readonly transactions: boolean;
}

export type CastType = 'text' | 'integer' | 'bigint' | 'double' | 'date';

/** One column of {@link SqlDialect.zipRows}: its name, its type and its values in row order. */
export interface ZipColumn {
  name: string;
  type: CastType;
  values: readonly (string | number | null)[];
}

/**
 * Where engines differ in SQL text: hooks that take and return fragments, so bound values stay
 * bound through them. Queries shared by every engine are written once against these hooks;
 * queries whose idiom differs pick a builder with {@link SqlDialect.pick}. Keep hooks small.
 */
export abstract class SqlDialect {
  abstract readonly name: DialectName;
  abstract readonly capabilities: DialectCapabilities;

  /** The builder written for this engine. */
  pick<F>(builders: PerDialect<F>): F {
    return builders[this.name];
  }

  quoteIdent(name: string): string {
    return `"${name}"`;
  }

  /** Placeholder for the n-th (1-based) bound value; a Date binds as a timestamp. */
  abstract placeholder(index: number, value: unknown): string;

  /** The value the driver binds; Dates travel as epoch milliseconds. */
  bindValue(value: unknown): unknown {
    return value instanceof Date ? value.getTime() : value;
  }

  abstract columnType(type: ColumnType, nullable: boolean): string;

  /** An expression (or a bound value) as the given type. */
  cast(expr: unknown, type: CastType): SqlFragment {
    return sql`CAST(${expr} AS ${this.castType(type)})`;
  }

  protected abstract castType(type: CastType): SqlFragment;

  /** A day ('YYYY-MM-DD'), bound, as a date value. */
  date(day: string): SqlFragment {
    return this.cast(day, 'date');
  }

  /** Epoch milliseconds of a timestamp expression, so every engine returns times alike. */
  abstract epochMs(expr: SqlFragment): SqlFragment;

  /** The calendar day (UTC) of a timestamp expression. */
  day(expr: SqlFragment): SqlFragment {
    return this.cast(expr, 'date');
  }

  /** A date as 'YYYY-MM-DD' text. */
  dayText(expr: SqlFragment): SqlFragment {
    return this.cast(expr, 'text');
  }

  /** A date expression moved by a whole number of days. */
  abstract addDays(date: SqlFragment, days: number): SqlFragment;

  /** Whole days from one date expression to another. */
  abstract diffDays(from: SqlFragment, to: SqlFragment): SqlFragment;

  /** The first day of the month of a date expression. */
  abstract monthStart(date: SqlFragment): SqlFragment;

  /** The value of `value` on the row where `by` is largest (an aggregate; rows with a NULL either are skipped). */
  abstract argMax(value: SqlFragment, by: SqlFragment): SqlFragment;

  /** The value of `value` on the row where `by` is smallest (an aggregate). */
  abstract argMin(value: SqlFragment, by: SqlFragment): SqlFragment;

  /** The q-th quantile (0 ≤ q ≤ 1) of a numeric expression (an aggregate; engines may approximate). */
  abstract quantile(expr: SqlFragment, q: number): SqlFragment;

  /** The text of a top-level key of a JSON text column; the key travels as a bound value. */
  abstract jsonText(column: Ident, key: string): SqlFragment;

  /** Whether `jsonText(column, key)` is `text` (an engine may test it more cheaply). */
  jsonTextIs(column: Ident, key: string, text: string): SqlFragment {
    return sql`${this.jsonText(column, key)} = ${text}`;
  }

  /** The first `chars` characters of a text expression. */
  abstract textPrefix(expr: SqlFragment, chars: number): SqlFragment;

  /** The length of a text expression in characters. */
  abstract textLength(expr: SqlFragment): SqlFragment;

  /**
   * A relation (for FROM or JOIN) of rows given column by column as bound lists of equal
   * length: many rows in one statement, with no temporary table.
   */
  abstract zipRows(columns: readonly ZipColumn[]): SqlFragment;

  /**
   * One text value holding several numbers or dates, each as its text (dates 'YYYY-MM-DD',
   * numbers as they round-trip), NULL as empty, separated by ','. For wide results of such
   * values: drivers pay per cell, so one cell per row reads far faster than dozens.
   */
  packText(values: readonly SqlFragment[]): SqlFragment {
    if (values.length === 0) return sql`''`;
    return join(values.map((v) => sql`coalesce(${this.cast(v, 'text')}, '')`), ` || ',' || `);
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
