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
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function verifyCairnSignature(rawBody: string | Uint8Array, header: string | undefined, secret: string, toleranceSeconds = 300, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  let t = NaN;
  const signatures: string[] = [];
  for (const part of (header ?? '').split(',')) {
    const [key, value] = [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()];
    if (key === 't') t = Number(value);
    else if (key === 'v1') signatures.push(value);
  }
  if (!Number.isSafeInteger(t) || signatures.length === 0 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return signatures.some((s) => Buffer.byteLength(s) === expected.length && timingSafeEqual(Buffer.from(s), expected));
}
