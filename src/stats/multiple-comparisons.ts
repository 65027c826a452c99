/**
 * Benjamini–Hochberg adjusted p-values (q-values), in the input order: the step-up
 * min over j ≥ i of p(j)·m/j, capped at 1. As R's p.adjust, NaN entries stay NaN and do not
 * count towards m.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const order = sortedPValues(pValues);
  const m = order.length;
  const adjusted = pValues.map(() => NaN);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const { p, i } = order[rank - 1];
    running = Math.min(running, (p * m) / rank);
    adjusted[i] = running;
  }
  return adjusted;
}

/**
 * Holm's step-down adjusted p-values, in the input order: the running max over j ≤ i of
 * p(j)·(m − j + 1), capped at 1; controls the family-wise error. As R's p.adjust, NaN entries
 * stay NaN and do not count towards m.
 */
export function holm(pValues: readonly number[]): number[] {
  const order = sortedPValues(pValues);
  const m = order.length;
  const adjusted = pValues.map(() => NaN);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, p * (m - k)));
    adjusted[i] = running;
  });
  return adjusted;
}

/** The p-values that are not NaN, smallest first, with their input positions; throws on one outside [0, 1]. */
function sortedPValues(pValues: readonly number[]): { p: number; i: number }[] {
  if (!Array.isArray(pValues)) throw new Error(`invalid pValues: ${String(pValues)}`);
  pValues.forEach((p, i) => {
    if (!Number.isNaN(p) && !(p >= 0 && p <= 1)) throw new Error(`invalid pValues[${i}]: ${p}`);
  });
  return pValues
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !Number.isNaN(p))
    .sort((x, y) => x.p - y.p);
}

/**
 * The confidence each of `looks` intervals needs so that all of them hold at once with
 * `confidence` (Bonferroni): 1 − (1 − confidence)/looks. Valid whatever the dependence
 * between the looks, such as one estimate re-read at every declared checkpoint.
 */
export function bonferroniConfidence(confidence: number, looks: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`invalid confidence: ${confidence}`);
  if (!Number.isInteger(looks) || looks < 1) throw new Error(`invalid looks: ${looks}`);
  return 1 - (1 - confidence) / looks;
}
