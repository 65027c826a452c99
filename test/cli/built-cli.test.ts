/**
 * The built CLI: what `npm install` makes (scripts/build.ts into dist/) and bin/cairn.js runs.
 * Built from a copy of the package, so the copy's sources can be made newer than its build
 * without touching this checkout's; node_modules and examples/ are shared by link.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import type { Metafile } from 'esbuild';
import { buildCli } from '../../scripts/build.js';
import { tempDir } from '../tmp.js';
import { cairn, runBin, type CliRun } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Unset for the child, so bin/cairn.js chooses as in a user's shell. */
const BUILT = { CAIRN_FROM_SOURCES: '' };

/** The source files an output loads before any dynamic import() runs. */
function staticInputs(meta: Metafile, output: string, seen = new Set<string>()): Set<string> {
  seen.add(output);
  const inputs = new Set(Object.keys(meta.outputs[output].inputs));
  for (const imp of meta.outputs[output].imports) {
    if (imp.kind !== 'import-statement' || seen.has(imp.path)) continue;
    if (imp.external) inputs.add(imp.path);
    else for (const i of staticInputs(meta, imp.path, seen)) inputs.add(i);
  }
  return inputs;
}

const same = (built: CliRun, sources: CliRun) => assert.deepEqual(built, sources);

describe('the built CLI', async () => {
  const pkg = join(await tempDir(), 'cairn');
  const bin = join(pkg, 'bin', 'cairn.js');
  const built = (args: string[]) => runBin(bin, args, { env: BUILT });
  const version = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version as string;
  let meta: Metafile;

  before(async () => {
    await mkdir(pkg);
    for (const part of ['src', 'sdk', 'bin', 'package.json']) await cp(join(ROOT, part), join(pkg, part), { recursive: true });
    for (const part of ['node_modules', 'examples']) await symlink(join(ROOT, part), join(pkg, part));
    meta = await buildCli(pkg);
  });

  it('--help loads main.ts, its light helpers and commander, nothing else', () => {
    const entry = Object.keys(meta.outputs).find((o) => o.endsWith('/cairn.js'))!;
    const loaded = [...staticInputs(meta, entry)].filter((i) => !i.startsWith('node:') && !i.includes('node_modules/commander/'));
    assert.deepEqual(loaded.sort(), ['package.json', 'src/cli/choices.ts', 'src/cli/errors.ts', 'src/cli/main.ts', 'src/cli/output.ts', 'src/config/config-error.ts']);
  });

  it('answers --help, --version and bad usage as the sources do', async () => {
    for (const args of [['--help'], ['milestones', '--help'], ['quarantine', 'replay', '--help'], ['--version'], ['milestones', '--bogus'], ['account'], ['funnel', '--by', 'x', '-w', pkg]]) {
      same(await built(args), await cairn(args));
    }
    assert.equal((await built(['--version'])).stdout, `${version}\n`);
    assert.equal((await built(['milestones', '--bogus'])).code, 2);
  });

  it('runs the demo (templates, parser and forest threads) and a verb as the sources do', async () => {
    const ws = join(pkg, 'demo');
    const demo = await built(['demo', '--dir', ws, '--accounts', '400', '--months', '20', '--json']);
    assert.equal(demo.code, 0, demo.stderr);
    const summary = JSON.parse(demo.stdout);
    assert.equal(summary.accounts, 400);
    assert.ok(summary.events > 50_000, `events: ${summary.events}`);
    // 400 accounts are too few for a proposal that beats its null; the forest (threads) still ran.
    const evidence = JSON.parse(await readFile(summary.discovery.files.evidence, 'utf8'));
    assert.ok(evidence.model.refits >= 1 && evidence.model.held_out_auc > 0, JSON.stringify(evidence.model));
    for (const verb of [['milestones', '--json'], ['funnel', '--by', 'plan', '--json'], ['account', 'acc_00007']]) {
      const args = ['-w', ws, ...verb, '--as-of', summary.newest_event_at.slice(0, 10)];
      const run = await built(args);
      assert.equal(run.code, 0, run.stderr);
      same(run, await cairn(args));
    }
  });

  it('bin/cairn.js runs the build while it is fresh, the sources once one changes or when asked', async () => {
    // The copy's package.json names another version, dated before the build: only the sources read it.
    const manifest = join(pkg, 'package.json');
    await writeFile(manifest, JSON.stringify({ ...JSON.parse(await readFile(manifest, 'utf8')), version: '0.0.0-sources' }));
    await utimes(manifest, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const versionOf = async (env: NodeJS.ProcessEnv) => (await runBin(bin, ['--version'], { env })).stdout.trim();
    assert.equal(await versionOf(BUILT), version);
    assert.equal(await versionOf({ CAIRN_FROM_SOURCES: '1' }), '0.0.0-sources');
    await utimes(join(pkg, 'src', 'cli', 'choices.ts'), new Date(), new Date());
    assert.equal(await versionOf(BUILT), '0.0.0-sources');
  });
});
