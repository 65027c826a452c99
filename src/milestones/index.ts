/**
 * Milestones: compiles milestones.yaml into queries over the store (one daily table of the
 * counts the framework needs, one query per milestone); each account's status as of any date
 * with the day each milestone was reached; journey stage; next best step; the base-wide funnel
 * by cohort; segments. Results depend only on data up to the as-of date.
 */
export { computeMilestones, type AccountStatus, type MilestoneReport, type NextBestStep } from './engine.js';
export { journeyStages, type Stage } from './stages.js';
export { parseDay, addDays, daysBetween, toDay } from './days.js';
export type { MilestoneResult, Day } from './types.js';
export { buildActivityTables, type ActivityTables } from './daily-activity.js';
export { MatcherIds, describeMatcher } from './matchers.js';
export { segmentMembers, accountsMatching, lastActiveDays } from './segment-members.js';
export { milestonesCsv } from './status-csv.js';
export { accountProfile, recentEvents, type AccountProfile, type TimelineEntry, type MonthActivity, type UserMove, type RecentEvent } from './account-profile.js';
export { compileSegment, filterAccounts, DEFAULT_SEGMENT_FIELDS, SegmentError, type AccountRecord } from './segments.js';
export { computeFunnel, share, type Funnel, type FunnelBy, type CohortFigures, type HistoryPoint, type Share } from './funnel.js';
