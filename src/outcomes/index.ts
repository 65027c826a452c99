/**
 * Outcomes (to come): launches with their expected outcomes declared up front, the
 * instrumentation gate, the feature adoption funnel, and outcome reports at checkpoints.
 */
export {};
