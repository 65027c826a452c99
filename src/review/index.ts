/**
 * Review (to come): the periodic check that each milestone still predicts retention on recent
 * cohorts, and drift in thresholds and steps.
 */
export {};
