/**
 * Statistics (to come): small, pure, tested building blocks (Wilson interval, risk ratios,
 * Cochran–Mantel–Haenszel, bootstrap, Kaplan–Meier, log-rank, the random forest). Numbers in,
 * numbers out; never the store. Distributions come from a kept library.
 */
export {};
