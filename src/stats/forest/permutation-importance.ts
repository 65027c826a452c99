import { Worker } from 'node:worker_threads';
import { threadCode } from '../thread-code.js';
import { checkDataset, type Dataset, type ForestModel, type ForestResult } from './forest.js';
import { defaultThreads } from './forest-threads.js';
import type { PermutationReply } from './permutation-worker.js';
import { packForest, shuffleImportance, type ShuffleJob, type ShuffleResult } from './shuffle-engine.js';

/**
 * Working memory for blocks of groups, shared by the threads: per row, 12 bytes per group and
 * shuffle (a permutation entry and a running sum) and 8 per column. More groups per block means
 * fewer walks to each leaf.
 */
const BLOCK_BYTES = 128 << 20;

/** Options for {@link permutationImportance}. */
export interface PermutationOptions {
  /** Shuffles per feature or group (default 5). */
  repeats?: number;
  /** Seed for the shuffles. */
  seed: number;
  /** Rows to evaluate on, e.g. held out from training (default all). */
  rows?: Uint32Array;
  /**
   * Column groups, each shuffled as one: its columns get the same row permutation, as for one
   * feature measured by several columns. Results are then per group, in this order. Default:
   * every column on its own (the same as `[[0], [1], …]`, shuffle for shuffle).
   */
  groups?: readonly (readonly number[])[];
}

/** Options for {@link oobPermutationImportance}. */
export interface OobPermutationOptions {
  /** Shuffles per feature or group (default 5). */
  repeats?: number;
  /** Seed for the shuffles. */
  seed: number;
  /** Column groups shuffled as one; see {@link PermutationOptions.groups}. */
  groups?: readonly (readonly number[])[];
  /** Threads sharing the groups (default min(2, cores)); 1 runs in-process. Results do not depend on it. */
  threads?: number;
}

/** Drop in AUC per feature (or group): mean and sample SD over the repeats (SD 0 for one repeat). */
export interface PermutationImportance {
  mean: Float64Array;
  sd: Float64Array;
  /** AUC before any shuffle. */
  baseAuc: number;
}

/**
 * Drop in AUC when one feature's values (or one group's columns, together) are shuffled among
 * the evaluated rows. A row's tree prediction can only change where its path tests a shuffled
 * column and the shuffled value takes the other branch, so only those rows are walked again,
 * from that node. Sums run in tree order, so scores (and their ties) match predictProba's.
 * In-process (synchronous); memory: the evaluated rows copied, the trees repacked (16 bytes a
 * node) and up to 128 MB of working memory (see BLOCK_BYTES; more groups than fit take extra
 * passes over the trees).
 */
export function permutationImportance(model: ForestModel, data: Dataset, opts: PermutationOptions): PermutationImportance {
  checkDataset(data);
  const { repeats = 5, seed } = opts;
  checkRepeatsAndSeed(repeats, seed);
  const features = data.features;
  if (features !== model.features) throw new Error(`invalid features: ${features} (model: ${model.features})`);
  const groups = checkGroups(opts.groups, features);
  const picked = opts.rows ?? Uint32Array.from({ length: data.rows }, (_, i) => i);
  for (let k = 0; k < picked.length; k++) {
    if (picked[k] >= data.rows) throw new Error(`invalid rows[${k}]: ${picked[k]}`);
  }

  // Copy the evaluated rows so the caller's arrays are never touched.
  const n = picked.length;
  const x = new Float64Array(n * features);
  const y = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    x.set(data.x.subarray(picked[k] * features, (picked[k] + 1) * features), k * features);
    y[k] = data.y[picked[k]];
  }
  const forest = packForest(model.trees, false);
  const groupIds = groups.map((_, g) => g);
  const job: ShuffleJob = { forest, x, y, n, features, groups, groupIds, repeats, seed, inBag: null, blockBytes: BLOCK_BYTES };
  return shuffleImportance(job);
}

/**
 * Out-of-bag permutation importance: the drop in out-of-bag AUC when a feature (or group) is
 * shuffled among the training rows, each row scored only by the trees that did not draw it.
 * `data` must be the data set `fit` was trained on. No rows need holding out, and each tree
 * walks only its ~37% out-of-bag rows. Deterministic for a seed, and the same whatever thread
 * count trained the forest or scores it (the forest and its bootstraps are; threads share the
 * groups, each drawing exactly its groups' shuffles). With no shuffle the scores are exactly
 * `fit.oobProba`, so `baseAuc` is `fit.oobAuc`. Memory: the trees repacked (16 bytes a node),
 * with threads the training values copied to shared memory, and up to 128 MB of working memory
 * split between the threads.
 */
export async function oobPermutationImportance(
  fit: ForestResult,
  data: Dataset,
  opts: OobPermutationOptions,
): Promise<PermutationImportance> {
  checkDataset(data);
  const { repeats = 5, seed } = opts;
  checkRepeatsAndSeed(repeats, seed);
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`invalid threads: ${threads}`);
  const { features, rows } = data;
  const { model, inBag } = fit;
  if (features !== model.features) throw new Error(`invalid features: ${features} (model: ${model.features})`);
  if (rows !== inBag.rows) throw new Error(`invalid rows: ${rows} (trained on ${inBag.rows})`);
  if (inBag.trees !== model.trees.length) throw new Error(`invalid inBag trees: ${inBag.trees} (model: ${model.trees.length})`);
  const groups = checkGroups(opts.groups, features);
  const workers = Math.min(threads, groups.length);
  const shared = workers > 1;
  const forest = packForest(model.trees, shared);
  const job: ShuffleJob = {
    forest,
    x: shared ? sharedCopy(data.x) : data.x,
    y: data.y,
    n: rows,
    features,
    groups,
    groupIds: groups.map((_, g) => g),
    repeats,
    seed,
    inBag: { stride: inBag.stride, words: inBag.words },
    blockBytes: Math.floor(BLOCK_BYTES / workers),
  };
  if (!shared) return shuffleImportance(job);
  // Groups dealt round-robin, so strong and weak features spread evenly over the threads.
  const shares = Array.from({ length: workers }, (_, w) => job.groupIds.filter((g) => g % workers === w));
  const results = await runInThreads(shares.map((groupIds) => ({ ...job, groupIds })));
  const mean = new Float64Array(groups.length);
  const sd = new Float64Array(groups.length);
  shares.forEach((groupIds, w) => {
    groupIds.forEach((g, k) => {
      mean[g] = results[w].mean[k];
      sd[g] = results[w].sd[k];
    });
  });
  return { mean, sd, baseAuc: results[0].baseAuc };
}

function sharedCopy(x: Float64Array): Float64Array {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const copy = new Float64Array(new SharedArrayBuffer(x.byteLength));
  copy.set(x);
  return copy;
}

/** One worker thread per job; resolves with their results in job order. */
async function runInThreads(jobs: ShuffleJob[]): Promise<ShuffleResult[]> {
  const code = threadCode(new URL('./permutation-worker.ts', import.meta.url));
  const workers = jobs.map(() => new Worker(code, { eval: true }));
  try {
    return await Promise.all(
      workers.map(
        (worker, w) =>
          new Promise<ShuffleResult>((resolve, reject) => {
            worker.once('message', (reply: PermutationReply) => {
              if (reply.ok) resolve(reply.result);
              else reject(new Error(`permutation thread failed: ${reply.error}`));
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`permutation thread exited: ${code}`)));
            worker.postMessage(jobs[w]);
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function checkRepeatsAndSeed(repeats: number, seed: number): void {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`invalid repeats: ${repeats}`);
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
}

/** The groups as typed arrays (one per column when not given), or throws. */
function checkGroups(groups: readonly (readonly number[])[] | undefined, features: number): Int32Array[] {
  if (groups === undefined) return Array.from({ length: features }, (_, f) => Int32Array.of(f));
  if (groups.length === 0) throw new Error(`invalid groups: empty`);
  return groups.map((group, k) => {
    if (group.length === 0) throw new Error(`invalid groups[${k}]: empty`);
    const seen = new Set<number>();
    for (const column of group) {
      if (!Number.isInteger(column) || column < 0 || column >= features) {
        throw new Error(`invalid groups[${k}]: column ${column} (features = ${features})`);
      }
      if (seen.has(column)) throw new Error(`invalid groups[${k}]: column ${column} twice`);
      seen.add(column);
    }
    return Int32Array.from(group);
  });
}

