/**
 * The outcome report as one self-contained HTML page (inline CSS and SVG, no scripts, no
 * external URLs): the verdict, expected vs measured, every design, the adoption funnel as
 * charts, instrumentation, pre-registration, checkpoints, feedback, decisions. Every string
 * from the data goes through `esc`.
 */
import { escapeHtml } from '../model/index.js';
import type { AdoptionFunnel } from './adoption-funnel.js';
import type { DesignResult } from './design-result.js';
import type { MeasuredMetric, OutcomeReport } from './outcome-report.js';
import { DASH, effect, interval, percent, pValue, target, title, value, VERDICT_WORDS } from './report-format.js';

const esc = escapeHtml;

const STAGE_COLOURS = ['#9db4d6', '#6f93c6', '#3f6fb0', '#1f4e8c', '#0b2f5e'];

export function renderHtml(r: OutcomeReport): string {
  const metrics = [...(r.outcome ? [r.outcome] : []), ...r.impact, ...r.exploratory];
  const its = r.outcome?.designs.find((d) => d.name === 'interrupted_time_series' && d.applicable);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title(r))}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${esc(title(r))}</h1>
<p class="verdict ${esc(r.verdict)}"><strong>${esc(VERDICT_WORDS[r.verdict])}</strong> ${esc(r.reason)}</p>
<p class="meta">${esc(r.problem)}<br>Owner ${esc(r.owner)} · ${esc(r.size)} · launched ${esc(r.launched_at ?? 'not yet')} · as of ${esc(r.at)} · data through ${esc(r.data_through ?? DASH)}</p>
${r.flag_details.length ? `<section class="flags"><h2>Anti-patterns</h2><ul>${r.flag_details.map((f) => `<li><b>${esc(f.code)}</b>: ${esc(f.message)}</li>`).join('')}</ul></section>` : ''}
<section><h2>Expected vs measured</h2>
<table><thead><tr><th></th><th>metric</th><th>target</th><th>expected</th><th>measured</th><th>interval</th><th>design</th><th>power</th></tr></thead><tbody>
${metrics.map((m) => `<tr${m.exploratory ? ' class="exploratory"' : ''}><td>${esc(m.role)}${m.exploratory ? ' <i>exploratory</i>' : ''}</td><td>${esc(m.label)}</td><td>${esc(target(m))}</td><td>${esc(effect(m.expected, m.scale))}</td><td>${esc(effect(m.estimate, m.scale))}</td><td>${esc(interval(m.low, m.high, m.scale) || DASH)}</td><td>${esc(m.design ? `${m.design} (${m.grade})` : DASH)}</td><td>${esc(percent(m.power))}</td></tr>`).join('\n') || '<tr><td colspan="8">No outcome declared.</td></tr>'}
</tbody></table>
<p class="note">${esc(r.looks.method)}. Effects are treated − control; on a share, in percentage points.</p>
</section>
${r.outcome?.designs.length ? `<section><h2>How the outcome was measured</h2>${r.outcome.designs.map((d) => designCard(d, r.outcome!)).join('\n')}</section>` : ''}
${its ? `<section><h2>Weekly series of the audience</h2>${seriesChart(its)}</section>` : ''}
${r.funnel ? funnelSection(r.funnel) : ''}
<section><h2>Instrumentation</h2>${r.instrumentation.passed ? `<p>Passed: every event is planned${r.instrumentation.launched ? ' and arriving without violations' : ''}.</p>` : `<ul class="problems">${r.instrumentation.problems.map((p) => `<li>${esc(p.message)}</li>`).join('')}</ul>`}
<table><thead><tr><th>step</th><th>event</th><th>planned</th><th>since launch</th><th>first seen</th></tr></thead><tbody>
${r.instrumentation.events.map((e) => `<tr><td>${esc(e.stage)}</td><td>${esc(e.event)}</td><td>${e.planned ? 'yes' : '<b>no</b>'}</td><td>${esc(e.arrived ?? DASH)}</td><td>${esc(e.first_seen ?? DASH)}</td></tr>`).join('\n')}
</tbody></table></section>
<section><h2>Pre-registration</h2><p>${
    r.preregistration.pre_registered
      ? `Declared before launch (first recorded ${esc(r.preregistration.first_recorded_at?.slice(0, 10))}); judged declaration <code>${esc(r.preregistration.hash.slice(0, 12))}</code>.`
      : `<b>Not declared before launch</b>${r.preregistration.first_recorded_at ? ` (first recorded ${esc(r.preregistration.first_recorded_at.slice(0, 10))})` : ''}.`
  }</p>
${r.preregistration.amendments.length ? `<ul>${r.preregistration.amendments.map((a) => `<li>Amended ${esc(a.recorded_at.slice(0, 10))}${a.after_launch ? ' <b>after launch</b>' : ''}: ${esc(a.changed.join(', '))}</li>`).join('')}</ul>` : ''}</section>
${r.checkpoints.length ? `<section><h2>Checkpoints</h2><table><thead><tr><th>days</th><th>date</th><th>status</th><th>reports</th></tr></thead><tbody>${r.checkpoints.map((c) => `<tr class="${esc(c.status)}"><td>${c.days}</td><td>${esc(c.date)}</td><td>${esc(c.status)}</td><td>${esc(c.reports.join(', ') || DASH)}</td></tr>`).join('')}</tbody></table></section>` : ''}
<section><h2>Qualitative feedback</h2>${r.feedback.length ? r.feedback.map((f) => `<article><h3>${esc(f.title)} <small>${esc(f.file)}</small></h3><pre>${esc(f.text.trim())}</pre></article>`).join('\n') : '<p>None yet.</p>'}</section>
<section><h2>Decisions and actions</h2><ul>
${r.decisions.map((d) => `<li>${esc(d)}</li>`).join('')}
${r.actions.map((a) => `<li>${a.done ? '☑' : '☐'} ${esc(a.action)}${a.owner ? ` · ${esc(a.owner)}` : ''}${a.due ? ` · due ${esc(a.due)}` : ''}</li>`).join('')}
${r.asks.map((a) => `<li class="ask"><b>Missing:</b> ${esc(a)}</li>`).join('')}
</ul></section>
<footer>Generated by Cairn ${esc(r.generated_at)}.</footer>
</main>
</body>
</html>
`;
}

function designCard(d: DesignResult, m: MeasuredMetric): string {
  const judged = d.name === m.design;
  if (!d.applicable) return `<div class="design na"><h3>${esc(d.label)} <span class="grade">${d.grade}</span></h3><p>Could not run: ${esc(d.why_not)}.</p></div>`;
  const pre = d.diagnostics.pre_trend as { p_value: number; passed: boolean } | null | undefined;
  const unadjusted = d.diagnostics.unadjusted as { estimate: number | null; low: number | null; high: number | null } | undefined;
  return `<div class="design${judged ? ' judged' : ''}"><h3>${esc(d.label)} <span class="grade">${d.grade}</span>${judged ? ' <span class="tag">judged</span>' : ''}</h3>
<p class="estimate">${esc(effect(d.estimate, m.scale))} <span>${esc(interval(d.low, d.high, m.scale))}</span> p ${esc(pValue(d.p_value))} · power ${esc(percent(d.power))}</p>
<p>Treated ${esc(value(d.treated.value, m.scale))} (n ${d.treated.n}) · comparison ${esc(value(d.control.value, m.scale))} (n ${d.control.n})</p>
${d.placebo ? `<p>Placebo at ${esc(d.placebo.at)}: ${esc(effect(d.placebo.estimate, m.scale))} ${esc(interval(d.placebo.low, d.placebo.high, m.scale))} — ${d.placebo.passed ? 'passed' : '<b>failed</b>'}</p>` : ''}
${pre ? `<p>Parallel pre-trends: p ${esc(pValue(pre.p_value))} — ${pre.passed ? 'not rejected' : '<b>rejected</b>'}</p>` : ''}
${unadjusted ? `<p>Unadjusted adopters − non-adopters: ${esc(effect(unadjusted.estimate, m.scale))} ${esc(interval(unadjusted.low, unadjusted.high, m.scale))} (a naive comparison)</p>` : ''}
<p class="claims"><b>Can claim:</b> ${esc(d.claims)}. <b>Cannot claim:</b> ${esc(d.cannot_claim)}.</p>
${d.caveats.length ? `<ul>${d.caveats.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>` : ''}</div>`;
}

function funnelSection(f: AdoptionFunnel): string {
  const last = f.weeks.at(-1);
  if (!last) return '<section><h2>Adoption funnel</h2><p>No full week since launch yet.</p></section>';
  const W = 640;
  const rowH = 34;
  const left = 110;
  const barW = W - left - 90;
  const bars = f.stages
    .map((s, i) => {
      const v = last.stages[s];
      const y = 10 + i * rowH;
      const w = (v.share ?? 0) * barW;
      const whisker = v.low !== null && v.high !== null ? `<line x1="${left + v.low * barW}" x2="${left + v.high * barW}" y1="${y + 11}" y2="${y + 11}" stroke="#222" stroke-width="1.5"/>` : '';
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(s)}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="22" fill="${STAGE_COLOURS[i]}"/>${whisker}<text x="${left + Math.max(w, (v.high ?? 0) * barW) + 6}" y="${y + 15}">${esc(percent(v.share))} (${v.count})</text>`;
    })
    .join('');
  const barChart = `<svg viewBox="0 0 ${W} ${20 + f.stages.length * rowH}" role="img" aria-label="Adoption funnel, week ${last.week}">${bars}</svg>`;
  return `<section><h2>Adoption funnel</h2>
<p>Week ${last.week} (${esc(last.start)} to ${esc(last.end)}${last.partial ? ', partial' : ''}): ${last.exposed} accounts exposed; bars are shares, lines their Wilson 95% intervals.</p>
${barChart}
<p>Over time, share of exposed accounts at each stage by week since launch:</p>
${weeklyChart(f)}
<p class="note">Adopted: used in ${f.definitions.adoption_weeks}+ distinct weeks. Engaged: adopted and used on ${f.definitions.engagement_days}+ days of the last ${f.definitions.engagement_window_days}.${f.stages.filter((s) => !f.declared[s]).map((s) => ` ${s} has no events of its own: it counts later stages only.`).join('')}</p>
</section>`;
}

/** Lines of each stage's share by week, on a 0–100% axis. */
function weeklyChart(f: AdoptionFunnel): string {
  const W = 640;
  const H = 220;
  const m = { left: 44, right: 100, top: 10, bottom: 26 };
  const n = Math.max(1, f.weeks.length - 1);
  const x = (i: number) => m.left + (i / n) * (W - m.left - m.right);
  const y = (v: number) => m.top + (1 - v) * (H - m.top - m.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((v) => `<line x1="${m.left}" x2="${W - m.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end">${v * 100}%</text>`).join('');
  const ticks = f.weeks.filter((_, i) => i % Math.max(1, Math.ceil(f.weeks.length / 10)) === 0).map((w) => `<text x="${x(w.week)}" y="${H - 8}" text-anchor="middle">${w.week}</text>`).join('');
  // End labels at their line's last value, pushed apart so none overlaps the next.
  const labelY = f.stages.map((s) => y(f.weeks.at(-1)!.stages[s].share ?? 0) + 4);
  const order = [...labelY.keys()].sort((a, b) => labelY[a] - labelY[b]);
  order.forEach((k, j) => {
    if (j > 0) labelY[k] = Math.max(labelY[k], labelY[order[j - 1]] + 13);
  });
  const lines = f.stages
    .map((s, i) => {
      const pts = f.weeks.map((w, j) => `${x(j).toFixed(1)},${y(w.stages[s].share ?? 0).toFixed(1)}`).join(' ');
      return `<polyline points="${pts}" fill="none" stroke="${STAGE_COLOURS[i]}" stroke-width="2"/><text x="${W - m.right + 6}" y="${labelY[i].toFixed(1)}" fill="${STAGE_COLOURS[i]}">${esc(s)}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Adoption funnel by week">${grid}${ticks}${lines}</svg>`;
}

/** Observed weekly points, the fit, and the pre-launch trend projected past launch. */
function seriesChart(d: DesignResult): string {
  const series = d.diagnostics.series as { week: number; value: number; fitted: number | null; counterfactual: number | null }[];
  const W = 640;
  const H = 220;
  const m = { left: 56, right: 16, top: 10, bottom: 26 };
  const values = series.flatMap((q) => [q.value, q.fitted ?? q.value, q.counterfactual ?? q.value]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const w0 = series[0].week;
  const w1 = series.at(-1)!.week;
  const x = (w: number) => m.left + ((w - w0) / Math.max(1, w1 - w0)) * (W - m.left - m.right);
  const y = (v: number) => m.top + (1 - (v - lo) / span) * (H - m.top - m.bottom);
  const dots = series.map((q) => `<circle cx="${x(q.week).toFixed(1)}" cy="${y(q.value).toFixed(1)}" r="2.5" fill="${q.week < 0 ? '#888' : '#1f4e8c'}"/>`).join('');
  const path = (key: 'fitted' | 'counterfactual', from: number) =>
    series
      .filter((q) => q.week >= from && q[key] !== null)
      .map((q) => `${x(q.week).toFixed(1)},${y(q[key]!).toFixed(1)}`)
      .join(' ');
  const axis = [lo, (lo + hi) / 2, hi].map((v) => `<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toPrecision(3)}</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Weekly series with the pre-launch trend">${axis}
<line x1="${x(0)}" x2="${x(0)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#c33" stroke-dasharray="4 3"/><text x="${x(0) + 4}" y="${m.top + 10}" fill="#c33">launch</text>
${dots}<polyline points="${path('fitted', -Infinity)}" fill="none" stroke="#1f4e8c" stroke-width="1.5"/><polyline points="${path('counterfactual', 0)}" fill="none" stroke="#888" stroke-dasharray="5 4" stroke-width="1.5"/>
<text x="${m.left}" y="${H - 8}">week ${w0}</text><text x="${W - m.right}" y="${H - 8}" text-anchor="end">week ${w1}</text></svg>
<p class="note">Weekly value (dots), the fitted segments (line) and the pre-launch trend carried on (dashed).</p>`;
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;color:#222;margin:0;background:#fafafa}main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 12px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:12px 0 4px}
.verdict{font-size:17px;padding:10px 14px;border-radius:6px;background:#eee}.verdict strong{text-transform:uppercase;margin-right:8px}
.verdict.met{background:#e3f4e5}.verdict.not_met{background:#fbe4e1}.verdict.inconclusive{background:#fff4d6}.verdict.too_early{background:#e8eef7}
.meta,.note{color:#555;font-size:13px}table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;text-align:left}
tr.exploratory td{color:#777}.flags{background:#fff0ee;border:1px solid #f1c2bb;border-radius:6px;padding:0 14px}.design{border:1px solid #ddd;border-radius:6px;padding:6px 12px;margin:10px 0;background:#fff}
.design.judged{border-color:#1f4e8c;border-width:2px}.design.na{color:#777}.grade{display:inline-block;background:#1f4e8c;color:#fff;border-radius:3px;padding:0 6px;font-size:12px}
.tag{background:#e3f4e5;border-radius:3px;padding:0 6px;font-size:12px}.estimate{font-size:16px}.estimate span{color:#555}svg{width:100%;height:auto;font-size:12px}
tr.overdue td{color:#b3261e;font-weight:600}tr.due td{color:#8a5a00}pre{white-space:pre-wrap;background:#fff;border:1px solid #eee;padding:8px}.ask{color:#8a5a00}footer{margin-top:32px;color:#888;font-size:12px}`;
