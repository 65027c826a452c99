/**
 * src/discover owns discovery backwards from retention (`cairn discover`): retention labels,
 * the time split of signup cohorts (choose on the earlier, judge on the later), the
 * early-behaviour feature matrix, forest importance with bootstrap rank intervals, univariate
 * evidence stratified by plan and cohort, the adoption benchmark, setup steps, activation and
 * utilization thresholds, the maturity split, the label-permutation null check every proposed
 * milestone must pass, landmark validation on the held-out cohorts, and its outputs: a proposed
 * milestones.yaml the engine runs as is, evidence.json and a self-contained HTML report.
 * `discover.ts` runs the whole pipeline; every other file is one step of it.
 */
export { discover, type DiscoverOptions, type DiscoveryResult } from './discover.js';
export { dataAsOf, type DataAsOf } from './data-as-of.js';
export { splitCohorts, type CohortSplit, type SplitAccount, type SplitOptions } from './cohort-split.js';
export type * from './evidence.js';
export { EVIDENCE_VERSION } from './evidence.js';
export { renderDiscoveryReport } from './report-html.js';
export { writeProposal } from './proposal.js';
export { rankSetupSteps, type SetupCandidate, type SetupStepsInput, type SetupStepsOptions } from './setup-steps.js';
export { validateMilestones, type LandmarkMilestone, type ValidationInput, type ValidationOptions } from './validation.js';
export { splitMaturity, type MaturityInput, type MaturityOptions } from './maturity-split.js';
export {
  checkRetentionSettings,
  labelAccounts,
  type LabelledAccount,
  type RetentionKind,
  type RetentionLabels,
  type RetentionSettings,
} from './retention-label.js';
export {
  buildFeatureMatrix,
  columnIndex,
  featureKey,
  FEATURE_MEASURES,
  type FeatureInfo,
  type FeatureMatrix,
  type FeatureMatrixOptions,
  type FeatureMeasure,
  type MatrixAccount,
} from './feature-matrix.js';
export { engagementStrata, BREADTH_BANDS } from './engagement-strata.js';
export {
  univariateEvidence,
  type StratifiedLift,
  type UnivariateEvidence,
  type UnivariateInput,
  type UnivariateOptions,
} from './univariate-evidence.js';
export {
  adoptionBenchmark,
  type AdoptionBenchmark,
  type AdoptionBenchmarkInput,
  type AdoptionBenchmarkOptions,
  type AdoptionFlag,
} from './adoption-benchmark.js';
export {
  rankFeatures,
  type FeatureRanking,
  type RankedFeature,
  type RankFeaturesInput,
  type RankFeaturesOptions,
} from './feature-importance.js';
export {
  searchThreshold,
  type ThresholdChoice,
  type ThresholdGridPoint,
  type ThresholdSearch,
  type ThresholdSearchInput,
  type ThresholdSearchOptions,
  type ThresholdWindow,
} from './threshold-search.js';
