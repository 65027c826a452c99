import type { Store } from '../store/index.js';
import { sql } from '../store/index.js';

const DAY_MS = 86_400_000;
const toDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const addDays = (day: string, n: number): string => toDay(dayMs(day) + n * DAY_MS);
/** Rows come back from the store as text, numbers or null; dates as 'YYYY-MM-DD…'. */
const asDay = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v).slice(0, 10));

export type RetentionKind = 'still_customer' | 'not_dormant';

/** The retention label's settings (cairn.yaml `retention`, overridden by the command line). */
export interface RetentionSettings {
  kind: RetentionKind;
  /** Retention is judged this many days after signup. */
  days: number;
  /** not_dormant: the account must have activity within the last `dormantDays` before day `days`. */
  dormantDays: number;
  /** Behaviour is measured only in [signup_day, signup_day + earlyDays). */
  earlyDays: number;
}

export interface LabelledAccount {
  account_id: string;
  /** 'YYYY-MM-DD', the UTC day of accounts.created_at. */
  signup_day: string;
  /** Plan at the end of the early window (account_history), else accounts.plan. A stratum, not a feature. */
  plan: string | null;
  /** Seats at the end of the early window (account_history), else accounts.seats, else 1. */
  seats: number;
  /** 'YYYY-MM': the signup cohort. */
  signup_month: string;
  /** 'YYYY-MM-DD' when churned on or before as-of, else null. */
  churn_day: string | null;
  retained: boolean;
}

export interface RetentionLabels {
  labelled: LabelledAccount[];
  /** 'history' when account history holds plan or seats for the labelled accounts; else 'current': accounts.csv's values, which may be later than the early window. */
  planSource: 'history' | 'current';
  leftOut: {
    /** Signed up by `asOf` but fewer than `days` days before it: retention cannot be judged yet. */
    tooYoung: number;
    /** Churned before the early window closed: their early behaviour is cut short. */
    churnedInEarlyWindow: number;
  };
  settings: RetentionSettings;
  asOf: string;
}

export function checkRetentionSettings(s: RetentionSettings): void {
  for (const [name, v] of [
    ['days', s.days],
    ['dormantDays', s.dormantDays],
    ['earlyDays', s.earlyDays],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`invalid retention ${name}: ${v} (expected a whole number of days, at least 1)`);
  }
  if (s.kind !== 'still_customer' && s.kind !== 'not_dormant') throw new Error(`invalid retention kind: ${String(s.kind)}`);
  if (s.earlyDays >= s.days) throw new Error(`invalid retention: earlyDays (${s.earlyDays}) must be less than days (${s.days})`);
  if (s.kind === 'not_dormant' && s.dormantDays > s.days) {
    throw new Error(`invalid retention: dormantDays (${s.dormantDays}) must be at most days (${s.days})`);
  }
}

interface HistoryRow {
  account_id: string;
  day: unknown;
  plan: string | null;
  seats: number | string | null;
  status: string;
}

/**
 * Labels every account old enough to be judged as retained or not, as of `asOf` ('YYYY-MM-DD').
 *
 * - The signup day is the UTC day of `accounts.created_at`. An account is judged only when
 *   `signup_day + days <= asOf`; younger ones (signed up by `asOf`) are counted in
 *   `leftOut.tooYoung`. Accounts signed up after `asOf` do not exist yet and are not counted.
 * - The churn day is `accounts.churned_at`, or when that is empty the first `account_history`
 *   row with status `churned`.
 * - `still_customer`: retained unless churned on or before `signup_day + days`.
 * - `not_dormant`: retained when still a customer at day `days` and with some activity (any
 *   rollup row) in `(signup_day + days − dormantDays, signup_day + days]`.
 * - Accounts that churned inside the early window (`churn_day < signup_day + earlyDays`) are
 *   left out and counted in `leftOut.churnedInEarlyWindow`: their early behaviour is cut short,
 *   so their features would say more about how long they stayed than about what they did.
 *
 * Nothing after `asOf` is read into a label: judged accounts end their retention window by then.
 * Plan and seats are taken as at the last day of the early window, so they leak nothing either.
 */
export async function labelAccounts(store: Store, settings: RetentionSettings, asOf: string): Promise<RetentionLabels> {
  checkRetentionSettings(settings);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || toDay(dayMs(asOf)) !== asOf) throw new Error(`invalid as-of date: ${asOf}`);
  const d = store.dialect;
  const { days, dormantDays, earlyDays } = settings;

  const accounts = await store.query<{ account_id: string; signup_day: unknown; churned_day: unknown; plan: string | null; seats: unknown }>(
    sql`SELECT account_id, ${d.dayText(d.day(sql`created_at`))} AS signup_day, ${d.dayText(d.day(sql`churned_at`))} AS churned_day, plan, seats
      FROM accounts WHERE ${d.day(sql`created_at`)} <= ${d.date(asOf)} ORDER BY account_id`,
  );
  const history = await store.query<HistoryRow>(
    sql`SELECT account_id, ${d.dayText(d.day(sql`valid_from`))} AS day, plan, seats, status FROM account_history
      WHERE ${d.day(sql`valid_from`)} <= ${d.date(asOf)} ORDER BY account_id, valid_from`,
  );
  const historyOf = new Map<string, HistoryRow[]>();
  for (const h of history) {
    let list = historyOf.get(h.account_id);
    if (!list) historyOf.set(h.account_id, (list = []));
    list.push(h);
  }

  let active: Set<string> | null = null;
  if (settings.kind === 'not_dormant') {
    // Accounts with any rollup row in (signup + days − dormantDays, signup + days].
    const rows = await store.query<{ account_id: string }>(
      sql`SELECT r.account_id FROM account_activity r
        JOIN (SELECT account_id, ${d.day(sql`created_at`)} AS signup_day FROM accounts) a ON a.account_id = r.account_id
        WHERE r.day > ${d.addDays(sql`a.signup_day`, days - dormantDays)}
          AND r.day <= ${d.addDays(sql`a.signup_day`, days)}
          AND r.day <= ${d.date(asOf)}
        GROUP BY r.account_id`,
    );
    active = new Set(rows.map((r) => r.account_id));
  }

  const labelled: LabelledAccount[] = [];
  let withHistory = 0;
  let tooYoung = 0;
  let churnedInEarlyWindow = 0;
  for (const a of accounts) {
    const signup = asDay(a.signup_day)!;
    const judgeDay = addDays(signup, days);
    if (judgeDay > asOf) {
      tooYoung++;
      continue;
    }
    const rows = historyOf.get(a.account_id) ?? [];
    let churn = asDay(a.churned_day);
    if (churn === null) churn = asDay(rows.find((h) => h.status === 'churned')?.day);
    const earlyEnd = addDays(signup, earlyDays); // first day after the early window
    if (churn !== null && churn < earlyEnd) {
      churnedInEarlyWindow++;
      continue;
    }
    // Facts as at the last day of the early window.
    if (rows.length > 0) withHistory++;
    let plan: string | null = null;
    let seats: number | null = null;
    for (const h of rows) {
      if (asDay(h.day)! >= earlyEnd) break;
      if (h.plan !== null && h.plan !== '') plan = h.plan;
      if (h.seats !== null && h.seats !== undefined) seats = Number(h.seats);
    }
    plan ??= a.plan ?? null;
    if (seats === null && a.seats !== null && a.seats !== undefined) seats = Number(a.seats);
    if (seats === null || !Number.isFinite(seats) || seats < 1) seats = 1;

    const stillCustomer = churn === null || churn > judgeDay;
    const retained = stillCustomer && (active === null || active.has(a.account_id));
    labelled.push({ account_id: a.account_id, signup_day: signup, plan, seats, signup_month: signup.slice(0, 7), churn_day: churn !== null && churn <= asOf ? churn : null, retained });
  }
  const planSource = withHistory > 0 ? 'history' : 'current';
  return { labelled, planSource, leftOut: { tooYoung, churnedInEarlyWindow }, settings: { ...settings }, asOf };
}
