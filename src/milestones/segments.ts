import {
  checkSegment,
  resolveSegmentField,
  segmentLiteral,
  SEGMENT_FIELDS,
  type ResolvedField,
  type SegmentCompareOp,
  type SegmentExpr,
  type SegmentFieldCatalog,
  type SegmentFieldType,
} from '../config/index.js';

/**
 * Segments: compiles a parsed segment expression (src/config/segment-expression.ts) into a
 * predicate over per-account records. Which fields exist and what their values may be is
 * checked by config (segment-fields.ts), when milestones.yaml loads and again here; evaluation
 * is plain TypeScript over plain objects. segment-sql.ts writes the same expressions as SQL
 * conditions on the materialized statuses, with the same meaning (tested equal).
 *
 * Nulls: any comparison, `in` or `not in` with a null field is false (SQL's unknown,
 * simplified to false); `not` then negates that false. Only `is [not] null` tests for null.
 * Strings compare exactly and case-sensitively; numbers and dates compare by value.
 */

export { SegmentError, type SegmentFieldCatalog, type SegmentFieldType } from '../config/index.js';

/** One account's facts as segments see them, as of the day status is computed. */
export interface AccountRecord {
  account_id: string;
  /** Journey stage name (stages: in milestones.yaml). */
  stage: string;
  plan: string | null;
  seats: number | null;
  /** Days since signup. */
  age_days: number;
  churned: boolean;
  days_since_last_event: number | null;
  milestones: Record<string, MilestoneRecord>;
}

export interface MilestoneRecord {
  reached: boolean;
  /** 0..1 towards reaching it. */
  progress: number;
  /** Days from signup to reaching it; null while not reached. */
  days_to_reach: number | null;
  /** ISO-8601 date or timestamp; null while not reached. */
  reached_at: string | null;
}

/** The fields of AccountRecord; add `milestones` from the config to get a SegmentFieldCatalog. */
export const DEFAULT_SEGMENT_FIELDS: Omit<SegmentFieldCatalog, 'milestones'> = SEGMENT_FIELDS;

// The catalog names every field of AccountRecord, with its type.
type FieldTypeOf<T> = T extends string ? 'string' | 'date' : T extends number ? 'number' : T extends boolean ? 'boolean' : never;
type CatalogOf<R> = { [K in keyof R]-?: FieldTypeOf<NonNullable<R[K]>> };
SEGMENT_FIELDS.fields satisfies CatalogOf<Omit<AccountRecord, 'milestones'>>;
SEGMENT_FIELDS.milestoneFields satisfies CatalogOf<MilestoneRecord>;

export type SegmentPredicate = (record: AccountRecord) => boolean;

/** Checks every field and value against `known`, then returns the predicate; throws SegmentError. */
export function compileSegment(expr: SegmentExpr, known: SegmentFieldCatalog): SegmentPredicate {
  checkSegment(expr, known);
  const test = compile(expr, known);
  return function segmentPredicate(record: AccountRecord): boolean {
    return test(record);
  };
}

/** The records the predicate keeps, in their order. */
export function filterAccounts<R extends AccountRecord>(records: Iterable<R>, predicate: SegmentPredicate): R[] {
  const out: R[] = [];
  for (const record of records) if (predicate(record)) out.push(record);
  return out;
}

// ---------------------------------------------------------------------------------------

/** A field's value normalised to its declared type: dates become epoch ms; anything else null. */
type Value = string | number | boolean | null;
type Getter = (record: AccountRecord) => Value;
type Test = (record: AccountRecord) => boolean;

function compile(expr: SegmentExpr, known: SegmentFieldCatalog): Test {
  switch (expr.kind) {
    case 'and': {
      const left = compile(expr.left, known);
      const right = compile(expr.right, known);
      return (r) => left(r) && right(r);
    }
    case 'or': {
      const left = compile(expr.left, known);
      const right = compile(expr.right, known);
      return (r) => left(r) || right(r);
    }
    case 'not': {
      const inner = compile(expr.expr, known);
      return (r) => !inner(r);
    }
    case 'truthy': {
      const f = field(expr.field, expr.start, known);
      return (r) => f.get(r) === true;
    }
    case 'is_null': {
      const f = field(expr.field, expr.start, known);
      return expr.negated ? (r) => f.get(r) !== null : (r) => f.get(r) === null;
    }
    case 'compare': {
      const f = field(expr.field, expr.start, known);
      const value = segmentLiteral(f, expr.value);
      const cmp = COMPARE[expr.op];
      return (r) => {
        const v = f.get(r);
        return v !== null && cmp(v, value);
      };
    }
    case 'in': {
      const f = field(expr.field, expr.start, known);
      const values = new Set(expr.values.map((lit) => segmentLiteral(f, lit)));
      return expr.negated
        ? (r) => {
            const v = f.get(r);
            return v !== null && !values.has(v);
          }
        : (r) => {
            const v = f.get(r);
            return v !== null && values.has(v);
          };
    }
  }
}

/** Value types are checked at compile time, so these compare like with like. */
const COMPARE: Record<SegmentCompareOp, (a: string | number | boolean, b: string | number | boolean) => boolean> = {
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** A field of the record, read as its declared type (checkSegment has vouched for it). */
function field(name: readonly string[], start: number, known: SegmentFieldCatalog): ResolvedField & { get: Getter } {
  const f = resolveSegmentField(name, start, known);
  const [head, milestone, sub] = f.path;
  const read =
    head === 'milestones'
      ? (r: AccountRecord) => {
          const m = readOwn(r.milestones, milestone!);
          return typeof m === 'object' && m !== null ? readOwn(m, sub!) : undefined;
        }
      : (r: AccountRecord) => readOwn(r, head);
  return { ...f, get: normaliser(f.type, read) };
}

/** Own properties only, so `constructor` or `__proto__` never reach the prototype. */
function readOwn(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Treats a missing or mistyped value as null rather than comparing across types. */
function normaliser(type: SegmentFieldType, read: (r: AccountRecord) => unknown): Getter {
  switch (type) {
    case 'string':
      return (r) => {
        const v = read(r);
        return typeof v === 'string' ? v : null;
      };
    case 'number':
      return (r) => {
        const v = read(r);
        return typeof v === 'number' && !Number.isNaN(v) ? v : null;
      };
    case 'boolean':
      return (r) => {
        const v = read(r);
        return typeof v === 'boolean' ? v : null;
      };
    case 'date':
      return (r) => toEpochMs(read(r));
  }
}

function toEpochMs(v: unknown): number | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.getTime();
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : ms;
}
