/**
 * Discovery (to come): works backwards from retention. The feature matrix, the random forest
 * and its importances, the adoption benchmark, lift with confidence intervals stratified by
 * plan, threshold search, setup-step correlation, and a proposed milestones.yaml with evidence.
 */
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
