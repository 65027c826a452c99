/**
 * Outcomes owns what happens after a launch: launch files' declarations recorded before launch
 * (pre-registration, amendments, exploratory metrics) in the launch ledger, the instrumentation
 * gate, the feature's weekly adoption funnel, outcome reports at checkpoints (the strongest
 * design the data allow, graded, with intervals valid over every checkpoint, placebos and
 * power), the anti-patterns, what is due, and sharing reports to Slack-compatible webhooks.
 * Every function returns plain JSON-safe data for the CLI, the API and the dashboard
 * (`launchesPage` is the dashboard's Launches page whole).
 * All SQL is in outcome-queries.ts; statistics come from src/stats.
 */
export { buildOutcomeReport, launchFunnel, readFeedback, type OutcomeReport, type MeasuredMetric, type FeedbackNote, type ReportOptions, type ReportWorkspace } from './outcome-report.js';
export { checkInstrumentation, launchMatchers, type GateResult, type GateProblem, type GateEvent } from './instrumentation-gate.js';
export { adoptionFunnel, FUNNEL_STAGES, type AdoptionFunnel, type FunnelWeek, type FunnelStage, type StageShare } from './adoption-funnel.js';
export { checkpointStatus, antiPatterns, GRACE_DAYS, type AntiPattern, type Flag, type CheckpointStatus } from './anti-patterns.js';
export { launchesDue, type DueList, type DueLaunch } from './launch-due.js';
export { launchesPage, type LaunchesPage, type LaunchesPageEntry } from './launches-page.js';
export { renderMarkdown } from './report-markdown.js';
export { renderHtml } from './report-html.js';
export { reportContract, effect as formatEffect, interval as formatInterval } from './report-format.js';
export { shareReport, resendFailed, resolveWebhook, slackPayload, postWithRetry, ShareError, type Webhook, type RetryOptions, type PostResult } from './slack-share.js';
export { decideVerdict, type Verdict, type VerdictInput } from './verdict.js';
export type { Measurement } from './measure-metric.js';
export { launchBucket } from './population.js';
export type { DesignResult, DesignName, Grade, Placebo, GroupValue } from './design-result.js';
export {
  syncDeclaration,
  declarationOf,
  declarationHash,
  canonicalJson,
  preregistration,
  recordReport,
  recordShare,
  failedShares,
  launchLedger,
  type LaunchLedger,
  type Declaration,
  type Amendment,
  type Preregistration,
  type ReportRecord,
  type ShareRecord,
} from './ledger.js';
export { appendLedger, readLedger, type LedgerRow } from './outcome-queries.js';
