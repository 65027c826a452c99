import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  initWorkspace,
  loadWorkspace,
  parseCairnConfig,
  parseMilestones,
  parseTrackingPlan,
  resolveWorkspaceDir,
  TEMPLATES,
} from '../../src/config/index.js';
import { configErrorOfAsync, lines, summary, tempDir } from './helpers.js';

const made: string[] = [];
const fresh = async () => {
  const dir = await tempDir();
  made.push(dir);
  return dir;
};
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

const template = (name: string, which: keyof typeof TEMPLATES = 'blank') => readFile(path.join(TEMPLATES[which], name), 'utf8');

describe('resolveWorkspaceDir', () => {
  test('prefers the option, then CAIRN_WORKSPACE, then the current folder', () => {
    assert.equal(resolveWorkspaceDir('/a/b', { CAIRN_WORKSPACE: '/env' }, '/cwd'), '/a/b');
    assert.equal(resolveWorkspaceDir('rel', { CAIRN_WORKSPACE: '/env' }, '/cwd'), '/cwd/rel');
    assert.equal(resolveWorkspaceDir(undefined, { CAIRN_WORKSPACE: '/env' }, '/cwd'), '/env');
    assert.equal(resolveWorkspaceDir(undefined, { CAIRN_WORKSPACE: '' }, '/cwd'), '/cwd');
    assert.equal(resolveWorkspaceDir(undefined, {}, '/cwd'), '/cwd');
  });
});

describe('initWorkspace', () => {
  test('writes the three templates and an empty launches folder', async () => {
    const dir = path.join(await fresh(), 'new-workspace');
    const { created } = await initWorkspace(dir);
    assert.deepEqual(created, [
      path.join(dir, 'cairn.yaml'),
      path.join(dir, 'milestones.yaml'),
      path.join(dir, 'tracking-plan.yaml'),
      path.join(dir, 'launches'),
    ]);
    for (const name of ['cairn.yaml', 'milestones.yaml', 'tracking-plan.yaml']) {
      assert.equal(await readFile(path.join(dir, name), 'utf8'), await template(name));
    }
    assert.ok((await stat(path.join(dir, 'launches'))).isDirectory());
    assert.deepEqual(await readdir(path.join(dir, 'launches')), []);
  });

  test('writes a blank workspace for a new product: no milestones yet, a plan that flags what it does not know', async () => {
    const ws = await loadWorkspace(await initWorkspace(path.join(await fresh(), 'mine')).then(({ created }) => path.dirname(created[0])));
    assert.deepEqual(ws.milestones.milestones, {});
    assert.equal(ws.trackingPlan.unplanned, 'flag');
    assert.deepEqual(ws.trackingPlan.events, []);
    assert.doesNotMatch(await template('milestones.yaml'), /conversation/);
  });

  test('writes the help-desk example when asked', async () => {
    const dir = await fresh();
    await initWorkspace(dir, { template: 'helpdesk' });
    for (const name of ['cairn.yaml', 'milestones.yaml', 'tracking-plan.yaml']) {
      assert.equal(await readFile(path.join(dir, name), 'utf8'), await template(name, 'helpdesk'));
    }
    const ws = await loadWorkspace(dir);
    assert.deepEqual(Object.keys(ws.milestones.milestones), ['setup', 'activation', 'utilization', 'maturity']);
  });

  test('refuses to overwrite, names the file and writes nothing', async () => {
    const dir = await fresh();
    await writeFile(path.join(dir, 'milestones.yaml'), 'mine\n');
    const err = await configErrorOfAsync(() => initWorkspace(dir));
    assert.deepEqual(summary(err), [`${path.join(dir, 'milestones.yaml')}:0: : already exists; use --force to overwrite`]);
    assert.ok(err.message.startsWith(path.join(dir, 'milestones.yaml')));
    assert.equal(await readFile(path.join(dir, 'milestones.yaml'), 'utf8'), 'mine\n');
    assert.deepEqual(await readdir(dir), ['milestones.yaml']);
  });

  test('overwrites with force', async () => {
    const dir = await fresh();
    await writeFile(path.join(dir, 'cairn.yaml'), 'version: 1\n');
    const { created } = await initWorkspace(dir, { force: true });
    assert.ok(created.includes(path.join(dir, 'cairn.yaml')));
    assert.equal(await readFile(path.join(dir, 'cairn.yaml'), 'utf8'), await template('cairn.yaml'));
  });
});

describe('loadWorkspace', () => {
  test('round-trips the templates', async () => {
    const dir = await fresh();
    await initWorkspace(dir);
    const ws = await loadWorkspace(path.relative(process.cwd(), dir));
    assert.equal(ws.dir, dir);
    assert.deepEqual(ws.files, {
      config: path.join(dir, 'cairn.yaml'),
      milestones: path.join(dir, 'milestones.yaml'),
      trackingPlan: path.join(dir, 'tracking-plan.yaml'),
    });
    assert.deepEqual(ws.config, parseCairnConfig(await template('cairn.yaml')));
    assert.deepEqual(ws.milestones, parseMilestones(await template('milestones.yaml')));
    assert.deepEqual(ws.trackingPlan, parseTrackingPlan(await template('tracking-plan.yaml')));
    assert.equal(ws.config.engine.kind, 'duckdb');
  });

  test('without cairn.yaml it says to run cairn init', async () => {
    const dir = await fresh();
    const err = await configErrorOfAsync(() => loadWorkspace(dir));
    assert.match(err.message, new RegExp(`no cairn\\.yaml in ${dir}: run \`cairn init ${dir}\``));
  });

  test('a missing milestones.yaml is an error naming it', async () => {
    const dir = await fresh();
    await initWorkspace(dir);
    await rm(path.join(dir, 'milestones.yaml'));
    const err = await configErrorOfAsync(() => loadWorkspace(dir));
    assert.equal(err.diagnostics.length, 1);
    assert.ok(err.message.startsWith(`${path.join(dir, 'milestones.yaml')}: file not found`), err.message);
    assert.match(err.message, /cairn discover/);
  });

  test('problems in several files come back together, each with its file and line', async () => {
    const dir = await fresh();
    await initWorkspace(dir);
    await writeFile(path.join(dir, 'cairn.yaml'), lines('version: 1', 'engine:', '  kind: duckdb', '  file: x.db'));
    await writeFile(
      path.join(dir, 'tracking-plan.yaml'),
      lines('events:', '  - { action: a, object: b }', '  - { action: a, object: b }'),
    );
    const err = await configErrorOfAsync(() => loadWorkspace(dir));
    assert.deepEqual(summary(err), [
      `${path.join(dir, 'cairn.yaml')}:4: engine.file: unknown key 'file' (allowed keys: kind, path, allow_outside_workspace, memory_limit, threads)`,
      `${path.join(dir, 'tracking-plan.yaml')}:3: events[1]: duplicate event (a, b): already declared at line 2 (events[0])`,
    ]);
    assert.ok(err.message.startsWith(`${path.join(dir, 'cairn.yaml')}:4:`));
  });
});

describe('config file size', () => {
  test('a tracking plan over 1 MB is a config error naming the file and its size', async () => {
    const dir = await fresh();
    await initWorkspace(dir);
    let plan = 'unplanned: flag\nevents:\n';
    for (let i = 0; plan.length <= 1.5 * (1 << 20); i++) plan += `  - { action: act${i}, object: obj${i}, metadata: { state: { type: string, enum: [open, closed] } } }\n`;
    await writeFile(path.join(dir, 'tracking-plan.yaml'), plan);
    const err = await configErrorOfAsync(() => loadWorkspace(dir));
    assert.deepEqual(summary(err), [
      `${path.join(dir, 'tracking-plan.yaml')}:0: : the file is 1.5 MB; config files are limited to 1.0 MB (a larger one takes seconds and hundreds of MB to read)`,
    ]);
  });

  test('a file of exactly 1 MB loads', async () => {
    const dir = await fresh();
    await initWorkspace(dir);
    const base = await template('cairn.yaml');
    await writeFile(path.join(dir, 'cairn.yaml'), base + '#'.repeat((1 << 20) - Buffer.byteLength(base) - 1) + '\n');
    assert.equal((await loadWorkspace(dir)).dir, dir);
  });
});
