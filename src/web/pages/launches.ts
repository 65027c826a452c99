import type { AdoptionFunnel, DesignResult, HorizonCell, LaunchesPage, LaunchesPageEntry, LaunchLedger, OutcomeReport, PromisedOutcome } from '../../outcomes/index.js';
import { getJson, query } from '../api-client.js';
import { chart, errorBars, percentAxis } from '../charts.js';
import { card, count, h, minute, pct, prose, shareText, table } from '../dom.js';
import { href, type PageBody } from '../shell.js';
import { DASH, effect, type FigureScale, interval, isFigure, pValue, targetText, VERDICT_WORDS } from '../../model/figure-text.js';

type Entry = LaunchesPageEntry;

const withInterval = (x: { estimate: number | null; low?: number | null; high?: number | null }, scale: FigureScale) =>
  isFigure(x.estimate) ? `${effect(x.estimate, scale)} ${interval(x.low, x.high, scale)}`.trim() : DASH;

const GRADES: Record<string, string> = {
  A: 'randomized',
  B: 'quasi-experiment, its assumption checked',
  C: 'quasi-experiment, its assumption untested',
  D: 'observational: associations, not causes',
};
const HORIZON_WORDS: Record<number, string> = { 30: '1 month', 90: '3 months', 180: '6 months', 365: '12 months' };
const STATUS_WORDS: Record<string, string> = { upcoming: 'upcoming', due: 'report due', overdue: 'overdue: no report', reported: 'reported' };

const verdict = (v: string | null | undefined) => (v ? h('span', { class: `verdict ${v}`, 'data-verdict': v }, VERDICT_WORDS[v as keyof typeof VERDICT_WORDS] ?? v) : '—');
const grade = (g: string | null | undefined) => (g ? h('abbr', { class: 'grade', title: `grade ${g}: ${GRADES[g] ?? ''}`, 'data-grade': g }, g) : null);

/** The promise as a person reads it: `still a customer 90 days after exposure: increase by +3.0 pts`. */
const promiseText = (p: PromisedOutcome | null): string => (p ? `${p.label}: ${p.direction} by ${targetText(p)}` : 'no outcome declared');

/** A report horizon's cell: for each checkpoint in it, the verdict and grade recorded, else where it stands. */
function horizonCell(c: HorizonCell): HTMLElement {
  if (c.checkpoints.length === 0) return h('span', { class: 'note', 'data-horizon': c.days, 'data-status': 'not_declared' }, 'not declared');
  return h(
    'ul',
    { class: 'horizon', 'data-horizon': c.days },
    c.checkpoints.map((p) =>
      h(
        'li',
        { 'data-checkpoint': p.days, 'data-status': p.status },
        p.days === c.days ? null : `${p.days} d: `,
        p.report ? [verdict(p.report.verdict), ' ', grade(p.report.grade)] : h('span', { class: p.status === 'overdue' ? 'tag warn' : 'tag' }, STATUS_WORDS[p.status] ?? p.status, p.status === 'upcoming' ? ` ${p.date}` : ''),
      ),
    ),
  );
}

const statusText = (l: Entry) => (l.launched_at ? `launched ${l.launched_at}` : 'planned');

function launchesTable(page: LaunchesPage): HTMLTableElement {
  return table(
    `Each launch with the outcome it promised before launch, and the verdict and grade of the report recorded at each checkpoint, by horizon (a checkpoint of its own, such as 120 days, goes to the horizon before it; grades: ${Object.entries(GRADES).map(([g, w]) => `${g} ${w}`).join('; ')}). Overdue rows are marked.`,
    ['Launch', 'Promised outcome', 'Status', ...page.horizons.map((d) => HORIZON_WORDS[d] ?? `${d} days`), 'Flags'],
    page.launches.map((l) => [
      h('a', { href: href(`launch/${encodeURIComponent(l.launch)}`) }, l.launch),
      h('span', {}, promiseText(l.promised), l.promised && !l.pre_registered ? h('span', { class: 'tag warn' }, ' (not declared before launch)') : null),
      h('span', {}, statusText(l), l.overdue ? h('span', { class: 'tag warn', 'data-overdue': '' }, ' · overdue') : null),
      ...l.horizons.map(horizonCell),
      l.flags.length ? h('ul', { class: 'flags' }, l.flags.map((f) => h('li', { title: f.message }, f.code.replaceAll('_', ' ')))) : '—',
    ]),
    { class: 'launches' },
  );
}

export const launchesPage: PageBody = {
  async render(ctx) {
    const page = await getJson<LaunchesPage & { as_of: string }>(`/launches${query({ as_of: ctx.asOf })}`);
    const reported = page.launches.reduce((n, l) => n + l.reports.length, 0);
    const rows = launchesTable(page);
    // Rows of overdue launches stand out, in words as well as colour.
    page.launches.forEach((l, i) => l.overdue && rows.tBodies[0].rows[i].classList.add('overdue'));
    return h(
      'div',
      {},
      h('h1', { tabindex: -1 }, 'Launches'),
      h('p', { class: 'lede' }, ...prose(`What each launch promised before it shipped, and what its outcome reports found, as of ${page.today}. Verdicts and grades are those of the reports recorded by \`cairn launch report\`; a launch's page shows its report as of this day.`)),
      h(
        'div',
        { class: 'cards' },
        card('Launches', h('span', { 'data-figure': 'launches' }, count(page.launches.length)), `${count(reported)} reports recorded`),
        card('Reports due', h('span', { 'data-figure': 'due' }, count(page.due)), 'a checkpoint passed, within its grace days'),
        card('Overdue', h('span', { 'data-figure': 'overdue' }, count(page.overdue)), 'a checkpoint passed with no report: shipped and moved on'),
        card('Failed posts', h('span', { 'data-figure': 'failed-shares' }, count(page.failed_shares)), prose('`cairn launch due --resend` sends them again')),
      ),
      page.launches.length ? rows : h('p', { class: 'note' }, ...prose('No launches in launches/: `cairn launch new NAME` writes one.')),
    );
  },
};

/** Share of the exposed accounts at each stage, week by week since launch. */
function funnelChart(name: string, f: AdoptionFunnel): HTMLElement {
  const stages = f.stages.filter((s) => f.declared[s]);
  return chart(
    `${name}: share of the exposed accounts at each stage of the adoption funnel, week by week since launch (the table gives the last week with Wilson 95% intervals)`,
    {
      grid: { left: 50, right: 20, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => pct(v) },
      xAxis: { type: 'category', data: f.weeks.map((w) => w.start), name: 'week from', nameLocation: 'middle', nameGap: 25 },
      yAxis: percentAxis,
      series: stages.map((s, i) => ({ type: 'line', name: s, showSymbol: false, lineStyle: { type: (['solid', 'dashed', 'dotted'] as const)[i % 3], width: 2 }, data: f.weeks.map((w) => w.stages[s].share) })),
    },
    260,
  );
}

function funnelTable(f: AdoptionFunnel): HTMLElement {
  const last = f.weeks.at(-1)!;
  return table(
    `The week from ${last.start}${last.partial ? ' (cut short by the day asked)' : ''}: ${count(last.exposed)} accounts exposed; count and share at each stage (Wilson 95%)`,
    ['Stage', 'Accounts', 'Share of exposed'],
    f.stages.map((s) => [f.declared[s] ? s : `${s} (no events of its own)`, count(last.stages[s].count), shareText(last.stages[s].share === null ? null : { share: last.stages[s].share, low: last.stages[s].low ?? 0, high: last.stages[s].high ?? 0 })]),
    { class: 'funnel' },
  );
}

/** The outcome's estimate at each recorded report and on this page's day, with intervals, the declared target and no effect marked. */
function outcomeChart(name: string, points: { label: string; estimate: number | null; low: number | null; high: number | null }[], expected: number | null, scale: FigureScale): HTMLElement {
  const k = scale === 'proportion' ? 100 : 1;
  const v = (x: number | null) => (x === null ? null : x * k);
  const unit = scale === 'proportion' ? 'points' : 'difference';
  const marks = [{ yAxis: 0, name: 'no effect', label: { position: 'insideEndTop' } }, ...(expected === null ? [] : [{ yAxis: expected * k, name: 'target', label: { position: 'insideStartTop' } }])];
  // The axis spans the intervals, no effect and the target, on round figures.
  const values = [0, expected, ...points.flatMap((p) => [p.estimate, p.low, p.high])].filter(isFigure).map((x) => x * k);
  const step = 10 ** Math.floor(Math.log10(Math.max(...values) - Math.min(...values) || 1));
  const range = { min: Math.floor(Math.min(...values) / step) * step, max: Math.ceil(Math.max(...values) / step) * step };
  return chart(
    `${name}: effect on the promised outcome (treated − control, in ${scale === 'proportion' ? 'percentage points' : "the metric's units"}) at each report, with its interval; the declared target and no effect marked`,
    {
      grid: { left: 60, right: 30, top: 20, bottom: 50 },
      tooltip: { trigger: 'axis', valueFormatter: (x: number) => (isFigure(x) ? x.toFixed(scale === 'proportion' ? 1 : 2) : '—') },
      xAxis: { type: 'category', data: points.map((p) => p.label), axisLabel: { interval: 0 } },
      yAxis: { type: 'value', name: unit, ...range },
      series: [
        { type: 'scatter', name: 'estimate', symbolSize: 10, data: points.map((p) => v(p.estimate)), markLine: { symbol: 'none', lineStyle: { type: 'dashed' }, label: { formatter: (p: { name: string }) => p.name }, data: marks } },
        errorBars('interval', points.flatMap((p, i) => (isFigure(p.low) && isFigure(p.high) ? [[i, p.low * k, p.high * k] as [number, number, number]] : []))),
      ],
    },
    260,
  );
}

function designsTable(designs: DesignResult[], scale: FigureScale): HTMLElement {
  return table(
    'Every design on the promised outcome: the strongest that ran and passed its checks decides; intervals hold over all declared checkpoints together',
    ['Design', 'Grade', 'Effect [interval]', 'p', 'Power for the target', 'Placebo', 'Treated / control', 'Can claim', 'Cannot claim'],
    designs.map((d) => [
      d.label,
      grade(d.grade) ?? '—',
      d.applicable ? withInterval(d, scale) : `did not run: ${d.why_not}`,
      pValue(d.p_value),
      isFigure(d.power) ? pct(d.power, 0) : '—',
      d.placebo ? `${d.placebo.passed ? 'passed' : 'FAILED'} at ${d.placebo.at}` : '—',
      d.applicable ? `${count(d.treated.n)} / ${count(d.control.n)}` : '—',
      d.claims,
      d.cannot_claim,
    ]),
    { class: 'designs' },
  );
}

interface LaunchView {
  as_of: string;
  launch: Entry;
  ledger: LaunchLedger;
  report: OutcomeReport;
}

export const launchPage: PageBody = {
  async render(ctx) {
    const name = ctx.rest[0] ?? '';
    const v = await getJson<LaunchView>(`/launches/${encodeURIComponent(name)}${query({ as_of: ctx.asOf })}`);
    const { launch: l, report: r, ledger } = v;
    const o = r.outcome;
    const scale: FigureScale = o?.scale ?? l.promised?.scale ?? 'mean';
    const designLabel = (name: string) => o?.designs.find((d) => d.name === name)?.label ?? name.replaceAll('_', ' ');
    const points = [
      ...l.reports.map((x) => ({ label: x.checkpoint === null ? x.at : `${x.checkpoint} days`, estimate: x.estimate, low: x.low ?? null, high: x.high ?? null })),
      ...(o ? [{ label: `${v.as_of} (this page)`, estimate: o.estimate, low: o.low, high: o.high }] : []),
    ];
    return h(
      'div',
      {},
      h('p', { class: 'crumbs' }, h('a', { href: href('launches') }, 'Launches'), ' / ', l.launch),
      h('h1', { tabindex: -1 }, l.launch),
      h('p', { class: 'lede' }, l.problem),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Owner'),
        h('dd', {}, l.owner),
        h('dt', {}, 'Size'),
        h('dd', {}, l.size),
        h('dt', {}, 'Status'),
        h('dd', { 'data-field': 'status' }, statusText(l), l.overdue ? h('span', { class: 'tag warn' }, ' · overdue') : null),
        h('dt', {}, 'Promised'),
        h('dd', { 'data-field': 'promised' }, promiseText(l.promised)),
        l.promised?.rationale ? [h('dt', {}, 'Why'), h('dd', {}, l.promised.rationale)] : null,
        h('dt', {}, 'Pre-registered'),
        h('dd', { 'data-field': 'pre-registered' }, l.pre_registered ? `yes: recorded ${r.preregistration.first_recorded_at?.slice(0, 10) ?? '—'}, hash ${r.preregistration.hash.slice(0, 12)}` : 'no: nothing was recorded by the launch day'),
      ),
      l.amendments.length
        ? h('section', { class: 'panel' }, h('h2', {}, 'Amendments'), table('Changes to the declaration after it was first recorded', ['Recorded', 'What changed', 'After launch'], l.amendments.map((a) => [a.recorded_at.slice(0, 10), a.changed.join(', '), a.after_launch ? 'yes: not counted toward the verdict' : 'no'])))
        : null,
      h(
        'section',
        { class: 'panel', id: 'verdict' },
        h('h2', {}, `Outcome as of ${r.at}`, ' ', verdict(r.verdict)),
        h('p', { 'data-field': 'reason' }, ...prose(r.reason)),
        o && o.design
          ? h('p', {}, h('strong', {}, `${designLabel(o.design)} `), grade(o.grade), ` · effect ${withInterval(o, scale)} · expected ${effect(o.expected, scale)} · p ${pValue(o.p_value)} · power ${isFigure(o.power) ? pct(o.power, 0) : '—'}`)
          : null,
        h('p', { class: 'note' }, ...prose(`${r.looks.method}. This report is computed for this page and not recorded; \`cairn launch report ${l.launch}\` records one.`)),
        r.flag_details.length ? h('ul', { class: 'warnings' }, r.flag_details.map((f) => h('li', {}, `${f.code.replaceAll('_', ' ')}: `, ...prose(f.message)))) : null,
      ),
      points.length && o ? h('section', { class: 'panel' }, h('h2', {}, 'Outcome'), outcomeChart(l.launch, points, o.expected, scale)) : null,
      o?.designs.length ? h('section', { class: 'panel' }, h('h2', {}, 'Designs'), designsTable(o.designs, scale)) : null,
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Adoption funnel'),
        l.funnel && l.funnel.weeks.length ? [funnelChart(l.launch, l.funnel), funnelTable(l.funnel)] : h('p', { class: 'note' }, l.launched_at ? 'No funnel: the launch file names no events.' : 'No funnel before launch.'),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Checkpoints and reports'),
        l.checkpoints.length
          ? table(
              'Each declared checkpoint, where it stands, and the reports recorded for it',
              ['Checkpoint', 'Date', 'Status', 'Reports'],
              l.checkpoints.map((c) => [`${c.days} days`, c.date, h('span', { class: c.status === 'overdue' ? 'tag warn' : '', 'data-status': c.status }, STATUS_WORDS[c.status]), c.reports.join(', ') || '—']),
              { class: 'checkpoints' },
            )
          : h('p', { class: 'note' }, 'Not launched yet: checkpoints count from the launch day.'),
        l.reports.length
          ? table(
              'Reports recorded in the ledger, oldest first',
              ['Report of', 'Checkpoint', 'Verdict', 'Design', 'Effect [interval]', 'Flags', 'Recorded (UTC)'],
              l.reports.map((x) => [x.at, x.checkpoint === null ? '—' : `${x.checkpoint} days`, verdict(x.verdict), x.design ? h('span', {}, designLabel(x.design), ' ', grade(x.grade)) : '—', withInterval(x, scale), x.flags.join(', ') || '—', minute(x.recorded_at)]),
              { class: 'reports' },
            )
          : h('p', { class: 'note' }, 'No report recorded yet.'),
      ),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Ledger'),
        table('Declarations recorded, with the hash that pre-registers them', ['Recorded (UTC)', 'Hash'], ledger.declarations.map((d) => [minute(d.recorded_at), h('code', {}, d.hash.slice(0, 16))]), { class: 'declarations' }),
        ledger.shares.length ? table('Posts of reports to Slack', ['Report of', 'Status', 'Attempts', 'Error'], ledger.shares.map((s) => [s.at, s.status, String(s.attempts), s.error ?? '—'])) : null,
      ),
      r.asks.length ? h('section', { class: 'panel' }, h('h2', {}, 'Asked of the team'), h('ul', {}, r.asks.map((a) => h('li', {}, ...prose(a))))) : null,
    );
  },
};
