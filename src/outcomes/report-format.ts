/**
 * How a report's figures read for people, shared by the markdown, HTML and Slack renderings,
 * and the JSON contract scripts rely on.
 */
import type { MeasuredMetric, OutcomeReport } from './outcome-report.js';

export const DASH = '—';
const ok = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** A value of a metric: a share as a percentage, a mean with sensible digits. */
export function value(x: number | null | undefined, scale: MeasuredMetric['scale']): string {
  if (!ok(x)) return DASH;
  return scale === 'proportion' ? `${(x * 100).toFixed(1)}%` : number(x);
}

/** An effect (treated − control): points of a share, or a signed difference of means. */
export function effect(x: number | null | undefined, scale: MeasuredMetric['scale']): string {
  if (!ok(x)) return DASH;
  const sign = x > 0 ? '+' : x < 0 ? '−' : '';
  return scale === 'proportion' ? `${sign}${Math.abs(x * 100).toFixed(1)} pts` : `${sign}${number(Math.abs(x))}`;
}

export function interval(low: number | null | undefined, high: number | null | undefined, scale: MeasuredMetric['scale']): string {
  return ok(low) && ok(high) ? `[${effect(low, scale)}, ${effect(high, scale)}]` : '';
}

export function number(x: number): string {
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return a === 0 ? '0' : x.toPrecision(2);
}

export function percent(x: number | null | undefined): string {
  return ok(x) ? `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%` : DASH;
}

export function pValue(p: number | null | undefined): string {
  if (!ok(p)) return DASH;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

export function target(m: MeasuredMetric): string {
  const word = m.direction === 'increase' ? '+' : '−';
  return m.target.absolute !== undefined ? effect((m.direction === 'increase' ? 1 : -1) * m.target.absolute, m.scale) : `${word}${(m.target.relative! * 100).toFixed(0)}%`;
}

export const VERDICT_WORDS: Record<OutcomeReport['verdict'], string> = {
  met: 'met',
  not_met: 'not met',
  inconclusive: 'inconclusive',
  too_early: 'too early',
};

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
