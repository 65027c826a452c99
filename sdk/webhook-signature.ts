/**
 * Checking a Cairn webhook's signature in your receiver (Node 20+; no dependencies). Copy this
 * file, or do the same in your language:
 *
 *   Cairn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * 1. Read the raw body as bytes (before any JSON parsing: a re-serialized body differs).
 * 2. Recompute v1 with the endpoint's secret; compare in constant time (any v1 may match).
 * 3. Refuse a `t` further than your replay window from now (5 minutes here).
 * 4. Handle each Idempotency-Key once: a delivery may arrive again after a lost answer.
 *
 *   import { verifyCairnSignature } from './webhook-signature.js';
 *   if (!verifyCairnSignature(rawBody, req.headers['cairn-signature'], process.env.CAIRN_WEBHOOK_SECRET!)) return res.status(400).end();
 *
 * Cairn's own code (src/webhooks) checks signatures with this file too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signature is refused, or null when it holds. */
export function cairnSignatureProblem(rawBody: string | Uint8Array, header: string | undefined, secret: string, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)): string | null {
  let t = NaN;
  const signatures: string[] = [];
  for (const part of (header ?? '').split(',')) {
    const at = part.indexOf('=');
    const [key, value] = [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    if (key === 't') t = Number(value);
    else if (key === 'v1') signatures.push(value);
  }
  if (!Number.isSafeInteger(t) || signatures.length === 0) return 'no signature: expected a Cairn-Signature header "t=…,v1=…"';
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return `signature timestamp ${t} is outside the replay window`;
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const match = signatures.some((s) => Buffer.byteLength(s) === expected.length && timingSafeEqual(Buffer.from(s), expected));
  return match ? null : 'signature does not match the body';
}

/** True when the header signs this body with this secret within the replay window. */
export const verifyCairnSignature = (rawBody: string | Uint8Array, header: string | undefined, secret: string, toleranceSeconds = 300, nowSeconds?: number): boolean =>
  cairnSignatureProblem(rawBody, header, secret, toleranceSeconds, nowSeconds) === null;
