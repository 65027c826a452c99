/**
 * src/review owns the periodic review of the framework (`cairn review`): on signup cohorts
 * old enough to judge, whether each milestone still predicts retention (lift with its
 * interval, log-rank), how well the stage sorts accounts (AUC) and how well its retention
 * rates hold (calibration), what drifted (PSI of each milestone and its inputs), each cut
 * re-estimated on recent cohorts; a recommendation per milestone with its evidence and a
 * proposed milestones.yaml diff; when the next review is due. Reports as table, Markdown,
 * JSON and HTML.
 */
export { reviewFramework, type FrameworkReview, type ReviewOptions, type StageReview } from './review-framework.js';
export type { MilestoneReview, Recommendation, RecommendationAction, Lift, DriftRow, StepReview } from './review-milestone.js';
export type { CohortState } from './review-accounts.js';
export { nextReviewDue, reviewCron } from './review-schedule.js';
export { reviewText, reviewMarkdown } from './report-text.js';
export { renderReviewReport } from './report-html.js';
