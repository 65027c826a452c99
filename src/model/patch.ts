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
}

export interface UserPatch {
  userId: string;
  /** The account the user belongs to, when the call names it. */
  accountId: string | null;
  traits: Record<string, unknown>;
  seenAt: number;
}

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
}
