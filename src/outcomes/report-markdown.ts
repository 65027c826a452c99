/**
 * The outcome report as markdown: what a team pastes into a doc or reads in a terminal.
 */
import type { DesignResult } from './design-result.js';
import type { MeasuredMetric, OutcomeReport } from './outcome-report.js';
import { DASH, effect, interval, percent, pValue, target, title, value, VERDICT_WORDS } from './report-format.js';

export function renderMarkdown(r: OutcomeReport): string {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  line(`# ${title(r)}`);
  line();
  line(`**Verdict: ${VERDICT_WORDS[r.verdict]}.** ${r.reason}`);
  line();
  line(`Problem: ${r.problem}  `);
  line(`Owner: ${r.owner} · size ${r.size} · launched ${r.launched_at ?? 'not yet'} · report as of ${r.at} · data through ${r.data_through ?? DASH}`);
  if (r.flag_details.length) {
    line();
    line('## Anti-patterns');
    for (const f of r.flag_details) line(`- **${f.code}**: ${f.message}`);
  }
  line();
  line('## Expected vs measured');
  line();
  line('| | metric | target | expected | measured | interval | design | power |');
  line('|---|---|---|---|---|---|---|---|');
  const rows = [...(r.outcome ? [r.outcome] : []), ...r.impact, ...r.exploratory];
  for (const m of rows) {
    const role = `${m.role}${m.exploratory ? ' (exploratory)' : ''}`;
    line(`| ${role} | ${m.label} | ${target(m)} | ${effect(m.expected, m.scale)} | ${effect(m.estimate, m.scale)} | ${interval(m.low, m.high, m.scale) || DASH} | ${m.design ? `${m.design} (${m.grade})` : DASH} | ${percent(m.power)} |`);
  }
  if (rows.length === 0) line('| | no outcome declared | | | | | | |');
  line();
  line(`Intervals: ${r.looks.method}. Effects are treated − control; on a share, in percentage points.`);
  if (r.outcome?.designs.length) {
    line();
    line('## How the outcome was measured');
    for (const d of r.outcome.designs) designSection(d, r.outcome, line);
  }
  if (r.funnel) {
    const last = r.funnel.weeks.at(-1);
    line();
    line(`## Adoption funnel`);
    if (last) {
      line();
      line(`Week ${last.week} (${last.start} to ${last.end}${last.partial ? ', partial' : ''}): ${last.exposed} accounts exposed.`);
      line();
      line('| stage | accounts | share | 95% interval |');
      line('|---|---:|---:|---|');
      for (const s of r.funnel.stages) {
        const v = last.stages[s];
        line(`| ${s}${r.funnel.declared[s] ? '' : ' (no events of its own)'} | ${v.count} | ${percent(v.share)} | ${v.low === null ? DASH : `${percent(v.low)}–${percent(v.high)}`} |`);
      }
      line();
      line(`Adopted: used in ${r.funnel.definitions.adoption_weeks}+ distinct weeks. Engaged: adopted and used on ${r.funnel.definitions.engagement_days}+ days of the last ${r.funnel.definitions.engagement_window_days}.`);
      line();
      line('| week | exposed | ' + r.funnel.stages.join(' | ') + ' |');
      line('|---:|---:|' + r.funnel.stages.map(() => '---:').join('|') + '|');
      for (const w of r.funnel.weeks) line(`| ${w.week} | ${w.exposed} | ${r.funnel.stages.map((s) => percent(w.stages[s].share)).join(' | ')} |`);
    } else line('No full week since launch yet.');
  }
  line();
  line('## Instrumentation');
  line();
  if (r.instrumentation.passed) line(`Passed: every event is planned${r.instrumentation.launched ? ' and arriving without violations' : ''}.`);
  else for (const p of r.instrumentation.problems) line(`- ${p.message}`);
  line();
  line('## Pre-registration');
  line();
  const pr = r.preregistration;
  line(pr.pre_registered ? `Declared before launch (first recorded ${pr.first_recorded_at?.slice(0, 10)}); judged declaration ${pr.hash.slice(0, 12)}.` : `Not declared before launch${pr.first_recorded_at ? ` (first recorded ${pr.first_recorded_at.slice(0, 10)})` : ''}.`);
  for (const a of pr.amendments) line(`- Amended ${a.recorded_at.slice(0, 10)}${a.after_launch ? ' (after launch)' : ''}: ${a.changed.join(', ')}`);
  if (r.checkpoints.length) {
    line();
    line('## Checkpoints');
    line();
    line('| days | date | status | reports |');
    line('|---:|---|---|---|');
    for (const c of r.checkpoints) line(`| ${c.days} | ${c.date} | ${c.status} | ${c.reports.join(', ') || DASH} |`);
  }
  line();
  line('## Qualitative feedback');
  line();
  if (r.feedback.length === 0) line('None yet.');
  for (const f of r.feedback) {
    line(`### ${f.title} (${f.file})`);
    line();
    line(f.text.trim());
    line();
  }
  line();
  line('## Decisions and actions');
  line();
  for (const d of r.decisions) line(`- ${d}`);
  for (const a of r.actions) line(`- [${a.done ? 'x' : ' '}] ${a.action}${a.owner ? ` (${a.owner}` : ''}${a.due ? `${a.owner ? ', ' : ' ('}due ${a.due}` : ''}${a.owner || a.due ? ')' : ''}`);
  for (const ask of r.asks) line(`- **Missing:** ${ask}`);
  line();
  return out.join('\n');
}

function designSection(d: DesignResult, m: MeasuredMetric, line: (s?: string) => void): void {
  line();
  line(`### ${d.label} (grade ${d.grade})${d.name === m.design ? ': the design judged' : ''}`);
  line();
  if (!d.applicable) {
    line(`Could not run: ${d.why_not}.`);
    return;
  }
  line(`Estimate ${effect(d.estimate, m.scale)} ${interval(d.low, d.high, m.scale)}, p ${pValue(d.p_value)}; treated ${value(d.treated.value, m.scale)} (n ${d.treated.n}), comparison ${value(d.control.value, m.scale)} (n ${d.control.n}); power for the target ${percent(d.power)}.`);
  if (d.placebo) line(`Placebo at ${d.placebo.at}: ${effect(d.placebo.estimate, m.scale)} ${interval(d.placebo.low, d.placebo.high, m.scale)}, ${d.placebo.passed ? 'passed (covers no effect)' : 'FAILED'}.`);
  const unadjusted = d.diagnostics.unadjusted as { estimate: number | null; low: number | null; high: number | null } | undefined;
  if (unadjusted) line(`Unadjusted adopters − non-adopters: ${effect(unadjusted.estimate, m.scale)} ${interval(unadjusted.low, unadjusted.high, m.scale)} (what a naive comparison would report).`);
  const pre = d.diagnostics.pre_trend as { p_value: number; passed: boolean } | null | undefined;
  if (pre) line(`Parallel pre-trends: p = ${pValue(pre.p_value)}, ${pre.passed ? 'not rejected' : 'REJECTED'}.`);
  line(`Can claim: ${d.claims}. Cannot claim: ${d.cannot_claim}.`);
  for (const c of d.caveats) line(`- ${c}`);
}
