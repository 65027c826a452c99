import type { FastifyError, FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.js';
import { apiAuth, isLoopbackHost, roleOf, type ApiAuthOptions } from './api-auth.js';
import { ApiError, BadParameter, registerRoutes, route, zodValidator, type ApiRoute } from './api-route.js';
import { openApiDocument } from './openapi.js';
import { accountRoutes } from './routes/account-routes.js';
import { dataRoutes } from './routes/data-routes.js';
import { discoveryRoutes } from './routes/discovery-routes.js';
import { funnelRoutes } from './routes/funnel-routes.js';
import { launchRoutes } from './routes/launch-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { segmentRoutes } from './routes/segment-routes.js';
import { workspaceRoutes } from './routes/workspace-routes.js';

export const API_PREFIX = '/api/v1';

/** Every endpoint, in the order the OpenAPI document lists them; a new resource adds its routes here. */
export const apiRouteTable = (ctx: ApiContext): ApiRoute[] => [
  ...workspaceRoutes(ctx),
  ...funnelRoutes(ctx),
  ...accountRoutes(ctx),
  ...segmentRoutes(ctx),
  ...discoveryRoutes(ctx),
  ...reviewRoutes(ctx),
  ...launchRoutes(ctx),
  ...dataRoutes(ctx),
];

/**
 * Mounts the JSON API under /api/v1 in its own scope: JSON bodies only, zod validation, its
 * own errors (`{ ok: false, error, parameter?, in? }`), the guard on every route but the
 * OpenAPI document, which describes the API and holds no data.
 */
export async function registerApi(app: FastifyInstance, ctx: ApiContext, auth: ApiAuthOptions, onInternalError: (err: unknown) => void): Promise<void> {
  // Lets the dashboard ask for a token before it asks for data (no 401 to show first).
  const access = route({
    method: 'GET',
    path: '/access',
    tag: 'workspace',
    public: true,
    summary: 'Whether a request like this one needs a token',
    response: { description: '`{ token_needed }`' },
    handler: async (_req, reply) => ({ token_needed: auth.withoutToken === null || !isLoopbackHost(reply.request.headers.host) }),
  });
  const routes = [access, ...apiRouteTable(ctx)];
  const document = openApiDocument(routes, { version: ctx.version });
  await app.register(
    async (api) => {
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, body === '' ? {} : JSON.parse(body as string));
        } catch {
          done(new BadParameter('(body)', 'body', 'invalid body: not JSON'), undefined);
        }
      });
      api.setValidatorCompiler(zodValidator);
      api.setErrorHandler((err: FastifyError | BadParameter | ApiError, req, reply) => {
        if (err instanceof BadParameter) return reply.code(400).send({ ok: false, error: err.message, parameter: err.parameter, in: err.place });
        if (err instanceof ApiError) return reply.code(err.status).send({ ok: false, error: err.message });
        const status = err.statusCode ?? 500;
        if (status === 415) return reply.code(415).send({ ok: false, error: `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not read here; send application/json` });
        if (status >= 500) {
          onInternalError(err);
          return reply.code(500).send({ ok: false, error: 'internal error' });
        }
        return reply.code(status).send({ ok: false, error: status === 413 ? 'body is larger than 64 KB' : err.message });
      });
      api.setNotFoundHandler((req, reply) =>
        reply.code(404).send({ ok: false, error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}; the API is described at ${API_PREFIX}/openapi.json` }),
      );
      api.get('/openapi.json', async () => document);
      registerRoutes(api, routes.filter((r) => r.public), () => 'read');
      await api.register(async (guarded) => {
        guarded.addHook('onRequest', apiAuth(auth));
        registerRoutes(guarded, routes.filter((r) => !r.public), roleOf);
      });
    },
    { prefix: API_PREFIX },
  );
}
