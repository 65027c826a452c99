import type { DriftRow, FrameworkReview, Lift, MilestoneReview, StepReview } from '../../review/index.js';
import { getJson, query } from '../api-client.js';
import { chart, errorBars, percentAxis } from '../charts.js';
import { count, h, minute, prose, table } from '../dom.js';
import { percent, qValue, rounded, withRange } from '../../model/figure-text.js';
import { stageLabel, type PageBody, type PageContext } from '../shell.js';

type Review = FrameworkReview & { words: { framework: string; cohorts: string[]; actions: Record<string, string> } };

const equivalent = (e: { cut: number; low: number; high: number }) => withRange({ estimate: e.cut, low: e.low, high: e.high });
const STATUS_WORDS: Record<string, string> = { judged: 'judged', observed: 'not yet judged (landmark passed)', too_young: 'not yet judged' };

/** A link to a section of this page that moves focus there, leaving the route alone. */
function jump(label: string, id: string): HTMLElement {
  return h('a', { href: `#${id}`, onclick: (e: Event) => (e.preventDefault(), document.getElementById(id)?.focus()) }, label);
}

/** Lift by judged cohort, then reference and recent pooled, with 95% intervals and a line at 1 (no difference). */
function liftChart(m: MilestoneReview): HTMLElement {
  const lifts = [...m.cohorts, m.reference, m.recent];
  const cap = (v: number | null) => (v === null ? null : Math.min(v, 5));
  return chart(
    `${m.label}: retention of accounts that reached it by the landmark over those that did not (lift), by signup cohort, with Katz 95% intervals; 1 is no difference`,
    {
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => rounded(v, 2) },
      xAxis: { type: 'category', data: lifts.map((l) => l.group), axisLabel: { rotate: lifts.length > 8 ? 40 : 0 } },
      yAxis: { type: 'value', name: 'lift', scale: true },
      series: [
        { type: 'scatter', name: 'lift', symbolSize: 9, data: lifts.map((l) => cap(l.lift.estimate)), markLine: { symbol: 'none', label: { formatter: 'no difference', position: 'insideEndTop' }, lineStyle: { type: 'dashed' }, data: [{ yAxis: 1 }] } },
        errorBars('95% interval', lifts.flatMap((l, i) => (l.lift.low === null || l.lift.high === null ? [] : [[i, cap(l.lift.low)!, cap(l.lift.high)!] as [number, number, number]]))),
      ],
    },
    260,
  );
}

/** PSI of the milestone and of its largest-moving input per cohort, with the 0.1 and 0.25 marks. */
function driftChart(m: MilestoneReview): HTMLElement {
  const largest = (d: DriftRow) => Math.max(0, ...d.psi_inputs.map((p) => p.psi ?? 0));
  return chart(
    `${m.label}: drift by signup cohort against the reference cohorts (population stability index of the milestone and of its largest-moving input); above 0.1 a moderate shift, above 0.25 a large one`,
    {
      grid: { left: 50, right: 20, top: 40, bottom: 50 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => rounded(v, 3) },
      xAxis: { type: 'category', data: m.drift.map((d) => d.cohort), axisLabel: { interval: 0, rotate: 40 } },
      yAxis: { type: 'value', name: 'PSI' },
      series: [
        { type: 'bar', name: 'milestone', data: m.drift.map((d) => d.psi_milestone), markLine: { symbol: 'none', label: { position: 'insideEndTop' }, lineStyle: { type: 'dashed' }, data: [{ yAxis: 0.1 }, { yAxis: 0.25 }] } },
        { type: 'bar', name: 'largest input', data: m.drift.map(largest) },
      ],
    },
    240,
  );
}

/** Youden's J by cut on the reference and the recent cohorts, today's cut and the recent equivalent marked. */
function cutChart(m: MilestoneReview): HTMLElement | null {
  const t = m.threshold;
  if (!t) return null;
  const line = (name: string, js: number[], dashed: boolean) => ({ type: 'line', name, showSymbol: false, lineStyle: { type: dashed ? 'dashed' : 'solid', width: 2 }, data: t.grid.map((c, i) => [c, js[i]]) });
  return chart(
    `${m.label}: Youden's J of ${t.label} by cut, reference vs recent cohorts; today's cut ${rounded(t.current, 2)}, the recent equivalent ${equivalent(t.equivalent)}`,
    {
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => rounded(v, 3) },
      xAxis: { type: 'value', name: t.label, nameLocation: 'middle', nameGap: 25, scale: true },
      yAxis: { type: 'value', name: 'J' },
      series: [
        { ...line('reference', t.j_reference, false), markLine: { symbol: 'none', label: { formatter: (p: { value: number }) => (p.value === t.current ? 'today' : 'equivalent') }, data: [{ xAxis: t.current }, { xAxis: t.equivalent.cut }] } },
        line('recent', t.j_recent, true),
      ],
    },
    240,
  );
}

const liftRow = (l: Lift) => [l.group, count(l.accounts), withRange(l.prevalence, percent), withRange(l.retention_reached, percent), withRange(l.retention_not_reached, percent), withRange(l.lift), qValue(l.log_rank_p), qValue(l.q)];
const LIFT_HEAD = ['Cohorts', 'Accounts', 'Reached it', 'Retention, reached', 'Retention, not', 'Lift', 'Log-rank p', 'q'];

function stepsTable(steps: StepReview[]): HTMLElement {
  return table(
    'Setup steps: done by the landmark and lift, reference vs recent cohorts (95% intervals); PSI of the step; why a step should go',
    ['Step', 'Done, reference', 'Done, recent', 'Lift, reference', 'Lift, recent', 'Change p', 'PSI', 'Problem'],
    steps.map((s) => [s.label, percent(s.reference.prevalence.estimate), percent(s.recent.prevalence.estimate), withRange(s.reference.lift), withRange(s.recent.lift), qValue(s.change_p), rounded(s.psi), s.problem ?? '']),
    { class: 'steps-review' },
  );
}

function milestoneSection(r: Review, m: MilestoneReview): HTMLElement {
  const rec = m.recommendation;
  const t = m.threshold;
  return h(
    'section',
    { class: 'panel review-milestone', id: `review-${m.milestone}`, tabindex: -1, 'data-milestone': m.milestone },
    h('h2', {}, m.label, ' ', h('span', { class: `verdict ${rec.action}`, 'data-action': rec.action }, r.words.actions[m.milestone] ?? rec.action)),
    h('p', {}, ...prose(rec.summary)),
    rec.evidence.length ? h('ul', { class: 'evidence' }, rec.evidence.map((e) => h('li', {}, ...prose(e)))) : null,
    h('div', { class: 'chart-row' }, liftChart(m), driftChart(m), cutChart(m)),
    table(`${m.label}: lift in retention by signup cohort, then pooled (95% intervals; q: Benjamini–Hochberg over the review)`, LIFT_HEAD, [...m.cohorts, m.reference, m.recent].map(liftRow), { class: 'lifts' }),
    t
      ? h(
          'p',
          { class: 'note' },
          `Cut of ${t.label}: today ${rounded(t.current, 2)}; recent accounts retain as today's did on the reference cohorts at ${equivalent(t.equivalent)} (bootstrap 95%); the relation of retention to it changed with p ${qValue(t.relation_change_p)}; retention at today's cut ${withRange(t.retention_at_cut, percent)}.`,
        )
      : null,
    h(
      'details',
      {},
      h('summary', {}, 'Drift by cohort as a table'),
      table(
        `${m.label}: prevalence and population stability index by cohort (against the reference cohorts)`,
        ['Cohort', 'Status', 'Accounts', 'Reached it', 'PSI milestone', 'PSI inputs'],
        m.drift.map((d) => [d.cohort, STATUS_WORDS[d.status] ?? d.status, count(d.accounts), percent(d.prevalence), rounded(d.psi_milestone), d.psi_inputs.map((p) => `${p.name} ${rounded(p.psi)}`).join(', ')]),
        { class: 'drift' },
      ),
    ),
    m.steps ? stepsTable(m.steps) : null,
  );
}

function stageSection(ctx: PageContext, r: Review): HTMLElement {
  const c = r.stage.calibration;
  return h(
    'section',
    { class: 'panel', id: 'review-stage', tabindex: -1 },
    h('h2', {}, 'The journey stage as a predictor'),
    table(
      'How well the stage held at the landmark sorts retained from churned accounts: AUC with DeLong 95% interval (0.5 is chance)',
      ['Cohorts', 'Accounts', 'AUC'],
      r.stage.discrimination.map((d) => [d.group, count(d.accounts), withRange(d)]),
      { class: 'auc' },
    ),
    chart(
      'Calibration: retention each stage predicted (its rate on the reference cohorts) against what recent cohorts did, with Wilson 95% intervals; on the diagonal when it holds',
      {
        grid: { left: 60, right: 80, top: 30, bottom: 50 },
        tooltip: { trigger: 'item', valueFormatter: (v: number) => percent(v) },
        xAxis: { ...percentAxis, name: 'predicted', nameLocation: 'middle', nameGap: 28 },
        yAxis: { ...percentAxis, name: 'observed' },
        series: [
          { type: 'scatter', name: 'stages', symbolSize: 10, data: c.rows.map((x) => [x.predicted, x.observed.estimate, stageLabel(ctx.workspace, x.label)]), label: { show: true, position: 'right', formatter: (p: { data: unknown[] }) => String(p.data[2]) } },
          { type: 'line', name: 'perfect', showSymbol: false, lineStyle: { type: 'dashed', width: 1 }, data: [[0, 0], [1, 1]], tooltip: { show: false } },
        ],
      },
      280,
    ),
    table(
      `Reliability: Brier score ${rounded(c.brier, 3)} (base rate ${rounded(c.brierOfBaseRate, 3)}, skill ${rounded(c.skill, 3)}); Hosmer–Lemeshow χ² ${rounded(c.chiSquare, 2)} on ${c.degreesOfFreedom} df, p ${qValue(c.pValue)}`,
      ['Stage', 'Predicted', 'Observed (95%)', 'Accounts', 'Retained'],
      c.rows.map((x) => [stageLabel(ctx.workspace, x.label), percent(x.predicted), withRange(x.observed, percent), count(x.n), count(x.events)]),
      { class: 'calibration' },
    ),
  );
}

/** The proposed milestones.yaml as a diff, additions and removals marked for the eye and in words. */
function diffView(diff: string): HTMLElement {
  return h(
    'pre',
    { class: 'diff', tabindex: 0, 'aria-label': 'Proposed change to milestones.yaml, as a unified diff' },
    diff.split('\n').map((line) => {
      const kind = line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : null;
      return h('span', { class: kind ?? 'ctx' }, kind ? h('span', { class: 'sr' }, kind === 'add' ? 'added: ' : 'removed: ') : null, line, '\n');
    }),
  );
}

export const reviewPage: PageBody = {
  async render(ctx: PageContext) {
    const cohorts = ctx.params.get('cohorts');
    const r = await getJson<Review>(`/review${query({ as_of: ctx.asOf, cohorts })}`);
    const select = h(
      'select',
      { id: 'cohorts', name: 'cohorts' },
      h('option', { value: 'quarter', selected: r.settings.cohorts === 'quarter' }, 'quarter'),
      h('option', { value: 'month', selected: r.settings.cohorts === 'month' }, 'month'),
    );
    select.addEventListener('change', () => ctx.go(`review${query({ cohorts: select.value })}`));
    return h(
      'div',
      {},
      h('h1', { tabindex: -1 }, 'Review'),
      h('p', { class: 'lede' }, `Framework review as of ${r.as_of}: is each milestone still predictive of retention on recent signup cohorts? It judges ${r.words.framework}. Associations, not causes.`),
      h('p', { class: 'due' }, 'Next review due ', h('strong', { 'data-field': 'next-due' }, r.schedule.next_due), ` (every ${r.schedule.every}).`),
      r.words.cohorts.map((line) => h('p', { class: 'note' }, line)),
      h('form', { class: 'inline' }, h('label', { for: 'cohorts' }, 'Signup cohorts by'), select),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Recommendations'),
        table(
          'Each milestone: what to do, and its lift in retention on the reference and on the recent cohorts (95% intervals)',
          ['Milestone', 'Recommendation', 'Lift, reference', 'Lift, recent'],
          r.milestones.map((m) => [jump(m.label, `review-${m.milestone}`), h('span', { class: `verdict ${m.recommendation.action}` }, r.words.actions[m.milestone] ?? m.recommendation.action), withRange(m.reference.lift), withRange(m.recent.lift)]),
          { class: 'recommendations' },
        ),
      ),
      r.milestones.map((m) => milestoneSection(r, m)),
      stageSection(ctx, r),
      h(
        'section',
        { class: 'panel', id: 'review-proposal' },
        h('h2', {}, 'Proposed milestones.yaml'),
        r.proposal.diff
          ? [diffView(r.proposal.diff), h('details', {}, h('summary', {}, 'The whole proposed file'), h('pre', { tabindex: 0, class: 'proposal' }, r.proposal.yaml ?? ''))]
          : h('p', {}, 'No change proposed: every milestone is kept.'),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'How to read it'), h('ul', { class: 'notes' }, r.notes.map((n) => h('li', {}, ...prose(n)))), h('p', { class: 'note' }, `${r.tests} tests; seed ${r.settings.seed}; generated ${minute(r.generated_at)} UTC.`)),
    );
  },
};
