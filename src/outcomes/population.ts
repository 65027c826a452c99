/**
 * The accounts a launch reaches, as arrays indexed by account: signup and churn days, plan and
 * seats as of the day each account meets the launch, audience and holdout membership, and the
 * launch's stable hash bucket. Segments are evaluated in TypeScript on the account's facts as
 * of its reference day: the launch day, or its signup when later, or the last day it was a
 * customer when it churned before launch (so pre-launch comparisons keep every account).
 */
import { LAUNCH_SEGMENT_CATALOG, parseSegmentExpression, type Launch } from '../config/index.js';
import { compileSegment, type AccountRecord } from '../milestones/index.js';
import { dayText } from './day-numbers.js';
import type { AccountRow, HistoryRow } from './outcome-queries.js';

export interface Population {
  ids: string[];
  signup: Int32Array;
  /** Churn day, or a day after every other (no churn). */
  churn: Int32Array;
  /** The day the account meets the launch (see above). */
  reference: Int32Array;
  plan: (string | null)[];
  seats: Float64Array;
  inAudience: Uint8Array;
  inHoldout: Uint8Array;
  index: Map<string, number>;
  history: Map<string, HistoryRow[]>;
}

export const NEVER = 2 ** 30;

/**
 * A stable 0–99 bucket per launch and account (FNV-1a of `launch:account`), as feature-flag
 * tools hash users into rollout percentages: `bucket < 10` is a random tenth.
 */
export function launchBucket(launch: string, accountId: string): number {
  let h = 0x811c9dc5;
  const s = `${launch}:${accountId}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100;
}

/** The churn day: accounts.churned_at, else the first history row with status churned. */
export function churnDay(account: AccountRow, history: readonly HistoryRow[]): number | null {
  return account.churn ?? history.find((h) => h.status === 'churned')?.day ?? null;
}

export function buildPopulation(launch: Launch, launchDay: number, accounts: readonly AccountRow[], historyRows: readonly HistoryRow[]): Population {
  const history = new Map<string, HistoryRow[]>();
  for (const h of historyRows) {
    let list = history.get(h.account_id);
    if (!list) history.set(h.account_id, (list = []));
    list.push(h);
  }
  const audience = compile(launch.config.audience);
  const holdout = launch.config.holdout ? compile(launch.config.holdout.segment) : null;
  const n = accounts.length;
  const p: Population = {
    ids: accounts.map((a) => a.account_id),
    signup: new Int32Array(n),
    churn: new Int32Array(n),
    reference: new Int32Array(n),
    plan: new Array(n),
    seats: new Float64Array(n),
    inAudience: new Uint8Array(n),
    inHoldout: new Uint8Array(n),
    index: new Map(accounts.map((a, i) => [a.account_id, i])),
    history,
  };
  accounts.forEach((a, i) => {
    const rows = history.get(a.account_id) ?? [];
    const churn = churnDay(a, rows) ?? NEVER;
    const reference = Math.max(a.signup, Math.min(launchDay, churn - 1));
    // Facts as of the reference day from history, else the account's own.
    let plan: string | null = null;
    let seats: number | null = null;
    for (const h of rows) {
      if (h.day > reference) break;
      if (h.plan !== null && h.plan !== '') plan = h.plan;
      if (h.seats !== null) seats = h.seats;
    }
    plan ??= a.plan;
    seats ??= a.seats;
    p.signup[i] = a.signup;
    p.churn[i] = churn;
    p.reference[i] = reference;
    p.plan[i] = plan;
    p.seats[i] = seats !== null && seats > 0 ? seats : 1;
    // Segments read fields by name; a launch's record has its own fields (LAUNCH_SEGMENT_FIELDS).
    const record = {
      account_id: a.account_id,
      plan,
      seats,
      age_days: reference - a.signup,
      signup_day: dayText(a.signup),
      bucket: launchBucket(launch.name, a.account_id),
    } as unknown as AccountRecord;
    p.inAudience[i] = audience(record) ? 1 : 0;
    p.inHoldout[i] = p.inAudience[i] && holdout?.(record) ? 1 : 0;
  });
  return p;
}

/** A segment of the launch file as a predicate (fields and types were checked when the file loaded). */
function compile(text: string | undefined): (r: AccountRecord) => boolean {
  return text === undefined ? () => true : compileSegment(parseSegmentExpression(text), LAUNCH_SEGMENT_CATALOG);
}
