import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { STATE_DIR, stateDir, writeAtomic } from './keys.js';

/**
 * The workspace's identity secret, with which the customer's backend proves to the in-product
 * checklist which account a browser speaks for (as Intercom's identity verification does):
 *
 *   token = hex(HMAC-SHA256(identity secret, account id))
 *
 * sent as `Authorization: Bearer <token>`. The secret lives in `.cairn/identity-secret.json`
 * (owner-only, beside the admin token, never in the store); `cairn keys identity` creates it
 * and `--rotate` replaces it, the previous one still accepted for a grace period so backends
 * can move over. A running server re-reads the file within a second.
 */
interface SecretFile {
  version: 1;
  current: { secret: string; created_at: string };
  previous: { secret: string; valid_until: string } | null;
}

const FILE = 'identity-secret.json';
const TOKEN = /^[0-9a-f]{64}$/;

/** How a token reads for an account: good, missing or not a token at all, or another account's (or a forged) one. */
export type TokenCheck = 'ok' | 'malformed' | 'mismatch' | 'no_secret';

export const identityToken = (secret: string, accountId: string): string => createHmac('sha256', secret).update(accountId, 'utf8').digest('hex');

export class IdentitySecrets {
  private data: SecretFile | null = null;
  private seen = '';

  private constructor(readonly file: string) {}

  static async open(wsDir: string): Promise<IdentitySecrets> {
    const secrets = new IdentitySecrets(path.join(wsDir, STATE_DIR, FILE));
    await secrets.refresh();
    return secrets;
  }

  /** Reads the file again when it changed. */
  async refresh(): Promise<void> {
    let stamp: string;
    try {
      const s = await stat(this.file);
      stamp = `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch {
      this.data = null;
      this.seen = '';
      return;
    }
    if (stamp === this.seen) return;
    this.data = JSON.parse(await readFile(this.file, 'utf8')) as SecretFile;
    this.seen = stamp;
  }

  /** The current secret (what backends sign with), or null before `cairn keys identity`. */
  get secret(): string | null {
    return this.data?.current.secret ?? null;
  }

  /** When the previous secret stops being accepted, while it still is. */
  get previousValidUntil(): string | null {
    const p = this.data?.previous;
    return p && Date.parse(p.valid_until) > Date.now() ? p.valid_until : null;
  }

  /** Makes the secret when there is none, or with `rotate` a new one (the old one accepted `graceHours` more). */
  async create(opts: { rotate?: boolean; graceHours?: number } = {}): Promise<{ secret: string; created: boolean }> {
    await this.refresh();
    if (this.data && !opts.rotate) return { secret: this.data.current.secret, created: false };
    const now = Date.now();
    const secret = `cairn_id_${randomBytes(32).toString('hex')}`;
    const previous = this.data && (opts.graceHours ?? 24) > 0 ? { secret: this.data.current.secret, valid_until: new Date(now + (opts.graceHours ?? 24) * 3_600_000).toISOString() } : null;
    await stateDir(path.dirname(path.dirname(this.file)));
    await writeAtomic(this.file, JSON.stringify({ version: 1, current: { secret, created_at: new Date(now).toISOString() }, previous } satisfies SecretFile, null, 2) + '\n');
    await this.refresh();
    return { secret, created: true };
  }

  /** Checks a token for an account in constant time, against the current secret and a previous one still in its grace period. */
  check(accountId: string, token: string | undefined): TokenCheck {
    if (!this.data) return 'no_secret';
    if (token === undefined || !TOKEN.test(token)) return 'malformed';
    const given = Buffer.from(token);
    const secrets = [this.data.current.secret, ...(this.previousValidUntil ? [this.data.previous!.secret] : [])];
    let ok = false;
    // Every secret is compared, so the time taken does not tell which one matched.
    for (const s of secrets) ok = timingSafeEqual(Buffer.from(identityToken(s, accountId)), given) || ok;
    return ok ? 'ok' : 'mismatch';
  }
}
