/**
 * The demo: an Intercom-like help desk SaaS generated from a seed (accounts, history, events
 * with realistic noise) with a planted ground truth — or, in the null world, nothing planted —
 * and the score of a discovery against it; optionally drift in recent cohorts (drift.ts) and
 * three launches with known outcomes (launches.ts).
 */
export { generateDemo, type DemoOptions, type DemoResult } from './generate.js';
export { type DemoWorld } from './planted-model.js';
export { describeScore, scoreDiscovery, type DiscoveryScore, type PlantedTruth, type ThresholdScore } from './score-discovery.js';
export { LAUNCH_EVENTS, LAUNCH_EVENTS_FILE, type PlantedLaunch } from './launches.js';
export { DRIFT, type PlantedDrift } from './drift.js';
