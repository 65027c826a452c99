/**
 * bench/discover part (b): `discover` end to end on the demo at 20,000 accounts over 30 months
 * (~8M events), the size the issue names; goal under 60 s on 2 cores with everything on: 11
 * forests (one fitted on the earlier cohorts and 10 refits on bootstrap samples), 200 bootstrap
 * resamples per threshold and 200 label permutations per null check. The baseline in the same
 * run on the same store is one pass of the milestone engine over the seed framework, so
 * "N× a milestone pass" says what discovery costs against the cheapest full read of the same
 * data (compare ratios between runs on a shared machine), and both report their CPU time,
 * which load does not inflate: on 2 idle cores the wall time lies between CPU / 2 and CPU.
 * Step times come from discover's own progress calls.
 */
import { join } from 'node:path';
import { loadMilestones } from '../src/config/index.js';
import { HELPDESK_DIR } from '../src/config/workspace.js';
import { discover } from '../src/discover/index.js';
import { computeMilestones } from '../src/milestones/index.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { demoStore, option } from './demo-store.js';

const AS_OF = '2026-10-31';
/** User + system CPU of the whole process (worker and DuckDB threads too): what a shared machine's load does not inflate. */
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

export async function run(args: string[]): Promise<void> {
  const accounts = Number(option(args, 'accounts') ?? 20_000);
  const months = Number(option(args, 'months') ?? 30);
  console.log(`\nbench/discover (b): cairn discover end to end, ${accounts.toLocaleString('en-US')} accounts over ${months} months`);
  const store = await DuckDbStore.open({ path: await demoStore(`discover-${accounts}a-${months}m`, { seed: 3, accounts, months }) });
  try {
    const stats = await store.stats();
    const framework = await loadMilestones(join(HELPDESK_DIR, 'milestones.yaml'));
    let t = performance.now();
    let cpu = process.cpuUsage();
    await computeMilestones(store, framework, AS_OF);
    const baseline = (performance.now() - t) / 1000;
    const baselineCpu = cpuSeconds(process.cpuUsage(cpu));

    const steps = new Map<string, number>();
    let step = '';
    let stepStart = performance.now();
    t = performance.now();
    cpu = process.cpuUsage();
    const result = await discover(store, {
      asOf: AS_OF,
      retention: { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 },
      current: framework,
      seed: 1,
      onProgress: (name) => {
        if (name === step) return;
        const now = performance.now();
        if (step) steps.set(step, (steps.get(step) ?? 0) + (now - stepStart) / 1000);
        [step, stepStart] = [name, now];
      },
    });
    const seconds = (performance.now() - t) / 1000;
    const discoverCpu = cpuSeconds(process.cpuUsage(cpu));
    const e = result.evidence;
    console.log(`  ${stats.events.toLocaleString('en-US')} events, ${stats.accounts.toLocaleString('en-US')} accounts; ${e.data.labelled.toLocaleString('en-US')} judged, ${e.data.features} features`);
    console.log(`  discover           ${seconds.toFixed(1)} s  (goal < 60 s); CPU ${discoverCpu.toFixed(1)} s, every thread of the process`);
    for (const [name, s] of steps) console.log(`    ${name.padEnd(26)} ${s.toFixed(1)} s`);
    console.log(`  milestone pass     ${baseline.toFixed(2)} s  (baseline: the engine over the seed framework); CPU ${baselineCpu.toFixed(1)} s`);
    console.log(`  ratio              ${(seconds / baseline).toFixed(1)}× a milestone pass`);
    console.log(`  model              held-out AUC ${e.model?.held_out_auc.toFixed(3)}, OOB AUC ${e.model?.oob_auc.toFixed(3)}`);
    console.log(`  proposal           activation ≥ ${e.activation?.choice.threshold} in ${e.activation?.choice.days} days, utilization ≥ ${e.utilization?.choice.threshold}/seat/month, setup ${e.setup?.steps.length} steps`);
  } finally {
    await store.close();
  }
}
