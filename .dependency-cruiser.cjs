/**
 * The layers as rules (ARCHITECTURE.md): faces (cli, server, web) → features (collect,
 * milestones, discover, review, outcomes, webhooks, demo) → core (store, config, model, stats). Run by
 * `npm run lint:deps`, which CI runs with the tests.
 */
const FEATURES = '(collect|milestones|discover|review|outcomes|webhooks|demo)';
const FACES = '(cli|server|web)';
const CORE = '(store|config|model|stats)';
const ENGINES = '^src/store/(duckdb|clickhouse)/';

module.exports = {
  forbidden: [
    {
      name: 'core-imports-upward',
      comment: 'core (store, config, model, stats) never imports a feature or a face',
      severity: 'error',
      from: { path: `^src/${CORE}/` },
      to: { path: `^src/(${FEATURES.slice(1, -1)}|${FACES.slice(1, -1)})/` },
    },
    {
      name: 'feature-imports-face',
      comment: 'a feature never imports a face',
      severity: 'error',
      from: { path: `^src/${FEATURES}/` },
      to: { path: `^src/${FACES}/` },
    },
    {
      name: 'past-the-index',
      comment: "another folder's feature (or the server) is reached only through its index.ts",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: `^src/(${FEATURES.slice(1, -1)}|server)/`, pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'engine-outside-composition-root',
      comment: 'only the composition root (src/cli/workspace.ts) picks a concrete engine',
      severity: 'error',
      from: { path: '^src/', pathNot: [ENGINES, '^src/cli/workspace\\.ts$'] },
      to: { path: ENGINES },
    },
    {
      name: 'engine-imports-other-engine',
      comment: 'engines share code through src/store, never with each other',
      severity: 'error',
      from: { path: '^src/store/([^/]+)/' },
      to: { path: ENGINES, pathNot: ['^src/store/$1/'] },
    },
    {
      name: 'engine-driver-outside-engine',
      comment: 'database drivers are imported only inside their engine folder',
      severity: 'error',
      from: { path: '^src/', pathNot: [ENGINES] },
      to: { path: 'node_modules/(@duckdb/node-api|@clickhouse/client|chdb)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
