import { chiSquareUpperTail, normalCritical } from './distributions.js';
import { checkConfidence } from './validate.js';

/** One distinct time of a Kaplan–Meier curve. */
export interface SurvivalStep {
  /** The time; steps are in increasing order. */
  time: number;
  /** Subjects still followed just before `time`. */
  atRisk: number;
  /** Events (e.g. churn) at `time`. */
  events: number;
  /** Subjects censored at `time` (followed no longer, without the event). */
  censored: number;
  /** Kaplan–Meier estimate of surviving past `time`. */
  survival: number;
  /** Greenwood standard error of `survival`; NaN once survival reaches 0. */
  standardError: number;
  /** Lower log-log limit; 1 before the first event, NaN once survival reaches 0. */
  low: number;
  /** Upper log-log limit; 1 before the first event, NaN once survival reaches 0. */
  high: number;
}

/** Follow-up of one group: a time per subject and whether it ended in the event. */
export interface SurvivalSample {
  /** Time to the event or to censoring, ≥ 0. */
  times: readonly number[];
  /** True where the time is an event, false where it is censored. */
  events: readonly boolean[];
}

/** The log-rank test of two survival curves. */
export interface LogRankTest {
  /** Statistic with 1 degree of freedom; NaN when there are no events at all. */
  chiSquare: number;
  /** Two-sided p-value; NaN when the statistic is. */
  pValue: number;
  /** Events observed in group A. */
  observedA: number;
  /** Events expected in group A were both curves equal. */
  expectedA: number;
  /** Events observed in group B. */
  observedB: number;
  /** Events expected in group B were both curves equal. */
  expectedB: number;
}

/**
 * Kaplan–Meier survival curve with Greenwood's variance and the log-log ("exponential
 * Greenwood") interval, which stays inside [0, 1]. Returns one step per distinct time,
 * censoring-only times included (events 0, survival unchanged), as R's survfit.
 */
export function kaplanMeier(
  times: readonly number[],
  events: readonly boolean[],
  options: { confidence?: number } = {},
): SurvivalStep[] {
  checkSample(times, events);
  const { confidence = 0.95 } = options;
  checkConfidence(confidence);
  const z = normalCritical(confidence);

  const steps: SurvivalStep[] = [];
  let survival = 1;
  let greenwood = 0;
  for (const { time, atRisk, events: died, censored } of riskTable(times, events)) {
    survival *= 1 - died / atRisk;
    greenwood += died / (atRisk * (atRisk - died));
    const standardError = survival === 0 ? NaN : survival * Math.sqrt(greenwood);
    steps.push({ time, atRisk, events: died, censored, survival, standardError, ...logLogInterval(survival, greenwood, z) });
  }
  return steps;
}

/**
 * Log-rank (Mantel–Cox) test that two groups share one survival curve: at each event time,
 * group A's events are compared with their hypergeometric expectation and variance.
 */
export function logRankTest(groupA: SurvivalSample, groupB: SurvivalSample): LogRankTest {
  checkSample(groupA.times, groupA.events, 'groupA.');
  checkSample(groupB.times, groupB.events, 'groupB.');

  const times = [...groupA.times, ...groupB.times];
  const events = [...groupA.events, ...groupB.events];
  const inA = [...groupA.times.map(() => true), ...groupB.times.map(() => false)];
  const order = times.map((_, i) => i).sort((i, j) => times[i] - times[j]);

  let atRiskA = groupA.times.length;
  let atRiskB = groupB.times.length;
  let observedA = 0;
  let observedB = 0;
  let expectedA = 0;
  let variance = 0;
  for (let start = 0; start < order.length; ) {
    const time = times[order[start]];
    let end = start;
    let diedA = 0;
    let diedB = 0;
    let leftA = 0;
    for (; end < order.length && times[order[end]] === time; end++) {
      const i = order[end];
      if (inA[i]) leftA++;
      if (events[i]) inA[i] ? diedA++ : diedB++;
    }
    const atRisk = atRiskA + atRiskB;
    const died = diedA + diedB;
    if (died > 0) {
      observedA += diedA;
      observedB += diedB;
      expectedA += (died * atRiskA) / atRisk;
      if (atRisk > 1) variance += (died * atRiskA * atRiskB * (atRisk - died)) / (atRisk * atRisk * (atRisk - 1));
    }
    atRiskA -= leftA;
    atRiskB -= end - start - leftA;
    start = end;
  }

  const expectedB = observedA + observedB - expectedA;
  const chiSquare = variance > 0 ? (observedA - expectedA) ** 2 / variance : NaN;
  return { chiSquare, pValue: chiSquareUpperTail(chiSquare, 1), observedA, expectedA, observedB, expectedB };
}

interface RiskRow {
  time: number;
  atRisk: number;
  events: number;
  censored: number;
}

/** Distinct times in increasing order with the numbers at risk, dying and censored. */
function riskTable(times: readonly number[], events: readonly boolean[]): RiskRow[] {
  const order = times.map((_, i) => i).sort((i, j) => times[i] - times[j]);
  const rows: RiskRow[] = [];
  let atRisk = times.length;
  for (let start = 0; start < order.length; ) {
    const time = times[order[start]];
    let end = start;
    let died = 0;
    for (; end < order.length && times[order[end]] === time; end++) if (events[order[end]]) died++;
    const leaving = end - start;
    rows.push({ time, atRisk, events: died, censored: leaving - died });
    atRisk -= leaving;
    start = end;
  }
  return rows;
}

/** CI from log(−log S): var = Greenwood sum / (log S)²; S^exp(±z·se) keeps it in [0, 1]. */
function logLogInterval(survival: number, greenwood: number, z: number): { low: number; high: number } {
  if (survival === 1) return { low: 1, high: 1 };
  if (survival === 0) return { low: NaN, high: NaN };
  const logS = Math.log(survival);
  const se = Math.sqrt(greenwood) / Math.abs(logS);
  return { low: survival ** Math.exp(z * se), high: survival ** Math.exp(-z * se) };
}

function checkSample(times: readonly number[], events: readonly boolean[], where = ''): void {
  if (!Array.isArray(times)) throw new Error(`invalid ${where}times: ${String(times)}`);
  if (!Array.isArray(events)) throw new Error(`invalid ${where}events: ${String(events)}`);
  if (events.length !== times.length) {
    throw new Error(`invalid ${where}events: length ${events.length} (times ${times.length})`);
  }
  times.forEach((t, i) => {
    if (!(Number.isFinite(t) && t >= 0)) throw new Error(`invalid ${where}times[${i}]: ${t}`);
  });
  events.forEach((e, i) => {
    if (typeof e !== 'boolean') throw new Error(`invalid ${where}events[${i}]: ${String(e)}`);
  });
}
