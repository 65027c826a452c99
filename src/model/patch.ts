import { accountFactsProblem, type Account } from './account.js';
import type { QuarantineKind } from './quarantine.js';
import { ok, type Checked } from './result.js';
import { IMPORT_SOURCE } from './source.js';

/**
 * Facts about accounts and users that arrive with the collector's identify and group calls.
 * A patch changes only the fields it names; `traits` are merged key by key into the stored ones.
 */
export interface AccountPatch {
  accountId: string;
  name?: string | null;
  plan?: string | null;
  seats?: number | null;
  /** Signup, epoch ms; a new account without it is taken to start at `seenAt`. */
  createdAt?: number;
  churnedAt?: number | null;
  traits: Record<string, unknown>;
  /** When the call happened, epoch ms. */
  seenAt: number;
  /** The write key's source that sent it. */
  source: string;
  /** The call as received (credentials removed), quarantined if the stored facts refuse it. */
  origin: { kind: QuarantineKind; payload: string };
}

export interface UserPatch {
  userId: string;
  /** The account the user belongs to, when the call names it. */
  accountId: string | null;
  traits: Record<string, unknown>;
  seenAt: number;
  /** The write key's source that sent it. */
  source: string;
}

/** Who decides an account's facts once the accounts file has named them (`collect.account_facts`). */
export type AccountFactsAuthority = 'import' | 'collector';

/** An account as stored: its facts, traits, and where the facts came from. */
export interface StoredAccount extends Account {
  traits: Record<string, unknown>;
  /** `import` (the accounts file), the source of the call that set them, or null when not recorded. */
  factsSource: string | null;
}

/** A user moved from one account to another by an identify or group call. */
export interface UserAccountChange {
  userId: string;
  fromAccount: string;
  toAccount: string;
  source: string;
  /** When the call happened, epoch ms. */
  changedAt: number;
}

/**
 * Applies a group call to an account (undefined: not stored yet). The call's facts must keep,
 * with the stored ones, the rules an imported account keeps, or the call is refused. They then
 * replace the stored facts, unless the accounts file set those and stays authoritative
 * (`import`): then they are kept as traits, so nothing sent is lost but the columns stay the file's.
 */
export function applyAccountPatch(row: StoredAccount | undefined, p: AccountPatch, authority: AccountFactsAuthority): Checked<StoredAccount> {
  const base: StoredAccount = row ?? { accountId: p.accountId, name: null, createdAt: p.createdAt ?? p.seenAt, plan: null, seats: null, churnedAt: null, traits: {}, factsSource: p.source };
  const facts = { name: p.name, plan: p.plan, seats: p.seats, createdAt: p.createdAt, churnedAt: p.churnedAt };
  const named = Object.values(facts).some((v) => v !== undefined);
  const applied: StoredAccount = { ...base, traits: { ...base.traits, ...p.traits } };
  if (named) {
    if (facts.name !== undefined) applied.name = facts.name;
    if (facts.plan !== undefined) applied.plan = facts.plan;
    if (facts.seats !== undefined) applied.seats = facts.seats;
    if (facts.createdAt !== undefined) applied.createdAt = facts.createdAt;
    if (facts.churnedAt !== undefined) applied.churnedAt = facts.churnedAt;
    applied.factsSource = p.source;
  }
  const problem = accountFactsProblem(applied);
  if (problem) {
    const stored = `${row ? 'stored' : 'new'} account ${p.accountId}: created_at ${iso(applied.createdAt)}, churned_at ${iso(applied.churnedAt)}`;
    return { ok: false, reject: { ...problem, field: `traits.${problem.field}`, message: `${problem.message} (${stored})` } };
  }
  if (named && row?.factsSource === IMPORT_SOURCE && authority === 'import') {
    return ok({ ...row, traits: { ...row.traits, ...p.traits, ...factsAsTraits(facts) } });
  }
  return ok(applied);
}

/** Facts as the group call's traits would have named them. */
function factsAsTraits(f: Pick<AccountPatch, 'name' | 'plan' | 'seats' | 'createdAt' | 'churnedAt'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.name !== undefined) out.name = f.name;
  if (f.plan !== undefined) out.plan = f.plan;
  if (f.seats !== undefined) out.seats = f.seats;
  if (f.createdAt !== undefined) out.created_at = iso(f.createdAt);
  if (f.churnedAt !== undefined) out.churned_at = iso(f.churnedAt);
  return out;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** An event the tracking plan does not declare, or declares otherwise, that was stored anyway and counted. */
export interface PlanViolation {
  source: string;
  action: string;
  object: string;
  reason: string;
  field: string | null;
  /** Epoch ms of the event. */
  timestamp: number;
  /** One example payload (the normalized event as JSON). */
  example: string;
  /** How many events this one stands for (imports tally them); 1 when absent. */
  count?: number;
}
