#!/usr/bin/env node
// Cairn runs from its TypeScript sources: register the loader, then start the CLI.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`cairn milestones | head`) is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
