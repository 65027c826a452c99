/**
 * Statistics: small, pure, tested building blocks. Numbers in, numbers out; never the store.
 * Here now: the Wilson interval, risk difference and ratio, chi-square and Fisher tests for 2×2
 * tables, Benjamini–Hochberg, quantiles with a seeded bootstrap, Cochran–Mantel–Haenszel,
 * Kaplan–Meier, the log-rank test, a random forest classifier, AUC with DeLong's interval,
 * calibration (reliability, Brier, Hosmer–Lemeshow) and the population stability index. Distributions come from
 * jstat (normal quantile, log-gamma); chi-square tails are computed here so tiny p-values keep
 * their digits. Errors read "invalid <what>: <value>".
 */
export type { Interval } from './interval.js';
export type { Table2x2 } from './table-2x2.js';
export { wilsonInterval } from './wilson-interval.js';
export {
  riskDifference,
  riskRatio,
  chiSquareTest2x2,
  fisherExactTest2x2,
  type RiskRatio,
  type ChiSquareTest,
  type FisherExactTest,
} from './proportion-difference.js';
export { benjaminiHochberg } from './multiple-comparisons.js';
export { median, quantile, bootstrapQuantileInterval, type BootstrapOptions } from './quantiles.js';
export { mulberry32 } from './random.js';
export {
  cochranMantelHaenszel,
  type CochranMantelHaenszel,
  type CochranMantelHaenszelOptions,
} from './cochran-mantel-haenszel.js';
export {
  kaplanMeier,
  logRankTest,
  type SurvivalStep,
  type SurvivalSample,
  type LogRankTest,
} from './kaplan-meier.js';
export { chiSquareUpperTail, normalTwoSidedP, normalCritical, logFactorial } from './distributions.js';
export {
  trainForest,
  createForestModel,
  type ForestOptions,
  type Dataset,
  type ForestModel,
  type ForestResult,
  type FlatTree,
  type InBag,
} from './forest/forest.js';
export {
  permutationImportance,
  oobPermutationImportance,
  type PermutationOptions,
  type OobPermutationOptions,
  type PermutationImportance,
} from './forest/permutation-importance.js';
export { rankStability } from './forest/rank-stability.js';
export { auc } from './forest/auc.js';
export { phiCoefficient } from './correlation.js';
export { populationStability } from './population-stability.js';
export { calibration, type Calibration, type CalibrationGroup, type CalibrationRow } from './calibration.js';
export { aucWithInterval } from './auc-interval.js';
