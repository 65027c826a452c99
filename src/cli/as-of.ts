import { parseDay } from '../milestones/index.js';
import { usageError } from './errors.js';

/** The --as-of option: a YYYY-MM-DD day, today (UTC) when absent. */
export function asOfOption(value: string | undefined): string {
  if (value === undefined) return new Date().toISOString().slice(0, 10);
  const day = parseDay(value);
  if (!day) throw usageError(`--as-of must be a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return day;
}
