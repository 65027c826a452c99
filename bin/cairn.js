#!/usr/bin/env node
// Cairn runs from its TypeScript sources: register the loader, then start the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
