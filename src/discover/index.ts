/**
 * Discovery (to come): works backwards from retention. The feature matrix, the random forest
 * and its importances, the adoption benchmark, lift with confidence intervals stratified by
 * plan, threshold search, setup-step correlation, and a proposed milestones.yaml with evidence.
 */
export {};
