import { computeFunnel, type Funnel, type Share } from '../milestones/index.js';
import { asOfOption } from './as-of.js';
import { FUNNEL_BY } from './choices.js';
import { oneOf } from './errors.js';
import { print, printJson } from './output.js';
import { statusesNote } from './milestones.js';
import { workspaceFunnelStatuses } from './refresh.js';
import { withWorkspace, type GlobalOptions } from './workspace.js';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
/** A median of an even count may fall between two days: one decimal is enough. */
const days = (v: number | null) => (v === null ? '—' : String(Math.round(v * 10) / 10));
const withCi = (s: Share) => `${pct(s.share).padStart(6)} [${pct(s.low)}–${pct(s.high)}]`;

/** The funnel as a person reads it: the base, cohorts side by side, then how it moved. */
export function printFunnel(f: Funnel): void {
  print(`Funnel as of ${f.as_of}: ${f.total.accounts} accounts (${f.total.churned} churned); shares with Wilson 95% intervals, medians with distribution-free ones\n`);
  for (const s of f.stages) print(`  ${s.label.padEnd(14)} ${withCi(f.total.stages[s.name])}`);
  print('\n  milestone      reached                    median days to reach');
  for (const name of f.milestones) {
    const m = f.total.milestones[name];
    const median = m.median_days === null ? '—' : m.median_days_low === null ? days(m.median_days) : `${days(m.median_days)} [${days(m.median_days_low)}–${days(m.median_days_high)}]`;
    print(`  ${name.padEnd(14)} ${withCi(m.reached).padEnd(26)} ${median}`);
  }
  if (f.headline && f.total.headline) print(`\n  headline: ${withCi(f.total.headline).trim()} of ${f.headline.meaning}`);
  if (f.by !== 'all') {
    print(`\nby ${f.by}`);
    const cols = [...f.milestones, ...(f.headline ? ['headline'] : [])];
    print(`  ${'cohort'.padEnd(12)} ${'accounts'.padStart(8)}  ${cols.map((c) => c.slice(0, 11).padStart(11)).join(' ')}`);
    for (const c of f.cohorts) {
      const cells = f.milestones.map((n) => pct(c.milestones[n].reached.share));
      if (f.headline) cells.push(pct(c.headline?.share ?? null));
      print(`  ${c.cohort.padEnd(12)} ${String(c.accounts).padStart(8)}  ${cells.map((x) => x.padStart(11)).join(' ')}`);
    }
  }
  if (f.history.length > 0) {
    print('\nhistory (month end: share reached by then)');
    const cols = [...f.milestones, ...(f.headline ? ['headline'] : [])];
    print(`  ${'month end'.padEnd(10)} ${'accounts'.padStart(8)}  ${cols.map((c) => c.slice(0, 11).padStart(11)).join(' ')}`);
    for (const h of f.history) {
      const cells = f.milestones.map((n) => pct(h.milestones[n].share));
      if (f.headline) cells.push(pct(h.headline?.share ?? null));
      print(`  ${h.month_end} ${String(h.accounts).padStart(8)}  ${cells.map((x) => x.padStart(11)).join(' ')}`);
    }
  }
}

/** `cairn funnel`: shares at each stage and milestone, by cohort, with history. */
export async function runFunnel(opts: { asOf?: string; by: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const by = oneOf('--by', opts.by, FUNNEL_BY);
  const asOf = asOfOption(opts.asOf);
  await withWorkspace(globals, async (ws, store) => {
    const statuses = await workspaceFunnelStatuses(ws, store, asOf);
    const funnel = await computeFunnel(store, ws.milestones, asOf, by, statuses ?? undefined);
    const source = statuses ? { source: statuses.source, framework_version: statuses.state.framework_version } : { source: 'computed' as const, framework_version: null };
    if (opts.json) return printJson({ ...funnel, ...source });
    printFunnel(funnel);
    print(`\n(${statusesNote(source)})`);
  });
}
