/**
 * Setup: early one-off steps chosen by their association with activation on the earlier
 * cohorts, "at least k of them" judged against activation on the later ones, and tested against
 * activation shuffled among accounts with the steps and k chosen again.
 */
import type { SetupMilestoneEvidence } from './evidence.js';
import { judgeChoice, pick } from './null-check.js';
import { rankSetupSteps, type SetupCandidate } from './setup-steps.js';

export interface SetupMilestoneInput {
  /** Candidates over the accounts observed through the activation window. */
  candidates: SetupCandidate[];
  /** Per account: activation reached. */
  activated: Uint8Array;
  selection: Int32Array;
  heldOut: Int32Array;
  windowDays: number;
  /** What the steps go with, in words. */
  outcome: string;
}

export function chooseSetup(input: SetupMilestoneInput, opts: { seed: number; permutations: number }): SetupMilestoneEvidence {
  const { candidates, activated, selection, heldOut, windowDays, outcome } = input;
  const side = (rows: Int32Array) => candidates.map((c) => ({ ...c, done: pick(c.done, rows), firstDay: pick(c.firstDay, rows) }));
  const selCandidates = side(selection);
  const heldDone = candidates.map((c) => pick(c.done, heldOut));
  const keyIndex = new Map(candidates.map((c, j) => [c.key, j]));
  const selActivated = pick(activated, selection);
  const heldActivated = pick(activated, heldOut);
  const choose = (y: Uint8Array) => rankSetupSteps({ candidates: selCandidates, activated: y, windowDays, outcome });
  /** Held-out accounts that did at least `atLeast` of the steps. */
  const reached = (steps: string[], atLeast: number): Uint8Array => {
    const count = new Uint8Array(heldOut.length);
    for (const key of steps) {
      const done = heldDone[keyIndex.get(key)!];
      for (let i = 0; i < done.length; i++) count[i] += done[i];
    }
    return count.map((c) => (steps.length > 0 && c >= atLeast ? 1 : 0));
  };

  const evidence = choose(selActivated);
  const accounts = { selection: selection.length, held_out: heldOut.length };
  if (evidence.steps.length === 0) return { ...evidence, accounts, held_out: null, null_test: null, proposed: false };
  // Activation shuffled freely (one stratum): steps and k chosen again on the earlier cohorts, judged on the later.
  const judged = judgeChoice({
    unit: 'account',
    statistic: "held-out Youden's J against activation",
    how: 'activation shuffled among accounts on both sides; steps and at_least chosen again on the earlier cohorts, judged on the later',
    permutations: opts.permutations,
    seed: opts.seed ^ 0x7f4a7c15,
    selection: { outcome: selActivated, strata: new Int32Array(selection.length) },
    heldOut: { outcome: heldActivated, strata: new Int32Array(heldOut.length) },
    chosen: evidence,
    reached: (e) => reached(e.steps, e.at_least),
    chooseAgain: (y) => {
      const again = choose(y);
      return again.steps.length === 0 ? null : again;
    },
  });
  return { ...evidence, accounts, held_out: judged.heldOut, null_test: judged.nullTest, proposed: false };
}
