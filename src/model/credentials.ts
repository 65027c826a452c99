/**
 * Credentials clients put inside what they send — posthog-js's `properties.token`, a Segment
 * `writeKey` in the body, an Authorization header copied into context — are never stored:
 * metadata, traits, quarantine payloads and plan-violation examples pass through here first.
 */

/** Keys whose values are credentials, compared lower-cased. */
const CREDENTIAL_KEYS = new Set(['token', '$token', 'api_key', '$api_key', 'apikey', 'writekey', 'write_key', 'authorization', 'proxy-authorization', 'x-api-key']);
/** First characters of those keys (either case): most keys are ruled out without lower-casing. */
const FIRST = new Set([...CREDENTIAL_KEYS].flatMap((k) => [k.charCodeAt(0), k.toUpperCase().charCodeAt(0)]));

const isCredentialKey = (key: string): boolean =>
  key.length >= 5 && key.length <= 19 && FIRST.has(key.charCodeAt(0)) && CREDENTIAL_KEYS.has(key.toLowerCase());

/** Deeper than any body the collector takes (32 levels); beyond it values are left as they are. */
const MAX_DEPTH = 64;

/** `value` without credential keys at any depth; the same object when it holds none (no copy). */
export function withoutCredentials<T>(value: T): T {
  // Nearly every value holds none: look first, without allocating, and copy only if needed.
  return holdsCredential(value, 0) ? (strip(value, 0) as T) : value;
}

function holdsCredential(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (const item of v) if (holdsCredential(item, depth + 1)) return true;
    return false;
  }
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (isCredentialKey(k) || holdsCredential((v as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

function strip(v: unknown, depth: number): unknown {
  if (!holdsCredential(v, depth)) return v;
  if (Array.isArray(v)) return v.map((item) => strip(item, depth + 1));
  // fromEntries keeps a "__proto__" key as data, not as the prototype.
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([k]) => !isCredentialKey(k))
      .map(([k, c]) => [k, strip(c, depth + 1)]),
  );
}

const CREDENTIAL_PAIR = /("(?:\$?token|\$?api_?key|write_?key|authorization|proxy-authorization|x-api-key)"\s*:\s*)("(?:[^"\\]|\\.)*"|[\w.+-]+)/gi;

/**
 * Raw text that may not parse (a bad body, a broken line): credential values of `"key": value`
 * pairs become "[redacted]", as does every occurrence of `known` (the key that sent it).
 */
export function redactCredentials(text: string, known?: string): string {
  const out = known ? text.split(known).join('[redacted]') : text;
  return out.replace(CREDENTIAL_PAIR, '$1"[redacted]"');
}
