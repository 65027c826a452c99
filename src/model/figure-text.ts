/**
 * How figures read for people wherever they are shown: the outcome reports (markdown, HTML,
 * Slack), the framework review's words and reports, and the dashboard's pages for both. Pure
 * and free of Node built-ins, so the browser bundle imports this file directly (model/index.ts
 * also exports event rules that need Node).
 */

/** How a metric is measured: a share of accounts, a mean per account, or a count. */
export type FigureScale = 'proportion' | 'mean' | 'count';

export const DASH = '—';
export const isFigure = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** A number with the digits its size deserves. */
export function number(x: number): string {
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return a === 0 ? '0' : x.toPrecision(2);
}

/** A figure rounded to `digits` decimals, as the review writes lifts, AUCs and PSIs. */
export const rounded = (x: number | null | undefined, digits = 2): string => (isFigure(x) ? String(Math.round(x * 10 ** digits) / 10 ** digits) : DASH);

/** A share as a percentage, with one decimal below 10%. */
export const percent = (x: number | null | undefined): string => (isFigure(x) ? `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%` : DASH);

/** An estimate and its interval, `1.32 [1.1–1.58]`; a dash alone when there is no estimate. */
export function withRange(i: { estimate: number | null; low: number | null; high: number | null }, f: (x: number | null) => string = (x) => rounded(x)): string {
  return isFigure(i.estimate) ? `${f(i.estimate)} [${f(i.low)}–${f(i.high)}]` : DASH;
}

/** A q- (or p-) value as the review writes it: two significant digits, `<0.001` below that. */
export const qValue = (q: number | null | undefined): string => (!isFigure(q) ? DASH : q < 0.001 ? '<0.001' : String(Number(q.toPrecision(2))));

/** An effect (treated − control): points of a share, or a signed difference of means. */
export function effect(x: number | null | undefined, scale: FigureScale): string {
  if (!isFigure(x)) return DASH;
  const sign = x > 0 ? '+' : x < 0 ? '−' : '';
  return scale === 'proportion' ? `${sign}${Math.abs(x * 100).toFixed(1)} pts` : `${sign}${number(Math.abs(x))}`;
}

/** An effect's interval in brackets, or nothing when it has none. */
export function interval(low: number | null | undefined, high: number | null | undefined, scale: FigureScale): string {
  return isFigure(low) && isFigure(high) ? `[${effect(low, scale)}, ${effect(high, scale)}]` : '';
}

export function pValue(p: number | null | undefined): string {
  if (!isFigure(p)) return DASH;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A promised change: `+3.0 pts` or `−10%` when the target is relative. */
export function targetText(m: { direction: string; target: { absolute?: number; relative?: number }; scale: FigureScale }): string {
  const sign = m.direction === 'increase' ? 1 : -1;
  if (m.target.absolute !== undefined) return effect(sign * m.target.absolute, m.scale);
  return `${sign > 0 ? '+' : '−'}${((m.target.relative ?? 0) * 100).toFixed(0)}%`;
}

export const VERDICT_WORDS = {
  met: 'met',
  not_met: 'not met',
  inconclusive: 'inconclusive',
  too_early: 'too early',
} as const;
