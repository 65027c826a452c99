/**
 * src/stats/forest/ owns Cairn's random forest classifier: quantile binning, CART trees with
 * Gini on histograms, bootstrap and out-of-bag scoring, worker threads, and the importance
 * measures read off a fit (impurity, permutation, rank stability). Pure: typed arrays in,
 * numbers out. A fit is deterministic for a seed whatever the thread count, because every tree
 * draws from its own seed and results are combined in tree order.
 */
import { MAX_BINS, binDataset } from './binning.js';
import { auc } from './auc.js';
import { defaultThreads, growTreesInThreads } from './forest-threads.js';
import { MAX_ROWS, leafOf, treeGrower, type FlatTree, type GrownTree, type TreeParams } from './tree.js';

export type { FlatTree } from './tree.js';

/** Options for {@link trainForest}. */
export interface ForestOptions {
  /** Number of trees (default 100). */
  trees?: number;
  /** Features drawn at every split: a count, or 'sqrt' for ⌊√features⌋ (default). */
  maxFeatures?: number | 'sqrt';
  /** Least bootstrap draws per leaf (default 1). */
  minSamplesLeaf?: number;
  /** Deepest split level, root 0 (default unlimited). */
  maxDepth?: number;
  /** Seed for every random draw; the same seed gives the same forest. */
  seed: number;
  /** Threads growing trees (default min(2, cores)); 1 grows them in-process. */
  threads?: number;
  /** Quantile bins per feature, 2 to 256 (default 64). */
  bins?: number;
}

/** A binary-outcome data set. */
export interface Dataset {
  rows: number;
  features: number;
  /** Row-major values, rows × features, all finite. */
  x: Float64Array;
  /** Outcome per row, 0 or 1. */
  y: Uint8Array;
  featureNames?: string[];
}

/** A fitted forest. */
export interface ForestModel {
  features: number;
  trees: readonly FlatTree[];
  /** Mean over trees of the leaf's share of positives, for row-major `x` (rows × features). */
  predictProba(x: Float64Array, rows: number): Float64Array;
}

export interface ForestResult {
  model: ForestModel;
  /** Prediction from the trees that did not draw each row; NaN where every tree drew it. */
  oobProba: Float64Array;
  /** AUC of oobProba over the rows that have one; NaN without both outcomes. */
  oobAuc: number;
  /** Mean decrease in Gini per feature, normalised to sum 1 (all 0 if no tree split). */
  impurityImportance: Float64Array;
  /** Which training rows each tree drew, for out-of-bag measures (oobPermutationImportance). */
  inBag: InBag;
}

/**
 * Bootstrap membership of every tree as a bitset: row i was drawn by tree t when bit (i & 31) of
 * words[t * stride + (i >>> 5)] is set. One bit per row and tree (2.5 MB for 200 trees × 100,000
 * rows); the draw counts themselves can be replayed with tree.ts's bootstrapCounts.
 */
export interface InBag {
  rows: number;
  trees: number;
  /** Words per tree: ⌈rows / 32⌉. */
  stride: number;
  words: Uint32Array;
}

/** Fits a random forest classifier; see the folder doc above for what "deterministic" covers. */
export async function trainForest(data: Dataset, opts: ForestOptions): Promise<ForestResult> {
  checkDataset(data);
  const { rows, features } = data;
  const { trees = 100, maxFeatures = 'sqrt', minSamplesLeaf = 1, maxDepth = Infinity, seed, bins = 64 } = opts;
  const threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(trees) || trees < 1) throw new Error(`invalid trees: ${trees}`);
  const mtry = maxFeatures === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(features))) : maxFeatures;
  if (!Number.isInteger(mtry) || mtry < 1 || mtry > features) throw new Error(`invalid maxFeatures: ${maxFeatures}`);
  if (!Number.isInteger(minSamplesLeaf) || minSamplesLeaf < 1) throw new Error(`invalid minSamplesLeaf: ${minSamplesLeaf}`);
  if (!(maxDepth === Infinity || (Number.isInteger(maxDepth) && maxDepth >= 0))) throw new Error(`invalid maxDepth: ${maxDepth}`);
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`invalid threads: ${threads}`);
  if (!Number.isInteger(bins) || bins < 2 || bins > MAX_BINS) throw new Error(`invalid bins: ${bins}`);
  if (rows > MAX_ROWS) throw new Error(`invalid rows: ${rows} (at most ${MAX_ROWS})`);

  const binned = binDataset(data.x, data.y, rows, features, bins);
  const params: TreeParams = { maxFeatures: mtry, minSamplesLeaf, maxDepth };
  const seed32 = seed >>> 0;
  const workers = Math.min(threads, trees);
  let grown: GrownTree[];
  if (workers === 1) {
    grown = [];
    const growTree = treeGrower(binned, params, seed32);
    for (let t = 0; t < trees; t++) grown.push(growTree(t));
  } else {
    grown = await growTreesInThreads(binned, params, seed32, trees, workers);
  }

  const model = createForestModel(
    grown.map((g) => g.tree),
    features,
  );
  const { oobProba, inBag } = outOfBag(grown, rows);
  return {
    model,
    oobProba,
    oobAuc: oobAucOf(oobProba, data.y),
    impurityImportance: meanImportance(grown, features),
    inBag,
  };
}

/** Wraps fitted trees (e.g. read back from storage) as a model. */
export function createForestModel(trees: readonly FlatTree[], features: number): ForestModel {
  if (trees.length === 0) throw new Error(`invalid trees: 0`);
  return {
    features,
    trees,
    predictProba(x: Float64Array, rows: number): Float64Array {
      if (!Number.isInteger(rows) || rows < 0) throw new Error(`invalid rows: ${rows}`);
      if (x.length !== rows * features) throw new Error(`invalid x length: ${x.length} (rows × features = ${rows * features})`);
      const sum = new Float64Array(rows);
      // Tree-major keeps one tree's arrays hot in cache across all rows.
      for (const tree of trees) {
        for (let i = 0; i < rows; i++) sum[i] += tree.value[leafOf(tree, x, i, features)];
      }
      for (let i = 0; i < rows; i++) sum[i] /= trees.length;
      return sum;
    },
  };
}

/** Throws unless the data set's shape and outcomes are usable. */
export function checkDataset(data: Dataset): void {
  const { rows, features, x, y } = data;
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`invalid rows: ${rows}`);
  if (!Number.isInteger(features) || features < 1) throw new Error(`invalid features: ${features}`);
  if (x.length !== rows * features) throw new Error(`invalid x length: ${x.length} (rows × features = ${rows * features})`);
  if (y.length !== rows) throw new Error(`invalid y length: ${y.length} (rows = ${rows})`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`invalid x[${i}]: ${x[i]}`);
  for (let i = 0; i < rows; i++) if (y[i] > 1) throw new Error(`invalid y[${i}]: ${y[i]}`);
  if (data.featureNames && data.featureNames.length !== features) {
    throw new Error(`invalid featureNames length: ${data.featureNames.length} (features = ${features})`);
  }
}

/**
 * Each row's mean over the trees that did not draw it, summing in tree order; the trees' threads
 * already found those rows' leaves. Keeps who was drawn as bits.
 */
function outOfBag(grown: GrownTree[], rows: number): { oobProba: Float64Array; inBag: InBag } {
  const stride = (rows + 31) >>> 5;
  const words = new Uint32Array(stride * grown.length);
  const sum = new Float64Array(rows);
  const count = new Uint32Array(rows);
  grown.forEach(({ tree, inBag, oobLeaves }, t) => {
    words.set(inBag, t * stride);
    const value = tree.value;
    for (let i = 0, k = 0; i < rows; i++) {
      if ((inBag[i >>> 5] >>> (i & 31)) & 1) continue;
      sum[i] += value[oobLeaves[k++]];
      count[i]++;
    }
  });
  for (let i = 0; i < rows; i++) sum[i] = count[i] > 0 ? sum[i] / count[i] : NaN;
  return { oobProba: sum, inBag: { rows, trees: grown.length, stride, words } };
}

function oobAucOf(oobProba: Float64Array, y: Uint8Array): number {
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < oobProba.length; i++) {
    if (Number.isNaN(oobProba[i])) continue;
    scores.push(oobProba[i]);
    labels.push(y[i]);
  }
  return auc(scores, labels);
}

/** sklearn's recipe: normalise each tree's decreases to sum 1, average, renormalise. */
function meanImportance(grown: GrownTree[], features: number): Float64Array {
  const mean = new Float64Array(features);
  for (const { importance } of grown) {
    let total = 0;
    for (let f = 0; f < features; f++) total += importance[f];
    if (total > 0) for (let f = 0; f < features; f++) mean[f] += importance[f] / total;
  }
  let total = 0;
  for (let f = 0; f < features; f++) total += mean[f];
  if (total > 0) for (let f = 0; f < features; f++) mean[f] /= total;
  return mean;
}
