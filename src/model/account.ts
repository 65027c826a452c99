import { parseTimestamp, LIMITS } from './event.js';
import { ok, rejected, type Checked, type Rejection } from './result.js';

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

function required(row: Row, key: string): Checked<string> {
  const v = row[key]?.trim();
  return v ? ok(v) : rejected('missing_field', `${key} is required`, key);
}

function optionalDate(row: Row, key: string): Checked<number | null> {
  const v = row[key]?.trim();
  if (!v) return ok(null);
  const ms = parseTimestamp(v);
  if (ms === null || ms < LIMITS.earliest) return rejected('invalid_field', `${key} must be an ISO-8601 date, got ${JSON.stringify(v)}`, key);
  return ok(ms);
}

function optionalNumber(row: Row, key: string, integer: boolean): Checked<number | null> {
  const v = row[key]?.trim();
  if (!v) return ok(null);
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    return rejected('invalid_field', `${key} must be a ${integer ? 'whole ' : ''}number ≥ 0, got ${JSON.stringify(v)}`, key);
  }
  return ok(n);
}

/** Checks one row of an accounts CSV (account_id,name,created_at,plan,seats,churned_at). */
export function normalizeAccount(row: Row): Checked<Account> {
  const id = required(row, 'account_id');
  if (!id.ok) return id;
  const created = required(row, 'created_at');
  if (!created.ok) return created;
  const createdAt = optionalDate(row, 'created_at');
  if (!createdAt.ok) return createdAt;
  const churnedAt = optionalDate(row, 'churned_at');
  if (!churnedAt.ok) return churnedAt;
  const seats = optionalNumber(row, 'seats', true);
  if (!seats.ok) return seats;
  const account: Account = {
    accountId: id.value,
    name: row.name?.trim() || null,
    createdAt: createdAt.value!,
    plan: row.plan?.trim() || null,
    seats: seats.value,
    churnedAt: churnedAt.value,
  };
  const problem = accountFactsProblem(account);
  return problem ? { ok: false, reject: problem } : ok(account);
}

/**
 * The rules an account's facts keep together, wherever they come from (an accounts file, a
 * group call, the two merged): seats a whole number in range, churn not before signup.
 */
export function accountFactsProblem(a: { createdAt?: number | null; churnedAt?: number | null; seats?: number | null }): Rejection | null {
  if (a.seats !== undefined && a.seats !== null && !(Number.isInteger(a.seats) && a.seats >= 0 && a.seats <= LIMITS.maxCount)) {
    return { reason: 'invalid_field', field: 'seats', message: `seats must be a whole number from 0 to ${LIMITS.maxCount}, got ${a.seats}` };
  }
  if (a.churnedAt !== undefined && a.churnedAt !== null && a.createdAt !== undefined && a.createdAt !== null && a.churnedAt < a.createdAt) {
    return { reason: 'invalid_field', field: 'churned_at', message: 'churned_at is before created_at' };
  }
  return null;
}

/** Checks one row of an account-history CSV (account_id,valid_from,plan,seats,mrr,status). */
export function normalizeAccountHistory(row: Row): Checked<AccountHistoryRow> {
  const id = required(row, 'account_id');
  if (!id.ok) return id;
  const from = required(row, 'valid_from');
  if (!from.ok) return from;
  const validFrom = optionalDate(row, 'valid_from');
  if (!validFrom.ok) return validFrom;
  const seats = optionalNumber(row, 'seats', true);
  if (!seats.ok) return seats;
  const mrr = optionalNumber(row, 'mrr', false);
  if (!mrr.ok) return mrr;
  const status = (row.status?.trim() || 'active').toLowerCase();
  if (!(ACCOUNT_STATUSES as readonly string[]).includes(status)) {
    return rejected('invalid_field', `status must be one of ${ACCOUNT_STATUSES.join(', ')}, got ${JSON.stringify(row.status)}`, 'status');
  }
  return ok({
    accountId: id.value,
    validFrom: validFrom.value!,
    plan: row.plan?.trim() || null,
    seats: seats.value,
    mrr: mrr.value,
    status: status as AccountStatus,
  });
}
