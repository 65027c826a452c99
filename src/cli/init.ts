import type { Command } from 'commander';
import { initWorkspace, TEMPLATES, type TemplateName } from '../config/index.js';
import { oneOf } from './errors.js';
import { print, printJson } from './output.js';

const EXAMPLES = Object.keys(TEMPLATES).filter((t) => t !== 'blank') as TemplateName[];

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a workspace for your product: cairn.yaml, an empty milestones.yaml (cairn discover proposes one), a tracking plan that flags what it does not know, launches/')
    .argument('[dir]', 'folder for the workspace', '.')
    .option('--example <name>', `start from an example instead: ${EXAMPLES.join(', ')} (the demo help desk's tracking plan and framework)`)
    .option('--force', 'overwrite existing config files')
    .option('--json', 'print the created files as JSON')
    .action(async (dir: string, opts: { example?: string; force?: boolean; json?: boolean }) => {
      const template = opts.example === undefined ? 'blank' : oneOf('--example', opts.example, EXAMPLES);
      const { created } = await initWorkspace(dir, { force: opts.force, template });
      if (opts.json) return printJson({ created, template });
      for (const f of created) print(`created ${f}`);
      if (template === 'blank') {
        print('\nnext: `cairn import events FILE…` and `cairn import accounts FILE`, then `cairn stats` and `cairn discover` to propose milestones from your data');
      } else {
        print(`\nthe ${template} example: its tracking plan and milestones describe the demo product; next: \`cairn import events FILE…\` then \`cairn stats\``);
      }
    });
}
