/**
 * The one place where a value becomes SQL text: for ClickHouse servers without query
 * parameters (before 19.x, such as Debian's 18.16), the dialect inlines bound values through
 * these functions. Strict: only strings, finite numbers, booleans, null, Dates and arrays of
 * them are accepted, every literal carries its type, and strings escape `\` and `'` (and the
 * control characters, for readable logs). Feature code never calls this.
 */

/** The ClickHouse type a bound value travels as; Dates are epoch milliseconds (Int64). */
export function clickHouseType(value: unknown): string {
  if (value === null || value === undefined) return 'Nullable(String)';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'UInt8';
  if (typeof value === 'bigint') return 'Int64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Int64' : 'Float64';
  if (value instanceof Date) return 'Int64';
  if (Array.isArray(value)) return `Array(${arrayElementType(value)})`;
  throw new Error(`invalid bound value: ${describe(value)}`);
}

function arrayElementType(values: readonly unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return values.length ? 'Nullable(String)' : 'String';
  let type: string;
  if (present.every((v) => typeof v === 'string')) type = 'String';
  else if (present.every((v) => typeof v === 'number' || typeof v === 'bigint' || v instanceof Date)) {
    type = present.every((v) => typeof v !== 'number' || Number.isInteger(v)) ? 'Int64' : 'Float64';
  } else throw new Error(`invalid bound array: mixed or nested values (${describe(values)})`);
  return present.length < values.length ? `Nullable(${type})` : type;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

/** A string as a ClickHouse string literal. */
export function quoteString(s: string): string {
  return `'${s.replace(/[\\'\n\r\t\0]/g, (c) => ESCAPES[c])}'`;
}

/** The value as typed SQL text: `'text'`, `CAST(3 AS Int64)`, `CAST(NULL AS Nullable(String))`, `CAST([…] AS Array(String))`. */
export function clickHouseLiteral(value: unknown): string {
  const type = clickHouseType(value);
  if (typeof value === 'string') return quoteString(value);
  return `CAST(${bare(value)} AS ${type})`;
}

function bare(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw new Error(`invalid bound value: ${describe(value)}`);
    return String(ms);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`invalid bound value: ${value}`);
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  }
  if (Array.isArray(value)) return `[${value.map(bare).join(', ')}]`;
  throw new Error(`invalid bound value: ${describe(value)}`);
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return String(v);
  }
}
