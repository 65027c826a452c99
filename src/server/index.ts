/**
 * The server `cairn serve` runs: the collector's endpoints (src/collect/http), `/v1/health`,
 * the admin API behind the admin token, and the in-product checklist (checklist-routes.ts),
 * built as `buildApp(deps)`; `startServer` wires a workspace's store, keys, plan and log to it,
 * runs the scheduler (scheduler.ts) and webhook deliveries, and drains on stop. Only the CLI
 * listens for real.
 */
export { buildApp, type AppOptions } from './app.js';
export { startServer, SERVER_FILE, type RunningServer, type ServeOptions } from './serve.js';
export { Scheduler, type Job, type JobRun } from './scheduler.js';
