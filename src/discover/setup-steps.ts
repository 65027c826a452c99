import {
  benjaminiHochberg,
  chiSquareTest2x2,
  fisherExactTest2x2,
  median,
  phiCoefficient,
  riskRatio,
  type Interval,
} from '../stats/index.js';
import type { SetupEvidence, SetupStepEvidence } from './evidence.js';

/** One candidate setup step (a feature) and, per account, whether and when it was first done. */
export interface SetupCandidate {
  /** 'action object'; must be unique among the candidates. */
  key: string;
  action: string;
  object: string;
  /** Per account: 1 when the step was done within the setup window, else 0. */
  done: Uint8Array;
  /** Per account: the day (from signup, ≥ 0) it was first done; NaN when it was not. */
  firstDay: Float64Array;
}

export interface SetupStepsInput {
  candidates: SetupCandidate[];
  /** Per account (same order as every candidate's vectors): 1 when activation was reached, else 0. */
  activated: Uint8Array;
  /** Days from signup in which the steps were looked for. */
  windowDays: number;
  /** What the steps are ranked against, in words (e.g. 'activation'); used in every reason. */
  outcome: string;
}

export interface SetupStepsOptions {
  /** Most steps to choose. Default 9. */
  maxSteps?: number;
  /** Steps done by fewer than this share of accounts are too niche. Default 0.15. */
  prevalenceLow?: number;
  /** Steps done by more than this share of accounts are too routine. Default 0.95. */
  prevalenceHigh?: number;
  /** A step's association counts when its q-value is below this. Default 0.05. */
  alpha?: number;
}

interface Measured {
  candidate: SetupCandidate;
  done: number;
  prevalence: number;
  phi: Interval;
  lift: Interval;
  pValue: number | null;
  qValue: number | null;
  medianFirstDay: number | null;
  /** Why there could be no comparison; null when there could. */
  untestable: string | null;
}

type Verdict = 'strong' | 'over_max' | 'no_association' | 'niche' | 'routine';

/**
 * Ranks candidate setup steps by how they go with reaching `outcome` (activation) and picks a
 * checklist of usually 5–9 of them. Pure: numbers in, numbers out; which features are
 * candidates, and the setup window, are the caller's choice.
 *
 * Per candidate, over all accounts: prevalence (share that did it in the window); the phi
 * correlation of doing it with activation, with a Fisher-z 95% interval; the lift (activation
 * rate of those who did it / of those who did not, Katz interval, 0.5 added per cell when one is
 * 0); a p-value (Pearson chi-square, or Fisher's exact test when an expected cell is below 5);
 * Benjamini–Hochberg q-values across all tested candidates; and the median first day among the
 * accounts that did it within the window (null when none has a first day). A candidate done by
 * every account or by none, or any candidate when activation is the same for every account,
 * cannot be compared: no p-value, no q-value, and it stays out of the BH family.
 *
 * Choice ("balance niche against routine", as the Customer Milestones article puts it): a step
 * almost nobody does cannot guide most accounts, and one almost everybody does marks no
 * progress, so only candidates with prevalence within [prevalenceLow, prevalenceHigh] are
 * eligible. Among them, those with a clear positive association (phi's lower limit > 0 and
 * q < alpha) are ranked by phi and the best `maxSteps` chosen; nothing else is, so the list is
 * never padded with steps whose association is negative or not significant (it may be empty).
 *
 * The chosen steps are put in the order accounts usually do them: by median first day (steps
 * without one last), ties by key. `at_least` is the k in 1..(chosen steps) for which "did at
 * least k of the chosen steps" best separates activated from not activated accounts by
 * Youden's J (sensitivity + specificity − 1), ties to the smaller k; it is every chosen step
 * when activation is the same for all accounts (J undefined), and 0 when none is chosen.
 *
 * `candidates` in the result: the chosen steps in checklist order, then the rest by phi
 * (highest first, NaN last), ties by key. Every candidate has a `reason` in words.
 */
export function rankSetupSteps(input: SetupStepsInput, opts: SetupStepsOptions = {}): SetupEvidence {
  const { candidates, activated, windowDays, outcome } = input;
  const { maxSteps = 9, prevalenceLow = 0.15, prevalenceHigh = 0.95, alpha = 0.05 } = opts;
  checkInput(input);
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`invalid maxSteps: ${maxSteps}`);
  checkShare('prevalenceLow', prevalenceLow);
  checkShare('prevalenceHigh', prevalenceHigh);
  if (prevalenceLow > prevalenceHigh) {
    throw new Error(`invalid prevalenceLow: ${prevalenceLow} (above prevalenceHigh ${prevalenceHigh})`);
  }
  if (!(alpha > 0 && alpha <= 1)) throw new Error(`invalid alpha: ${alpha}`);

  const n = activated.length;
  let activatedTotal = 0;
  for (let i = 0; i < n; i++) activatedTotal += activated[i];

  const measured: Measured[] = candidates.map((candidate) => measure(candidate, activated, activatedTotal, outcome));
  const q = benjaminiHochberg(measured.map((m) => m.pValue ?? NaN));
  measured.forEach((m, j) => (m.qValue = Number.isNaN(q[j]) ? null : q[j]));

  // Eligibility and choice.
  const byPhi = (x: Measured, y: Measured) => comparePhi(x.phi.estimate, y.phi.estimate) || compareKeys(x, y);
  const eligible = measured.filter((m) => m.prevalence >= prevalenceLow && m.prevalence <= prevalenceHigh);
  const qualifies = (m: Measured) => m.phi.low > 0 && m.qValue !== null && m.qValue < alpha;
  const qualified = eligible.filter(qualifies).sort(byPhi);
  const verdict = new Map<Measured, Verdict>();
  for (const m of measured) {
    if (m.prevalence > prevalenceHigh) verdict.set(m, 'routine');
    else if (m.prevalence < prevalenceLow) verdict.set(m, 'niche');
    else verdict.set(m, 'no_association');
  }
  qualified.forEach((m, rank) => verdict.set(m, rank < maxSteps ? 'strong' : 'over_max'));

  const chosen = measured
    .filter((m) => verdict.get(m) === 'strong')
    .sort((x, y) => compareDays(x.medianFirstDay, y.medianFirstDay) || compareKeys(x, y));
  const others = measured.filter((m) => !chosen.includes(m)).sort(byPhi);
  const atLeast = chooseAtLeast(chosen.map((m) => m.candidate.done), activated, activatedTotal);

  const context: ReasonContext = { outcome, maxSteps, prevalenceLow, prevalenceHigh, alpha };
  const evidence = (m: Measured): SetupStepEvidence => {
    const v = verdict.get(m)!;
    return {
      key: m.candidate.key,
      action: m.candidate.action,
      object: m.candidate.object,
      prevalence: m.prevalence,
      phi: m.phi,
      lift: m.lift,
      p_value: m.pValue,
      q_value: m.qValue,
      median_first_day: m.medianFirstDay,
      chosen: v === 'strong',
      reason: reasonFor(m, v, context),
    };
  };

  return {
    window_days: windowDays,
    outcome,
    candidates: [...chosen, ...others].map(evidence),
    steps: chosen.map((m) => m.candidate.key),
    at_least: atLeast,
    prevalence_bounds: { low: prevalenceLow, high: prevalenceHigh },
  };
}

function measure(candidate: SetupCandidate, activated: Uint8Array, activatedTotal: number, outcome: string): Measured {
  const { done: did, firstDay } = candidate;
  const n = activated.length;
  let done = 0;
  let a = 0; // did it and activated
  for (let i = 0; i < n; i++) {
    if (did[i] !== 1) continue;
    done++;
    a += activated[i];
  }
  const b = done - a;
  const c = activatedTotal - a;
  const d = n - done - c;
  const rr = riskRatio(a, done, c, n - done);

  let untestable: string | null = null;
  if (done === n) untestable = 'every account did it';
  else if (done === 0) untestable = 'no account did it';
  else if (activatedTotal === n) untestable = `every account reached ${outcome}`;
  else if (activatedTotal === 0) untestable = `no account reached ${outcome}`;

  let pValue: number | null = null;
  if (untestable === null) {
    const chi = chiSquareTest2x2(a, b, c, d);
    pValue = chi.minExpected >= 5 && !Number.isNaN(chi.pValue) ? chi.pValue : fisherExactTest2x2(a, b, c, d).pValue;
  }
  return {
    candidate,
    done,
    prevalence: done / n,
    phi: phiCoefficient(a, b, c, d),
    lift: { estimate: rr.estimate, low: rr.low, high: rr.high },
    pValue,
    qValue: null,
    medianFirstDay: medianFirstDay(did, firstDay),
    untestable,
  };
}

/** Youden's J of "did at least k of the chosen steps" for k = 1..m; the best k, ties to the smaller. */
function chooseAtLeast(done: Uint8Array[], activated: Uint8Array, activatedTotal: number): number {
  const m = done.length;
  const n = activated.length;
  if (m === 0) return 0;
  if (activatedTotal === 0 || activatedTotal === n) return m;
  // Per count 0..m: activated and not activated accounts that did exactly that many steps.
  const pos = new Float64Array(m + 1);
  const neg = new Float64Array(m + 1);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (const d of done) count += d[i];
    if (activated[i] === 1) pos[count]++;
    else neg[count]++;
  }
  let best = m;
  let bestJ = -Infinity;
  let tp = 0;
  let fp = 0;
  const js: number[] = [];
  for (let k = m; k >= 1; k--) {
    tp += pos[k];
    fp += neg[k];
    js[k] = tp / activatedTotal - fp / (n - activatedTotal);
  }
  for (let k = 1; k <= m; k++) {
    if (js[k] > bestJ + 1e-12) {
      bestJ = js[k];
      best = k;
    }
  }
  return best;
}

interface ReasonContext {
  outcome: string;
  maxSteps: number;
  prevalenceLow: number;
  prevalenceHigh: number;
  alpha: number;
}

function reasonFor(m: Measured, verdict: Verdict, ctx: ReasonContext): string {
  const doneBy = `done by ${pct(m.prevalence)} of accounts`;
  const stats = statsPhrase(m, ctx.outcome);
  switch (verdict) {
    case 'routine':
      return `${doneBy}: too routine to mark progress (more than ${pct(ctx.prevalenceHigh)} do it); ${stats}`;
    case 'niche':
      return `${doneBy}: too niche to guide most accounts (fewer than ${pct(ctx.prevalenceLow)} do it); ${stats}`;
    case 'strong': {
      const day = m.medianFirstDay === null ? '' : `; usually first done on day ${formatNumber(m.medianFirstDay)}`;
      return `${doneBy}; ${stats}${day}`;
    }
    case 'over_max':
      return `${doneBy}; ${stats}: associated with ${ctx.outcome}, but ${steps(ctx.maxSteps)} correlate more strongly and at most ${ctx.maxSteps} ${ctx.maxSteps === 1 ? 'is' : 'are'} chosen`;
    case 'no_association':
      return `${doneBy}; ${stats}: no clear positive association with ${ctx.outcome} (${weakness(m, ctx)})`;
  }
}

/** "activation 1.8× (95% CI 1.5–2.1) when done; phi 0.31 (0.25–0.37); q = 2e-9", or why there is no comparison. */
function statsPhrase(m: Measured, outcome: string): string {
  if (m.untestable !== null) return `${outcome} cannot be compared: ${m.untestable}`;
  const { lift, phi } = m;
  return (
    `${outcome} ${ratio(lift.estimate)}× (95% CI ${ratio(lift.low)}–${ratio(lift.high)}) when done; ` +
    `phi ${phi.estimate.toFixed(2)} (${phi.low.toFixed(2)} to ${phi.high.toFixed(2)}); q = ${formatQ(m.qValue!)}`
  );
}

function weakness(m: Measured, ctx: ReasonContext): string {
  if (m.untestable !== null) return 'no comparison was possible';
  if (!(m.phi.estimate > 0)) return `doing it goes with no higher ${ctx.outcome}`;
  const parts: string[] = [];
  if (!(m.qValue! < ctx.alpha)) parts.push(`q ≥ ${ctx.alpha}`);
  if (!(m.phi.low > 0)) parts.push(`phi's 95% interval reaches ${m.phi.low.toFixed(2)}`);
  return parts.join('; ');
}

/** Median first day among the accounts that did a step; cached, as a permutation null asks again and again. */
const medians = new WeakMap<Float64Array, number | null>();
function medianFirstDay(done: Uint8Array, firstDay: Float64Array): number | null {
  let m = medians.get(firstDay);
  if (m === undefined) {
    const days: number[] = [];
    for (let i = 0; i < done.length; i++) if (done[i] === 1 && !Number.isNaN(firstDay[i])) days.push(firstDay[i]);
    medians.set(firstDay, (m = days.length === 0 ? null : median(days)));
  }
  return m;
}

/** Candidate lists already checked: a permutation null passes the same list hundreds of times. */
const checked = new WeakSet<SetupCandidate[]>();

function checkInput(input: SetupStepsInput): void {
  const { candidates, activated, windowDays, outcome } = input;
  if (!(activated instanceof Uint8Array)) throw new Error(`invalid activated: ${String(activated)}`);
  const n = activated.length;
  if (n === 0) throw new Error(`invalid activated length: 0 (no accounts)`);
  for (let i = 0; i < n; i++) {
    if (activated[i] > 1) throw new Error(`invalid activated: ${activated[i]} at account ${i} (must be 0 or 1)`);
  }
  if (!(Number.isFinite(windowDays) && windowDays > 0)) throw new Error(`invalid windowDays: ${windowDays}`);
  if (typeof outcome !== 'string' || outcome === '') throw new Error(`invalid outcome: ${String(outcome)}`);
  if (!Array.isArray(candidates)) throw new Error(`invalid candidates: ${String(candidates)}`);
  if (checked.has(candidates) && candidates.every((c) => c.done.length === n)) return;
  const keys = new Set<string>();
  for (const c of candidates) {
    if (keys.has(c.key)) throw new Error(`invalid key: ${c.key} (given twice)`);
    keys.add(c.key);
    if (c.done.length !== n) throw new Error(`invalid done length: ${c.done.length} for ${c.key} (expected ${n})`);
    if (c.firstDay.length !== n) throw new Error(`invalid firstDay length: ${c.firstDay.length} for ${c.key} (expected ${n})`);
    for (let i = 0; i < n; i++) {
      if (c.done[i] > 1) throw new Error(`invalid done: ${c.done[i]} for ${c.key} at account ${i} (must be 0 or 1)`);
      const day = c.firstDay[i];
      if (!Number.isNaN(day) && !(Number.isFinite(day) && day >= 0)) {
        throw new Error(`invalid firstDay: ${day} for ${c.key} at account ${i}`);
      }
    }
  }
  checked.add(candidates);
}

function checkShare(name: string, x: number): void {
  if (!(Number.isFinite(x) && x >= 0 && x <= 1)) throw new Error(`invalid ${name}: ${x}`);
}

/** Higher phi first; NaN last. */
function comparePhi(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
  return y - x;
}

/** Earlier day first; null last. */
function compareDays(x: number | null, y: number | null): number {
  if (x === null || y === null) return Number(x === null) - Number(y === null);
  return x - y;
}

function compareKeys(x: Measured, y: Measured): number {
  return x.candidate.key < y.candidate.key ? -1 : x.candidate.key > y.candidate.key ? 1 : 0;
}

/** Whole percent; never reads 0% or 100% unless it is. */
function pct(x: number): string {
  const whole = Math.round(x * 100);
  if (whole === 100 && x < 1) return x < 0.9995 ? `${Math.floor(x * 1000) / 10}%` : 'over 99.9%';
  if (whole === 0 && x > 0) return 'under 0.5%';
  return `${whole}%`;
}

/** Two significant digits below 10, whole numbers above; ∞ for an unbounded limit. */
function ratio(x: number): string {
  if (x === Infinity) return '∞';
  if (Number.isNaN(x)) return 'n/a';
  return x >= 10 ? String(Math.round(x)) : x.toPrecision(2);
}

const steps = (k: number): string => `${k} step${k === 1 ? '' : 's'}`;

function formatQ(q: number): string {
  if (q === 0) return '0';
  return q < 0.001 ? q.toExponential(0) : String(Number(q.toPrecision(2)));
}

function formatNumber(x: number): string {
  return String(Number(x.toFixed(1)));
}
