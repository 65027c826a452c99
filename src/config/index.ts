/**
 * src/config owns the workspace's configuration files: finding the workspace, reading
 * cairn.yaml, milestones.yaml and tracking-plan.yaml, validating them against their schemas
 * and the references between entries, and `cairn init`'s templates (examples/intercom/).
 * Every problem is reported as file:line:col, the path in the document and what was
 * expected; all problems of a load are thrown together as one ConfigError.
 * (launches/*.yaml will join here.)
 */

export { ConfigError, formatDiagnostic, type ConfigDiagnostic } from './config-error.js';
export { YamlSource, formatPath, type ConfigPath } from './yaml-source.js';
export { parseConfigText, readConfigFile, type ConfigCheck } from './parse-config-text.js';
export { parseCairnConfig, loadCairnConfig, isInside } from './load-cairn-config.js';
export { parseMilestones, loadMilestones } from './load-milestones.js';
export { parseTrackingPlan, loadTrackingPlan } from './load-tracking-plan.js';
export {
  parseSegmentExpression,
  segmentFields,
  segmentFieldRefs,
  SegmentSyntaxError,
  SegmentExpressionError,
  type SegmentExpr,
  type SegmentLiteral,
  type SegmentCompareOp,
  type SegmentSpan,
  type SegmentFieldRef,
} from './segment-expression.js';
export {
  checkSegment,
  resolveSegmentField,
  segmentLiteral,
  SEGMENT_FIELDS,
  SegmentError,
  type ResolvedField,
  type SegmentFieldCatalog,
  type SegmentFieldType,
} from './segment-fields.js';
export {
  resolveWorkspaceDir,
  loadWorkspace,
  initWorkspace, switchToClickHouse, clickhouseEngineBlock, type ClickHouseInit,
  TEMPLATE_DIR,
  CONFIG_FILE,
  MILESTONES_FILE,
  TRACKING_PLAN_FILE,
  LAUNCHES_DIR,
  type Workspace,
} from './workspace.js';
export {
  cairnConfigSchema,
  DEFAULT_STORE_FILE,
  type CairnConfig,
  type EngineConfig,
  type DuckdbEngineConfig,
  type ClickhouseEngineConfig,
  type RetentionConfig,
  type ReviewConfig,
  REVIEW_PERIODS,
} from './schemas/cairn-config-schema.js';
export {
  milestonesConfigSchema,
  milestoneSchema,
  type MilestonesConfig,
  type Milestone,
  type MilestoneKind,
  type ChecklistMilestone,
  type ThresholdMilestone,
  type PerSeatMilestone,
  type CategoriesMilestone,
  type MaturityCategory,
  type Stage,
} from './schemas/milestones-schema.js';
export { matcherSchema, type Matcher } from './schemas/matcher-schema.js';
export {
  trackingPlanSchema,
  type TrackingPlan,
  type PlannedEvent,
  type MetadataField,
  type Disposition,
} from './schemas/tracking-plan-schema.js';
