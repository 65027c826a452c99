/**
 * How discovery's proposal compares with the truth the demo planted (ground-truth.json): where
 * the planted drivers rank, whether the traps were flagged for the right reason, and how far the
 * proposed thresholds are from the planted ones. Printed by `cairn demo`, asserted by the tests.
 */
import type { DiscoveryEvidence } from '../discover/index.js';

interface Pair {
  action: string;
  object: string;
}

/** The parts of ground-truth.json this comparison reads. */
export interface PlantedTruth {
  activation: Pair & { at_least: number; within_days: number };
  utilization: Pair & { per_month_per_seat_at_least: number; metadata?: Record<string, string> };
  drivers: Pair[];
  setup_effects: (Pair & { id: string; effect: string })[];
  maturity: { mature_in_at_least: number };
  traps: { ubiquitous: Pair; premium_niche: Pair };
}

export interface DiscoveryScore {
  /** Each planted driver's importance rank (null: not a feature) and rank interval. */
  drivers: { key: string; rank: number | null; rank_low: number | null; rank_high: number | null }[];
  /** Features ranked (the denominator for "top"). */
  ranked: number;
  traps: { key: string; expected: 'ubiquitous' | 'premium_niche'; flagged: boolean; reason: string | null }[];
  activation: { planted: number; proposed: number | null; within_days: [number, number | null]; relative_error: number | null } | null;
  utilization: { planted: number; proposed: number | null; relative_error: number | null } | null;
  /** Planted setup steps that raise activation, and which of them the proposal chose. */
  setup: { effective: string[]; chosen: string[]; found: string[] };
}

const key = (p: Pair): string => `${p.action} ${p.object}`;
const relative = (proposed: number | null, planted: number): number | null => (proposed === null ? null : (proposed - planted) / planted);

export function scoreDiscovery(e: DiscoveryEvidence, truth: PlantedTruth): DiscoveryScore {
  const byKey = new Map(e.features.map((f) => [f.key, f]));
  const trap = (p: Pair, expected: 'ubiquitous' | 'premium_niche') => {
    const f = byKey.get(key(p));
    const i = f ? f.flags.indexOf(expected) : -1;
    return { key: key(p), expected, flagged: i >= 0, reason: i >= 0 ? f!.flag_reasons[i] : null };
  };
  const effective = truth.setup_effects.filter((s) => !s.effect.startsWith('none')).map(key);
  const chosen = e.setup?.steps ?? [];
  return {
    drivers: truth.drivers.map((d) => {
      const f = byKey.get(key(d));
      return { key: key(d), rank: f?.rank ?? null, rank_low: f?.rank_low ?? null, rank_high: f?.rank_high ?? null };
    }),
    ranked: e.features.filter((f) => f.rank !== null).length,
    traps: [trap(truth.traps.ubiquitous, 'ubiquitous'), trap(truth.traps.premium_niche, 'premium_niche')],
    activation: {
      planted: truth.activation.at_least,
      proposed: e.activation?.choice.threshold ?? null,
      within_days: [truth.activation.within_days, e.activation?.choice.days ?? null],
      relative_error: relative(e.activation?.choice.threshold ?? null, truth.activation.at_least),
    },
    utilization: {
      planted: truth.utilization.per_month_per_seat_at_least,
      proposed: e.utilization?.choice.threshold ?? null,
      relative_error: relative(e.utilization?.choice.threshold ?? null, truth.utilization.per_month_per_seat_at_least),
    },
    setup: { effective, chosen, found: effective.filter((k) => chosen.includes(k)) },
  };
}

/** The comparison as lines for a person. */
export function describeScore(s: DiscoveryScore): string[] {
  const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${Math.round(x * 100)}%`);
  const lines = ['discovery vs the planted truth'];
  lines.push(
    `  drivers (importance rank of ${s.ranked}): ${s.drivers.map((d) => `${d.key} #${d.rank ?? '—'}${d.rank_low === null ? '' : ` [${Math.round(d.rank_low)}–${Math.round(d.rank_high!)}]`}`).join(', ')}`,
  );
  for (const t of s.traps) lines.push(`  trap ${t.key}: ${t.flagged ? `flagged ${t.expected} — ${t.reason}` : `NOT flagged ${t.expected}`}`);
  if (s.activation) {
    lines.push(`  activation: proposed ${s.activation.proposed ?? '—'} within ${s.activation.within_days[1] ?? '—'} days, planted ${s.activation.planted} within ${s.activation.within_days[0]} (${pct(s.activation.relative_error)})`);
  }
  if (s.utilization) lines.push(`  utilization per seat per month: proposed ${s.utilization.proposed ?? '—'}, planted ${s.utilization.planted} (${pct(s.utilization.relative_error)})`);
  lines.push(`  setup: ${s.setup.found.length} of the ${s.setup.effective.length} steps that raise activation chosen (${s.setup.chosen.length} steps proposed)`);
  return lines;
}
