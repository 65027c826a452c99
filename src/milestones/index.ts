/**
 * Milestones: compiles milestones.yaml into queries over the store (one daily table of the
 * counts it needs, one query per milestone); each account's status as of any date with the
 * day each milestone was reached; journey stage; next best step; the base-wide funnel by
 * cohort; segments; the in-product checklist's view of an account. Results depend only on
 * data up to the as-of date. Every word a person reads about the framework (labels,
 * definitions, changes) comes from its one language, language.ts.
 *
 * Materialized statuses: `refreshStatuses` keeps account_status and milestone_status as of a
 * day (today by default) for the framework in effect, after imports, after collector
 * generations (`StatusRefresher`, debounced) and on demand (`cairn refresh`); readers use
 * them when current (`statusesAsOf`) and compute otherwise. Behind a collector a refresh
 * costs what arrived, not what is stored: each generation's events are counted by the
 * framework's matchers as they are logged (`EventTally`) and each counted account is advanced
 * from the statuses the refresher last wrote (`StatusAdvancer`, every kind tested equal to a
 * new pass on every engine); only what counts cannot settle is computed from the data. Every framework a refresh used is
 * kept in framework_versions (its hash and the day it took effect). A list of them (the API's
 * accounts page) sorts and counts in SQL (`statusPage`) or on one key read alone (`statusKeys`), then reads its page's
 * rows in full, a segment expression being an SQL condition (`segmentCondition`); `accountProfile` is one account for a person, its recorded history included.
 *
 * The milestone_changes feed — the contract for readers such as webhooks:
 * - Each refresh appends what changed since the last one: per account, a milestone reached
 *   or lost, or a stage moved to (`kind` 'stage', `name` the stage now, `previous` the stage
 *   before; `change` 'reached' forward, 'lost' back). `day` is when it happened: the reached
 *   day (late data can put it in the past) or, for a loss, the refresh's as-of day.
 * - `seq` is unique and increasing in the order rows were committed: a reader keeps the last
 *   seq it handled and asks `changesAfter(store, seq)`; every row committed later has a larger
 *   seq. A refresh's rows are committed together, ordered by day then account. Numbers are
 *   the refresh's id × SEQ_PER_REFRESH + 1, 2, … (store.ts changeSeq): refreshes run one at a
 *   time per store, across processes (`Store.withStatusRefresh`), and no two share an id, so
 *   no two rows share a seq on any engine (on ClickHouse, see clickhouse-refresh-claims.ts).
 * - `cause`: 'backfill' for the history a new workspace is given on its first refresh (as if
 *   refreshed day by day since each signup), 'framework' when a new milestones.yaml moved
 *   accounts, 'data' otherwise. Notify on 'data'; the others are not news to a customer.
 * - `framework_version` names the version (framework_versions) that judged the change.
 * - Rows are never updated or deleted.
 *
 * Segment entries and exits are a second feed, segment_changes, kept after each status
 * refresh by `refreshSegments` (its contract is in segment-changes.ts).
 */
export { computeMilestones, computeStateOn, frameworkMatchers, StatusAdvancer, type AccountStatus, type MilestoneReport, type NextBestStep } from './engine.js';
export { EventTally, type CountedDay } from './event-tally.js';
export { journeyStages, type Stage } from './stages.js';
export { frameworkLanguage, FrameworkLanguage, type MilestoneTerm, type StageTerm, type SegmentTerm, type ChangeWords } from './language.js';
export { milestoneLabel, milestoneDefinition } from './terms.js';
export { accountChecklist, type AccountChecklist } from './account-checklist.js';
export { parseDay, addDays, daysBetween, toDay } from './days.js';
export { matcherCondition, needsRawEvents } from './matchers.js';
export type { MilestoneResult, Day } from './types.js';
export { buildActivityTables, type ActivityTables } from './daily-activity.js';
export { MatcherIds, describeMatcher } from './matchers.js';
export { segmentMembers, accountsMatching, lastActiveDays, lastActiveDaysOf } from './segment-members.js';
export { segmentCondition, type SegmentCondition } from './segment-sql.js';
export { refreshSegments, segmentChangesAfter, segmentHistory, feedHeads, type SegmentChange, type SegmentRefreshSummary } from './segment-changes.js';
export { statusCount, statusKeys, statusPage, STATUS_KEY_COLUMNS, type StatusKey, type StatusKeyColumn, type StatusKeyFilter } from './status-keys.js';
export { milestonesCsv } from './status-csv.js';
export { accountProfile, recentEvents, type AccountProfile, type TimelineEntry, type MonthActivity, type UserMove, type RecentEvent } from './account-profile.js';
export { compileSegment, filterAccounts, DEFAULT_SEGMENT_FIELDS, SegmentError, type AccountRecord } from './segments.js';
export { computeFunnel, share, type Funnel, type FunnelAccount, type FunnelStatuses, type FunnelBy, type CohortFigures, type HistoryPoint, type Share } from './funnel.js';
export {
  refreshStatuses,
  statusesAsOf,
  materializedStatuses,
  materializedFunnelStatuses,
  currentStatuses,
  statusState,
  markStatusesStale,
  today,
  STATUS_STALE_CHECKPOINT,
  type RefreshOptions,
  type RefreshSummary,
  type StatusBasis,
  type SourcedReport,
  type StatusState,
} from './refresh-statuses.js';
export { StatusRefresher, type StatusRefresherOptions, type RefreshRecord } from './status-refresher.js';
export { readStatusRows, countStatusRows, type StatusFilter } from './status-rows.js';
export { statusChanges, type StatusChange, type StatusSnapshot } from './status-changes.js';
export { milestoneHistory, changesAfter, type MilestoneChange } from './milestone-history.js';
export { frameworkHash, frameworkVersions, currentFrameworkVersion, versionOf, type FrameworkVersion } from './framework-version.js';
