import {
  applyAccountPatch,
  redactCredentials,
  type AccountFactsAuthority,
  type AccountPatch,
  type PlanViolation,
  type QuarantineEntry,
  type StoredAccount,
  type UserAccountChange,
  type UserPatch,
} from '../model/index.js';
import { join, sql, type SqlFragment } from './sql/fragment.js';
import type { Store } from './store.js';

/**
 * What every engine does the same way with a collector's patches and flagged events: read the
 * stored rows, apply the patches in order, group the violations. Each engine then writes the
 * rows in its own way.
 */

/** A user as stored. */
export interface UserRow {
  userId: string;
  accountId: string;
  firstSeen: number;
  traits: Record<string, unknown>;
}

/** Ids per IN list. */
const IN_CHUNK = 1000;

/** The rows `select` gives for the ids, IN_CHUNK bound ids per statement. */
export async function queryByIds<T>(store: Store, select: (ids: SqlFragment) => SqlFragment, ids: readonly (string | number)[]): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) out.push(...(await store.query<T>(select(join(ids.slice(i, i + IN_CHUNK).map((id) => sql`${id}`))))));
  return out;
}

/**
 * The accounts the patches name, as stored, with the patches applied in order (model/patch.ts
 * decides what a call may change), and the calls refused, to be quarantined with the write.
 */
export async function patchedAccounts(
  store: Store,
  patches: readonly AccountPatch[],
  authority: AccountFactsAuthority,
): Promise<{ rows: StoredAccount[]; refused: QuarantineEntry[] }> {
  const d = store.dialect;
  const stored = await queryByIds<{
    account_id: string;
    name: string | null;
    created_at: string | number;
    plan: string | null;
    seats: string | number | null;
    churned_at: string | number | null;
    traits: string;
    facts_source: string | null;
  }>(
    store,
    (ids) => sql`SELECT account_id, name, ${d.epochMs(sql`created_at`)} AS created_at, plan, seats, ${d.epochMs(sql`churned_at`)} AS churned_at, traits, facts_source
      FROM accounts WHERE account_id IN (${ids})`,
    [...new Set(patches.map((p) => p.accountId))],
  );
  const rows = new Map<string, StoredAccount>(
    stored.map((r) => [
      r.account_id,
      {
        accountId: r.account_id,
        name: r.name,
        createdAt: Number(r.created_at),
        plan: r.plan,
        seats: r.seats === null ? null : Number(r.seats),
        churnedAt: r.churned_at === null ? null : Number(r.churned_at),
        traits: JSON.parse(r.traits) as Record<string, unknown>,
        factsSource: r.facts_source,
      },
    ]),
  );
  const refused: QuarantineEntry[] = [];
  for (const p of patches) {
    const next = applyAccountPatch(rows.get(p.accountId), p, authority);
    if (next.ok) rows.set(p.accountId, next.value);
    else refused.push({ kind: p.origin.kind, source: p.source, file: null, line: null, reason: next.reject.reason, field: next.reject.field ?? null, message: next.reject.message, payload: p.origin.payload, receivedAt: p.seenAt });
  }
  return { rows: [...rows.values()], refused };
}

/**
 * The users the patches name, as stored, with the patches applied in order: the account when
 * named, the earliest time seen, traits merged; and each move of a user from one account to
 * another, with the source that made it.
 */
export async function patchedUsers(store: Store, patches: readonly UserPatch[]): Promise<{ rows: UserRow[]; moves: UserAccountChange[] }> {
  const d = store.dialect;
  const stored = await queryByIds<{ user_id: string; account_id: string; first_seen: string | number; traits: string }>(
    store,
    (ids) => sql`SELECT user_id, account_id, ${d.epochMs(sql`first_seen`)} AS first_seen, traits FROM users WHERE user_id IN (${ids})`,
    [...new Set(patches.map((p) => p.userId))],
  );
  const rows = new Map<string, UserRow>(
    stored.map((r) => [r.user_id, { userId: r.user_id, accountId: r.account_id, firstSeen: Number(r.first_seen), traits: JSON.parse(r.traits) as Record<string, unknown> }]),
  );
  const moves: UserAccountChange[] = [];
  for (const p of patches) {
    // A user not yet seen in any account gets '' until an event or a group call names one.
    const row = rows.get(p.userId) ?? { userId: p.userId, accountId: '', firstSeen: p.seenAt, traits: {} };
    if (p.accountId !== null) {
      if (row.accountId !== '' && row.accountId !== p.accountId) moves.push({ userId: p.userId, fromAccount: row.accountId, toAccount: p.accountId, source: p.source, changedAt: p.seenAt });
      row.accountId = p.accountId;
    }
    row.firstSeen = Math.min(row.firstSeen, p.seenAt);
    row.traits = { ...row.traits, ...p.traits };
    rows.set(p.userId, row);
  }
  return { rows: [...rows.values()], moves };
}

/** Violations counted per day, source, event and reason, with the first example of each (credentials removed). */
export function groupViolations(violations: readonly PlanViolation[]): { v: PlanViolation; day: string; n: number }[] {
  const groups = new Map<string, { v: PlanViolation; day: string; n: number }>();
  for (const v of violations) {
    const day = new Date(v.timestamp).toISOString().slice(0, 10);
    const key = [day, v.source, v.action, v.object, v.reason, v.field ?? ''].join('\u0001');
    const g = groups.get(key);
    if (g) g.n += v.count ?? 1;
    else groups.set(key, { v: { ...v, example: redactCredentials(v.example) }, day, n: v.count ?? 1 });
  }
  return [...groups.values()];
}
