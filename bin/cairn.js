#!/usr/bin/env node
// @ts-check
// Runs the CLI built into dist/ when it is fresh (see built-cli.js), else the TypeScript sources through tsx.
import { builtCli } from './built-cli.js';

// A reader that stops early (`cairn milestones | head`) is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const built = builtCli();
if (!built) (await import('tsx/esm/api')).register();
const { main } = await import(built ?? '../src/cli/main.ts');
process.exitCode = await main(process.argv);
