import { loadLaunches, type Workspace } from '../config/index.js';
import type { PlantedLaunch } from '../demo/index.js';
import { buildOutcomeReport, formatEffect, formatInterval, syncDeclaration, type MeasuredMetric, type OutcomeReport } from '../outcomes/index.js';
import type { Store } from '../store/index.js';
import { print } from './output.js';

export interface DemoLaunchResult {
  launch: string;
  planted: string;
  expected: PlantedLaunch['expected'];
  reports: { at: string; checkpoint: number | null; verdict: OutcomeReport['verdict']; design: string | null; estimate: number | null; low: number | null; high: number | null; flags: string[] }[];
  /** The last report's verdict and flags agree with what was planted. */
  agrees: boolean;
  /** Adopters − non-adopters with no adjustment, as a naive comparison would report it (last report). */
  naive: { estimate: number | null; low: number | null; high: number | null } | null;
  scale: MeasuredMetric['scale'];
}

const DAY_MS = 86_400_000;
const noon = (day: string) => Date.parse(`${day}T12:00:00Z`);

/**
 * The demo's planted launches, as a team would have run them: each declared four weeks before
 * launch (recorded then), then a report at every checkpoint passed by `asOf`, each recorded.
 */
export async function runDemoLaunches(ws: Workspace, store: Store, planted: readonly PlantedLaunch[], asOf: string): Promise<DemoLaunchResult[]> {
  const launches = await loadLaunches(ws.dir, { milestones: Object.keys(ws.milestones.milestones) });
  const out: DemoLaunchResult[] = [];
  for (const p of planted) {
    const launch = launches.find((l) => l.name === p.name);
    if (!launch?.config.launched_at) continue;
    await syncDeclaration(store, launch, noon(p.declared_at));
    const launchMs = noon(launch.config.launched_at);
    const days = launch.config.checkpoints.filter((c) => launchMs + c * DAY_MS <= noon(asOf));
    const reports: DemoLaunchResult['reports'] = [];
    let naive: DemoLaunchResult['naive'] = null;
    let scale: MeasuredMetric['scale'] = 'mean';
    for (const c of days.length ? days : [null]) {
      const at = c === null ? asOf : new Date(launchMs + c * DAY_MS).toISOString().slice(0, 10);
      const r = await buildOutcomeReport(store, ws, launch, { at, now: noon(at), record: true });
      const o = r.outcome;
      const ps = o?.designs.find((d) => d.name === 'propensity_strata' && d.applicable);
      naive = (ps?.diagnostics.unadjusted as DemoLaunchResult['naive'] | undefined) ?? null;
      scale = o?.scale ?? scale;
      reports.push({ at, checkpoint: c, verdict: r.verdict, design: r.design, estimate: o?.estimate ?? null, low: o?.low ?? null, high: o?.high ?? null, flags: r.flags });
    }
    const last = reports.at(-1)!;
    out.push({ launch: p.name, planted: p.truth, expected: p.expected, reports, agrees: p.expected.includes(last.verdict) && p.flags.every((f) => last.flags.includes(f)), naive, scale });
  }
  return out;
}

export function printDemoLaunches(results: readonly DemoLaunchResult[]): void {
  print('Launches: outcome reports at each checkpoint, against what was planted');
  for (const r of results) {
    print(`  ${r.launch}: ${r.planted}`);
    const steps = r.reports.map((x) => `${x.checkpoint === null ? x.at : `${x.checkpoint} d`}: ${x.verdict.replace('_', ' ')}${x.design ? ` (${x.design})` : ''}`);
    print(`    ${steps.join(' · ')}`);
    const last = r.reports.at(-1)!;
    if (r.naive?.estimate != null) {
      print(`    adopters vs non-adopters, unadjusted (what a naive comparison reports): ${formatEffect(r.naive.estimate, r.scale)} ${formatInterval(r.naive.low, r.naive.high, r.scale)}`);
      print(`    the design judged: ${formatEffect(last.estimate, r.scale)} ${formatInterval(last.low, last.high, r.scale)}`);
    }
    const flags = last.flags;
    print(`    ${r.agrees ? '✓' : '✗'} planted: ${r.expected.join(' or ')}${flags.length ? `; flags: ${flags.join(', ')}` : ''}`);
  }
}
