import type { Funnel } from '../../milestones/index.js';
import { getJson, query } from '../api-client.js';
import { chart, errorBars, percentAxis } from '../charts.js';
import { ago, card, count, fill, h, minute, pct, shareText, table } from '../dom.js';
import { href, labelOf, statusesNote, type PageBody, type PageContext, type StatusesSource } from '../shell.js';

interface Freshness {
  newest_event_at: string | null;
  newest_event_age_seconds: number | null;
  last_received_at: string | null;
  last_received_age_seconds: number | null;
}

/** Days to one decimal at most (a median of an even count falls between two days). */
const days = (v: number | null) => (v === null ? '—' : String(Math.round(v * 10) / 10));

/** Stages as a bar chart of shares with their intervals. */
function stagesChart(f: Funnel): HTMLElement {
  const shares = f.stages.map((s) => f.total.stages[s.name]);
  return chart(
    `Share of accounts at each stage or beyond, as of ${f.as_of}, with Wilson 95% intervals`,
    {
      grid: { left: 110, right: 30, top: 10, bottom: 30 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => pct(v) },
      xAxis: percentAxis,
      yAxis: { type: 'category', inverse: true, data: f.stages.map((s) => s.label) },
      series: [
        { type: 'bar', name: 'share', data: shares.map((s) => s.share), label: { show: true, position: 'insideRight', color: '#fff', formatter: (p: { value: number }) => pct(p.value, 0) } },
        errorBars('95% interval', shares.map((s, i) => [s.low, s.high, i]), true),
      ],
    },
    40 + 44 * f.stages.length,
  );
}

/** Month-end history: share of the accounts signed up by then that had reached each milestone. */
function historyChart(f: Funnel, ctx: PageContext): HTMLElement {
  const series = f.milestones.map((m, i) => ({
    type: 'line',
    name: labelOf(ctx.workspace, m),
    showSymbol: false,
    lineStyle: { type: (['solid', 'dashed', 'dotted', 'solid'] as const)[i % 4], width: 2 },
    data: f.history.map((p) => p.milestones[m].share),
  }));
  if (f.headline) series.push({ type: 'line', name: 'Headline: mature', showSymbol: false, lineStyle: { type: 'dashed', width: 3 }, data: f.history.map((p) => p.headline?.share ?? null) });
  return chart('Month by month: share of accounts signed up by each month end that had reached each milestone', {
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => pct(v) },
    xAxis: { type: 'category', data: f.history.map((p) => p.month_end.slice(0, 7)) },
    yAxis: percentAxis,
    series,
  });
}

function cohortTable(f: Funnel, ctx: PageContext): HTMLElement {
  const link = (cohort: string) => href(`accounts${query(f.by === 'plan' ? { plan: cohort } : { signup_month: cohort })}`);
  const head = [f.by === 'plan' ? 'Plan' : 'Signup month', 'Accounts', 'Churned', ...f.milestones.map((m) => labelOf(ctx.workspace, m)), ...(f.headline ? ['Mature (headline)'] : [])];
  const rows = f.cohorts.map((c) => [
    c.cohort === 'no plan' ? c.cohort : h('a', { href: link(c.cohort), 'data-cohort': c.cohort }, c.cohort),
    count(c.accounts),
    count(c.churned),
    ...f.milestones.map((m) => shareCell(c.milestones[m].reached)),
    ...(f.headline ? [shareCell(c.headline)] : []),
  ]);
  return table(`By ${f.by === 'plan' ? 'plan' : 'signup cohort'}: share that reached each milestone, with 95% intervals; a cohort opens its accounts`, head, rows, { class: 'cohorts' });
}

/** A share with its interval, shaded by the share so a table reads like a heat map. */
const shareCell = (s: { share: number | null; low: number; high: number } | null) =>
  h('span', { class: 'share', style: s?.share != null ? `--share:${s.share.toFixed(3)}` : null, 'data-share': s?.share ?? '' }, shareText(s));

export const overviewPage: PageBody = {
  async render(ctx) {
    const by = ctx.params.get('by') === 'plan' ? 'plan' : 'signup_month';
    const [f, fresh] = await Promise.all([getJson<Funnel & StatusesSource>(`/funnel${query({ as_of: ctx.asOf, by })}`), getJson<Freshness>('/freshness')]);
    const t = f.total;
    const bySelect = h('select', { id: 'by', name: 'by' }, h('option', { value: 'signup_month', selected: by === 'signup_month' }, 'signup month'), h('option', { value: 'plan', selected: by === 'plan' }, 'plan'));
    bySelect.addEventListener('change', () => ctx.go(`overview${query({ by: bySelect.value })}`));
    const milestoneRows = f.milestones.map((m) => {
      const x = t.milestones[m];
      return [
        h('a', { href: href(`accounts${query({ milestone: m, reached: 'true' })}`) }, labelOf(ctx.workspace, m)),
        shareText(x.reached),
        count(x.reached.n),
        x.median_days === null ? '—' : x.median_days_low === null ? days(x.median_days) : `${days(x.median_days)} [${days(x.median_days_low)}–${days(x.median_days_high)}]`,
      ];
    });
    const stageRows = f.stages.map((s) => [
      h('a', { href: href(`accounts${query({ stage: s.name })}`) }, s.label),
      shareText(t.stages[s.name]),
      count(t.stages[s.name].n),
    ]);
    const cohorts = h('section', { class: 'panel' });
    fill(cohorts, h('h2', {}, 'Cohorts'), h('form', { class: 'inline' }, h('label', { for: 'by' }, 'Group by'), bySelect), cohortTable(f, ctx));
    return h(
      'div',
      {},
      h('h1', { tabindex: -1 }, 'Overview'),
      h('p', { class: 'lede' }, `Every account on the framework as of ${f.as_of}. Shares carry Wilson 95% intervals; medians a distribution-free 95% interval from the order statistics (none below 6 accounts).`),
      h('p', { class: 'note', 'data-statuses': f.source }, statusesNote(f)),
      h(
        'div',
        { class: 'cards' },
        card('Accounts', count(t.accounts), `${count(t.churned)} churned`),
        f.headline && t.headline ? card('Mature (headline)', h('span', { 'data-figure': 'headline' }, shareText(t.headline)), `of current ${f.headline.meaning}`) : null,
        card('Newest event', ago(fresh.newest_event_age_seconds), fresh.newest_event_at ? `${minute(fresh.newest_event_at)} UTC` : 'no events yet'),
        card('Last received', ago(fresh.last_received_age_seconds), fresh.last_received_at ? 'by the collector or an import' : 'nothing yet'),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Journey stages'), stagesChart(f), h('details', {}, h('summary', {}, 'Stages as a table'), [table('Share at each stage or beyond (95% interval)', ['Stage', 'Share', 'Accounts'], stageRows, { class: 'stages' })])),
      h('section', { class: 'panel' }, h('h2', {}, 'Milestones'), table('Share that reached each milestone (95% interval) and median days from signup (95% interval)', ['Milestone', 'Reached', 'Accounts', 'Median days'], milestoneRows, { class: 'milestones' })),
      f.history.length
        ? h(
            'section',
            { class: 'panel' },
            h('h2', {}, 'Month by month'),
            historyChart(f, ctx),
            h(
              'details',
              {},
              h('summary', {}, 'Month by month as a table'),
              table(
                'Share of accounts signed up by each month end that had reached each milestone (95% interval)',
                ['Month end', 'Accounts', ...f.milestones.map((m) => labelOf(ctx.workspace, m)), ...(f.headline ? ['Mature (headline)'] : [])],
                f.history.map((p) => [p.month_end, count(p.accounts), ...f.milestones.map((m) => shareText(p.milestones[m])), ...(f.headline ? [shareText(p.headline)] : [])]),
                { class: 'history' },
              ),
            ),
          )
        : null,
      cohorts,
    );
  },
};
