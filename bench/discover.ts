/**
 * bench/discover: the pieces of milestone discovery.
 *
 *   npm run bench -- discover [--part forest|e2e|all] [--workload usage|synthetic]
 *                             [--sizes 15000,75000] [--trees 100] [--repeats 5] [--rounds 1]
 *                             [--no-importance] [--sklearn-perm] [--keep]
 *
 * Part "forest": our random forest against scikit-learn's RandomForestClassifier on the same
 * seeded matrix of 80 columns. Workload "usage" (the default) is shaped like discovery's feature
 * matrix: per behaviour used, count, active days and count per seat, plus seats and plan flags;
 * about 65% zeros, heavy-tailed counts (sizes 15,000 and 75,000, 100 trees by default).
 * Workload "synthetic" is continuous: informative, redundant and noise columns, 10% of labels
 * flipped (sizes 20,000 and 100,000, 200 trees by default). A size is the number of training
 * rows; a quarter as many more are held out for the test AUC. Both parts are written to CSV
 * under bench/.data so scikit-learn reads the very same values (at most 4 decimals, so the text
 * round-trips exactly). Ours and scikit-learn's fits alternate (1 thread, then 2), `--rounds`
 * times, and the median of each is reported, wall time and CPU time of the whole process (CPU
 * time moves less when other work shares the machine; the load average is printed). Then our
 * out-of-bag permutation importance (every column, `--repeats` shuffles) is timed against our
 * fit, unless `--no-importance`. `--sklearn-perm` also times
 * scikit-learn's permutation_importance (held-out rows, roc_auc, same repeats) for the first
 * size.
 *
 * The baseline needs scikit-learn: `apt-get install -y python3-sklearn` installs it for Debian's
 * /usr/bin/python3 (a pyenv `python3` on PATH will not see it; the bench tries $PYTHON, then
 * python3, then /usr/bin/python3). Without it only our figures are printed.
 *
 * Part "e2e": discovery end to end, in bench/discover-e2e.ts (its `run(args)`); "all" runs both.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { once } from 'node:events';
import { auc, mulberry32, oobPermutationImportance, permutationImportance, trainForest, type Dataset } from '../src/stats/index.js';

const DATA = new URL('./.data/', import.meta.url).pathname;
const SKLEARN_SCRIPT = new URL('./sklearn_forest.py', import.meta.url).pathname;
const FEATURES = 80;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const part = option(args, 'part') ?? 'forest';
  if (!['forest', 'e2e', 'all'].includes(part)) throw new Error(`invalid --part: ${part} (forest, e2e or all)`);
  if (part === 'forest' || part === 'all') await runForest(args);
  if (part === 'e2e' || part === 'all') await runE2e(args);
}

/** The end-to-end part lives in its own file, bench/discover-e2e.ts. */
async function runE2e(args: string[]): Promise<void> {
  await (await import('./discover-e2e.js')).run(args);
}

// ---------------------------------------------------------------------------------------------
// Part (a): the forest

/** Standard normal draws (Box–Muller) from a seeded generator. */
function normals(random: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * rows × 80, seeded. Columns 0–7 informative (continuous, counts and a binary flag, acting
 * through main effects, an interaction, a sine and a square), 8–15 redundant (two informative
 * columns mixed plus noise), 16–79 noise (normals, heavy-tailed counts, binaries of varied
 * rates). P(y = 1) = logistic(signal); then 10% of labels are flipped. Values are rounded to 4
 * decimals, like measured data, which also makes the CSV text exact.
 */
export function syntheticForestData(rows: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const normal = normals(random);
  const x = new Float64Array(rows * FEATURES);
  const y = new Uint8Array(rows);
  const rateOf = (f: number) => 0.05 + ((f * 37) % 90) / 100; // binary noise rates 5%–94%
  const row = new Float64Array(FEATURES);
  for (let i = 0; i < rows; i++) {
    // Informative.
    row[0] = normal();
    row[1] = normal();
    row[2] = Math.floor(Math.exp(0.8 * normal() + 1)); // a count
    row[3] = normal();
    row[4] = normal();
    row[5] = random() * 4 - 2;
    row[6] = random() < 0.3 ? 1 : 0; // a flag
    row[7] = Math.floor(random() * 30); // days active of 30
    // Redundant: two informative columns mixed, plus noise.
    for (let k = 0; k < 8; k++) row[8 + k] = 0.7 * row[k] + 0.5 * row[(k + 3) % 8] + 0.6 * normal();
    // Noise.
    for (let f = 16; f < 48; f++) row[f] = normal();
    for (let f = 48; f < 64; f++) row[f] = Math.floor(Math.exp(normal() * 1.2));
    for (let f = 64; f < FEATURES; f++) row[f] = random() < rateOf(f) ? 1 : 0;
    const signal =
      1.5 * row[0] +
      1.0 * row[1] -
      0.5 * Math.min(row[2], 12) +
      1.8 * row[3] * row[4] +
      1.4 * Math.sin(2 * row[5]) +
      1.2 * row[6] +
      0.09 * (row[7] - 15) +
      0.6;
    let label = random() < 1 / (1 + Math.exp(-signal)) ? 1 : 0;
    if (random() < 0.1) label = 1 - label;
    y[i] = label;
    for (let f = 0; f < FEATURES; f++) x[i * FEATURES + f] = Math.round(row[f] * 1e4) / 1e4;
  }
  return { rows, features: FEATURES, x, y };
}

/** Behaviours ((action, object) pairs) in the usage workload, four measures each. */
const BEHAVIOURS = 19;
/** Days in the early window the usage workload's activity is counted over. */
const WINDOW_DAYS = 30;

/**
 * rows × 80, seeded, shaped like discovery's feature matrix: 19 behaviours × (used, count,
 * active days, count per seat), then seats and three plan flags. Accounts adopt a behaviour with
 * its own base rate (8%–75%) raised by a latent engagement, so about 65% of cells are 0; counts
 * are heavy-tailed (log-normal, growing with engagement and seats). Retention depends on a few
 * columns — behaviour 2's count as a step at 20, behaviour 5's active days, behaviour 8's
 * count per seat, the top plan — and on an unobserved company fit, then 5% of labels flip.
 */
export function usageForestData(rows: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const normal = normals(random);
  const x = new Float64Array(rows * FEATURES);
  const y = new Uint8Array(rows);
  const logit = (p: number) => Math.log(p / (1 - p));
  const baseLogit = Array.from({ length: BEHAVIOURS }, (_, b) => logit(0.08 + (0.67 * ((b * 7) % BEHAVIOURS)) / (BEHAVIOURS - 1)));
  const logScale = Array.from({ length: BEHAVIOURS }, (_, b) => 0.5 + ((b * 5) % BEHAVIOURS) / 8); // median counts 1.6–15
  const row = new Float64Array(FEATURES);
  for (let i = 0; i < rows; i++) {
    const engagement = normal();
    const fit = normal();
    const u = random();
    const plan = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
    const seats = 1 + Math.floor(Math.exp(0.9 * normal() + 0.4 * plan + 0.3 * fit));
    row.fill(0);
    for (let b = 0; b < BEHAVIOURS; b++) {
      if (random() >= 1 / (1 + Math.exp(-(baseLogit[b] + 0.9 * engagement - 0.5)))) continue;
      const count = Math.ceil(Math.exp(logScale[b] + 1.1 * normal() + 0.5 * engagement + 0.3 * Math.log(seats)));
      const days = Math.min(count, WINDOW_DAYS, 1 + Math.floor(random() * Math.min(count, WINDOW_DAYS)));
      row[4 * b] = 1;
      row[4 * b + 1] = count;
      row[4 * b + 2] = days;
      row[4 * b + 3] = Math.round((count / seats) * 1e4) / 1e4;
    }
    row[4 * BEHAVIOURS] = seats;
    for (let p = 1; p <= 3; p++) row[4 * BEHAVIOURS + p] = plan === p ? 1 : 0;
    const signal =
      (row[4 * 2 + 1] >= 20 ? 1.5 : 0) +
      0.1 * row[4 * 5 + 2] +
      1.0 * Math.log1p(row[4 * 8 + 3]) +
      (plan === 3 ? 0.5 : 0) +
      0.6 * fit -
      1.5;
    let label = random() < 1 / (1 + Math.exp(-signal)) ? 1 : 0;
    if (random() < 0.05) label = 1 - label;
    y[i] = label;
    x.set(row, i * FEATURES);
  }
  return { rows, features: FEATURES, x, y };
}

const WORKLOADS = {
  usage: { generate: usageForestData, sizes: '15000,75000', trees: 100, describe: 'product usage (counts, 65% zeros)' },
  synthetic: { generate: syntheticForestData, sizes: '20000,100000', trees: 200, describe: 'synthetic continuous' },
};

function sliceRows(data: Dataset, start: number, end: number): Dataset {
  const f = data.features;
  return { rows: end - start, features: f, x: data.x.slice(start * f, end * f), y: data.y.slice(start, end) };
}

async function writeCsv(path: string, data: Dataset): Promise<void> {
  const out = createWriteStream(path);
  const header = Array.from({ length: data.features }, (_, f) => `f${f}`).join(',') + ',y\n';
  out.write(header);
  let chunk = '';
  for (let i = 0; i < data.rows; i++) {
    const cells: string[] = [];
    for (let f = 0; f < data.features; f++) cells.push(String(data.x[i * data.features + f]));
    chunk += cells.join(',') + ',' + data.y[i] + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** A python that has scikit-learn: $PYTHON, python3, or the system's. */
function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

interface SklearnRun {
  fit_seconds: number;
  fit_cpu_seconds: number;
  test_auc: number;
  perm_seconds?: number;
}

function runSklearn(python: string, train: string, test: string, trees: number, jobs: number, permRepeats = 0): SklearnRun {
  const out = spawnSync(
    python,
    [SKLEARN_SCRIPT, train, test, '--trees', String(trees), '--jobs', String(jobs), '--perm-repeats', String(permRepeats)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (out.status !== 0) throw new Error(`scikit-learn run failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as SklearnRun;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const secs = (values: number[]): string =>
  values.length === 1 ? `${values[0].toFixed(2)} s` : `${median(values).toFixed(2)} s (${values.map((v) => v.toFixed(2)).join(', ')})`;

async function runForest(args: string[]): Promise<void> {
  const workload = option(args, 'workload') ?? 'usage';
  if (!(workload in WORKLOADS)) throw new Error(`invalid --workload: ${workload} (usage or synthetic)`);
  const { generate, sizes: defaultSizes, trees: defaultTrees, describe } = WORKLOADS[workload as keyof typeof WORKLOADS];
  const sizes = (option(args, 'sizes') ?? defaultSizes).split(',').map(Number);
  const trees = Number(option(args, 'trees') ?? defaultTrees);
  const repeats = Number(option(args, 'repeats') ?? 5);
  const rounds = Number(option(args, 'rounds') ?? 1);
  const sklearnPerm = args.includes('--sklearn-perm');
  const skipImportance = args.includes('--no-importance');
  await mkdir(DATA, { recursive: true });
  const python = findPython();
  console.log(`bench/discover (a): our forest vs scikit-learn, ${trees} trees, max_features sqrt, ${FEATURES} features, ${describe}`);
  console.log(`  load average at start ${loadavg().map((l) => l.toFixed(1)).join(', ')} (${availableParallelism()} cores)`);
  if (!python) {
    console.log('  scikit-learn not found (tried $PYTHON, python3, /usr/bin/python3): printing our figures only.');
    console.log('  Install it with `apt-get install -y python3-sklearn` (or `pip install scikit-learn`).');
  }

  for (const [index, size] of sizes.entries()) {
    const testRows = Math.round(size / 4);
    const all = generate(size + testRows, 7);
    const train = sliceRows(all, 0, size);
    const test = sliceRows(all, size, size + testRows);
    const trainCsv = join(DATA, `discover-forest-${workload}-${size}-train.csv`);
    const testCsv = join(DATA, `discover-forest-${workload}-${size}-test.csv`);
    await writeCsv(trainCsv, train);
    await writeCsv(testCsv, test);
    let positives = 0;
    for (let i = 0; i < size; i++) positives += train.y[i];
    let zeros = 0;
    for (const v of train.x) if (v === 0) zeros++;
    console.log(
      `\n  ${size.toLocaleString('en-US')} training rows × ${FEATURES} (${((100 * positives) / size).toFixed(1)}% positive, ` +
        `${((100 * zeros) / train.x.length).toFixed(1)}% zeros), ${testRows.toLocaleString('en-US')} test rows`,
    );

    const ours: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const theirs: Record<1 | 2, number[]> = { 1: [], 2: [] };
    // CPU seconds of the whole process (every thread): on a shared machine they move less than wall time.
    const oursCpu: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const theirsCpu: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const oursAuc: Record<1 | 2, number> = { 1: NaN, 2: NaN };
    const theirsAuc: Record<1 | 2, number> = { 1: NaN, 2: NaN };
    let fit!: Awaited<ReturnType<typeof trainForest>>;
    let identical = true;
    let reference: Float64Array | undefined;
    for (let round = 0; round < rounds; round++) {
      for (const threads of [1, 2] as const) {
        const t = performance.now();
        const cpu = process.cpuUsage();
        fit = await trainForest(train, { seed: 1, trees, threads });
        ours[threads].push((performance.now() - t) / 1000);
        const used = process.cpuUsage(cpu);
        oursCpu[threads].push((used.user + used.system) / 1e6);
        oursAuc[threads] = auc(fit.model.predictProba(test.x, test.rows), test.y);
        if (reference === undefined) reference = fit.oobProba;
        else identical &&= fit.oobProba.every((p, i) => Object.is(p, reference![i]));
        if (python) {
          const result = runSklearn(python, trainCsv, testCsv, trees, threads);
          theirs[threads].push(result.fit_seconds);
          theirsCpu[threads].push(result.fit_cpu_seconds);
          theirsAuc[threads] = result.test_auc;
        }
      }
    }
    const fit1 = median(ours[1]);
    const cpuOf = (values: number[]) => `CPU ${median(values).toFixed(2)} s`;
    console.log(`  ours, 1 thread     fit ${secs(ours[1])}, ${cpuOf(oursCpu[1])}  test AUC ${oursAuc[1].toFixed(4)}  OOB AUC ${fit.oobAuc.toFixed(4)}`);
    console.log(
      `  ours, 2 threads    fit ${secs(ours[2])}, ${cpuOf(oursCpu[2])}  test AUC ${oursAuc[2].toFixed(4)}  ` +
        `(same forest as 1 thread: ${identical ? 'yes' : 'NO'})`,
    );
    if (python) {
      console.log(`  sklearn, n_jobs=1  fit ${secs(theirs[1])}, ${cpuOf(theirsCpu[1])}  test AUC ${theirsAuc[1].toFixed(4)}`);
      console.log(`  sklearn, n_jobs=2  fit ${secs(theirs[2])}, ${cpuOf(theirsCpu[2])}  test AUC ${theirsAuc[2].toFixed(4)}`);
      console.log(
        `  ratio (ours / sklearn fit time)  1 thread ${(fit1 / median(theirs[1])).toFixed(2)}×, ` +
          `2 threads ${(median(ours[2]) / median(theirs[2])).toFixed(2)}×;  ` +
          `CPU, 1 thread ${(median(oursCpu[1]) / median(theirsCpu[1])).toFixed(2)}×;  ` +
          `test AUC ours − sklearn ${(oursAuc[1] - theirsAuc[1]).toFixed(4)}`,
      );
    }
    if (!skipImportance) {
      // Out-of-bag permutation importance of every column (1 and 2 threads), then grouped by 4
      // columns, then held out on the test rows, on the last fit.
      const oobSeconds: Record<1 | 2, number> = { 1: NaN, 2: NaN };
      let oob!: Awaited<ReturnType<typeof oobPermutationImportance>>;
      for (const threads of [1, 2] as const) {
        const t = performance.now();
        oob = await oobPermutationImportance(fit, train, { seed: 2, repeats, threads });
        oobSeconds[threads] = (performance.now() - t) / 1000;
      }
      const groups = Array.from({ length: FEATURES / 4 }, (_, g) => [4 * g, 4 * g + 1, 4 * g + 2, 4 * g + 3]);
      let t = performance.now();
      await oobPermutationImportance(fit, train, { seed: 2, repeats, groups, threads: 1 });
      const groupedSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      permutationImportance(fit.model, test, { seed: 2, repeats });
      const heldOutSeconds = (performance.now() - t) / 1000;
      const top = [...oob.mean.keys()].sort((a, b) => oob.mean[b] - oob.mean[a]).slice(0, 8);
      console.log(
        `  OOB permutation importance (${FEATURES} columns × ${repeats} repeats)  1 thread ${oobSeconds[1].toFixed(2)} s ` +
          `(${(oobSeconds[1] / fit1).toFixed(2)}× the fit), 2 threads ${oobSeconds[2].toFixed(2)} s ` +
          `(${(oobSeconds[2] / median(ours[2])).toFixed(2)}× the fit);  top 8 columns: ${top.join(', ')}`,
      );
      console.log(`  the same, grouped (${groups.length} groups of 4 columns), 1 thread  ${groupedSeconds.toFixed(2)} s`);
      console.log(`  held-out permutation importance (${testRows.toLocaleString('en-US')} test rows), 1 thread  ${heldOutSeconds.toFixed(2)} s`);
      if (python && sklearnPerm && index === 0) {
        const result = runSklearn(python, trainCsv, testCsv, trees, 1, repeats);
        console.log(
          `  sklearn permutation_importance (${testRows.toLocaleString('en-US')} test rows, roc_auc, ${repeats} repeats, n_jobs=1)  ` +
            `${result.perm_seconds!.toFixed(2)} s;  ours held out / sklearn ${(heldOutSeconds / result.perm_seconds!).toFixed(3)}×`,
        );
      }
    }
    if (!args.includes('--keep')) {
      for (const file of [trainCsv, testCsv]) for (const path of [file, `${file}.npy`]) await rm(path, { force: true });
    }
  }
}
