import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminToken, WriteKeyError, WriteKeys } from '../../src/collect/http/keys.js';
import { ConfigError } from '../../src/config/index.js';
import { tempDir } from '../tmp.js';

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe('write keys', async () => {
  const ws = await tempDir();
  const file = join(ws, '.cairn', 'keys.json');

  it('creates a key that verifies as its source, stored hashed, in a private ignored folder', async () => {
    const keys = await WriteKeys.open(ws);
    const key = await keys.create('web');
    assert.match(key, /^cairn_[0-9A-Za-z]{32}$/);
    assert.equal(keys.verify(key), 'web');
    assert.equal(keys.verify(key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a')), null);
    assert.equal(keys.verify(''), null);
    assert.equal(keys.verify('cairn_' + 'x'.repeat(10_000)), null);

    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes(key), 'the key itself is never written');
    const doc = JSON.parse(text);
    assert.equal(doc.version, 1);
    assert.deepEqual(Object.keys(doc.keys[0]).sort(), ['created_at', 'hash', 'name', 'prefix', 'revoked_at']);
    assert.equal(doc.keys[0].prefix, key.slice(0, 10));
    assert.equal(await mode(file), 0o600);
    assert.equal(await mode(join(ws, '.cairn')), 0o700);
    assert.equal(await readFile(join(ws, '.cairn', '.gitignore'), 'utf8'), '*\n');
    assert.deepEqual(keys.list().map((k) => [k.name, k.revoked_at]), [['web', null]]);
  });

  it('refuses bad, reserved and taken names', async () => {
    const keys = await WriteKeys.open(ws);
    for (const name of ['', 'Web', '-web', 'a b', 'x'.repeat(65), 'web/app', 'import']) {
      await assert.rejects(keys.create(name), (err: unknown) => err instanceof WriteKeyError && err.reason === 'invalid_name', name);
    }
    await assert.rejects(keys.create('web'), (err: unknown) => err instanceof WriteKeyError && err.reason === 'name_taken');
    assert.match(await keys.create('x'.repeat(64)), /^cairn_/);
  });

  it('sees keys created and revoked by another instance after refresh', async () => {
    const server = await WriteKeys.open(ws);
    const cli = await WriteKeys.open(ws);
    const key = await cli.create('backend');
    assert.equal(server.verify(key), null, 'not seen before refresh');
    assert.equal(await server.refresh(), true);
    assert.equal(server.verify(key), 'backend');
    assert.equal(await server.refresh(), false, 'nothing changed');

    assert.equal(await cli.revoke('backend'), true);
    assert.equal(await cli.revoke('backend'), false, 'already revoked');
    assert.equal(await cli.revoke('nobody'), false);
    await server.refresh();
    assert.equal(server.verify(key), null);

    const again = await cli.create('backend');
    await server.refresh();
    assert.equal(server.verify(again), 'backend', 'a revoked name can get a new key');
    assert.equal(server.verify(key), null);
    assert.deepEqual(server.list().filter((k) => k.name === 'backend').map((k) => k.revoked_at === null), [false, true]);
  });

  it('names the file when it is malformed, and keeps the keys it had', async () => {
    const keys = await WriteKeys.open(ws);
    const key = await keys.create('mobile');
    const good = await readFile(file, 'utf8');
    await writeFile(file, '{ nope');
    await assert.rejects(keys.refresh(), (err: unknown) => err instanceof ConfigError && err.message.includes('keys.json'));
    assert.equal(keys.verify(key), 'mobile');
    await writeFile(file, good);
  });

  it('keys created at once by separate instances are all kept (the file is locked while written)', async () => {
    const dir = await tempDir('cairn-keys-race-');
    const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const keys = await Promise.all(names.map(async (n) => (await WriteKeys.open(dir)).create(n)));
    const reader = await WriteKeys.open(dir);
    assert.deepEqual(reader.list().map((r) => r.name).sort(), names);
    keys.forEach((k, i) => assert.equal(reader.verify(k), names[i]));
  });

  it('a workspace without keys has none', async () => {
    const keys = await WriteKeys.open(await tempDir());
    assert.deepEqual(keys.list(), []);
    assert.equal(keys.verify('cairn_abc'), null);
  });
});

describe('admin token', async () => {
  it('is made once, private, and read back the same', async () => {
    const ws = await tempDir();
    const token = await adminToken(ws, {});
    assert.match(token, /^[0-9A-Za-z]{32}$/);
    assert.equal(await adminToken(ws, {}), token);
    const file = join(ws, '.cairn', 'admin-token');
    assert.equal(await mode(file), 0o600);
    assert.equal((await readFile(file, 'utf8')).trim(), token);
  });

  it('two callers at once agree on one token', async () => {
    const ws = await tempDir();
    const tokens = await Promise.all([adminToken(ws, {}), adminToken(ws, {}), adminToken(ws, {})]);
    assert.equal(new Set(tokens).size, 1);
  });

  it('CAIRN_ADMIN_TOKEN wins and writes nothing', async () => {
    const ws = await tempDir();
    const strong = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    assert.equal(await adminToken(ws, { CAIRN_ADMIN_TOKEN: strong }), strong);
    await assert.rejects(stat(join(ws, '.cairn', 'admin-token')));
  });

  it('a weak token, in the file or the environment, is a config error saying how to make one', async () => {
    const weak = ['', '   \n', 'x', 'a'.repeat(31), 'a'.repeat(64), 'abab'.repeat(16), `${'0123456789abcdef'.repeat(2)} with spaces`];
    for (const token of weak) {
      const ws = await tempDir();
      await adminToken(ws, {});
      const file = join(ws, '.cairn', 'admin-token');
      await writeFile(file, token);
      await assert.rejects(adminToken(ws, {}), (err: ConfigError) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.diagnostics[0].file, file);
        assert.match(err.message, /weak admin token: .*openssl rand -hex 32/);
        return true;
      }, JSON.stringify(token));
      if (token.trim() === '') continue;
      await assert.rejects(adminToken(ws, { CAIRN_ADMIN_TOKEN: token }), /CAIRN_ADMIN_TOKEN: weak admin token/, JSON.stringify(token));
    }
  });

  it('a token a person wrote (openssl rand -hex 32 > file) is read without its newline and made private', async () => {
    const ws = await tempDir();
    await adminToken(ws, {});
    const file = join(ws, '.cairn', 'admin-token');
    const hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    await writeFile(file, hex + '\n', { mode: 0o644 });
    await chmod(file, 0o644);
    assert.equal(await adminToken(ws, {}), hex);
    assert.equal(await mode(file), 0o600);
  });

  it('the private folder is made owner-only even when it existed before', async () => {
    const ws = await tempDir();
    await mkdir(join(ws, '.cairn'), { mode: 0o755 });
    await chmod(join(ws, '.cairn'), 0o755);
    await adminToken(ws, {});
    assert.equal(await mode(join(ws, '.cairn')), 0o700);
    assert.equal(await mode(join(ws, '.cairn', '.gitignore')), 0o600);
  });
});
