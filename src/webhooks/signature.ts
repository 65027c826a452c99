import { createHmac } from 'node:crypto';
import { cairnSignatureProblem } from '../../sdk/webhook-signature.js';

/**
 * Signatures of webhook deliveries, as Stripe signs its events. Every JSON delivery carries
 *
 *   Cairn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>
 *
 * A receiver recomputes v1 over the raw bytes of the body (before parsing it), compares in
 * constant time, and refuses a `t` older (or newer) than its replay window (5 minutes by
 * default): a captured delivery cannot be sent again later, and the Idempotency-Key header
 * tells a retry of one it handled. The check is sdk/webhook-signature.ts, the file receivers
 * copy, so what Cairn documents and what it tests are one code.
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
export const webhookSignatureProblem = (opts: VerifyOptions): string | null => cairnSignatureProblem(opts.body, opts.header, opts.secret, opts.toleranceSeconds, opts.now);

/** True when the header signs this body with this secret within the replay window. */
export const verifyWebhookSignature = (opts: VerifyOptions): boolean => webhookSignatureProblem(opts) === null;
