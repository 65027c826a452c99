import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Matcher, Workspace } from '../config/index.js';
import { dataAsOf, discover, renderDiscoveryReport, type DiscoveryEvidence, type DiscoveryResult, type HeldOutRates } from '../discover/index.js';
import type { Store } from '../store/index.js';
import { asOfOption } from './as-of.js';
import { RETENTION_KINDS } from './choices.js';
import { CliError, EXIT, oneOf, positiveInt, usageError } from './errors.js';
import { print, printJson, printPairs } from './output.js';
import { progressBar } from './progress-bar.js';
import { notOwned, recordOwned } from './owned-files.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

export interface DiscoverCliOptions {
  asOf?: string;
  retention?: string;
  retentionDays?: string;
  earlyDays?: string;
  dormantDays?: string;
  coreAction?: string;
  seed: string;
  trees: string;
  fits: string;
  bootstrap: string;
  permutations: string;
  out?: string;
  /** Replace files in the out folder that cairn discover did not write. */
  force?: boolean;
  json?: boolean;
}

/** What discovery writes into its folder, and the marker listing what it wrote there. */
const OUT_FILES = { evidence: 'evidence.json', report: 'report.html', proposal: 'proposed-milestones.yaml' } as const;
const OUT_MARKER = '.cairn-discovery.json';

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(0)}%`);
const num = (x: number | null | undefined, d = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const ci = (e: { estimate: number; low: number; high: number }, d = 2): string => `${num(e.estimate, d)} [${num(e.low, d)}–${num(e.high, d)}]`;
const pval = (p: number | null): string => (p === null ? '—' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** The last day with events: the review judges data as of when it ends, not as of today. */
export async function lastEventDay(store: Store): Promise<string> {
  const stats = await store.stats();
  return stats.newest_event_at ? stats.newest_event_at.slice(0, 10) : new Date().toISOString().slice(0, 10);
}

/** Discovery judges data as of its newest day (events, churn dates, history), not as of today. */
async function defaultAsOf(store: Store): Promise<{ day: string; note: string | null }> {
  const found = await dataAsOf(store);
  return { day: found.day, note: found.from === 'events' ? null : `As of ${found.day}, the newest day in the data (from ${found.from}); pass --as-of to judge as of another day.` };
}

function parseCoreAction(value: string): Matcher {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 2) throw usageError(`--core-action must be "ACTION OBJECT", e.g. "closed conversation", got ${JSON.stringify(value)}`);
  return { action: parts[0], object: parts[1] };
}

/**
 * The folder discovery writes to, its marker and files; a usage error when files there were
 * not written by cairn discover (unless --force), as they would be replaced.
 */
export async function discoveryOut(ws: Workspace, opts: Pick<DiscoverCliOptions, 'out' | 'force'>) {
  const out = resolve(ws.dir, opts.out ?? 'discovery');
  const marker = join(out, OUT_MARKER);
  const targets = Object.values(OUT_FILES).map((f) => join(out, f));
  const theirs = opts.force ? [] : await notOwned(out, marker, targets);
  if (theirs.length > 0) throw usageError(`${theirs.join(', ')} exist and were not written by cairn discover: use another --out, or --force to replace them`);
  return { out, marker, targets };
}

/** Runs discovery in a workspace and writes proposed-milestones.yaml, evidence.json and report.html. */
export async function discoverAndWrite(ws: Workspace, store: Store, opts: DiscoverCliOptions): Promise<{ result: DiscoveryResult; files: Record<string, string> }> {
  const r = ws.config.retention;
  const retention = {
    kind: opts.retention === undefined ? r.kind : oneOf('--retention', opts.retention, RETENTION_KINDS),
    days: opts.retentionDays === undefined ? r.days : positiveInt(opts.retentionDays, '--retention-days', 3650),
    dormantDays: opts.dormantDays === undefined ? r.dormant_days : positiveInt(opts.dormantDays, '--dormant-days', 3650),
    earlyDays: opts.earlyDays === undefined ? r.early_days : positiveInt(opts.earlyDays, '--early-days', 3650),
  };
  if (retention.earlyDays >= retention.days) {
    throw usageError(`--early-days (${retention.earlyDays}) must be less than the retention days (${retention.days})`);
  }
  if (retention.kind === 'not_dormant' && retention.dormantDays > retention.days) {
    throw usageError(`--dormant-days (${retention.dormantDays}) must be at most the retention days (${retention.days})`);
  }
  const asOf = opts.asOf === undefined ? await defaultAsOf(store) : { day: asOfOption(opts.asOf), note: null };
  // Checked before the long run.
  const { out, marker, targets } = await discoveryOut(ws, opts);
  const bar = progressBar(!opts.json, '');
  let result: DiscoveryResult;
  try {
    result = await discover(store, {
      asOf: asOf.day,
      retention,
      seed: positiveInt(opts.seed, '--seed', 2 ** 31 - 1),
      trees: positiveInt(opts.trees, '--trees', 5000),
      refits: positiveInt(opts.fits, '--fits', 1000),
      bootstrap: positiveInt(opts.bootstrap, '--bootstrap', 100_000),
      permutations: positiveInt(opts.permutations, '--permutations', 100_000),
      current: ws.milestones,
      ...(opts.coreAction ? { coreAction: parseCoreAction(opts.coreAction) } : {}),
      onProgress: (step, done, total) => bar.update(done, total, step),
    });
  } finally {
    bar.stop();
  }
  if (asOf.note) result.evidence.warnings.unshift(asOf.note);
  await mkdir(out, { recursive: true });
  await recordOwned(out, marker, 'cairn discover', targets);
  const files: Record<string, string> = { evidence: join(out, OUT_FILES.evidence), report: join(out, OUT_FILES.report) };
  await writeFile(files.evidence, JSON.stringify(result.evidence, null, 2) + '\n');
  await writeFile(files.report, renderDiscoveryReport(result.evidence));
  if (result.proposal) {
    files.proposal = join(out, OUT_FILES.proposal);
    await writeFile(files.proposal, result.proposal.yaml);
  }
  return { result, files };
}

/** The --json summary: what a script or notebook needs, without the curves and grids. */
export function discoverySummary(e: DiscoveryEvidence, files: Record<string, string>) {
  const tested = (m: { held_out: HeldOutRates | null; null_test: { observed: number; null_95: number; p_value: number; p_holm: number | null } | null; proposed: boolean }) => ({
    proposed: m.proposed,
    held_out: m.held_out,
    null_test: m.null_test && { held_out_j: m.null_test.observed, null_95: m.null_test.null_95, p_value: m.null_test.p_value, p_holm: m.null_test.p_holm },
  });
  return {
    as_of: e.as_of,
    retention: e.settings.retention,
    data: e.data,
    caveat: e.caveat,
    split: e.split,
    verdict: e.verdict,
    warnings: e.warnings,
    model: e.model,
    features: e.features.map((f) => ({
      key: f.key,
      importance: f.importance,
      rank: f.rank,
      rank_interval: [f.rank_low, f.rank_high],
      ranked_with: f.ranked_with,
      prevalence: f.prevalence,
      risk_ratio: f.risk_ratio,
      risk_ratio_by_plan: f.stratified.plan?.risk_ratio ?? null,
      risk_ratio_by_engagement: f.stratified.engagement?.risk_ratio ?? null,
      q_value: f.q_value,
      flags: f.flags,
      flag_reasons: f.flag_reasons,
    })),
    setup: e.setup && { steps: e.setup.steps, at_least: e.setup.at_least, window_days: e.setup.window_days, ...tested(e.setup) },
    activation: e.activation && {
      action: e.activation.action,
      object: e.activation.object,
      within_days: e.activation.choice.days,
      at_least: e.activation.choice.threshold,
      threshold_interval: e.activation.threshold_interval,
      window_share: e.activation.window_share,
      jump: e.activation.jump,
      in_sample: { youden_j: e.activation.choice.youdenJ, reach: e.activation.choice.reach },
      ...tested(e.activation),
      warnings: e.activation.warnings,
    },
    utilization: e.utilization && {
      action: e.utilization.action,
      object: e.utilization.object,
      metadata: e.utilization.metadata ?? null,
      per_month_per_seat_at_least: e.utilization.choice.threshold,
      threshold_interval: e.utilization.threshold_interval,
      jump: e.utilization.jump,
      in_sample: { youden_j: e.utilization.choice.youdenJ, reach: e.utilization.choice.reach },
      ...tested(e.utilization),
      warnings: e.utilization.warnings,
    },
    maturity: e.maturity && {
      mature_in_at_least: e.maturity.mature_in_at_least,
      categories: Object.fromEntries(e.maturity.categories.map((c) => [c.name, { basic: c.basic, mature: c.mature }])),
      ...tested(e.maturity),
    },
    validation: e.validation && {
      accounts: e.validation.accounts,
      milestones: e.validation.milestones.map((m) => ({
        milestone: m.milestone,
        reached: m.reached,
        not_reached: m.not_reached,
        log_rank_p: m.log_rank.p_value,
        retention_reached: m.retention_reached,
        retention_not_reached: m.retention_not_reached,
      })),
      chain: e.validation.chain,
    },
    files,
  };
}

/** "held out: J 0.31 (null 95% 0.05, p 0.005, Holm 0.02) — proposed". */
function testLine(m: { held_out: HeldOutRates | null; null_test: { null_95: number; p_value: number; p_holm: number | null } | null; proposed: boolean }): string {
  if (!m.held_out || !m.null_test) return 'not judged on held-out accounts — not proposed';
  const t = m.null_test;
  const holm = t.p_holm === null ? '' : `, Holm ${pval(t.p_holm)}`;
  return `held out: J ${num(m.held_out.youden_j)}, sensitivity ${pct(m.held_out.sensitivity.estimate)}, specificity ${pct(m.held_out.specificity.estimate)}, PPV ${pct(m.held_out.ppv.estimate)} (null 95th percentile ${num(t.null_95)}, p ${pval(t.p_value)}${holm}) — ${m.proposed ? 'proposed' : 'not proposed'}`;
}

/** What a person reads in the terminal: the headline of every part, the rest is in the report. */
export function printDiscovery(e: DiscoveryEvidence, files: Record<string, string>): void {
  const d = e.data;
  const r = e.settings.retention;
  print(`Discovery as of ${e.as_of}: retention = ${r.kind === 'still_customer' ? 'still a customer' : 'still a customer and active'} ${r.days} days after signup, behaviour in the first ${r.earlyDays} days`);
  const sp = e.split;
  printPairs([
    ['accounts judged', `${d.labelled} (${d.retained} retained, ${d.churned} not)`],
    ['left out', `${d.left_out.too_young} too young, ${d.left_out.churned_in_early_window} churned in the early window`],
    ...(sp
      ? ([
          ['chosen on', `${sp.selection.accounts} accounts signed up ${sp.selection.cohorts[0]} to ${sp.selection.cohorts[1]} (${sp.selection.churned} not retained)`],
          ['judged on', `${sp.held_out.accounts} held out, signed up ${sp.held_out.cohorts[0]} to ${sp.held_out.cohorts[1]} (${sp.held_out.churned} not retained)${sp.how === 'random' ? ', a random share' : ''}`],
        ] as [string, string][])
      : []),
    ['features', `${d.features}`],
    [
      'model',
      e.model
        ? `held-out AUC ${num(e.model.held_out_auc)} (null 95th percentile ${num(e.model.null_test.null_95)}, p ${pval(e.model.null_test.p_value)}); out-of-bag ${num(e.model.oob_auc)} in-sample; ${e.model.refits} bootstrap refits × ${e.model.trees} trees`
        : '—',
    ],
  ]);
  print(`\n${e.verdict.statement}`);
  print(`${e.caveat}`);
  if (e.warnings.length) {
    print('\nwarnings');
    for (const w of e.warnings) print(`  ! ${w}`);
  }
  const shown = e.features.filter((f) => f.rank !== null).slice(0, 15);
  if (shown.length) {
    print(`\nwhat goes with retention (forest importance on the earlier cohorts; median rank [2.5–97.5% over ${e.model?.refits ?? 0} bootstrap refits]; retention ratio users/non-users [95% CI], BH q)`);
    for (const f of shown) {
      const rank = `${num(f.rank, f.rank! % 1 ? 1 : 0)} [${num(f.rank_low, 0)}–${num(f.rank_high, 0)}]`;
      const flag = f.flags.length ? `  ⚑ ${f.flags.join(', ')}` : '';
      print(`  ${rank.padEnd(12)} ${f.key.slice(0, 40).padEnd(40)} ${pct(f.prevalence).padStart(4)} used  RR ${ci(f.risk_ratio)}  q ${pval(f.q_value)}${flag}`);
    }
  }
  const flagged = e.features.filter((f) => f.flags.length > 0);
  if (flagged.length) {
    print('\nleft out of the proposal (adoption benchmark)');
    for (const f of flagged) print(`  ${f.key}: ${f.flag_reasons.join('; ')}`);
  }
  print('');
  if (e.setup) print(`setup: at least ${e.setup.at_least} of ${e.setup.steps.length} steps within ${e.setup.window_days} days: ${e.setup.steps.join(' → ') || '—'}\n  ${testLine(e.setup)}`);
  if (e.activation) {
    const a = e.activation;
    print(
      `activation: at least ${a.choice.threshold} ${a.action} ${a.object} within ${a.choice.days} days ` +
        `(95% bootstrap interval ${num(a.threshold_interval.low, 0)}–${num(a.threshold_interval.high, 0)}, window chosen in ${pct(a.window_share)} of resamples; ` +
        `retention odds ×${ci(a.jump)} at it beyond the trend, in-sample)\n  ${testLine(a)}`,
    );
  }
  if (e.utilization) {
    const u = e.utilization;
    const meta = u.metadata ? ` (${Object.entries(u.metadata).map(([k, v]) => `${k} = ${v}`).join(', ')})` : '';
    print(
      `utilization: at least ${u.choice.threshold} ${u.action} ${u.object}${meta} per seat per month (95% bootstrap interval ${num(u.threshold_interval.low, 1)}–${num(u.threshold_interval.high, 1)}; ` +
        `odds of no churn next month ×${ci(u.jump)} at it beyond the trend, in-sample)\n  ${testLine(u)}`,
    );
  }
  if (e.maturity && e.maturity.mature_in_at_least > 0) {
    const cats = e.maturity.categories.filter((c) => c.mature.length > 0);
    print(`maturity: mature use in at least ${e.maturity.mature_in_at_least} of ${cats.length} categories\n  ${testLine(e.maturity)}`);
    for (const c of cats) print(`  ${c.name}: mature ${c.mature.join(', ')}${c.basic.length ? `; basic ${c.basic.join(', ')}` : ''}`);
  }
  if (e.validation) {
    const v = e.validation;
    const who = v.accounts ? ` on ${v.accounts.count} held-out accounts (signed up ${v.accounts.cohorts[0]} to ${v.accounts.cohorts[1]})` : '';
    print(`\nvalidation${who}: landmark at day ${v.landmark_days}; retention of accounts that reached each milestone by then vs not`);
    for (const m of v.milestones) {
      print(`  ${m.milestone.padEnd(12)} ${pct(m.retention_reached.estimate)} vs ${pct(m.retention_not_reached.estimate)}  ratio ${ci(m.risk_ratio)}  log-rank p ${pval(m.log_rank.p_value)}`);
    }
    print(`  chain: ${v.chain.map((l) => `${l.from} → ${l.to} ×${num(l.risk_ratio.estimate)}`).join(', ')}`);
  }
  print('\nwritten');
  for (const [what, path] of Object.entries(files)) print(`  ${what.padEnd(9)} ${path}`);
}

/** `cairn discover`: discovery on the workspace, its summary printed; exit 1 when nothing could be proposed. */
export async function runDiscover(opts: DiscoverCliOptions, globals: GlobalOptions): Promise<void> {
  await withWorkspace(globals, async (ws, store) => {
    const { result, files } = await discoverAndWrite(ws, store, opts);
    if (opts.json) printJson(discoverySummary(result.evidence, files));
    else printDiscovery(result.evidence, files);
    if (!result.proposal) {
      const why = result.evidence.verdict.nothing_better_than_chance ? 'nothing here predicts retention better than chance' : 'the verdict and warnings above say why';
      throw new CliError(`discover: nothing proposed; ${why}`, EXIT.failure);
    }
  });
}
