/**
 * Milestones (to come): compiles milestones.yaml into queries over the store; each account's
 * status as of any date and the date each milestone was reached; journey stage; the funnel by
 * cohort; the next best step; segments. Reads the daily rollup where it suffices.
 */
export {};
