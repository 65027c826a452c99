/**
 * Maturity: each category's features split into basic and mature use on the earlier cohorts,
 * "mature in at least k categories" judged against retention on the later ones, and tested
 * against retention shuffled within plan with the split and k made again.
 */
import type { MaturityEvidence, MilestoneTest } from './evidence.js';
import { prepareMaturity, splitMaturity, type MaturityInput } from './maturity-split.js';
import { judgeChoice, pick } from './null-check.js';

export interface MaturityMilestoneInput {
  /** Per judged account. */
  retained: Uint8Array;
  /** Per feature key: per judged account, 1 when used in the early window. */
  used: ReadonlyMap<string, Uint8Array>;
  categories: MaturityInput['categories'];
  windowDays: number;
  selection: Int32Array;
  heldOut: Int32Array;
  /** Per judged account: its plan's stratum. */
  strata: Int32Array;
}

export function chooseMaturity(input: MaturityMilestoneInput, opts: { seed: number; permutations: number }): MaturityEvidence & MilestoneTest {
  const { retained, used, categories, windowDays, selection, heldOut, strata } = input;
  const selUsed = new Map([...used].map(([k, u]) => [k, pick(u, selection)]));
  const heldUsed = new Map([...used].map(([k, u]) => [k, pick(u, heldOut)]));
  const prepared = prepareMaturity({ retained: selection, used: selUsed, categories });
  const split = (y: Uint8Array) => splitMaturity({ retained: Array.from(y, (v) => v === 1), used: selUsed, categories, windowDays }, {}, prepared);
  /** Held-out accounts with mature use in at least k categories. */
  const reached = (m: MaturityEvidence): Uint8Array => {
    const count = new Uint8Array(heldOut.length);
    for (const c of m.categories) {
      if (c.mature.length === 0) continue;
      const inCategory = new Uint8Array(heldOut.length);
      for (const key of c.mature) heldUsed.get(key)!.forEach((v, i) => (inCategory[i] |= v));
      for (let i = 0; i < count.length; i++) count[i] += inCategory[i];
    }
    return count.map((c) => (m.mature_in_at_least > 0 && c >= m.mature_in_at_least ? 1 : 0));
  };

  const evidence = split(pick(retained, selection));
  if (evidence.mature_in_at_least === 0) return { ...evidence, held_out: null, null_test: null, proposed: false };
  const judged = judgeChoice({
    unit: 'account',
    statistic: "held-out Youden's J",
    how: 'retention shuffled within plan on both sides; basic and mature features and k chosen again on the earlier cohorts, judged on the later',
    permutations: opts.permutations,
    seed: opts.seed ^ 0x1b873593,
    selection: { outcome: pick(retained, selection), strata: pick(strata, selection) },
    heldOut: { outcome: pick(retained, heldOut), strata: pick(strata, heldOut) },
    chosen: evidence,
    reached,
    chooseAgain: (y) => {
      const again = split(y);
      return again.mature_in_at_least === 0 ? null : again;
    },
  });
  return { ...evidence, held_out: judged.heldOut, null_test: judged.nullTest, proposed: false };
}
