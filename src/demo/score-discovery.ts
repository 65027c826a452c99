/**
 * How discovery's proposal compares with the truth the demo planted (ground-truth.json): what
 * it proposed (nothing, in the null world), how well the importance ranking finds the planted
 * causes (precision and recall in the top k, drivers ranked against their decoys), whether the
 * traps were flagged for the right reason, whether the planted thresholds fall in their
 * intervals, and which setup steps and maturity features were recovered. Printed by
 * `cairn demo`, asserted by the tests, summed over many worlds by bench/accuracy.
 */
import type { DiscoveryEvidence } from '../discover/index.js';
import type { PlantedDrift } from './drift.js';

interface Pair {
  action: string;
  object: string;
}

/** The parts of ground-truth.json this comparison reads. */
export interface PlantedTruth {
  world?: 'planted' | 'null';
  activation: (Pair & { at_least: number; within_days: number }) | null;
  utilization: (Pair & { per_month_per_seat_at_least: number; metadata?: Record<string, string> }) | null;
  drivers: Pair[];
  decoys?: (Pair & { twin_of: string })[];
  setup_effects: (Pair & { id: string; effect: string })[];
  maturity: { mature_in_at_least: number; categories?: Record<string, { basic: Pair[]; mature: Pair[] }> } | null;
  traps: { ubiquitous: Pair; premium_niche: Pair };
  /** Present when `cairn demo` planted drift in the recent cohorts (drift.ts). */
  drift?: PlantedDrift;
}

interface Ranked {
  key: string;
  rank: number | null;
  rank_low: number | null;
  rank_high: number | null;
}

/** A planted threshold against the proposal's, comparable when both count the same thing in the same window. */
export interface ThresholdScore {
  planted: number;
  proposed: number | null;
  interval: [number, number] | null;
  /** Same action, object (and metadata) and, for activation, the same window: the interval can be read against the planted value. */
  comparable: boolean;
  covered: boolean | null;
  relative_error: number | null;
  /** What the proposal counts, in words. */
  counts: string | null;
}

export interface DiscoveryScore {
  world: 'planted' | 'null';
  /** Milestones proposed (beat their null on the held-out cohorts). */
  proposed: string[];
  /** Behaviours ranked (the denominator for "top"). */
  ranked: number;
  /**
   * The top k of the importance ranking against the planted causes: the drivers and the action
   * activation counts. Precision is the share of the top k that are causes; recall the share of
   * causes in the top k.
   */
  top: { k: number; causes: string[]; hits: string[]; precision: number | null; recall: number | null };
  drivers: Ranked[];
  decoys: Ranked[];
  /** The chance a driver ranks above a decoy (ties count one half); null without both. */
  driver_vs_decoy_auc: number | null;
  /**
   * The same measures for the behaviours ordered by their lift within plan and breadth of use
   * (the evidence's engagement-stratified CMH test: lifts above 1 by p ascending first).
   */
  by_engagement: { precision: number | null; recall: number | null; driver_vs_decoy_auc: number | null };
  traps: { key: string; expected: 'ubiquitous' | 'premium_niche'; flagged: boolean; reason: string | null }[];
  /** Flags on planted causes (drivers, the activation action): the harmful kind. */
  flagged_causes: string[];
  /** Premium-niche flags on features that are not the planted niche. */
  false_niche_flags: string[];
  /** Ubiquitous flags on other features (used by more than the benchmark's share, so flagged by definition). */
  other_ubiquitous: string[];
  activation: (ThresholdScore & { within_days: [number, number | null] }) | null;
  utilization: ThresholdScore | null;
  /** Planted setup steps that raise activation, which of them the proposal chose, and its precision. */
  setup: { effective: string[]; chosen: string[]; found: string[]; precision: number | null };
  /** Planted mature features classified mature, and decoys or traps classified mature. */
  maturity: { planted: string[]; found: string[]; wrongly_mature: string[] };
  /** The planted drift, with the signup months discovery chose on and judged on (drift there moves activation's cut). */
  drift: { signups_from: string; step: string; activation_at_least: number; chosen_on: [string, string] | null; judged_on: [string, string] | null } | null;
}

const TOP_K = 10;
const key = (p: Pair): string => `${p.action} ${p.object}`;
const relative = (proposed: number | null, planted: number): number | null => (proposed === null ? null : (proposed - planted) / planted);

export function scoreDiscovery(e: DiscoveryEvidence, truth: PlantedTruth): DiscoveryScore {
  const byKey = new Map(e.features.map((f) => [f.key, f]));
  const ranked = e.features.filter((f) => f.rank !== null);
  const rankedOf = (p: Pair): Ranked => {
    const f = byKey.get(key(p));
    return { key: key(p), rank: f?.rank ?? null, rank_low: f?.rank_low ?? null, rank_high: f?.rank_high ?? null };
  };
  const trap = (p: Pair, expected: 'ubiquitous' | 'premium_niche') => {
    const f = byKey.get(key(p));
    const i = f ? f.flags.indexOf(expected) : -1;
    return { key: key(p), expected, flagged: i >= 0, reason: i >= 0 ? f!.flag_reasons[i] : null };
  };
  const causes = [...truth.drivers.map(key), ...(truth.activation ? [key(truth.activation)] : [])];
  const topKeys = ranked.slice(0, TOP_K).map((f) => f.key);
  const hits = topKeys.filter((k) => causes.includes(k));
  const drivers = truth.drivers.map(rankedOf);
  const decoys = (truth.decoys ?? []).map(rankedOf);
  const byEngagement = engagementOrder(ranked);
  const engagementRank = (p: Pair): Ranked => {
    const i = byEngagement.indexOf(key(p));
    return { key: key(p), rank: i < 0 ? null : i + 1, rank_low: null, rank_high: null };
  };
  const engagementHits = byEngagement.slice(0, TOP_K).filter((k) => causes.includes(k)).length;
  const trapKeys = new Set([key(truth.traps.ubiquitous), key(truth.traps.premium_niche)]);
  const effective = truth.setup_effects.filter((s) => !s.effect.startsWith('none')).map(key);
  const chosen = e.setup?.proposed ? e.setup.steps : [];
  const plantedMature = Object.values(truth.maturity?.categories ?? {}).flatMap((c) => c.mature.map(key));
  const foundMature = e.maturity?.proposed ? e.maturity.categories.flatMap((c) => c.mature) : [];
  return {
    world: truth.world ?? 'planted',
    proposed: e.verdict.proposed,
    ranked: ranked.length,
    top: {
      k: TOP_K,
      causes,
      hits,
      precision: topKeys.length ? hits.length / topKeys.length : null,
      recall: causes.length ? hits.length / causes.length : null,
    },
    drivers,
    decoys,
    driver_vs_decoy_auc: rankAuc(drivers, decoys),
    by_engagement: {
      precision: byEngagement.length ? engagementHits / Math.min(TOP_K, byEngagement.length) : null,
      recall: causes.length ? engagementHits / causes.length : null,
      driver_vs_decoy_auc: rankAuc(truth.drivers.map(engagementRank), (truth.decoys ?? []).map(engagementRank)),
    },
    traps: [trap(truth.traps.ubiquitous, 'ubiquitous'), trap(truth.traps.premium_niche, 'premium_niche')],
    flagged_causes: e.features.filter((f) => f.flags.length > 0 && causes.includes(f.key)).map((f) => f.key),
    false_niche_flags: e.features.filter((f) => f.flags.includes('premium_niche') && !trapKeys.has(f.key)).map((f) => f.key),
    other_ubiquitous: e.features.filter((f) => f.flags.includes('ubiquitous') && !trapKeys.has(f.key) && !causes.includes(f.key)).map((f) => f.key),
    activation: truth.activation && activationScore(e, truth.activation),
    utilization: truth.utilization && utilizationScore(e, truth.utilization),
    setup: { effective, chosen, found: effective.filter((k) => chosen.includes(k)), precision: chosen.length ? chosen.filter((k) => effective.includes(k)).length / chosen.length : null },
    maturity: {
      planted: plantedMature,
      found: plantedMature.filter((k) => foundMature.includes(k)),
      wrongly_mature: foundMature.filter((k) => !plantedMature.includes(k) && (trapKeys.has(k) || (truth.decoys ?? []).some((d) => key(d) === k))),
    },
    drift: truth.drift
      ? {
          signups_from: truth.drift.signups_from,
          step: truth.drift.setup_step_done_by_everyone,
          activation_at_least: truth.drift.activation.at_least_after,
          chosen_on: e.split?.selection.cohorts ?? null,
          judged_on: e.split?.held_out.cohorts ?? null,
        }
      : null,
  };
}

function activationScore(e: DiscoveryEvidence, planted: NonNullable<PlantedTruth['activation']>): ThresholdScore & { within_days: [number, number | null] } {
  const a = e.activation?.proposed ? e.activation : null;
  const comparable = a !== null && key(a) === key(planted) && a.choice.days === planted.within_days;
  return {
    ...thresholdScore(a, planted.at_least, comparable),
    counts: a ? `${key(a)} within ${a.choice.days} days` : null,
    within_days: [planted.within_days, a?.choice.days ?? null],
  };
}

function utilizationScore(e: DiscoveryEvidence, planted: NonNullable<PlantedTruth['utilization']>): ThresholdScore {
  const u = e.utilization?.proposed ? e.utilization : null;
  const sameMetadata = JSON.stringify(u?.metadata ?? {}) === JSON.stringify(planted.metadata ?? {});
  const comparable = u !== null && key(u) === key(planted) && sameMetadata;
  const meta = Object.entries(u?.metadata ?? {}).map(([k, v]) => ` (${k} = ${v})`).join('');
  return { ...thresholdScore(u, planted.per_month_per_seat_at_least, comparable), counts: u ? `${key(u)}${meta} per seat per month` : null };
}

function thresholdScore(t: DiscoveryEvidence['activation'], planted: number, comparable: boolean): Omit<ThresholdScore, 'counts'> {
  const interval: [number, number] | null = t ? [t.threshold_interval.low, t.threshold_interval.high] : null;
  return {
    planted,
    proposed: t?.choice.threshold ?? null,
    interval,
    comparable,
    covered: comparable && interval ? interval[0] <= planted && planted <= interval[1] : null,
    relative_error: comparable ? relative(t!.choice.threshold, planted) : null,
  };
}

/** Ranked behaviours by their engagement-stratified lift: above 1 by p ascending, then untested, then below 1 by p descending. */
function engagementOrder(ranked: DiscoveryEvidence['features']): string[] {
  const score = (f: DiscoveryEvidence['features'][number]): number => {
    const s = f.stratified.engagement;
    if (!s || s.p_value === null || !Number.isFinite(s.risk_ratio.estimate)) return 0;
    const strength = -Math.log(Math.max(s.p_value, Number.MIN_VALUE));
    return s.risk_ratio.estimate >= 1 ? strength : -strength;
  };
  return ranked
    .map((f) => ({ key: f.key, score: score(f) }))
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1))
    .map((f) => f.key);
}

/** P(a driver ranks above a decoy), ties one half; unranked ones rank last. */
function rankAuc(drivers: Ranked[], decoys: Ranked[]): number | null {
  if (drivers.length === 0 || decoys.length === 0) return null;
  const r = (x: Ranked) => x.rank ?? Infinity;
  let wins = 0;
  for (const d of drivers) for (const c of decoys) wins += r(d) < r(c) ? 1 : r(d) === r(c) ? 0.5 : 0;
  return wins / (drivers.length * decoys.length);
}

/** The comparison as lines for a person. */
export function describeScore(s: DiscoveryScore): string[] {
  const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${Math.round(x * 100)}%`);
  const share = (x: number | null) => (x === null ? '—' : x.toFixed(2));
  const lines = [`discovery vs the planted truth (${s.world === 'null' ? 'the null world: nothing was planted' : 'the planted world'})`];
  lines.push(`  proposed: ${s.proposed.length ? s.proposed.join(', ') : 'nothing'}${s.world === 'null' ? (s.proposed.length ? '  ✗ (a false discovery)' : '  ✓') : ''}`);
  if (s.world === 'null') return lines;
  lines.push(`  top ${s.top.k} of ${s.ranked} behaviours: precision ${share(s.top.precision)}, recall ${share(s.top.recall)} of the ${s.top.causes.length} planted causes (the drivers and the activation action); found ${s.top.hits.join(', ') || 'none'}`);
  const rank = (d: Ranked) => `${d.key} #${d.rank ?? '—'}${d.rank_low === null ? '' : ` [${Math.round(d.rank_low)}–${Math.round(d.rank_high!)}]`}`;
  lines.push(`  drivers (median rank [2.5–97.5% over refits]): ${s.drivers.map(rank).join(', ')}`);
  if (s.decoys.length) lines.push(`  decoys (adopted as the drivers, no effect): ${s.decoys.map(rank).join(', ')}; a driver ranks above a decoy with chance ${share(s.driver_vs_decoy_auc)}`);
  const e = s.by_engagement;
  lines.push(`  ordered instead by lift within plan and breadth of use: top ${s.top.k} precision ${share(e.precision)}, recall ${share(e.recall)}; a driver above a decoy with chance ${share(e.driver_vs_decoy_auc)}`);
  for (const t of s.traps) lines.push(`  trap ${t.key}: ${t.flagged ? `flagged ${t.expected} — ${t.reason}` : `NOT flagged ${t.expected}`}`);
  if (s.flagged_causes.length) lines.push(`  planted causes flagged: ${s.flagged_causes.join(', ')}`);
  if (s.false_niche_flags.length) lines.push(`  flagged premium niche though not the planted one: ${s.false_niche_flags.join(', ')}`);
  if (s.other_ubiquitous.length) lines.push(`  also flagged ubiquitous (used by nearly everyone, as routine features are): ${s.other_ubiquitous.join(', ')}`);
  const threshold = (name: string, t: ThresholdScore | null, plantedWords: string) => {
    if (!t) return;
    if (t.proposed === null) return lines.push(`  ${name}: not proposed (planted ${plantedWords})`);
    const iv = t.interval ? `[${t.interval[0]}–${t.interval[1]}]` : '';
    const verdict = t.comparable ? `${t.covered ? 'inside' : 'outside'} the interval, ${pct(t.relative_error)}` : 'counts something else, not comparable';
    lines.push(`  ${name}: proposed ${t.proposed} ${iv} counting ${t.counts}; planted ${plantedWords} (${verdict})`);
  };
  threshold('activation', s.activation, s.activation ? `${s.activation.planted} within ${s.activation.within_days[0]} days` : '');
  threshold('utilization', s.utilization, s.utilization ? `${s.utilization.planted} per seat per month` : '');
  lines.push(`  setup: ${s.setup.found.length} of the ${s.setup.effective.length} steps that raise activation chosen, among ${s.setup.chosen.length} proposed (precision ${share(s.setup.precision)})`);
  lines.push(`  maturity: ${s.maturity.found.length} of ${s.maturity.planted.length} planted mature features found mature${s.maturity.wrongly_mature.length ? `; decoys or traps called mature: ${s.maturity.wrongly_mature.join(', ')}` : ''}`);
  const d = s.drift;
  if (d) {
    const months = d.chosen_on && d.judged_on ? ` (discovery chose on signups ${d.chosen_on[0]} to ${d.chosen_on[1]}, judged on ${d.judged_on[0]} to ${d.judged_on[1]})` : '';
    lines.push(
      `  planted drift from signups on ${d.signups_from}${months}: ${d.step} done by everyone, and a bot closes conversations, ` +
        `so there activation's cut is about ${d.activation_at_least} closed conversations, not ${s.activation?.planted ?? '—'}; --no-drift leaves it out`,
    );
  }
  return lines;
}
