import { kaplanMeier, logRankTest, riskRatio, wilsonInterval, type Interval, type SurvivalStep } from '../stats/index.js';
import type { ChainLink, CurvePoint, MilestoneValidation, ValidationEvidence } from './evidence.js';

/** One milestone and, per account, whether it was reached by the landmark. */
export interface LandmarkMilestone {
  /** E.g. 'setup', 'activation'; 'retained' is reserved for the retention label. */
  name: string;
  /** Per account: 1 when the milestone was reached by the landmark, else 0. */
  reached: Uint8Array;
}

export interface ValidationInput {
  /** Days after signup at which groups are fixed (the end of the early window). */
  landmarkDays: number;
  /** What `event` means, in words: 'churn' or 'churn or dormancy'. */
  eventLabel: string;
  /**
   * Per account alive at the landmark: days from the landmark to the event, or to censoring
   * (as-of day, or the day the label was judged) when there was none. ≥ 0.
   */
  followDays: ArrayLike<number>;
  /** Per account: true when `followDays` ends in the event (churned / went dormant). */
  event: readonly boolean[];
  /** Per account: the retention label. */
  retained: readonly boolean[];
  /** The milestones, in the order they are reported. */
  milestones: LandmarkMilestone[];
  /** Milestone names in order for the chain; 'retained' is added at the end. Default: every milestone, in order. */
  chain?: string[];
}

export interface ValidationOptions {
  /** Most points per plotted curve. Default 60. */
  maxCurvePoints?: number;
}

/** The name the last link of the chain leads to: the retention label. */
export const RETAINED = 'retained';

/**
 * Validates the milestones against what happened next, by landmark analysis.
 *
 * Comparing accounts that ever reached a milestone with those that never did is biased by
 * immortal time: an account has to stay a customer long enough to reach the milestone, so the
 * "reached" group is credited with survival it was guaranteed before reaching it, and looks
 * better even if the milestone did nothing. A landmark analysis removes this: groups are fixed
 * at one day (the landmark, the end of the early window) from what each account had reached
 * by then, only accounts still customers at the landmark are included, and time is counted from
 * the landmark. So the caller passes only accounts alive at the landmark, `reached` as of the
 * landmark, and `followDays` from the landmark to the event or to censoring.
 *
 * Per milestone: Kaplan–Meier curves (log-log 95% intervals) for accounts that reached it and
 * those that did not, thinned for plotting (see {@link thinCurve}); the log-rank test of the
 * two; the retention label's rate in each group (Wilson) and their ratio (Katz; 0.5 added per
 * cell when one is 0). An empty group gives an empty curve, NaN rates and ratio, and a log-rank
 * statistic and p-value of NaN (so do groups without any event).
 *
 * The chain: for each consecutive pair of `chain` (then the last milestone → 'retained'), the
 * rate of reaching `to` among accounts that reached `from`, and among those that did not
 * (Wilson), and their ratio with its Katz interval.
 *
 * Curve intervals are NaN once survival reaches 0 (as R's survfit gives NA).
 */
export function validateMilestones(input: ValidationInput, opts: ValidationOptions = {}): ValidationEvidence {
  const { landmarkDays, eventLabel, followDays, event, retained, milestones } = input;
  const { maxCurvePoints = 60 } = opts;
  if (!(Number.isFinite(landmarkDays) && landmarkDays >= 0)) throw new Error(`invalid landmarkDays: ${landmarkDays}`);
  if (!Number.isInteger(maxCurvePoints) || maxCurvePoints < 2) throw new Error(`invalid maxCurvePoints: ${maxCurvePoints}`);
  const n = followDays.length;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = followDays[i];
    if (!(Number.isFinite(t) && t >= 0)) throw new Error(`invalid followDays: ${t} at account ${i}`);
    times.push(t);
  }
  checkBooleans('event', event, n);
  checkBooleans('retained', retained, n);
  if (!Array.isArray(milestones)) throw new Error(`invalid milestones: ${String(milestones)}`);
  const byName = new Map<string, Uint8Array>();
  for (const m of milestones) {
    if (m.name === RETAINED) throw new Error(`invalid milestone name: ${m.name} (reserved for the retention label)`);
    if (byName.has(m.name)) throw new Error(`invalid milestone name: ${m.name} (given twice)`);
    checkReached(m.name, m.reached, n);
    byName.set(m.name, m.reached);
  }
  const chainNames = input.chain ?? milestones.map((m) => m.name);
  for (const name of chainNames) {
    if (!byName.has(name)) throw new Error(`invalid chain: ${name} (not a milestone)`);
  }

  const validations: MilestoneValidation[] = milestones.map(({ name, reached }) => {
    const inGroup = { times: [] as number[], events: [] as boolean[], retained: 0 };
    const outGroup = { times: [] as number[], events: [] as boolean[], retained: 0 };
    for (let i = 0; i < n; i++) {
      const g = reached[i] === 1 ? inGroup : outGroup;
      g.times.push(times[i]);
      g.events.push(event[i]);
      if (retained[i]) g.retained++;
    }
    const logRank = logRankTest(inGroup, outGroup);
    const reachedCount = inGroup.times.length;
    const notReachedCount = outGroup.times.length;
    return {
      milestone: name,
      reached: reachedCount,
      not_reached: notReachedCount,
      curve_reached: thinCurve(curvePoints(kaplanMeier(inGroup.times, inGroup.events), reachedCount), maxCurvePoints),
      curve_not_reached: thinCurve(curvePoints(kaplanMeier(outGroup.times, outGroup.events), notReachedCount), maxCurvePoints),
      log_rank: { chi_square: logRank.chiSquare, p_value: logRank.pValue },
      retention_reached: wilsonInterval(inGroup.retained, reachedCount),
      retention_not_reached: wilsonInterval(outGroup.retained, notReachedCount),
      risk_ratio: ratio(inGroup.retained, reachedCount, outGroup.retained, notReachedCount),
    };
  });

  const retainedVector = Uint8Array.from(retained, (r) => (r ? 1 : 0));
  const path = [...chainNames, RETAINED];
  const chain: ChainLink[] = [];
  for (let k = 0; k + 1 < path.length; k++) {
    const from = byName.get(path[k])!;
    const to = path[k + 1] === RETAINED ? retainedVector : byName.get(path[k + 1])!;
    chain.push({ from: path[k], to: path[k + 1], ...chainRates(from, to) });
  }

  return { landmark_days: landmarkDays, event: eventLabel, milestones: validations, chain };
}

/** Rates of `to` among accounts with `from` and without it, and their ratio. */
function chainRates(from: Uint8Array, to: Uint8Array): Omit<ChainLink, 'from' | 'to'> {
  let withFrom = 0;
  let toWithFrom = 0;
  let toWithoutFrom = 0;
  for (let i = 0; i < from.length; i++) {
    if (from[i] === 1) {
      withFrom++;
      toWithFrom += to[i];
    } else {
      toWithoutFrom += to[i];
    }
  }
  const withoutFrom = from.length - withFrom;
  return {
    rate_given_from: wilsonInterval(toWithFrom, withFrom),
    rate_given_not_from: wilsonInterval(toWithoutFrom, withoutFrom),
    risk_ratio: ratio(toWithFrom, withFrom, toWithoutFrom, withoutFrom),
  };
}

function ratio(successes1: number, trials1: number, successes2: number, trials2: number): Interval {
  const rr = riskRatio(successes1, trials1, successes2, trials2);
  return { estimate: rr.estimate, low: rr.low, high: rr.high };
}

/** Kaplan–Meier steps as plot points, starting at day 0 with survival 1 (unless a step is at 0). */
function curvePoints(steps: SurvivalStep[], size: number): CurvePoint[] {
  if (steps.length === 0) return [];
  const points: CurvePoint[] = [];
  if (steps[0].time > 0) points.push({ day: 0, survival: 1, low: 1, high: 1, at_risk: size });
  for (const s of steps) points.push({ day: s.time, survival: s.survival, low: s.low, high: s.high, at_risk: s.atRisk });
  return points;
}

/**
 * Thins a step curve to at most `maxPoints` points for plotting, keeping its step shape: the
 * kept points are original points, in order, so drawn as a step function ("step-after") the
 * thinned curve is still a right-continuous, non-increasing staircase that follows the original
 * to within one bucket. The first and the last point are always kept.
 *
 * Each point gets a position along the curve, u = ½·(elapsed share of the days) + ½·(share of
 * the total drop in survival), so long flat stretches and steep drops both get points. The
 * interior is cut into `maxPoints − 2` equal buckets of u, and the last point of each bucket
 * is kept. Curves of `maxPoints` points or fewer come back as they are (a copy).
 */
export function thinCurve(points: readonly CurvePoint[], maxPoints = 60): CurvePoint[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`invalid maxPoints: ${maxPoints}`);
  const count = points.length;
  if (count <= maxPoints) return points.slice();

  const first = points[0];
  const last = points[count - 1];
  if (maxPoints === 2) return [first, last];
  const span = last.day - first.day;
  const drop = first.survival - last.survival;
  const wDay = span > 0 ? (drop > 0 ? 0.5 : 1) : 0;
  const wDrop = drop > 0 ? 1 - wDay : 0;
  const buckets = maxPoints - 2;
  const position = (p: CurvePoint, index: number): number => {
    if (wDay === 0 && wDrop === 0) return index / (count - 1); // a flat curve on one day: by index
    return (wDay * (p.day - first.day)) / (span || 1) + (wDrop * (first.survival - p.survival)) / (drop || 1);
  };

  const kept: CurvePoint[] = [first];
  let current = -1; // bucket of the interior point held back as a candidate
  let candidate: CurvePoint | null = null;
  for (let i = 1; i < count - 1; i++) {
    const u = position(points[i], i);
    const bucket = Math.min(buckets - 1, Math.max(0, Math.floor(u * buckets)));
    if (candidate !== null && bucket !== current) kept.push(candidate);
    current = bucket;
    candidate = points[i];
  }
  if (candidate !== null) kept.push(candidate);
  kept.push(last);
  return kept;
}

function checkBooleans(name: string, values: readonly boolean[], n: number): void {
  if (!Array.isArray(values)) throw new Error(`invalid ${name}: ${String(values)}`);
  if (values.length !== n) throw new Error(`invalid ${name} length: ${values.length} (followDays ${n})`);
  values.forEach((v, i) => {
    if (typeof v !== 'boolean') throw new Error(`invalid ${name}: ${String(v)} at account ${i}`);
  });
}

function checkReached(name: string, reached: Uint8Array, n: number): void {
  if (!(reached instanceof Uint8Array)) throw new Error(`invalid reached for ${name}: ${String(reached)}`);
  if (reached.length !== n) throw new Error(`invalid reached length: ${reached.length} for ${name} (followDays ${n})`);
  for (let i = 0; i < n; i++) {
    if (reached[i] > 1) throw new Error(`invalid reached: ${reached[i]} for ${name} at account ${i} (must be 0 or 1)`);
  }
}
