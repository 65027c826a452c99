/**
 * The demo: an Intercom-like help desk SaaS generated from a seed (accounts, history, events
 * with realistic noise) with a planted ground truth, and the score of a discovery against it.
 */
export { generateDemo, type DemoOptions, type DemoResult } from './generate.js';
export { describeScore, scoreDiscovery, type DiscoveryScore, type PlantedTruth } from './score-discovery.js';
export { DRIFT, type PlantedDrift } from './drift.js';
