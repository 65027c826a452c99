import type { Command } from 'commander';
import { initWorkspace } from '../config/index.js';
import { print, printJson } from './output.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a workspace: cairn.yaml, milestones.yaml (the seed framework), tracking-plan.yaml, launches/')
    .argument('[dir]', 'folder for the workspace', '.')
    .option('--force', 'overwrite existing config files')
    .option('--json', 'print the created files as JSON')
    .action(async (dir: string, opts: { force?: boolean; json?: boolean }) => {
      const { created } = await initWorkspace(dir, { force: opts.force });
      if (opts.json) return printJson({ created });
      for (const f of created) print(`created ${f}`);
      print('\nnext: `cairn import events FILE…` then `cairn stats`');
    });
}
