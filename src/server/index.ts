/**
 * Server (to come): the HTTP API for the dashboard and other tools, auth, and the collector's
 * endpoints, built as `buildApp(deps)`; only the CLI's `serve` listens.
 */
export {};
