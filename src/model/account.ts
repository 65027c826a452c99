import { parseTimestamp, LIMITS } from './event.js';
import { numberValue } from './number.js';
import { ok, rejected, type Checked, type Rejection } from './result.js';
import { textField } from './text.js';

/** A paying customer, as known now. */
export interface Account {
  accountId: string;
  name: string | null;
  /** Signup, epoch ms UTC. */
  createdAt: number;
  plan: string | null;
  /** Seats held now; history gives seats over time. */
  seats: number | null;
  /** Epoch ms UTC, or null while still a customer. */
  churnedAt: number | null;
}

export const ACCOUNT_STATUSES = ['trial', 'active', 'paused', 'churned'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** One change of an account's facts, valid from a date until the next row. */
export interface AccountHistoryRow {
  accountId: string;
  validFrom: number;
  plan: string | null;
  seats: number | null;
  mrr: number | null;
  status: AccountStatus;
}

export interface User {
  userId: string;
  accountId: string;
  firstSeen: number;
}

type Row = Record<string, string | undefined>;

const SEATS = { integer: true, min: 0, max: LIMITS.maxSeats };
const MRR = { integer: false, min: 0, max: LIMITS.maxMrr };

/** A CSV cell as text, by the rule every text field follows; cells are trimmed. */
const text = (row: Row, key: string, max: number, required = false) => textField(row[key]?.trim(), key, max, required);

/** A date fact of an account: null when empty, else epoch ms from 1990 to the year 9999. */
export function accountDate(v: unknown, field: string): Checked<number | null> {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return ok(null);
  const ms = parseTimestamp(typeof v === 'string' ? v.trim() : v);
  if (ms === null || ms < LIMITS.earliest || ms > LIMITS.latestDate) {
    return rejected('invalid_field', `${field} must be an ISO-8601 date from 1990 to 9999, got ${JSON.stringify(v)}`, field);
  }
  return ok(ms);
}

/** Seats held: a whole number from 0 up to LIMITS.maxSeats, or null when not given. */
export const seatsValue = (v: unknown, field = 'seats') => numberValue(v, field, SEATS);

/** Checks one row of an accounts CSV (account_id,name,created_at,plan,seats,churned_at). */
export function normalizeAccount(row: Row): Checked<Account> {
  const id = text(row, 'account_id', LIMITS.idLength, true);
  if (!id.ok) return id;
  if (!row.created_at?.trim()) return rejected('missing_field', 'created_at is required', 'created_at');
  const createdAt = accountDate(row.created_at, 'created_at');
  if (!createdAt.ok) return createdAt;
  const churnedAt = accountDate(row.churned_at, 'churned_at');
  if (!churnedAt.ok) return churnedAt;
  const facts = accountFactsProblem({ createdAt: createdAt.value, churnedAt: churnedAt.value });
  if (facts) return { ok: false, reject: facts };
  const name = text(row, 'name', LIMITS.nameLength);
  if (!name.ok) return name;
  const plan = text(row, 'plan', LIMITS.nameLength);
  if (!plan.ok) return plan;
  const seats = seatsValue(row.seats);
  if (!seats.ok) return seats;
  return ok({
    accountId: id.value!,
    name: name.value,
    createdAt: createdAt.value!,
    plan: plan.value,
    seats: seats.value,
    churnedAt: churnedAt.value,
  });
}

/**
 * The rule an account's facts keep together, wherever they come from (an accounts file, a group
 * call, the two merged): churn not before signup. Each fact alone is checked as it is read.
 */
export function accountFactsProblem(a: { createdAt?: number | null; churnedAt?: number | null }): Rejection | null {
  if (a.churnedAt !== undefined && a.churnedAt !== null && a.createdAt !== undefined && a.createdAt !== null && a.churnedAt < a.createdAt) {
    return { reason: 'invalid_field', field: 'churned_at', message: 'churned_at is before created_at' };
  }
  return null;
}

/** Checks one row of an account-history CSV (account_id,valid_from,plan,seats,mrr,status). */
export function normalizeAccountHistory(row: Row): Checked<AccountHistoryRow> {
  const id = text(row, 'account_id', LIMITS.idLength, true);
  if (!id.ok) return id;
  if (!row.valid_from?.trim()) return rejected('missing_field', 'valid_from is required', 'valid_from');
  const validFrom = accountDate(row.valid_from, 'valid_from');
  if (!validFrom.ok) return validFrom;
  const plan = text(row, 'plan', LIMITS.nameLength);
  if (!plan.ok) return plan;
  const seats = seatsValue(row.seats);
  if (!seats.ok) return seats;
  const mrr = numberValue(row.mrr, 'mrr', MRR);
  if (!mrr.ok) return mrr;
  const status = (row.status?.trim() || 'active').toLowerCase();
  if (!(ACCOUNT_STATUSES as readonly string[]).includes(status)) {
    return rejected('invalid_field', `status must be one of ${ACCOUNT_STATUSES.join(', ')}, got ${JSON.stringify(row.status)}`, 'status');
  }
  return ok({
    accountId: id.value!,
    validFrom: validFrom.value!,
    plan: plan.value,
    seats: seats.value,
    mrr: mrr.value,
    status: status as AccountStatus,
  });
}
