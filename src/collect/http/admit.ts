/**
 * The one rule the collector and quarantine replay both follow for a message: map it onto the
 * model (protocols.ts), check events against the tracking plan, and remember which account
 * each user was seen in, so later messages that name only the user find it.
 */
import type { AccountPatch, PlanViolation, TrackedEvent, UserPatch } from '../../model/index.js';
import type { PlanCheck } from './plan-check.js';
import { mapMessage, QUARANTINE_KIND, type Protocol } from './protocols.js';

export type Admitted =
  /** Storable: nothing of it when skipped (Segment alias). */
  | { pass: true; event?: TrackedEvent; violation?: PlanViolation; account?: AccountPatch; user?: UserPatch }
  | { pass: false; reason: string; field: string | null; message: string };

export interface AdmitContext {
  /** When the message was received, epoch ms. */
  now: number;
  check: PlanCheck;
  accounts: Map<string, string>;
  posthogGroupType?: string;
}

/** Maps and checks one message; `example` gives the payload a plan violation or a group call keeps. */
export function admit(protocol: Protocol, raw: unknown, source: string, ctx: AdmitContext, example: () => string): Admitted {
  const { accounts } = ctx;
  const mapped = mapMessage(protocol, raw, { now: ctx.now, accountOf: (u) => accounts.get(u), posthogGroupType: ctx.posthogGroupType });
  switch (mapped.kind) {
    case 'rejected':
      return { pass: false, reason: mapped.reject.reason, field: mapped.reject.field ?? null, message: mapped.reject.message };
    case 'skip':
      return { pass: true };
    case 'user':
      if (mapped.user.accountId !== null) accounts.set(mapped.user.userId, mapped.user.accountId);
      return { pass: true, user: { ...mapped.user, source } };
    case 'account': {
      if (mapped.user) accounts.set(mapped.user.userId, mapped.account.accountId);
      const account: AccountPatch = { ...mapped.account, source, origin: { kind: QUARANTINE_KIND[protocol], payload: example() } };
      return { pass: true, account, user: mapped.user ? { ...mapped.user, source } : undefined };
    }
    case 'event': {
      const e = mapped.event;
      const verdict = ctx.check(e);
      if (verdict.disposition === 'quarantine') return { pass: false, reason: verdict.reason, field: verdict.field, message: verdict.message };
      if (e.userId !== null) accounts.set(e.userId, e.accountId);
      if (verdict.disposition === 'accept') return { pass: true, event: e };
      const violation: PlanViolation = { source, action: e.action, object: e.object, reason: verdict.reason, field: verdict.field, timestamp: e.timestamp, example: example() };
      return { pass: true, event: e, violation };
    }
  }
}
