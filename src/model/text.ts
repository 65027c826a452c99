import { ok, rejected, type Checked } from './result.js';

/**
 * The one rule for text, whatever the source (events, Segment and PostHog calls, account CSV
 * files): an id or a name is kept exactly or refused, never altered. Free-form JSON (metadata,
 * traits) is kept, with lone surrogates made U+FFFD so every store can hold and query it.
 */

// Control characters (Unicode Cc: C0, DEL, C1) would break line-oriented exports and terminals.
const CONTROL = /\p{Cc}/u;
// In a /u pattern a surrogate range matches only lone surrogates: halves of no character.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const LONE_SURROGATES = /[\ud800-\udfff]/gu;
// Cheap first looks, without /u, for the hot path: most text holds neither.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;
const isLone = (s: string) => SURROGATE.test(s) && LONE_SURROGATE.test(s);

/** A JSON value's kind for messages: null and array apart from object. */
export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

const hex = (c: string) => 'U+' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

/**
 * Why a text cannot be kept as it is, or null: a control character, or a lone surrogate (stores
 * write each as U+FFFD, so `acc_\ud800` and `acc_\udfff` would become one account).
 */
export function textProblem(v: string, field: string): string | null {
  if (!SUSPECT.test(v)) return null;
  const control = CONTROL.exec(v);
  if (control) return `${field} contains a control character (${hex(control[0])}) at position ${control.index}`;
  const lone = LONE_SURROGATE.exec(v);
  if (lone) return `${field} is not well-formed Unicode: a lone surrogate (${hex(lone[0])}) at position ${lone.index}`;
  return null;
}

/** A text field: null when absent; numbers read as text; bounded length, clean text (textProblem). */
export function textValue(v: unknown, field: string, max: number): Checked<string | null> {
  if (v === undefined || v === null || v === '') return ok(null);
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') return rejected('invalid_field', `${field} must be a string, got ${typeOf(v)}`, field);
  if (v.length > max) return rejected('invalid_field', `${field} is longer than ${max} characters`, field);
  const problem = textProblem(v, field);
  return problem ? rejected('invalid_text', problem, field) : ok(v);
}

/** A text field that may be required: missing_field when it is and nothing is there. */
export function textField(v: unknown, field: string, max: number, required: boolean): Checked<string | null> {
  const checked = textValue(v, field, max);
  if (checked.ok && checked.value === null && required) return rejected('missing_field', `${field} is required`, field);
  return checked;
}

/**
 * A JSON value with every lone surrogate, in keys and strings, replaced by U+FFFD (what invalid
 * UTF-8 becomes too); the same value when there is none. Stores refuse such JSON when they
 * query it, so one event's metadata could otherwise stop every milestone query.
 */
export function wellFormedJson<T>(v: T): T {
  return hasLoneSurrogate(v) ? (repaired(v) as T) : v;
}

/** Whether a JSON value holds a lone surrogate anywhere; allocates nothing (the usual answer is no). */
function hasLoneSurrogate(v: unknown): boolean {
  if (typeof v === 'string') return isLone(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  for (const k of Object.keys(v)) if (isLone(k) || hasLoneSurrogate((v as Record<string, unknown>)[k])) return true;
  return false;
}

function repaired(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(LONE_SURROGATES, '\ufffd');
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(repaired);
  // fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(Object.entries(v).map(([k, w]) => [repaired(k), repaired(w)]));
}
