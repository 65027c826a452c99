import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type IdentitySecrets } from '../collect/index.js';
import type { MilestonesConfig } from '../config/index.js';
import { accountChecklist, statusesAsOf, today } from '../milestones/index.js';
import type { Store } from '../store/index.js';

export interface ChecklistOptions {
  framework(): MilestonesConfig;
  identity: IdentitySecrets;
  /** Origins (scheme://host[:port]) whose pages may read it; others are refused. */
  allowedOrigins: readonly string[];
}

/** The embeddable script (sdk/checklist.js); built, this module is a chunk directly in dist/. */
const SCRIPT = fileURLToPath(new URL(`${import.meta.url.endsWith('.ts') ? '../../' : '../'}sdk/checklist.js`, import.meta.url));
const MAX_ACCOUNT_ID = 256;

/**
 * The in-product onboarding checklist: `GET /v1/checklist/:account_id` with
 * `Authorization: Bearer <token>`, the token the customer's backend signs for that account
 * (src/collect/http/identity-secret.ts). A missing or malformed token is 401, a token for another account 403;
 * both read nothing. Browsers are answered for the configured origins only (CORS, preflight
 * included); a request without an Origin (a backend) needs the token all the same.
 * `GET /v1/checklist.js` serves the script that renders it.
 */
export function checklistRoutes(app: FastifyInstance, store: Store, opts: ChecklistOptions): void {
  const allowed = new Set(opts.allowedOrigins.map((o) => new URL(o).origin));
  const cors = (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (!allowed.has(origin)) throw new HttpError(403, `origin ${origin} may not read the checklist: add it to checklist.allowed_origins in cairn.yaml`);
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  };

  app.options('/v1/checklist/:account_id', async (req, reply) => {
    cors(req, reply);
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET')
      .header('access-control-allow-headers', 'authorization')
      .header('access-control-max-age', '600')
      .send();
  });

  app.get('/v1/checklist/:account_id', async (req, reply) => {
    cors(req, reply);
    reply.header('cache-control', 'no-store');
    const accountId = (req.params as { account_id: string }).account_id;
    if (accountId.length === 0 || accountId.length > MAX_ACCOUNT_ID) throw new HttpError(400, `invalid account id: ${accountId.slice(0, 40)}`);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    await opts.identity.refresh();
    const check = opts.identity.check(accountId, token);
    if (check === 'no_secret') throw new HttpError(503, 'the checklist needs an identity secret: run `cairn keys identity` and sign account ids with it');
    if (check === 'malformed') throw new HttpError(401, 'the checklist needs Authorization: Bearer <hex HMAC-SHA256 of the account id with the identity secret>');
    if (check === 'mismatch') throw new HttpError(403, 'this token does not sign this account id');
    const framework = opts.framework();
    const asOf = today();
    const report = await statusesAsOf(store, framework, asOf, { accounts: [accountId] });
    return accountChecklist(framework, accountId, asOf, report.accounts[0] ?? null);
  });

  app.get('/v1/checklist.js', async (_req, reply) =>
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(await readFile(SCRIPT, 'utf8')),
  );
}
