import { Worker } from 'node:worker_threads';
import { threadCode } from '../thread-code.js';
import { checkDataset, type Dataset, type ForestModel, type ForestResult } from './forest.js';
import { defaultThreads } from './forest-threads.js';
import type { PermutationMessage, PermutationReply } from './permutation-worker.js';
import { packForest, planBlocks, shuffleImportance, ShuffleEngine, summarize, workArrays, type ShuffleSetup } from './shuffle-engine.js';

/**
 * Working memory for a block of groups, shared by the threads: per row, 12 bytes per group and
 * shuffle (a permutation entry and a running sum) and 8 per column. Groups that do not fit take
 * another pass over the trees.
 */
const BLOCK_BYTES = 128 << 20;
/** Rows × trees × groups below which threads are not worth starting, unless asked for. */
const SMALL_JOB = 2e7;

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
  /**
   * Threads sharing the work (default min(2, cores), or 1 for a small job); 1 runs in-process.
   * Results do not depend on it.
   */
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
  const plan = planBlocks(groups, repeats, n, BLOCK_BYTES);
  const setup: ShuffleSetup = {
    forest: packForest(model.trees, false),
    x,
    y,
    n,
    features,
    groups,
    repeats,
    seed,
    inBag: null,
    blockStarts: plan.blockStarts,
    ...workArrays(plan, n, false),
  };
  return shuffleImportance(setup);
}

/**
 * Out-of-bag permutation importance: the drop in out-of-bag AUC when a feature (or group) is
 * shuffled among the training rows, each row scored only by the trees that did not draw it.
 * `data` must be the data set `fit` was trained on. No rows need holding out, and each tree
 * walks only its ~37% out-of-bag rows. Deterministic for a seed, and the same whatever thread
 * count trained the forest or scores it (the forest and its bootstraps are; threads split each
 * step by rows or by shuffles, never a sum). With no shuffle the scores are exactly
 * `fit.oobProba`, so `baseAuc` is `fit.oobAuc`. Memory: the trees repacked (16 bytes a node),
 * with threads the training values copied to shared memory, and up to 128 MB of working memory.
 */
export async function oobPermutationImportance(
  fit: ForestResult,
  data: Dataset,
  opts: OobPermutationOptions,
): Promise<PermutationImportance> {
  checkDataset(data);
  const { repeats = 5, seed } = opts;
  checkRepeatsAndSeed(repeats, seed);
  if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
    throw new Error(`invalid threads: ${opts.threads}`);
  }
  const { features, rows } = data;
  const { model, inBag } = fit;
  if (features !== model.features) throw new Error(`invalid features: ${features} (model: ${model.features})`);
  if (rows !== inBag.rows) throw new Error(`invalid rows: ${rows} (trained on ${inBag.rows})`);
  if (inBag.trees !== model.trees.length) throw new Error(`invalid inBag trees: ${inBag.trees} (model: ${model.trees.length})`);
  const groups = checkGroups(opts.groups, features);
  // Small jobs (about a third of a second's work) run in-process rather than wait for threads.
  const threads = opts.threads ?? (rows * model.trees.length * groups.length < SMALL_JOB ? 1 : defaultThreads());
  const shared = threads > 1;
  const plan = planBlocks(groups, repeats, rows, BLOCK_BYTES);
  const setup: ShuffleSetup = {
    forest: packForest(model.trees, shared),
    x: shared ? sharedCopy(data.x) : data.x,
    y: data.y,
    n: rows,
    features,
    groups,
    repeats,
    seed,
    inBag: { stride: inBag.stride, words: inBag.words },
    blockStarts: plan.blockStarts,
    ...workArrays(plan, rows, shared),
  };
  return shared ? await shuffleInThreads(setup, threads) : shuffleImportance(setup);
}

function sharedCopy(x: Float64Array): Float64Array {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const copy = new Float64Array(new SharedArrayBuffer(x.byteLength));
  copy.set(x);
  return copy;
}

/**
 * Every phase of every block split over `threads` worker threads (see ShuffleEngine): the
 * threads share one set of working arrays, each drawing some permutations, scoring a range of
 * rows, then computing some AUCs, with this thread waiting between phases.
 */
async function shuffleInThreads(setup: ShuffleSetup, threads: number): Promise<PermutationImportance> {
  const code = threadCode(new URL('./permutation-worker.ts', import.meta.url));
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true }));
  const pending = new Map<Worker, { resolve: (reply: PermutationReply) => void; reject: (err: Error) => void }>();
  for (const worker of workers) {
    const fail = (err: Error) => {
      pending.get(worker)?.reject(err);
      pending.delete(worker);
    };
    worker.on('message', (reply: PermutationReply) => {
      const waiting = pending.get(worker);
      pending.delete(worker);
      if (reply.ok) waiting?.resolve(reply);
      else waiting?.reject(new Error(`permutation thread failed: ${reply.error}`));
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`permutation thread exited: ${code}`)));
  }
  const all = (message: (part: number) => PermutationMessage) =>
    Promise.all(
      workers.map(
        (worker, part) =>
          new Promise<PermutationReply>((resolve, reject) => {
            pending.set(worker, { resolve, reject });
            worker.postMessage(message(part));
          }),
      ),
    );
  try {
    await all(() => ({ kind: 'setup', setup }));
    const engine = new ShuffleEngine(setup); // for the unshuffled AUC, from the shared sums
    const { groups, repeats, blockStarts } = setup;
    const drops = new Float64Array(groups.length * repeats);
    let baseAuc = NaN;
    const parts = threads;
    for (let blk = 0; blk < engine.blocks; blk++) {
      await all((part) => ({ kind: 'prepare', blk, part, parts }));
      await all((part) => ({ kind: 'score', blk, part, parts }));
      if (blk === 0) baseAuc = engine.baseAuc();
      const replies = await all((part) => ({ kind: 'drops', blk, part, parts, baseAuc }));
      replies.forEach((reply, part) => {
        const share = (reply as { drops: Float64Array }).drops;
        for (let cell = part; cell < share.length; cell += parts) drops[blockStarts[blk] * repeats + cell] = share[cell];
      });
    }
    return { ...summarize(drops, groups.length, repeats), baseAuc };
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

