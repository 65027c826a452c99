/**
 * The time split that keeps discovery honest: everything is chosen on the earlier signup
 * cohorts and judged on the later ones, which the choices never saw, as a framework chosen
 * today is used on the accounts that sign up next.
 */

export interface SplitAccount {
  account_id: string;
  /** 'YYYY-MM-DD'. */
  signup_day: string;
  retained: boolean;
}

export interface CohortSplit {
  /**
   * 'month': accounts signed up on or after `cut` (a month's first day) are held out; 'day':
   * the same at a day, when no month boundary splits the accounts well; 'random': all signed
   * up too close together to split by time, so a seeded hash of the account id decides.
   */
  how: 'month' | 'day' | 'random';
  /** 'YYYY-MM-DD', or null for a random split. */
  cut: string | null;
  /** Whether an account (of any population: judged or not) belongs to the held-out set. */
  isHeldOut(account: { account_id: string; signup_day: string }): boolean;
}

export interface SplitOptions {
  /** The share of judged accounts to hold out, roughly (default 0.3). */
  heldOutShare?: number;
  /** Each side needs at least this many retained and this many churned accounts (default 10). */
  minEachOutcome?: number;
  seed: number;
}

/** Held-out shares a time cut may give; nearest the target wins. */
const SHARE_RANGE = [0.2, 0.45] as const;

/**
 * Chooses the cut: the first day of a signup month, else a signup day, whose later accounts
 * are nearest `heldOutShare` of the judged ones (within 20–45%) with enough of each outcome on
 * both sides; else a seeded random split. Null when even a random split cannot give both sides
 * `minEachOutcome` of each outcome.
 */
export function splitCohorts(accounts: readonly SplitAccount[], opts: SplitOptions): CohortSplit | null {
  const { heldOutShare = 0.3, minEachOutcome = 10, seed } = opts;
  if (!(heldOutShare > 0 && heldOutShare < 1)) throw new Error(`invalid heldOutShare: ${heldOutShare}`);
  const n = accounts.length;
  const enough = (heldOut: (a: SplitAccount) => boolean): boolean => {
    const counts = [0, 0, 0, 0]; // selection churned, selection retained, held-out churned, held-out retained
    for (const a of accounts) counts[(heldOut(a) ? 2 : 0) + (a.retained ? 1 : 0)]++;
    return counts.every((c) => c >= minEachOutcome);
  };
  const days = accounts.map((a) => a.signup_day).sort();
  for (const how of ['month', 'day'] as const) {
    const cuts = [...new Set(days.map((d) => (how === 'month' ? `${d.slice(0, 7)}-01` : d)))].sort();
    let best: { cut: string; distance: number } | null = null;
    for (const cut of cuts) {
      const share = (n - lowerBound(days, cut)) / n;
      if (share < SHARE_RANGE[0] || share > SHARE_RANGE[1]) continue;
      if (!enough((a) => a.signup_day >= cut)) continue;
      const distance = Math.abs(share - heldOutShare);
      if (best === null || distance < best.distance) best = { cut, distance };
    }
    if (best) {
      const cut = best.cut;
      return { how, cut, isHeldOut: (a) => a.signup_day >= cut };
    }
  }
  const isHeldOut = (a: { account_id: string }) => hashUnit(a.account_id, seed) < heldOutShare;
  return enough(isHeldOut) ? { how: 'random', cut: null, isHeldOut } : null;
}

/** First index whose value is ≥ key, in a sorted array. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A seeded hash of a text to [0, 1) (FNV-1a, then a murmur3 finaliser). */
function hashUnit(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
