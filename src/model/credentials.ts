/**
 * Credentials clients put inside what they send — posthog-js's `properties.token`, a Segment
 * `writeKey` in the body, an Authorization header copied into context — are never stored:
 * metadata, traits, quarantine payloads and plan-violation examples pass through here first.
 */

/** Keys whose values are credentials, compared lower-cased. */
const CREDENTIAL_KEYS = new Set(['token', '$token', 'api_key', '$api_key', 'apikey', 'writekey', 'write_key', 'authorization', 'proxy-authorization', 'x-api-key']);

export const isCredentialKey = (key: string): boolean => CREDENTIAL_KEYS.has(key.toLowerCase());

/** Deeper than any body the collector takes (32 levels); beyond it values are left as they are. */
const MAX_DEPTH = 64;

/** `value` without credential keys at any depth; the same object when it holds none (no copy). */
export function withoutCredentials<T>(value: T): T {
  return strip(value, 0) as T;
}

function strip(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const c = strip(v[i], depth + 1);
      if (c !== v[i]) (out ??= v.slice())[i] = c;
    }
    return out ?? v;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  // Entries, built only once something changes; fromEntries keeps a "__proto__" key as data.
  let out: [string, unknown][] | null = null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const credential = isCredentialKey(k);
    const c = credential ? undefined : strip(o[k], depth + 1);
    if (out === null && (credential || c !== o[k])) out = keys.slice(0, i).map((p) => [p, o[p]]);
    if (out !== null && !credential) out.push([k, c]);
  }
  return out === null ? v : Object.fromEntries(out);
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
