/**
 * src/config owns the workspace's configuration files: finding the workspace, reading
 * cairn.yaml, milestones.yaml, tracking-plan.yaml and launches/*.yaml, validating them against
 * their schemas and the references between entries, and the templates of `cairn init`
 * (examples/blank/ and the help-desk example, examples/helpdesk/) and `cairn launch new`
 * (examples/launch-template.yaml).
 * Every problem is reported as file:line:col, the path in the document and what was
 * expected; all problems of a load are thrown together as one ConfigError.
 */

export { ConfigError, formatDiagnostic, type ConfigDiagnostic } from './config-error.js';
export { YamlSource, formatPath, type ConfigPath } from './yaml-source.js';
export { parseConfigText, readConfigFile, type ConfigCheck } from './parse-config-text.js';
export { parseCairnConfig, loadCairnConfig, isInside } from './load-cairn-config.js';
export { readSecretFile, SecretError } from './secret-file.js';
export { parseMilestones, loadMilestones } from './load-milestones.js';
export { parseTrackingPlan, loadTrackingPlan } from './load-tracking-plan.js';
export { parseLaunch, loadLaunch, loadLaunches, launchFile, scaffoldLaunch, LAUNCH_SEGMENT_CATALOG, type Launch } from './load-launch.js';
export {
  launchSchema,
  LAUNCH_SEGMENT_FIELDS,
  IMPACT_KINDS,
  type LaunchConfig,
  type OutcomeMetric,
  type Expectation,
  type LaunchEvents,
  type ImpactKind,
} from './schemas/launch-schema.js';
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
  TEMPLATES,
  HELPDESK_DIR,
  type TemplateName,
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
  type WebhooksConfig,
  type WebhookEndpointConfig,
  type WebhookEventType,
  type ChecklistConfig,
  type SchedulerConfig,
  REVIEW_PERIODS,
  WEBHOOK_EVENTS,
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
