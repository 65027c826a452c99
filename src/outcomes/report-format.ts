/**
 * How a report's figures read for people, shared by the markdown, HTML and Slack renderings
 * (the rules themselves are core's, model/figure-text.ts, which the dashboard shares), and the
 * JSON contract scripts rely on.
 */
import { DASH, isFigure, number, VERDICT_WORDS as WORDS } from '../model/figure-text.js';
import type { MeasuredMetric, OutcomeReport } from './outcome-report.js';

export { DASH, effect, interval, number, percent, pValue, targetText as target } from '../model/figure-text.js';

/** A value of a metric: a share as a percentage, a mean with sensible digits. */
export function value(x: number | null | undefined, scale: MeasuredMetric['scale']): string {
  if (!isFigure(x)) return DASH;
  return scale === 'proportion' ? `${(x * 100).toFixed(1)}%` : number(x);
}

export const VERDICT_WORDS: Record<OutcomeReport['verdict'], string> = WORDS;

export function title(r: OutcomeReport): string {
  const when = r.checkpoint ? `${r.checkpoint.days}-day checkpoint` : `as of ${r.at}`;
  return `Outcome report: ${r.launch}, ${when}`;
}

/**
 * `cairn launch report NAME --json`: the contract scripts rely on (README); extend, never
 * rename. Every key is always there: with no outcome declared, or nothing measured, its
 * values are null (and the groups' n 0), so `outcome.estimate` reads null rather than failing.
 */
export function reportContract(r: OutcomeReport) {
  const o = r.outcome;
  return {
    launch: r.launch,
    at: r.at,
    verdict: r.verdict,
    design: r.design,
    outcome: {
      metric: o?.metric ?? null,
      expected: o?.expected ?? null,
      estimate: o?.estimate ?? null,
      low: o?.low ?? null,
      high: o?.high ?? null,
      p_value: o?.p_value ?? null,
      treated: { n: o?.treated.n ?? 0, value: o?.treated.value ?? null },
      control: { n: o?.control.n ?? 0, value: o?.control.value ?? null },
    },
    flags: r.flags,
  };
}
