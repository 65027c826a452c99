import { ident, join, raw, sql, type Ident, type SqlFragment } from '../sql/fragment.js';
import { SqlDialect, type CastType, type ColumnType, type DialectCapabilities, type ZipColumn } from '../sql/dialect.js';
import { clickHouseLiteral, clickHouseType } from './clickhouse-literal.js';

/** What the server offers, found when the store opens (see clickhouse-store.ts). */
export interface ClickHouseFeatures {
  /** `{name:Type}` query parameters (servers from 19.x on, chdb). Without them values are inlined as typed literals. */
  queryParameters: boolean;
  /** JSONExtract* and JSONType (19.x on); older servers read metadata with visitParam* (top-level keys, no escapes). */
  jsonFunctions: boolean;
}

const TYPES: Record<ColumnType, string> = {
  text: 'String',
  bigint: 'Int64',
  integer: 'Int32',
  double: 'Float64',
  // Epoch milliseconds: DateTime64 does not exist before 20.1, and one schema serves every server.
  timestamp: 'Int64',
  date: 'Date',
  json: 'String',
};

const CONVERT: Record<CastType, string> = { text: 'toString', integer: 'toInt32', bigint: 'toInt64', double: 'toFloat64', date: 'toDate' };

/**
 * ClickHouse SQL for every server from 18.16 to current releases: no window functions, CTEs or
 * temporary tables are assumed (queries whose idiom needs them have a ClickHouse builder with
 * arrays), timestamps are Int64 epoch milliseconds, and bound values are `{pN:Type}` parameters
 * or, on servers without them, typed literals from clickhouse-literal.ts.
 */
export class ClickHouseDialect extends SqlDialect {
  readonly name = 'clickhouse';
  readonly capabilities: DialectCapabilities = { windowFunctions: false, temporaryTables: false, transactions: false };

  constructor(readonly features: ClickHouseFeatures) {
    super();
  }

  placeholder(index: number, value: unknown): string {
    return this.features.queryParameters ? `{p${index}:${clickHouseType(value)}}` : clickHouseLiteral(value);
  }

  override bindValue(value: unknown): unknown {
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (Array.isArray(value)) return value.map((v) => this.bindValue(v));
    return value;
  }

  columnType(type: ColumnType, nullable: boolean): string {
    return nullable ? `Nullable(${TYPES[type]})` : TYPES[type];
  }

  protected castType(type: CastType): SqlFragment {
    return raw(TYPES[type]);
  }

  override cast(expr: unknown, type: CastType): SqlFragment {
    // A bound NULL has no type of its own: give it one the conversion accepts.
    if (expr === null) return sql`${raw(CONVERT[type])}(CAST(NULL AS Nullable(String)))`;
    return sql`${raw(CONVERT[type])}(${expr})`;
  }

  override date(day: string): SqlFragment {
    return sql`toDate(${day})`;
  }

  epochMs(expr: SqlFragment): SqlFragment {
    return expr;
  }

  override day(expr: SqlFragment): SqlFragment {
    return sql`toDate(toDateTime(intDiv(${expr}, 1000), 'UTC'))`;
  }

  override dayText(expr: SqlFragment): SqlFragment {
    return sql`toString(${expr})`;
  }

  addDays(date: SqlFragment, days: number): SqlFragment {
    return sql`addDays(${date}, ${raw(String(Math.trunc(days)))})`;
  }

  diffDays(from: SqlFragment, to: SqlFragment): SqlFragment {
    return sql`(toInt32(${to}) - toInt32(${from}))`;
  }

  monthStart(date: SqlFragment): SqlFragment {
    return sql`toStartOfMonth(${date})`;
  }

  argMax(value: SqlFragment, by: SqlFragment): SqlFragment {
    return sql`argMax(${value}, ${by})`;
  }

  argMin(value: SqlFragment, by: SqlFragment): SqlFragment {
    return sql`argMin(${value}, ${by})`;
  }

  quantile(expr: SqlFragment, q: number): SqlFragment {
    if (!(q >= 0 && q <= 1)) throw new Error(`invalid quantile: ${q}`);
    return sql`quantile(${raw(String(q))})(${expr})`;
  }

  jsonText(column: Ident, key: string): SqlFragment {
    // As DuckDB's json_extract_string: a string's text, any other value's JSON text, NULL when absent.
    if (this.features.jsonFunctions) {
      return sql`if(JSONHas(${column}, ${key}), if(JSONType(${column}, ${key}) = 'String', JSONExtractString(${column}, ${key}), JSONExtractRaw(${column}, ${key})), NULL)`;
    }
    const rawValue = sql`visitParamExtractRaw(${column}, ${key})`;
    return sql`if(visitParamHas(${column}, ${key}), if(substring(${rawValue}, 1, 1) = '"', visitParamExtractString(${column}, ${key}), ${rawValue}), NULL)`;
  }

  override jsonTextIs(column: Ident, key: string, text: string): SqlFragment {
    if (this.features.jsonFunctions) return super.jsonTextIs(column, key, text);
    // jsonText's four scans of the text in two (18.16 evaluates both branches of every if):
    // a string's text is `text`, or a number's or boolean's (never starting with a quote) is.
    const raw = sql`visitParamExtractRaw(${column}, ${key})`;
    if (text === '') return sql`(visitParamHas(${column}, ${key}) AND ${raw} = '""')`;
    const string = sql`visitParamExtractString(${column}, ${key}) = ${text}`;
    return text.startsWith('"') ? string : sql`(${string} OR ${raw} = ${text})`;
  }

  textPrefix(expr: SqlFragment, chars: number): SqlFragment {
    return sql`substringUTF8(${expr}, 1, ${raw(String(Math.max(0, Math.trunc(chars))))})`;
  }

  textLength(expr: SqlFragment): SqlFragment {
    return sql`lengthUTF8(${expr})`;
  }

  override packText(values: readonly SqlFragment[]): SqlFragment {
    if (values.length === 0) return sql`''`;
    const cells = values.map((v) => sql`ifNull(toString(${v}), '')`);
    return cells.length === 1 ? sql`concat(${cells[0]}, '')` : sql`concat(${join(cells, `, ',', `)})`;
  }

  zipRows(columns: readonly ZipColumn[]): SqlFragment {
    // ARRAY JOIN over several arrays walks them side by side.
    const arrays = columns.map((c) => {
      const values = c.type === 'text' || c.type === 'date' ? c.values.map((v) => (v === null ? null : String(v))) : [...c.values];
      const list = sql`${values}`;
      // 18.16 converts a NULL date text inside arrayMap as '' and fails: the OrNull form keeps it.
      const convert = c.type === 'date' && values.includes(null) ? 'toDateOrNull' : CONVERT[c.type];
      const converted = c.type === 'text' ? list : sql`arrayMap(x -> ${raw(convert)}(x), ${list})`;
      return sql`${converted} AS ${ident(c.name)}`;
    });
    return sql`(SELECT ${join(columns.map((c) => ident(c.name)))} FROM system.one ARRAY JOIN ${join(arrays)})`;
  }
}
