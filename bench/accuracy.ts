/**
 * bench/accuracy: discovery scored against the truth the demo planted, over many worlds.
 *
 *   npm run bench -- accuracy [--seeds 20] [--null-seeds 20] [--sizes 1500,3000,6000] [--trees 100] [--refits 10]
 *
 * Each seed generates a planted world (decoys, modest drivers, a trend and a step in retention,
 * confounding by fit, use fading before churn, place variants) of one of `sizes` accounts over
 * 30 months, imports it and runs discovery twice on the same store:
 *
 * - A, as a new user would: no framework at all, so discovery finds the core action, the
 *   categories and everything else from the data. Scored: precision and recall of the planted
 *   causes in the top 10, drivers against decoys, traps and false flags, setup and maturity.
 * - B, told only what activation and utilization count (closed conversations; resolved ones per
 *   seat), not windows, thresholds or anything else: the planted thresholds against the
 *   intervals (discovery's own core action in A may be another, equally predictive one).
 *
 * Then `--null-seeds` null worlds (the same behaviour, nothing planted) count how often anything
 * is proposed. The baseline in the same runs: a random ranking (precision = causes / behaviours,
 * driver-vs-decoy AUC 0.5) and the choices without the null check (what would have been proposed
 * had every chosen milestone been kept, as before the check existed).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importAccountHistory, importAccounts, importEvents } from '../src/collect/index.js';
import { parseMilestones } from '../src/config/index.js';
import { generateDemo, scoreDiscovery, type DemoWorld, type DiscoveryScore, type PlantedTruth, type ThresholdScore } from '../src/demo/index.js';
import { discover, type DiscoveryEvidence } from '../src/discover/index.js';
import { wilsonInterval } from '../src/stats/index.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { option } from './demo-store.js';

const AS_OF = '2026-10-31';
const RETENTION = { kind: 'still_customer', days: 365, dormantDays: 30, earlyDays: 90 } as const;
/** What activation and utilization count in the demo, and nothing else (run B). */
const COUNTED = parseMilestones(`milestones:
  activation: { kind: threshold, count: { action: closed, object: conversation }, within_days: 90, at_least: 1 }
  utilization: { kind: per_seat, count: { action: closed, object: conversation, metadata: { state: resolved } }, per_month_per_seat_at_least: 1 }
`);

interface Run {
  seed: number;
  accounts: number;
  judged: number;
  seconds: number;
  a: DiscoveryScore;
  b: DiscoveryScore;
  /** Milestones chosen, whether or not they beat their null (run A). */
  chosen: string[];
}

export async function run(args: string[]): Promise<void> {
  const seeds = Number(option(args, 'seeds') ?? 20);
  const nullSeeds = Number(option(args, 'null-seeds') ?? seeds);
  const sizes = (option(args, 'sizes') ?? '1500,3000,6000').split(',').map(Number);
  const trees = Number(option(args, 'trees') ?? 100);
  const refits = Number(option(args, 'refits') ?? 10);
  console.log(`\nbench/accuracy: discovery against the planted truth, ${seeds} planted and ${nullSeeds} null worlds of ${sizes.join(' / ')} accounts over 30 months`);

  const planted: Run[] = [];
  for (let s = 0; s < seeds; s++) {
    const accounts = sizes[s % sizes.length];
    const seed = 1000 + s;
    const t = performance.now();
    const { store, truth } = await world('planted', seed, accounts);
    try {
      const common = { asOf: AS_OF, retention: RETENTION, seed: 1, trees, refits };
      const a = await discover(store, { ...common, current: null });
      const b = await discover(store, { ...common, current: COUNTED });
      const r: Run = {
        seed,
        accounts,
        judged: a.evidence.data.labelled,
        seconds: (performance.now() - t) / 1000,
        a: scoreDiscovery(a.evidence, truth),
        b: scoreDiscovery(b.evidence, truth),
        chosen: chosen(a.evidence),
      };
      planted.push(r);
      console.log(`  ${line(r)}`);
    } finally {
      await store.close();
    }
  }

  const nulls: { seed: number; accounts: number; proposed: string[]; chosen: string[]; auc: number; p: number }[] = [];
  for (let s = 0; s < nullSeeds; s++) {
    const accounts = sizes[s % sizes.length];
    const seed = 2000 + s;
    const { store } = await world('null', seed, accounts);
    try {
      const e = (await discover(store, { asOf: AS_OF, retention: RETENTION, seed: 1, trees, refits, current: null })).evidence;
      const r = { seed, accounts, proposed: e.verdict.proposed, chosen: chosen(e), auc: e.model?.held_out_auc ?? NaN, p: e.model?.null_test.p_value ?? NaN };
      nulls.push(r);
      console.log(`  null world ${seed} (${accounts} accounts): proposed ${r.proposed.join(', ') || 'nothing'}; forest held-out AUC ${r.auc.toFixed(3)} (p ${r.p.toFixed(3)}); without the null check: ${r.chosen.join(', ') || 'nothing'}`);
    } finally {
      await store.close();
    }
  }
  summarize(planted, nulls);
}

/** A demo world in an in-memory store, its files removed once imported. */
async function world(kind: DemoWorld, seed: number, accounts: number): Promise<{ store: DuckDbStore; truth: PlantedTruth }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-accuracy-'));
  try {
    const demo = await generateDemo({ dir, seed, accounts, months: 30, world: kind, noise: false });
    const store = await DuckDbStore.open({ path: ':memory:' });
    await importAccounts(store, demo.files.accounts);
    await importAccountHistory(store, demo.files.accountHistory);
    await importEvents(store, demo.files.events);
    return { store, truth: JSON.parse(await readFile(demo.files.groundTruth, 'utf8')) as PlantedTruth };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Milestones a choice was made for (what would be proposed without the null check). */
function chosen(e: DiscoveryEvidence): string[] {
  return (['setup', 'activation', 'utilization', 'maturity'] as const).filter((n) => {
    const m = e[n];
    return m !== null && (n !== 'setup' || e.setup!.steps.length > 0) && (n !== 'maturity' || e.maturity!.mature_in_at_least > 0);
  });
}

const f2 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));
const threshold = (t: ThresholdScore | null) =>
  !t || t.proposed === null ? 'not proposed' : `${t.proposed} [${t.interval?.[0]}–${t.interval?.[1]}]${t.comparable ? (t.covered ? ' ✓' : ' ✗') : ` (${t.counts})`}`;

function line(r: Run): string {
  return (
    `seed ${r.seed} (${r.accounts} accounts, ${r.judged} judged, ${r.seconds.toFixed(0)} s): proposed ${r.a.proposed.join(', ') || 'nothing'}; ` +
    `top 10 precision ${f2(r.a.top.precision)} recall ${f2(r.a.top.recall)}; drivers > decoys ${f2(r.a.driver_vs_decoy_auc)}; ` +
    `by engagement-stratified lift: precision ${f2(r.a.by_engagement.precision)}, drivers > decoys ${f2(r.a.by_engagement.driver_vs_decoy_auc)}; ` +
    `activation A ${threshold(r.a.activation)}, B ${threshold(r.b.activation)}; utilization B ${threshold(r.b.utilization)}; ` +
    `setup ${r.a.setup.found.length}/${r.a.setup.effective.length} of ${r.a.setup.chosen.length}; maturity ${r.a.maturity.found.length}/${r.a.maturity.planted.length}, decoys mature ${r.a.maturity.wrongly_mature.length}; ` +
    `flags on causes ${r.a.flagged_causes.length}, niche flags not planted ${r.a.false_niche_flags.length}`
  );
}

const sizes = (runs: Run[]) => [...new Set(runs.map((r) => r.accounts))].sort((a, b) => a - b);

function summarize(planted: Run[], nulls: { proposed: string[]; chosen: string[] }[]): void {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const nums = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));
  const share = (k: number, n: number) => {
    const w = wilsonInterval(k, n);
    return `${k}/${n} = ${(100 * (k / n)).toFixed(0)}% [95% CI ${(100 * w.low).toFixed(0)}–${(100 * w.high).toFixed(0)}%]`;
  };
  console.log(`\nsummary over ${planted.length} planted worlds`);
  const precision = nums(planted.map((r) => r.a.top.precision));
  const recall = nums(planted.map((r) => r.a.top.recall));
  const chance = mean(planted.map((r) => r.a.top.causes.length / r.a.ranked));
  console.log(`  top 10 precision            mean ${f2(mean(precision))} (min ${f2(Math.min(...precision))}), goal ≥ 0.8; a random ranking: ${f2(chance)}`);
  console.log(`  top 10 recall               mean ${f2(mean(recall))} (min ${f2(Math.min(...recall))}), goal ≥ 0.8`);
  const auc = nums(planted.map((r) => r.a.driver_vs_decoy_auc));
  console.log(`  driver-vs-decoy rank AUC    mean ${f2(mean(auc))} (min ${f2(Math.min(...auc))}); chance 0.50`);
  const bySize = (pick: (r: Run) => number | null) =>
    sizes(planted).map((n) => `${f2(mean(nums(planted.filter((r) => r.accounts === n).map(pick))))} at ${n}`).join(', ');
  console.log(`  by size: precision ${bySize((r) => r.a.top.precision)}; drivers > decoys ${bySize((r) => r.a.driver_vs_decoy_auc)}`);
  const e = planted.map((r) => r.a.by_engagement);
  console.log(
    `  ordered by lift within plan and breadth instead: precision ${f2(mean(nums(e.map((x) => x.precision))))}, recall ${f2(mean(nums(e.map((x) => x.recall))))}, ` +
      `drivers > decoys ${f2(mean(nums(e.map((x) => x.driver_vs_decoy_auc))))} (${bySize((r) => r.a.by_engagement.driver_vs_decoy_auc)})`,
  );
  const traps = planted.flatMap((r) => r.a.traps);
  console.log(`  traps flagged as planted    ${share(traps.filter((t) => t.flagged).length, traps.length)}`);
  const often = (keys: string[]) =>
    [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 6)
      .map(([k, n]) => `${k} (${n})`)
      .join(', ') || 'none';
  const causes = planted.flatMap((r) => r.a.flagged_causes);
  const niche = planted.flatMap((r) => r.a.false_niche_flags);
  const ubiquitous = planted.flatMap((r) => r.a.other_ubiquitous);
  console.log(`  false flags: planted causes flagged ${causes.length} (${often(causes)}); premium niche not planted ${f2(niche.length / planted.length)} a world (${often(niche)})`);
  console.log(`  other ubiquitous flags       ${f2(ubiquitous.length / planted.length)} a world, routine features used by > 95% (${often(ubiquitous)})`);
  for (const [name, pick] of [
    ['activation, A (own core action)', (r: Run) => r.a.activation],
    ['activation, B (told what to count)', (r: Run) => r.b.activation],
    ['utilization, B (told what to count)', (r: Run) => r.b.utilization],
  ] as const) {
    const scores = planted.map(pick).filter((t): t is ThresholdScore => t !== null && t.proposed !== null);
    const comparable = scores.filter((t) => t.comparable);
    const errors = nums(comparable.map((t) => t.relative_error));
    console.log(
      `  ${name.padEnd(36)} proposed in ${scores.length}/${planted.length}, comparable in ${comparable.length}; ` +
        `interval covers the planted value: ${share(comparable.filter((t) => t.covered).length, comparable.length)} (goal ≥ 90%); ` +
        `bias ${f2(mean(errors.map((e) => e * 100)))}% (mean |error| ${f2(mean(errors.map((e) => Math.abs(e) * 100)))}%)`,
    );
  }
  const setupRecall = mean(planted.map((r) => r.a.setup.found.length / r.a.setup.effective.length));
  console.log(`  setup steps that raise activation chosen: mean ${f2(setupRecall)}; precision of the steps chosen ${f2(mean(nums(planted.map((r) => r.a.setup.precision))))}`);
  console.log(`  maturity features recovered  mean ${f2(mean(planted.map((r) => r.a.maturity.found.length / Math.max(1, r.a.maturity.planted.length))))} of the planted mature features; decoys or traps called mature ${f2(mean(planted.map((r) => r.a.maturity.wrongly_mature.length)))} a world`);
  console.log(`  time                          mean ${f2(mean(planted.map((r) => r.seconds)))} s a world (generate, import, two discoveries)`);
  if (nulls.length) {
    console.log(`\nnull worlds: proposed anything in ${share(nulls.filter((n) => n.proposed.length > 0).length, nulls.length)} (goal ≤ 5%)`);
    console.log(`  without the null check (every chosen milestone kept): ${share(nulls.filter((n) => n.chosen.length > 0).length, nulls.length)}`);
  }
}
