/**
 * Write keys: one per source (an app, a backend, a partner). A key's name becomes the `source`
 * of the events sent with it. Dashboard tokens (`kind: dashboard`) live beside them: they read
 * the API and send no events. Both are kept hashed in `<workspace>/.cairn/keys.json`, so the
 * file reveals no usable key; a key itself is shown once, when created.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../config/index.js';
import { IMPORT_SOURCE } from '../../model/index.js';

export interface WriteKeyRecord {
  name: string;
  /** sha256 (hex) of the key. */
  hash: string;
  /** The key's first characters, so a person can tell keys apart. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  /** Events per second this key may send; absent: the workspace's `server.rate_limit`. */
  rate_limit?: number;
  /** `dashboard`: a read-only token for the API and dashboard, never a write key; absent: a write key. */
  kind?: 'dashboard';
}

interface KeysFile {
  version: 1;
  keys: WriteKeyRecord[];
}

/** Why a key could not be created; `reason` is snake_case for scripts and the admin API. */
export class WriteKeyError extends Error {
  constructor(
    readonly reason: 'invalid_name' | 'name_taken',
    message: string,
  ) {
    super(message);
  }
}

export const STATE_DIR = '.cairn';
const KEYS_FILE = 'keys.json';
const ADMIN_TOKEN_FILE = 'admin-token';
const KEY_PREFIX = 'cairn_';
const DASHBOARD_PREFIX = 'cairnd_';
const KEY_CHARS = 32;
const PREFIX_CHARS = 10;
/** Longer than any key Cairn makes: such input is not hashed at all. */
const MAX_KEY_LENGTH = 128;
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Names the store already uses as a source. */
const RESERVED = new Set([IMPORT_SOURCE]);

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` uniformly random base62 characters. */
export function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      // 248 = 4 × 62: bytes above it would favour the first characters.
      if (b < 248 && out.length < n) out += BASE62[b % 62];
    }
  }
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Why a name cannot be a source's (an import's `--source`, a key's name), or null when it can. */
export function sourceNameProblem(name: string, what = 'a source name'): string | null {
  return NAME.test(name) ? null : `${what} must be 1 to 64 characters of a-z, 0-9, _ and -, starting with a letter or digit; got ${JSON.stringify(name)}`;
}

/** Why a name cannot be a key's (and so a source's) name, or null when it can. */
export function keyNameProblem(name: string): string | null {
  return sourceNameProblem(name, 'a key name') ?? (RESERVED.has(name) ? `${JSON.stringify(name)} is reserved (it names imported data)` : null);
}

/** The workspace's private folder, created on first use: owner-only, and ignored by git. */
export async function stateDir(wsDir: string): Promise<string> {
  const dir = path.join(wsDir, STATE_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // One made by hand or by an older Cairn is made private too.
  if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  await writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx', mode: 0o600 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return dir;
}

const tempName = (file: string) => `${file}.${process.pid}.${randomBase62(8)}.tmp`;

/** Writes a new file readable by the owner only, on disk before it returns. */
async function writePrivate(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces a file whole or not at all, owner-only: readers see the old or the new, never half. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = tempName(file);
  await writePrivate(tmp, text);
  await rename(tmp, file);
}

/**
 * The keys of one workspace. A running server keeps one instance and calls `refresh()` every
 * second, so keys created or revoked by `cairn keys` in another process take effect quickly.
 */
export class WriteKeys {
  private records: WriteKeyRecord[] = [];
  private activeByHash = new Map<string, string>();
  private dashboardByHash = new Map<string, string>();
  private limits = new Map<string, number>();
  /** What the file looked like when last read; a rename gives a new inode. */
  private seen = '';

  readonly file: string;

  private constructor(private readonly wsDir: string) {
    this.file = path.join(wsDir, STATE_DIR, KEYS_FILE);
  }

  static async open(wsDir: string): Promise<WriteKeys> {
    const keys = new WriteKeys(wsDir);
    await keys.refresh();
    return keys;
  }

  /** The source name of an active key, or null. */
  verify(key: string): string | null {
    if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || !key.startsWith(KEY_PREFIX)) return null;
    return this.activeByHash.get(sha256(key)) ?? null;
  }

  /** The name of an active dashboard token, or null. */
  verifyDashboard(token: string): string | null {
    if (typeof token !== 'string' || token.length > MAX_KEY_LENGTH || !token.startsWith(DASHBOARD_PREFIX)) return null;
    return this.dashboardByHash.get(sha256(token)) ?? null;
  }

  /** The rate limit of a source's active key, when it has its own. */
  rateLimitOf(source: string): number | undefined {
    return this.limits.get(source);
  }

  list(): WriteKeyRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  /** Makes a key for a new source (or, `dashboard`, a read-only API token) and returns it: the only time it is ever seen. */
  async create(name: string, opts: { rateLimit?: number; dashboard?: boolean } = {}): Promise<string> {
    const problem = keyNameProblem(name);
    if (problem) throw new WriteKeyError('invalid_name', problem);
    const { rateLimit, dashboard } = opts;
    if (rateLimit !== undefined && (!Number.isInteger(rateLimit) || rateLimit < 1)) throw new WriteKeyError('invalid_name', `rate limit must be a whole number ≥ 1, got ${rateLimit}`);
    if (rateLimit !== undefined && dashboard) throw new WriteKeyError('invalid_name', 'a dashboard token sends no events, so it takes no rate limit');
    return this.locked(async () => {
      if (this.records.some((r) => r.name === name && r.revoked_at === null)) {
        throw new WriteKeyError('name_taken', `a key named ${JSON.stringify(name)} is already active; revoke it first`);
      }
      const key = (dashboard ? DASHBOARD_PREFIX : KEY_PREFIX) + randomBase62(KEY_CHARS);
      const record: WriteKeyRecord = { name, hash: sha256(key), prefix: key.slice(0, PREFIX_CHARS), created_at: new Date().toISOString(), revoked_at: null };
      if (rateLimit !== undefined) record.rate_limit = rateLimit;
      if (dashboard) record.kind = 'dashboard';
      await this.save([...this.records, record]);
      return key;
    });
  }

  /** Revokes the active key of that name; false when there is none. */
  async revoke(name: string): Promise<boolean> {
    return this.locked(async () => {
      const now = new Date().toISOString();
      let found = false;
      const next = this.records.map((r) => {
        if (r.name !== name || r.revoked_at !== null) return r;
        found = true;
        return { ...r, revoked_at: now };
      });
      if (found) await this.save(next);
      return found;
    });
  }

  /**
   * Runs a read-modify-write of the file while holding `keys.json.lock`, so two `cairn keys`
   * at once do not lose each other's change. A lock older than 30 s is a crashed holder's.
   */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await stateDir(this.wsDir);
    const lock = this.file + '.lock';
    for (const started = Date.now(); ; ) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > 30_000) await rm(lock, { force: true });
        else if (Date.now() - started > 10_000) throw new Error(`${lock} is held by another process; remove it if none is running`);
        else await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      this.seen = '';
      await this.refresh();
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }

  /**
   * Re-reads the file if it changed since the last read; true when it did. A missing file means
   * no keys. Throws a ConfigError for a malformed file, keeping the keys read before.
   */
  async refresh(): Promise<boolean> {
    let signature: string;
    try {
      const s = await stat(this.file);
      signature = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      signature = 'absent';
    }
    if (signature === this.seen) return false;
    const records = signature === 'absent' ? [] : parseKeysFile(this.file, await readFile(this.file, 'utf8'));
    this.use(records);
    this.seen = signature;
    return true;
  }

  /** Writes the file; only under {@link locked}, which made the folder. */
  private async save(records: WriteKeyRecord[]): Promise<void> {
    const doc: KeysFile = { version: 1, keys: records };
    await writeAtomic(this.file, JSON.stringify(doc, null, 2) + '\n');
    this.use(records);
    // The next refresh reads it back once; cheaper than tracking the new file's identity here.
    this.seen = '';
  }

  private use(records: WriteKeyRecord[]): void {
    this.records = records;
    const active = records.filter((r) => r.revoked_at === null && r.kind === undefined);
    this.activeByHash = new Map(active.map((r) => [r.hash, r.name]));
    this.dashboardByHash = new Map(records.filter((r) => r.revoked_at === null && r.kind === 'dashboard').map((r) => [r.hash, r.name]));
    this.limits = new Map(active.flatMap((r) => (typeof r.rate_limit === 'number' ? [[r.name, r.rate_limit] as const] : [])));
  }
}

function parseKeysFile(file: string, text: string): WriteKeyRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw ConfigError.forFile(file, `not valid JSON (${(err as Error).message}); restore it or delete it and create the keys again`);
  }
  const keys = (doc as Partial<KeysFile> | null)?.keys;
  if ((doc as Partial<KeysFile> | null)?.version !== 1 || !Array.isArray(keys)) {
    throw ConfigError.forFile(file, 'expected { "version": 1, "keys": [...] }');
  }
  keys.forEach((k: Partial<WriteKeyRecord>, i) => {
    if (typeof k?.name !== 'string' || typeof k.hash !== 'string' || !(k.revoked_at === null || typeof k.revoked_at === 'string') || !(k.kind === undefined || k.kind === 'dashboard')) {
      throw ConfigError.forFile(file, `keys[${i}]: expected name, hash, prefix, created_at, revoked_at and an optional kind "dashboard"`);
    }
  });
  return keys as WriteKeyRecord[];
}

/** The shortest admin token accepted; Cairn makes 32 random base62 characters (190 bits). */
const MIN_ADMIN_TOKEN = 32;
const ADMIN_TOKEN_HINT = `make one with \`openssl rand -hex 32 > ${STATE_DIR}/${ADMIN_TOKEN_FILE}\`, or delete the file and \`cairn serve\` makes one`;

/** Why a token is too weak to guard the admin API, or null when it will do. */
export function adminTokenProblem(token: string): string | null {
  if (token.length < MIN_ADMIN_TOKEN) return `it has ${token.length} characters; it needs at least ${MIN_ADMIN_TOKEN}`;
  if (!/^[\x21-\x7e]+$/.test(token)) return 'it may hold only printable ASCII characters, without spaces';
  // 'aaaa…' or 'abababab…' are long but guessable.
  if (new Set(token).size < 8) return 'it repeats a few characters; use random ones';
  return null;
}

/**
 * The token the server's admin API wants: CAIRN_ADMIN_TOKEN when set, else the workspace's
 * own, made on first use. Made through a hard link, so two processes starting at once agree.
 * A weak token (empty, short, repetitive) is a ConfigError: the server must not start with it.
 */
export async function adminToken(wsDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.CAIRN_ADMIN_TOKEN) return strongToken(env.CAIRN_ADMIN_TOKEN, 'CAIRN_ADMIN_TOKEN', 'set it to the output of `openssl rand -hex 32`');
  const file = path.join(await stateDir(wsDir), ADMIN_TOKEN_FILE);
  try {
    return await readToken(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = tempName(file);
  await writePrivate(tmp, randomBase62(32) + '\n');
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  return readToken(file);
}

/** A token file a person wrote (`openssl … > file`) is made private like the one Cairn makes. */
async function readToken(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return strongToken(text.trim(), file, ADMIN_TOKEN_HINT);
}

function strongToken(token: string, where: string, hint: string): string {
  const problem = adminTokenProblem(token);
  if (problem) throw ConfigError.forFile(where, `weak admin token: ${problem}; ${hint}`);
  return token;
}
