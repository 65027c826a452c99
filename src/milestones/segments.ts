import { SegmentExpressionError, type SegmentCompareOp, type SegmentExpr, type SegmentLiteral } from '../config/index.js';

/**
 * Segments: compiles a parsed segment expression (src/config/segment-expression.ts) into a
 * predicate over per-account records, checking fields and value types first. Evaluation is
 * plain TypeScript over plain objects, so no user text ever reaches SQL.
 *
 * Nulls: any comparison, `in` or `not in` with a null field is false (SQL's unknown,
 * simplified to false); `not` then negates that false. Only `is [not] null` tests for null.
 * Strings compare exactly and case-sensitively; numbers and dates compare by value.
 */

export type SegmentFieldType = 'string' | 'number' | 'boolean' | 'date';

/** The fields an expression may read; `milestones.<milestone>.<field>` combines the last two. */
export interface SegmentFieldCatalog {
  /** Top-level fields, e.g. `{ stage: 'string', age_days: 'number' }`. */
  fields: Readonly<Record<string, SegmentFieldType>>;
  /** Milestone names from milestones.yaml. */
  milestones: readonly string[];
  /** Fields of each milestone, e.g. `{ reached: 'boolean' }`. */
  milestoneFields: Readonly<Record<string, SegmentFieldType>>;
}

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
export const DEFAULT_SEGMENT_FIELDS: Omit<SegmentFieldCatalog, 'milestones'> = {
  fields: {
    account_id: 'string',
    stage: 'string',
    plan: 'string',
    seats: 'number',
    age_days: 'number',
    churned: 'boolean',
    days_since_last_event: 'number',
  },
  milestoneFields: {
    reached: 'boolean',
    progress: 'number',
    days_to_reach: 'number',
    reached_at: 'date',
  },
};

/** The expression parses but names an unknown field or compares it with the wrong type. */
export class SegmentError extends SegmentExpressionError {
  override readonly name = 'SegmentError';
}

export type SegmentPredicate = (record: AccountRecord) => boolean;

/** Checks every field and value against `known`, then returns the predicate; throws SegmentError. */
export function compileSegment(expr: SegmentExpr, known: SegmentFieldCatalog): SegmentPredicate {
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

interface ResolvedField {
  name: string;
  type: SegmentFieldType;
  get: Getter;
}

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
      const f = resolveField(expr.field, expr.start, known);
      if (f.type !== 'boolean') {
        throw error(`${f.name} is a ${f.type}, not a condition; compare it, e.g. ${example(f)}`, expr.start, f.name.length);
      }
      return (r) => f.get(r) === true;
    }
    case 'is_null': {
      const f = resolveField(expr.field, expr.start, known);
      return expr.negated ? (r) => f.get(r) !== null : (r) => f.get(r) === null;
    }
    case 'compare': {
      const f = resolveField(expr.field, expr.start, known);
      if ((f.type === 'string' || f.type === 'boolean') && expr.op !== '=' && expr.op !== '!=') {
        throw error(`'${expr.op}' does not apply to ${f.name}, a ${f.type}; use =, !=, in or not in`, expr.start, expr.end - expr.start);
      }
      const value = literalFor(f, expr.value);
      const cmp = COMPARE[expr.op];
      return (r) => {
        const v = f.get(r);
        return v !== null && cmp(v, value);
      };
    }
    case 'in': {
      const f = resolveField(expr.field, expr.start, known);
      const values = new Set(expr.values.map((lit) => literalFor(f, lit)));
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

function resolveField(field: readonly string[], start: number, known: SegmentFieldCatalog): ResolvedField {
  const name = field.join('.');
  const fail = (message: string): never => {
    throw error(message, start, name.length);
  };
  const [head, milestone, sub] = field;
  if (field.length === 1 && Object.hasOwn(known.fields, head!)) {
    const type = known.fields[head!]!;
    return { name, type, get: normaliser(type, (r) => readOwn(r, head!)) };
  }
  if (head !== 'milestones') {
    const fields = [...Object.keys(known.fields), 'milestones.<milestone>.<field>'];
    return fail(`unknown field '${name}' (fields: ${fields.join(', ')})`);
  }
  const milestoneFields = Object.keys(known.milestoneFields).join(', ');
  if (milestone === undefined) return fail(`expected milestones.<milestone>.<field>, e.g. milestones.setup.reached`);
  if (!known.milestones.includes(milestone)) {
    return fail(`unknown milestone '${milestone}' (milestones: ${known.milestones.join(', ')})`);
  }
  if (sub === undefined || field.length > 3) return fail(`expected a field after 'milestones.${milestone}.' (${milestoneFields})`);
  if (!Object.hasOwn(known.milestoneFields, sub)) {
    return fail(`unknown milestone field '${sub}' in ${name} (fields: ${milestoneFields})`);
  }
  const type = known.milestoneFields[sub]!;
  return {
    name,
    type,
    get: normaliser(type, (r) => {
      const m = readOwn(r.milestones, milestone);
      return typeof m === 'object' && m !== null ? readOwn(m, sub) : undefined;
    }),
  };
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

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The literal as the field's type, or a SegmentError such as `age_days is a number, got the string 'x'`. */
function literalFor(f: ResolvedField, lit: SegmentLiteral): string | number | boolean {
  const v = lit.value;
  const mismatch = (hint = ''): never => {
    throw error(`${f.name} is a ${f.type}, got ${describeLiteral(v)}${hint}`, lit.start, lit.end - lit.start);
  };
  switch (f.type) {
    case 'string':
      return typeof v === 'string' ? v : mismatch(typeof v === 'number' ? ` (quote it: '${v}')` : '');
    case 'number':
      return typeof v === 'number' ? v : mismatch();
    case 'boolean':
      return typeof v === 'boolean' ? v : mismatch();
    case 'date': {
      // Date-only text is midnight UTC, as Date.parse reads it.
      const ms = typeof v === 'string' && ISO_DATE.test(v) ? Date.parse(v) : NaN;
      return Number.isNaN(ms) ? mismatch(" (write dates as 'YYYY-MM-DD')") : ms;
    }
  }
}

function describeLiteral(v: string | number | boolean): string {
  return typeof v === 'string' ? `the string '${v.length > 30 ? `${v.slice(0, 27)}...` : v}'` : String(v);
}

function example(f: ResolvedField): string {
  if (f.type === 'number') return `${f.name} > 0`;
  if (f.type === 'date') return `${f.name} >= '2024-01-01'`;
  return `${f.name} = '...'`;
}

/** Offsets are all the evaluator knows of the text, so columns assume a one-line expression. */
function error(message: string, offset: number, length: number): SegmentError {
  return new SegmentError(`${message}, at column ${offset + 1}`, offset, Math.max(1, length));
}
