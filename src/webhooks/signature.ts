import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of webhook deliveries, as Stripe signs its events. Every JSON delivery carries
 *
 *   Cairn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>
 *
 * A receiver recomputes v1 over the raw bytes of the body (before parsing it), compares in
 * constant time, and refuses a `t` older (or newer) than its replay window (5 minutes by
 * default): a captured delivery cannot be sent again later, and the Idempotency-Key header
 * tells a retry of one it handled. `verifyWebhookSignature` here, and sdk/webhook-signature.ts
 * (a standalone copy for receivers), do exactly this.
 */
export const SIGNATURE_HEADER = 'cairn-signature';

/** The header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface VerifyOptions {
  /** The raw body as received. */
  body: string | Buffer;
  /** The Cairn-Signature header. */
  header: string | undefined;
  secret: string;
  /** How old (or how far ahead) `t` may be, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (default the clock). */
  now?: number;
}

/** Why a signature is refused, or null when it holds. */
export function webhookSignatureProblem(opts: VerifyOptions): string | null {
  const parts = new Map<string, string[]>();
  for (const item of (opts.header ?? '').split(',')) {
    const at = item.indexOf('=');
    if (at > 0) parts.set(item.slice(0, at).trim(), [...(parts.get(item.slice(0, at).trim()) ?? []), item.slice(at + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  const given = parts.get('v1') ?? [];
  if (!Number.isSafeInteger(t) || given.length === 0) return 'no signature: expected a Cairn-Signature header "t=…,v1=…"';
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return `signature timestamp ${t} is outside the replay window`;
  const body = typeof opts.body === 'string' ? opts.body : opts.body.toString('utf8');
  const expected = Buffer.from(createHmac('sha256', opts.secret).update(`${t}.${body}`).digest('hex'));
  // Several v1 values may come while a secret is rotated: any one matching will do.
  const match = given.some((v) => {
    const candidate = Buffer.from(v);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  return match ? null : 'signature does not match the body';
}

/** True when the header signs this body with this secret within the replay window. */
export const verifyWebhookSignature = (opts: VerifyOptions): boolean => webhookSignatureProblem(opts) === null;
