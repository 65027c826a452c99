/**
 * Which early behaviours predict retention, by random forest, chosen on the earlier cohorts and
 * judged on the later ones:
 *
 * - one fit on every account of the selection set, scored on the held-out set: the held-out AUC
 *   (and the scores its permutation null reuses);
 * - refits on bootstrap samples of the selection set, each measuring importance on the accounts
 *   its sample left out: the drop in AUC when a behaviour is shuffled. A behaviour is shuffled
 *   with all its columns and its place variants at once (grouped permutation), so no column
 *   stands in for another and dilutes it. Its rank is the median of its ranks over the refits and
 *   its interval their 2.5–97.5% quantiles: how much the order moves between samples of accounts.
 *
 * Account facts (plan, seats) go into every fit as covariates, so a count cannot score for
 * measuring the plan; they are shuffled as one group of their own and not ranked with behaviours.
 */
import { auc, mulberry32, permutationImportance, quantile, rankStability, trainForest, type Dataset } from '../stats/index.js';
import { FEATURE_MEASURES, type FeatureMatrix } from './feature-matrix.js';

export interface RankFeaturesInput {
  matrix: FeatureMatrix;
  /** Per matrix row. */
  retained: readonly boolean[];
  /** Rows the forest is fitted and ranked on (the earlier cohorts). */
  selection: Int32Array;
  /** Rows only scored, for the held-out AUC (the later cohorts). */
  heldOut: Int32Array;
  /** Account facts per row (row-major, rows × names.length), e.g. plan one-hot and seats. */
  covariates?: { names: string[]; x: Float64Array };
}

export interface RankFeaturesOptions {
  seed: number;
  /** Trees per fit (default 100). */
  trees?: number;
  /** Refits on bootstrap samples for importance and rank intervals (default 10). */
  refits?: number;
  /** Worker threads per fit (the forest's default if not given). */
  threads?: number;
  /** Shuffles per group in permutation importance, per refit (default 2; the refits average them further). */
  repeats?: number;
  /** Called after each fit (the held-out fit, then each refit). */
  onProgress?: (done: number, total: number) => void;
}

export interface RankedFeature {
  key: string;
  /** Mean over the refits of the drop in AUC, on the accounts each refit's sample left out, when the behaviour is shuffled. */
  importance: number;
  /** Sample SD of that importance over the refits; 0 for one refit. */
  importanceSd: number;
  /** Impurity importance (share of the Gini decrease) of its columns, averaged over refits. */
  impurity: number;
  /** Median of its ranks over the refits (1 = most important among behaviours; ties share mean ranks). */
  rank: number;
  /** 2.5% and 97.5% quantiles of its ranks over the refits. */
  rankLow: number;
  rankHigh: number;
}

export interface FeatureRanking {
  /** Out-of-bag AUC of the held-out fit, on the selection set. */
  oobAuc: number;
  /** AUC of the held-out fit on the held-out accounts. */
  heldOutAuc: number;
  /** Its scores, in `heldOut` order, for the AUC's permutation null. */
  heldOutScores: Float64Array;
  /** Refits that counted (a bootstrap sample holding one outcome only is skipped). */
  refits: number;
  /** Behaviours, most important first (by median rank, then importance). Place variants are ranked with their pair. */
  features: RankedFeature[];
  /** The covariates as one group: importance as for a behaviour; null without covariates. */
  covariates: { names: string[]; importance: number; importanceSd: number } | null;
}

const m = FEATURE_MEASURES.length;

/** Fits, refits and ranks; deterministic for a seed (the forest is, whatever the thread count). */
export async function rankFeatures(input: RankFeaturesInput, opts: RankFeaturesOptions): Promise<FeatureRanking> {
  const { matrix, retained, selection, heldOut, covariates } = input;
  const { seed, trees = 100, refits = 10, repeats = 2, threads, onProgress } = opts;
  if (!Number.isInteger(seed)) throw new Error(`invalid seed: ${seed}`);
  if (!Number.isInteger(trees) || trees < 1) throw new Error(`invalid trees: ${trees}`);
  if (!Number.isInteger(refits) || refits < 1) throw new Error(`invalid refits: ${refits}`);
  if (retained.length !== matrix.rows) throw new Error(`invalid retained length: ${retained.length} (rows = ${matrix.rows})`);
  const featureWidth = matrix.columns.length;
  if (featureWidth !== matrix.features.length * m) throw new Error(`invalid columns: ${featureWidth} (features × ${m} = ${matrix.features.length * m})`);
  const covariateWidth = covariates?.names.length ?? 0;
  if (covariates && covariates.x.length !== matrix.rows * covariateWidth) throw new Error(`invalid covariates length: ${covariates.x.length}`);
  const y = Uint8Array.from(retained, (r) => (r ? 1 : 0));
  for (const [name, rows] of [['selection', selection], ['heldOut', heldOut]] as const) {
    let p = 0;
    for (const r of rows) p += y[r];
    if (p < 2 || rows.length - p < 2) throw new Error(`invalid ${name}: ${p} retained and ${rows.length - p} not (need at least 2 of each)`);
  }

  const { groups, owners } = behaviourGroups(matrix);
  const width = featureWidth + covariateWidth;
  const covariateGroup = covariateWidth > 0 ? [Array.from({ length: covariateWidth }, (_, c) => featureWidth + c)] : [];
  const allGroups = [...groups, ...covariateGroup];
  const data = (rows: ArrayLike<number>): Dataset => {
    const x = new Float64Array(rows.length * width);
    const labels = new Uint8Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k];
      x.set(matrix.x.subarray(r * featureWidth, (r + 1) * featureWidth), k * width);
      if (covariates) x.set(covariates.x.subarray(r * covariateWidth, (r + 1) * covariateWidth), k * width + featureWidth);
      labels[k] = y[r];
    }
    return { rows: rows.length, features: width, x, y: labels };
  };
  const forestOpts = (fitSeed: number) => ({ seed: fitSeed, trees, ...(threads === undefined ? {} : { threads }) });
  const random = mulberry32(seed);
  const total = refits + 1;

  // The held-out fit: every selection account in, every held-out account scored.
  const selectionData = data(selection);
  const heldOutData = data(heldOut);
  const fit = await trainForest(selectionData, forestOpts(Math.floor(random() * 2 ** 31)));
  const heldOutScores = fit.model.predictProba(heldOutData.x, heldOutData.rows);
  onProgress?.(1, total);

  // Refits on bootstrap samples of the selection accounts, importance on the ones each left out.
  const n = selection.length;
  const perRefit: Float64Array[] = [];
  const impurity = new Float64Array(groups.length);
  for (let r = 0; r < refits; r++) {
    const drawn = new Int32Array(n);
    const sample = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * n);
      drawn[k]++;
      sample[i] = selection[k];
    }
    const left = Uint32Array.from(Array.from({ length: n }, (_, i) => i).filter((i) => drawn[i] === 0));
    const fitSeed = Math.floor(random() * 2 ** 31);
    const sampleData = data(sample);
    let p = 0;
    for (const i of left) p += selectionData.y[i];
    if (sampleData.y.every((v) => v === sampleData.y[0]) || p === 0 || p === left.length) continue;
    const refit = await trainForest(sampleData, forestOpts(fitSeed));
    const perm = permutationImportance(refit.model, selectionData, { seed: fitSeed ^ 0x5bd1e995, repeats, rows: left, groups: allGroups });
    perRefit.push(Float64Array.from(perm.mean));
    groups.forEach((cols, g) => {
      for (const c of cols) impurity[g] += refit.impurityImportance[c];
    });
    onProgress?.(r + 2, total);
  }
  if (perRefit.length === 0) throw new Error('invalid data: no bootstrap sample held both outcomes');

  // Ranks among behaviours only, per refit (ties share their mean rank).
  const ranks = perRefit.map((imp) => rankStability([imp.slice(0, groups.length)]).meanRank);
  const stats = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
    return { mean, sd };
  };
  const features = groups
    .map((_, g): RankedFeature & { g: number } => {
      const rs = ranks.map((r) => r[g]);
      const { mean, sd } = stats(perRefit.map((p) => p[g]));
      return {
        g,
        key: matrix.features[owners[g]].key,
        importance: mean,
        importanceSd: sd,
        impurity: impurity[g] / perRefit.length,
        rank: quantile(rs, 0.5),
        rankLow: quantile(rs, 0.025),
        rankHigh: quantile(rs, 0.975),
      };
    })
    .sort((a, b) => a.rank - b.rank || b.importance - a.importance || a.g - b.g)
    .map(({ g: _g, ...f }) => f);
  const cov = covariates ? stats(perRefit.map((p) => p[groups.length])) : null;
  return {
    oobAuc: fit.oobAuc,
    heldOutAuc: auc(heldOutScores, heldOutData.y),
    heldOutScores,
    refits: perRefit.length,
    features,
    covariates: covariates && cov ? { names: covariates.names, importance: cov.mean, importanceSd: cov.sd } : null,
  };
}

/**
 * One group per (action, object) pair: its four columns and those of its place variants, so
 * that shuffling a behaviour leaves no copy of it in place. `owners[g]` is the pair's feature.
 */
function behaviourGroups(matrix: FeatureMatrix): { groups: number[][]; owners: number[] } {
  const pairOf = new Map<string, number>();
  const groups: number[][] = [];
  const owners: number[] = [];
  matrix.features.forEach((f, j) => {
    if (f.place !== null) return;
    pairOf.set(`${f.action} ${f.object}`, groups.length);
    groups.push([]);
    owners.push(j);
  });
  matrix.features.forEach((f, j) => {
    const g = pairOf.get(`${f.action} ${f.object}`);
    if (g === undefined) throw new Error(`invalid matrix: place variant ${f.key} without its pair`);
    for (let c = 0; c < m; c++) groups[g].push(j * m + c);
  });
  return { groups, owners };
}
