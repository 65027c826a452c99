import type { DiscoveryEvidence, FeatureEvidence, MilestoneValidation, ThresholdEvidence } from '../../discover/index.js';
import { getJson } from '../api-client.js';
import { chart, errorBars, percentAxis } from '../charts.js';
import { card, h, minute, num, pct, prose, table } from '../dom.js';
import type { PageBody } from '../shell.js';

interface Discovery {
  evidence: DiscoveryEvidence | null;
  proposal: string | null;
  current: string | null;
  hint: string | null;
}

type Iv = { estimate: number | null; low: number | null; high: number | null };
const iv = (x: Iv, digits = 2, asPct = false) => {
  const f = (v: number | null) => (asPct ? pct(v) : num(v, digits));
  return x.estimate === null ? '—' : `${f(x.estimate)} [${f(x.low)}–${f(x.high)}]`;
};
const rank = (f: FeatureEvidence) => (f.rank === null ? '—' : `${f.rank} [${num(f.rank_low, 0)}–${num(f.rank_high, 0)}]`);
const TOP = 20;

function importanceChart(features: FeatureEvidence[]): HTMLElement {
  const top = features.filter((f) => f.importance !== null).slice(0, TOP);
  return chart(
    `The ${top.length} features that most predict retention: drop in held-out AUC when shuffled (mean ± 2 sd over the fits)`,
    {
      grid: { left: 220, right: 30, top: 10, bottom: 30 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'AUC drop' },
      yAxis: { type: 'category', inverse: true, data: top.map((f) => f.key) },
      series: [
        { type: 'bar', name: 'importance', data: top.map((f) => f.importance) },
        errorBars('± 2 sd', top.map((f, i) => [(f.importance ?? 0) - 2 * (f.importance_sd ?? 0), (f.importance ?? 0) + 2 * (f.importance_sd ?? 0), i]), true),
      ],
    },
    40 + 22 * top.length,
  );
}

/** Youden's J over thresholds, one line per window, the chosen point marked. */
function thresholdChart(name: string, t: ThresholdEvidence): HTMLElement {
  const windows = [...new Set(t.grid.map((g) => g.days))].sort((a, b) => a - b);
  return chart(
    `${name}: Youden's J by threshold for each window; chosen ${num(t.choice.threshold, 2)} within ${t.choice.days} days (95% interval ${num(t.threshold_interval.low, 2)}–${num(t.threshold_interval.high, 2)})`,
    {
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', name: 'threshold', nameLocation: 'middle', nameGap: 25 },
      yAxis: { type: 'value', name: 'J' },
      series: windows.map((days, i) => ({
        type: 'line',
        name: t.measure === 'count_within_days' ? `${days} days` : 'per seat per month',
        showSymbol: false,
        lineStyle: { type: (['solid', 'dashed', 'dotted'] as const)[i % 3] },
        data: t.grid.filter((g) => g.days === days).map((g) => [g.threshold, g.youdenJ]),
        ...(days === t.choice.days ? { markLine: { symbol: 'none', label: { formatter: 'chosen' }, data: [{ xAxis: t.choice.threshold }] } } : {}),
      })),
    },
  );
}

/** Kaplan–Meier retention after the landmark, reached vs not, with 95% bands as dashed limits. */
function kmChart(v: MilestoneValidation, landmark: number): HTMLElement {
  const curve = (points: MilestoneValidation['curve_reached'], key: 'survival' | 'low' | 'high') => points.map((p) => [p.day, p[key]]);
  const line = (name: string, data: number[][], dashed: boolean, width = 2) => ({ type: 'line', name, step: 'end', showSymbol: false, lineStyle: { type: dashed ? 'dashed' : 'solid', width }, data });
  return chart(
    `${v.milestone}: Kaplan–Meier retention from day ${landmark} after signup, reached (${v.reached}) vs not (${v.not_reached}); log-rank p ${num(v.log_rank.p_value, 4)}`,
    {
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (x: number) => pct(x) },
      xAxis: { type: 'value', name: 'days after the landmark', nameLocation: 'middle', nameGap: 25 },
      yAxis: percentAxis,
      color: ['#1f5fbf', '#1f5fbf', '#1f5fbf', '#c2410c', '#c2410c', '#c2410c'],
      series: [
        line('reached', curve(v.curve_reached, 'survival'), false, 3),
        line('reached 95% low', curve(v.curve_reached, 'low'), true, 1),
        line('reached 95% high', curve(v.curve_reached, 'high'), true, 1),
        line('not reached', curve(v.curve_not_reached, 'survival'), false, 3),
        line('not reached 95% low', curve(v.curve_not_reached, 'low'), true, 1),
        line('not reached 95% high', curve(v.curve_not_reached, 'high'), true, 1),
      ],
    },
  );
}

export const discoveryPage: PageBody = {
  async render() {
    const d = await getJson<Discovery>('/discovery');
    const e = d.evidence;
    if (!e) return h('div', {}, h('h1', { tabindex: -1 }, 'Discovery'), h('p', { class: 'note' }, ...prose(d.hint ?? 'No discovery yet.')));
    const flagged = e.features.filter((f) => f.flags.length > 0);
    return h(
      'div',
      {},
      h('h1', { tabindex: -1 }, 'Discovery'),
      h('p', { class: 'lede' }, `What predicts retention (${e.settings.retention.kind.replace('_', ' ')} ${e.settings.retention.days} days after signup), from behaviour in the first ${e.settings.retention.earlyDays} days; data up to ${e.as_of}, run ${minute(e.generated_at)} UTC. Associations, not causes.`),
      h(
        'div',
        { class: 'cards' },
        card('Judged accounts', `${e.data.labelled}`, `${e.data.retained} retained, ${e.data.churned} churned; ${e.data.left_out.too_young} too young`),
        e.model
          ? card('Forest held-out AUC', num(e.model.held_out_auc, 3), `${e.model.refits} refits × ${e.model.trees} trees; against shuffled labels p ${num(e.model.null_test.p_value, 3)}; out-of-bag ${num(e.model.oob_auc, 3)}`)
          : null,
        card('Features', `${e.data.features}`, `${flagged.length} flagged by the adoption benchmark`),
      ),
      h('p', {}, h('strong', {}, 'Verdict: '), e.verdict.statement),
      e.warnings.length ? h('ul', { class: 'warnings' }, e.warnings.map((w) => h('li', {}, w))) : null,
      h('section', { class: 'panel' }, h('h2', {}, 'What predicts retention'), importanceChart(e.features)),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Features by importance'),
        table(
          'Rank with its 95% interval over the fits; retention of users vs non-users (Wilson 95%); risk ratio (95%); Benjamini–Hochberg q',
          ['Feature', 'Rank', 'Used by', 'Retention users', 'Retention others', 'Risk ratio', 'q', 'Flag'],
          e.features.slice(0, 40).map((f) => [f.key, rank(f), pct(f.prevalence, 0), iv(f.retention_users as Iv, 2, true), iv(f.retention_non_users as Iv, 2, true), iv(f.risk_ratio as Iv), f.q_value === null ? '—' : num(f.q_value, 4), f.flags.join(', ') || '']),
          { class: 'features' },
        ),
      ),
      flagged.length
        ? h('section', { class: 'panel' }, h('h2', {}, 'Flagged by the adoption benchmark'), table('Features kept out of the proposal, and why', ['Feature', 'Flag', 'Why'], flagged.map((f) => [f.key, f.flags.join(', '), f.flag_reasons.join(' ')]), { class: 'flagged' }))
        : null,
      e.activation ? h('section', { class: 'panel' }, h('h2', {}, 'Activation threshold'), h('p', {}, e.activation.chosen_because), thresholdChart('Activation', e.activation)) : null,
      e.utilization ? h('section', { class: 'panel' }, h('h2', {}, 'Utilization per seat'), thresholdChart('Utilization', e.utilization)) : null,
      e.validation
        ? h('section', { class: 'panel' }, h('h2', {}, 'Validation: retention after the landmark'), e.validation.milestones.map((v) => kmChart(v, e.validation!.landmark_days)))
        : null,
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Proposal beside the current framework'),
        h('div', { class: 'side-by-side' }, h('div', {}, h('h3', {}, 'Proposed (discovery/proposed-milestones.yaml)'), h('pre', { tabindex: 0 }, d.proposal ?? `No proposal: ${e.verdict.statement}`)), h('div', {}, h('h3', {}, 'In use (milestones.yaml)'), h('pre', { tabindex: 0 }, d.current ?? ''))),
      ),
    );
  },
};
