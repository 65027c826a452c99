/**
 * Which early behaviours predict retention, by random forest: several seeded fits, each trained
 * on 70% of the accounts and scored on the other 30%, so every importance is measured on rows
 * the forest never saw. Importance is the drop in held-out AUC when a feature is shuffled, its
 * four columns together (grouped permutation): shuffled one at a time, a feature's other
 * measures stand in for the shuffled one and its importance is diluted.
 */
import { auc, mulberry32, permutationImportance, rankStability, trainForest, type Dataset } from '../stats/index.js';
import { FEATURE_MEASURES, type FeatureMatrix } from './feature-matrix.js';

export interface RankFeaturesOptions {
  seed: number;
  /** Trees per fit (default 100). */
  trees?: number;
  /** Fits, each on its own seeded split, for the mean and the rank interval (default 5). */
  seeds?: number;
  /** Worker threads per fit (the forest's default if not given). */
  threads?: number;
  /** Shuffles per column in permutation importance (default 3). */
  repeats?: number;
  /** Called after each fit. */
  onProgress?: (done: number, total: number) => void;
}

export interface RankedFeature {
  key: string;
  /** Mean over the fits of the held-out drop in AUC when the feature's four columns are shuffled together. */
  importance: number;
  /** Sample SD of that importance over the fits; 0 for one fit. */
  importanceSd: number;
  /** Impurity importance (share of the Gini decrease), summed over its columns, averaged over fits. */
  impurity: number;
  /** 1 = most important, by mean importance (ties broken by matrix order). */
  rank: number;
  /** 2.5% and 97.5% quantiles of the feature's rank over the fits (ties share mean ranks). */
  rankLow: number;
  rankHigh: number;
}

export interface FeatureRanking {
  /** Mean over the fits of the forest's out-of-bag AUC on its training rows. */
  oobAuc: number;
  /** Mean over the fits of the AUC on the held-out 30%. */
  heldOutAuc: number;
  /** Per-fit held-out AUC. */
  heldOutAucs: number[];
  fits: number;
  features: RankedFeature[];
}

const HOLD_OUT = 0.3;

/**
 * Ranks the matrix's features by how much the forest's held-out AUC drops when each is
 * shuffled. Deterministic for a seed (the forest is deterministic whatever the thread count).
 */
export async function rankFeatures(matrix: FeatureMatrix, retained: readonly boolean[], opts: RankFeaturesOptions): Promise<FeatureRanking> {
  const { seed, trees = 100, seeds = 5, repeats = 3, threads, onProgress } = opts;
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
  if (!Number.isInteger(trees) || trees < 1) throw new Error(`invalid trees: ${trees}`);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`invalid seeds: ${seeds}`);
  if (retained.length !== matrix.rows) throw new Error(`invalid retained length: ${retained.length} (rows = ${matrix.rows})`);
  const width = matrix.columns.length;
  const m = FEATURE_MEASURES.length;
  if (width !== matrix.features.length * m) throw new Error(`invalid columns: ${width} (features × ${m} = ${matrix.features.length * m})`);
  const nFeatures = matrix.features.length;
  if (nFeatures === 0) return { oobAuc: NaN, heldOutAuc: NaN, heldOutAucs: [], fits: 0, features: [] };

  const y = Uint8Array.from(retained, (r) => (r ? 1 : 0));
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i] ? positives : negatives).push(i);
  if (positives.length < 2 || negatives.length < 2) {
    throw new Error(`invalid retained: ${positives.length} retained and ${negatives.length} not (need at least 2 of each)`);
  }
  const data: Dataset = { rows: matrix.rows, features: width, x: matrix.x, y };
  // A feature's four columns (used, count, active days, per seat) measure one behaviour of one
  // account, and the forest splits its signal among whichever of them it happens to pick:
  // shuffling them as one credits the behaviour once, whatever column carried it.
  const groups = matrix.features.map((_, f) => Array.from({ length: m }, (_, c) => f * m + c));

  const random = mulberry32(seed);
  const perFit: Float64Array[] = [];
  const impurity = new Float64Array(nFeatures);
  const oobAucs: number[] = [];
  const heldOutAucs: number[] = [];
  for (let fit = 0; fit < seeds; fit++) {
    // A stratified split, so both outcomes are held out in proportion.
    const held: number[] = [];
    const train: number[] = [];
    for (const group of [positives, negatives]) {
      const order = shuffled(group, random);
      const k = Math.max(1, Math.min(group.length - 1, Math.round(group.length * HOLD_OUT)));
      held.push(...order.slice(0, k));
      train.push(...order.slice(k));
    }
    held.sort((a, b) => a - b);
    train.sort((a, b) => a - b);
    const fitSeed = Math.floor(random() * 2 ** 31);

    const trainData = subset(data, train);
    const forest = await trainForest(trainData, { seed: fitSeed, trees, ...(threads === undefined ? {} : { threads }) });
    oobAucs.push(forest.oobAuc);
    const heldData = subset(data, held);
    heldOutAucs.push(auc(forest.model.predictProba(heldData.x, heldData.rows), heldData.y));
    const perm = permutationImportance(forest.model, heldData, { seed: fitSeed ^ 0x5bd1e995, repeats, groups });
    perFit.push(Float64Array.from(perm.mean));
    for (let f = 0; f < nFeatures; f++) {
      for (let c = 0; c < m; c++) impurity[f] += forest.impurityImportance[f * m + c] / seeds;
    }
    onProgress?.(fit + 1, seeds);
  }

  const stability = rankStability(perFit);
  const mean = (values: number[]): number => {
    const finite = values.filter(Number.isFinite);
    return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
  };
  const ranked = matrix.features.map((info, f) => {
    const values = perFit.map((p) => p[f]);
    const importance = values.reduce((a, b) => a + b, 0) / seeds;
    const importanceSd = seeds > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - importance) ** 2, 0) / (seeds - 1)) : 0;
    return { f, key: info.key, importance, importanceSd, impurity: impurity[f], rankLow: stability.low[f], rankHigh: stability.high[f] };
  });
  ranked.sort((a, b) => b.importance - a.importance || a.f - b.f);
  const features: RankedFeature[] = ranked.map(({ key, importance, importanceSd, impurity, rankLow, rankHigh }, i) => ({
    key,
    importance,
    importanceSd,
    impurity,
    rank: i + 1,
    rankLow,
    rankHigh,
  }));
  return { oobAuc: mean(oobAucs), heldOutAuc: mean(heldOutAucs), heldOutAucs, fits: seeds, features };
}

function shuffled(values: readonly number[], random: () => number): number[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function subset(data: Dataset, rows: readonly number[]): Dataset {
  const w = data.features;
  const x = new Float64Array(rows.length * w);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    x.set(data.x.subarray(r * w, (r + 1) * w), k * w);
    y[k] = data.y[r];
  });
  return { rows: rows.length, features: w, x, y };
}
