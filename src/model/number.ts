import { ok, rejected, type Checked } from './result.js';

// Plain decimal only: Number() would also read "0x10" as 16, "0b11" as 3 and "Infinity".
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface NumberRule {
  /** Whole numbers only. */
  integer: boolean;
  min: number;
  /** Within what the store's column holds (and what is plausible). */
  max: number;
}

/**
 * A number given as a JSON number or as decimal text (CSV cells, sloppy senders): null when
 * absent, else within the rule's bounds, so the store never meets a value it cannot hold.
 */
export function numberValue(v: unknown, field: string, rule: NumberRule): Checked<number | null> {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return ok(null);
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n) || n < rule.min || n > rule.max || (rule.integer && !Number.isInteger(n))) {
    const what = rule.integer ? 'a whole number' : 'a decimal number';
    return rejected('invalid_field', `${field} must be ${what} from ${rule.min} to ${rule.max.toLocaleString('en-US')}, got ${JSON.stringify(v)}`, field);
  }
  return ok(n);
}
