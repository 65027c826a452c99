/**
 * Statistics: small, pure, tested building blocks. Numbers in, numbers out; never the store.
 * Here now: the Wilson interval, risk difference and ratio, chi-square and Fisher tests for 2×2
 * tables, Benjamini–Hochberg, quantiles with a seeded bootstrap, Cochran–Mantel–Haenszel,
 * Kaplan–Meier, the log-rank test, label permutation tests (stratified, with an AUC null), a
 * random forest classifier, AUC with DeLong's interval, calibration (reliability, Brier,
 * Hosmer–Lemeshow), the population stability index, and for launch outcomes: least squares
 * with clustered errors, logistic regression, Welch differences, difference in differences,
 * segmented regression with AR(1) errors, strata, power and Bonferroni over looks.
 * Distributions come from jstat (normal and t quantiles, log-gamma); chi-square tails are
 * computed here so tiny p-values keep their digits. Errors read "invalid <what>: <value>".
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
export { benjaminiHochberg, holm } from './multiple-comparisons.js';
export { StratifiedShuffler, aucPermutationNull, permutationPValue, strataCodes } from './permutation-test.js';
export { median, quantile, sortedQuantile, quantileOrderInterval } from './quantiles.js';
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
export { bonferroniConfidence } from './multiple-comparisons.js';
export { invertSymmetric } from './symmetric-inverse.js';
export { linearRegression, linearCombination, waldTest, type LinearFit, type CovarianceOption } from './linear-regression.js';
export { logisticRegression, type LogisticFit, type LogisticOptions } from './logistic-regression.js';
export { summarize, meanDifference, type SampleSummary, type Difference } from './mean-difference.js';
export { twoSidedPower } from './power.js';
export { stratifiedDifference, quantileStrata, type Stratum, type StratifiedDifference } from './stratified-difference.js';
export { differenceInDifferences, type PanelRow, type DifferenceInDifferences } from './difference-in-differences.js';
export { segmentedRegression, type SegmentedRegression } from './segmented-regression.js';
export { populationStability } from './population-stability.js';
export { calibration, type Calibration, type CalibrationGroup, type CalibrationRow } from './calibration.js';
export { aucWithInterval } from './auc-interval.js';
