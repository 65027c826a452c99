import { parseMilestones, type Matcher, type MilestonesConfig } from '../config/index.js';
import type { Interval } from '../stats/index.js';
import type { DiscoveryEvidence, ThresholdEvidence } from './evidence.js';

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const ci = (e: Interval, digits = 2): string => `${e.estimate.toFixed(digits)} [${e.low.toFixed(digits)}–${e.high.toFixed(digits)}]`;

/** A YAML scalar: plain when that is unambiguous, else double-quoted (JSON strings are valid YAML). */
function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
}

function flow(m: Matcher): string {
  const parts = [`action: ${scalar(m.action)}`, `object: ${scalar(m.object)}`];
  if (m.place !== undefined) parts.push(`place: ${scalar(m.place)}`);
  const meta = Object.entries(m.metadata ?? {});
  if (meta.length) parts.push(`metadata: { ${meta.map(([k, v]) => `${scalar(k)}: ${scalar(v)}`).join(', ')} }`);
  return `{ ${parts.join(', ')} }`;
}

/** A step id from a feature key: lowercase letters, digits and underscores, starting with a letter. */
export function stepId(key: string): string {
  const id = key.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(id) ? id : `step_${id}`;
}

const round = (x: number): number => Number(x.toPrecision(3));

function thresholdNote(t: ThresholdEvidence): string {
  const h = t.held_out;
  const held = h ? `held out: Youden's J ${h.youden_j.toFixed(2)}, sensitivity ${pct(h.sensitivity.estimate)}, specificity ${pct(h.specificity.estimate)}, reach ${pct(h.reach.estimate)}` : 'not judged on held-out accounts';
  return `${held}; 95% bootstrap interval of the threshold ${round(t.threshold_interval.low)}–${round(t.threshold_interval.high)}`;
}

/**
 * The proposed milestones.yaml: a framework the engine runs as is, with the evidence for each
 * choice in comments. Only milestones marked `proposed` (they beat their null on the held-out
 * cohorts) are written; the rest are left out (the evidence says why), and `requires` chains
 * only the ones present. The text is parsed back with the engine's own loader before it is
 * returned, so a proposal that would not load is a bug, never a file.
 */
export function writeProposal(
  evidence: DiscoveryEvidence,
  matcherOf: (key: string) => Matcher,
): { yaml: string; config: MilestonesConfig } {
  const { setup, activation, utilization, maturity, data, settings } = evidence;
  const r = settings.retention;
  const retention =
    r.kind === 'still_customer'
      ? `still a customer ${r.days} days after signup`
      : `still a customer and active in the last ${r.dormantDays} days, ${r.days} days after signup`;
  const split = evidence.split;
  const where = split
    ? `chosen on ${split.selection.accounts} accounts signed up ${split.selection.cohorts[0]} to ${split.selection.cohorts[1]}, checked on ${split.held_out.accounts} held out (${split.held_out.cohorts[0]} to ${split.held_out.cohorts[1]})`
    : 'not checked on held-out accounts';
  const lines: string[] = [
    `# Proposed by \`cairn discover\` from data up to ${evidence.as_of}.`,
    `# Retention: ${retention}; behaviour measured in the first ${r.earlyDays} days.`,
    `# ${data.labelled} accounts judged (${data.retained} retained, ${data.churned} not): ${where}.`,
    '# Each milestone below beat a label-permutation null on the held-out accounts. They are associations, not causes.',
    '# Evidence in evidence.json and report.html. Review it, then copy it over milestones.yaml to track every account against it.',
    '',
    'milestones:',
  ];
  const present: string[] = [];
  const requires = (): string[] => (present.length ? [`    requires: [${present[present.length - 1]}]`] : []);

  if (setup?.proposed && setup.steps.length > 0) {
    const byKey = new Map(setup.candidates.map((c) => [c.key, c]));
    lines.push(
      '  setup:',
      '    kind: checklist',
      '    label: Set up',
      `    description: Early steps that go with activation, in the order accounts usually do them (within ${setup.window_days} days).`,
      `    # at_least: the number of these steps that best separates activated accounts (Youden's J).`,
      `    at_least: ${setup.at_least}`,
      '    steps:',
    );
    for (const key of setup.steps) {
      const c = byKey.get(key)!;
      lines.push(
        `      - id: ${stepId(key)}`,
        `        label: ${scalar(key)}`,
        `        when: ${flow(matcherOf(key))}   # done by ${pct(c.prevalence)}; phi ${ci(c.phi)}; activation ${ci(c.lift)}×`,
      );
    }
    present.push('setup');
  }

  if (activation?.proposed) {
    const m: Matcher = { action: activation.action, object: activation.object, ...(activation.metadata ? { metadata: activation.metadata } : {}) };
    lines.push(
      '',
      '  activation:',
      '    kind: threshold',
      '    label: Activated',
      '    description: The account has used the core action enough to see the value; it goes with retention.',
      ...requires(),
      `    count: ${flow(m)}`,
      `    within_days: ${activation.choice.days}`,
      `    at_least: ${activation.choice.threshold}   # ${thresholdNote(activation)}`,
    );
    present.push('activation');
  }

  if (utilization?.proposed) {
    const m: Matcher = { action: utilization.action, object: utilization.object, ...(utilization.metadata ? { metadata: utilization.metadata } : {}) };
    lines.push(
      '',
      '  utilization:',
      '    kind: per_seat',
      '    label: Utilizing',
      '    description: The seats paid for are in use, month after month.',
      ...requires(),
      `    count: ${flow(m)}`,
      `    per_month_per_seat_at_least: ${utilization.choice.threshold}   # ${thresholdNote(utilization)}`,
      '    period: calendar_month',
    );
    present.push('utilization');
  }

  const matureCategories = maturity?.categories.filter((c) => c.mature.length > 0) ?? [];
  if (maturity?.proposed && matureCategories.length > 0 && maturity.mature_in_at_least > 0) {
    lines.push(
      '',
      '  maturity:',
      '    kind: categories',
      '    label: Mature',
      '    description: The account uses the product in depth, in several areas.',
      ...requires(),
      `    window_days: ${maturity.window_days}`,
      '    categories:',
    );
    for (const c of matureCategories) {
      const note = (key: string) => c.features.find((f) => f.key === key)!;
      lines.push(`      ${c.name}:`, `        basic:${c.basic.length ? '' : ' []'}`);
      for (const key of c.basic) lines.push(`          - ${flow(matcherOf(key))}   # ${pct(note(key).prevalence)} of accounts`);
      lines.push('        mature:');
      for (const key of c.mature) {
        lines.push(`          - ${flow(matcherOf(key))}   # within the category ${ci(note(key).risk_ratio_within_category)}×`);
      }
    }
    lines.push(`    mature_in_at_least: ${Math.min(maturity.mature_in_at_least, matureCategories.length)}`);
    present.push('maturity');
  }

  if (present.length === 0) {
    throw new Error('discover: nothing to propose (no milestone had enough evidence); see the warnings in evidence.json');
  }
  const stageNames: Record<string, [string, string]> = {
    setup: ['set_up', 'Set up'],
    activation: ['activated', 'Activated'],
    utilization: ['utilizing', 'Utilizing'],
    maturity: ['mature', 'Mature'],
  };
  lines.push('', 'stages:', '  - { name: signed_up, label: Signed up }');
  for (const m of present) lines.push(`  - { name: ${stageNames[m][0]}, label: ${stageNames[m][1]}, milestone: ${m} }`);
  const yaml = `${lines.join('\n')}\n`;
  return { yaml, config: parseMilestones(yaml, 'proposed-milestones.yaml') };
}
