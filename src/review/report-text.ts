import { fmt } from './format.js';
import type { FrameworkReview } from './review-framework.js';
import type { MilestoneReview, Recommendation } from './review-milestone.js';

/** A recommendation as a short verb phrase. */
export function actionWords(r: Recommendation): string {
  switch (r.action) {
    case 'keep':
      return 'keep';
    case 'adjust_threshold':
      return `adjust ${r.key} to ${fmt.num(r.value)}`;
    case 'replace_step':
      return `replace step ${r.steps?.join(', ')}`;
    case 'rediscover':
      return 'rediscover';
  }
}

/** The cohorts in words: which are judged (reference, recent) and which not yet. */
export function cohortWords(r: FrameworkReview): string[] {
  const span = (cs: string[]) => (cs.length === 0 ? 'none' : cs.length === 1 ? cs[0] : `${cs[0]} to ${cs[cs.length - 1]}`);
  const young = r.cohorts.filter((c) => c.status !== 'judged');
  return [
    `Judged ${r.settings.cohorts} cohorts: reference ${span(r.reference_cohorts)}, recent ${span(r.recent_cohorts)}.`,
    young.length
      ? `Not yet judged (their retention horizon has not passed): ${young.map((c) => `${c.cohort} (from ${c.judged_from}${c.status === 'too_young' ? '; too young even for the landmark' : ''})`).join(', ')}.`
      : 'Every cohort is judged.',
  ];
}

export function frameworkWords(r: FrameworkReview): string {
  const f = r.framework;
  return f.version === null
    ? 'the framework in milestones.yaml (not yet used by a status refresh, so it has no version yet)'
    : `framework version ${f.version} (${f.hash?.slice(0, 12)}, in effect since ${f.effective_day})`;
}

const latestPsi = (m: MilestoneReview) => m.drift[m.drift.length - 1];

/** The review for a terminal: the verdicts first, then each milestone's evidence, the stage, the diff, the schedule. */
export function reviewText(r: FrameworkReview): string {
  const out: string[] = [];
  out.push(`Framework review as of ${r.as_of}: ${frameworkWords(r)}`);
  out.push(...cohortWords(r).map((l) => `  ${l}`));
  out.push('');
  const rows = [['milestone', 'recommendation', 'lift before', 'lift recent', `PSI ${latestPsi(r.milestones[0])?.cohort ?? ''}`.trim(), 'cut now → same retention recent']];
  for (const m of r.milestones) {
    const t = m.threshold;
    rows.push([
      m.milestone,
      actionWords(m.recommendation),
      fmt.iv(m.reference.lift),
      fmt.iv(m.recent.lift),
      fmt.num(latestPsi(m)?.psi_milestone),
      t ? `${fmt.num(t.current)} → ${fmt.num(t.equivalent.cut)} [${fmt.num(t.equivalent.low)}–${fmt.num(t.equivalent.high)}]` : '—',
    ]);
  }
  out.push(...table(rows));
  for (const m of r.milestones) {
    out.push('', `${m.milestone}: ${m.recommendation.summary}`);
    for (const e of m.recommendation.evidence) out.push(`  · ${e}`);
    out.push(`  lift by cohort: ${m.cohorts.map((c) => `${c.group} ${fmt.iv(c.lift)} (q ${fmt.q(c.q)})`).join('; ')}`);
    out.push(`  PSI by cohort: ${m.drift.map((d) => `${d.cohort} ${fmt.num(d.psi_milestone)}`).join(', ')}`);
  }
  out.push('', 'Stage at the landmark against retention');
  out.push(`  AUC (DeLong 95%): ${r.stage.discrimination.map((d) => `${d.group} ${fmt.iv(d)}`).join('; ')}`);
  const c = r.stage.calibration;
  out.push(`  calibration of each stage's reference retention on the recent cohorts: Brier ${fmt.num(c.brier, 3)} (base rate ${fmt.num(c.brierOfBaseRate, 3)}, skill ${fmt.num(c.skill, 3)}), Hosmer–Lemeshow χ² ${fmt.num(c.chiSquare)} on ${c.degreesOfFreedom} df, p ${fmt.q(c.pValue)}`);
  out.push(...table([['stage', 'predicted', 'observed (Wilson 95%)', 'accounts'], ...c.rows.map((x) => [x.label, fmt.pct(x.predicted), `${fmt.pct(x.observed.estimate)} [${fmt.pct(x.observed.low)}–${fmt.pct(x.observed.high)}]`, String(x.n)])]).map((l) => `  ${l}`));
  out.push('');
  if (r.proposal.diff) out.push('Proposed milestones.yaml:', r.proposal.diff.trimEnd());
  else out.push('No change to milestones.yaml proposed.');
  out.push('', `Next review due ${r.schedule.next_due} (review.every: ${r.schedule.every}).`);
  out.push(...r.notes.map((n) => `  ${n}`));
  return out.join('\n') + '\n';
}

/** The same review in Markdown, for a wiki page or a pull request. */
export function reviewMarkdown(r: FrameworkReview): string {
  const out: string[] = [];
  out.push(`# Framework review as of ${r.as_of}`, '', `Judges ${frameworkWords(r)}. ${cohortWords(r).join(' ')}`, '');
  out.push('| milestone | recommendation | lift, reference | lift, recent | cut now → same retention recent |', '|---|---|---|---|---|');
  for (const m of r.milestones) {
    const t = m.threshold;
    out.push(`| ${m.milestone} | **${actionWords(m.recommendation)}** | ${fmt.iv(m.reference.lift)} | ${fmt.iv(m.recent.lift)} | ${t ? `${fmt.num(t.current)} → ${fmt.num(t.equivalent.cut)} [${fmt.num(t.equivalent.low)}–${fmt.num(t.equivalent.high)}]` : '—'} |`);
  }
  for (const m of r.milestones) {
    out.push('', `## ${m.label} (${m.milestone})`, '', `_${m.definition}_`, '', m.recommendation.summary, '');
    for (const e of m.recommendation.evidence) out.push(`- ${e}`);
    out.push('', '| cohort | accounts | reached | retention reached | retention not | lift | q | PSI |', '|---|---:|---:|---:|---:|---|---:|---:|');
    const psi = new Map(m.drift.map((d) => [d.cohort, d.psi_milestone]));
    for (const c of m.cohorts) {
      out.push(`| ${c.group} | ${c.accounts} | ${fmt.pct(c.prevalence.estimate)} | ${fmt.pct(c.retention_reached.estimate)} | ${fmt.pct(c.retention_not_reached.estimate)} | ${fmt.iv(c.lift)} | ${fmt.q(c.q)} | ${fmt.num(psi.get(c.group))} |`);
    }
    for (const d of m.drift.filter((x) => x.status === 'observed')) out.push(`| ${d.cohort} (not yet judged) | ${d.accounts} | ${fmt.pct(d.prevalence)} | | | | | ${fmt.num(d.psi_milestone)} |`);
  }
  const c = r.stage.calibration;
  out.push('', '## Stage and retention', '', `AUC of the stage at the landmark (DeLong 95%): ${r.stage.discrimination.map((d) => `${d.group} ${fmt.iv(d)}`).join('; ')}.`, '');
  out.push(`Calibration on the recent cohorts of each stage's reference retention: Brier ${fmt.num(c.brier, 3)} (base rate ${fmt.num(c.brierOfBaseRate, 3)}), Hosmer–Lemeshow p ${fmt.q(c.pValue)}.`, '');
  out.push('| stage | predicted | observed | accounts |', '|---|---:|---:|---:|');
  for (const x of c.rows) out.push(`| ${x.label} | ${fmt.pct(x.predicted)} | ${fmt.pct(x.observed.estimate)} [${fmt.pct(x.observed.low)}–${fmt.pct(x.observed.high)}] | ${x.n} |`);
  out.push('', '## Proposed milestones.yaml', '');
  out.push(r.proposal.diff ? ['```diff', r.proposal.diff.trimEnd(), '```'].join('\n') : 'No change proposed.');
  out.push('', `Next review due **${r.schedule.next_due}** (every ${r.schedule.every}).`, '');
  for (const n of r.notes) out.push(`- ${n}`);
  return out.join('\n') + '\n';
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}
