import { SegmentExpressionError, type SegmentExpr, type SegmentLiteral } from './segment-expression.js';

/**
 * What a segment expression may read, and the check that it reads only that, with values of
 * the right type. Run when milestones.yaml loads (a mistake is a config error at its line) and
 * again by the evaluator (src/milestones/segments.ts), which builds on the same resolution.
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

/** The fields of an account as segments see it (the evaluator's AccountRecord); add the milestones. */
export const SEGMENT_FIELDS = {
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
} as const satisfies Omit<SegmentFieldCatalog, 'milestones'>;

/** The expression parses but names an unknown field or compares it with the wrong type. */
export class SegmentError extends SegmentExpressionError {
  override readonly name = 'SegmentError';
}

/** A field of the catalog: where the evaluator reads it, and its type. */
export interface ResolvedField {
  /** As written: `milestones.setup.reached`. */
  name: string;
  type: SegmentFieldType;
  path: [field: string] | ['milestones', milestone: string, field: string];
}

/** Throws the first SegmentError in text order, if any. */
export function checkSegment(expr: SegmentExpr, known: SegmentFieldCatalog): void {
  switch (expr.kind) {
    case 'and':
    case 'or':
      checkSegment(expr.left, known);
      checkSegment(expr.right, known);
      return;
    case 'not':
      return checkSegment(expr.expr, known);
    case 'truthy': {
      const f = resolveSegmentField(expr.field, expr.start, known);
      if (f.type !== 'boolean') {
        throw segmentError(`${f.name} is a ${f.type}, not a condition; compare it, e.g. ${example(f)}`, expr.start, f.name.length);
      }
      return;
    }
    case 'is_null':
      resolveSegmentField(expr.field, expr.start, known);
      return;
    case 'compare': {
      const f = resolveSegmentField(expr.field, expr.start, known);
      if ((f.type === 'string' || f.type === 'boolean') && expr.op !== '=' && expr.op !== '!=') {
        throw segmentError(`'${expr.op}' does not apply to ${f.name}, a ${f.type}; use =, !=, in or not in`, expr.start, expr.end - expr.start);
      }
      segmentLiteral(f, expr.value);
      return;
    }
    case 'in': {
      const f = resolveSegmentField(expr.field, expr.start, known);
      for (const lit of expr.values) segmentLiteral(f, lit);
    }
  }
}

/** The field a name stands for, or a SegmentError naming what exists. Own keys only: `constructor` is unknown. */
export function resolveSegmentField(field: readonly string[], start: number, known: SegmentFieldCatalog): ResolvedField {
  const name = field.join('.');
  const fail = (message: string): never => {
    throw segmentError(message, start, name.length);
  };
  const [head, milestone, sub] = field;
  if (field.length === 1 && Object.hasOwn(known.fields, head!)) return { name, type: known.fields[head!]!, path: [head!] };
  if (head !== 'milestones') {
    const fields = [...Object.keys(known.fields), 'milestones.<milestone>.<field>'];
    return fail(`unknown field '${name}' (fields: ${fields.join(', ')})`);
  }
  const milestoneFields = Object.keys(known.milestoneFields).join(', ');
  if (milestone === undefined) return fail(`expected milestones.<milestone>.<field>, e.g. milestones.setup.reached`);
  if (!known.milestones.includes(milestone)) {
    throw segmentError(`unknown milestone '${milestone}' (milestones: ${known.milestones.join(', ')})`, start + 'milestones.'.length, milestone.length);
  }
  if (sub === undefined || field.length > 3) return fail(`expected a field after 'milestones.${milestone}.' (${milestoneFields})`);
  if (!Object.hasOwn(known.milestoneFields, sub)) return fail(`unknown milestone field '${sub}' in ${name} (fields: ${milestoneFields})`);
  return { name, type: known.milestoneFields[sub]!, path: ['milestones', milestone, sub] };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The literal as the field's type (dates as epoch ms), or a SegmentError such as `age_days is a number, got the string 'x'`. */
export function segmentLiteral(f: ResolvedField, lit: SegmentLiteral): string | number | boolean {
  const v = lit.value;
  const mismatch = (hint = ''): never => {
    throw segmentError(`${f.name} is a ${f.type}, got ${describeLiteral(v)}${hint}`, lit.start, lit.end - lit.start);
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

/** Offsets are all the checker knows of the text, so columns assume a one-line expression. */
function segmentError(message: string, offset: number, length: number): SegmentError {
  return new SegmentError(`${message}, at column ${offset + 1}`, offset, Math.max(1, length));
}
