import { z } from 'zod';
import type { ApiRoute } from './api-route.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (s: z.ZodType): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** Query or path parameters, one OpenAPI parameter per property of the object schema. */
function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

const ERROR = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate
 * requests (`GET /api/v1/openapi.json`).
 */
export function openApiDocument(routes: readonly ApiRoute[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = '/api/v1' + r.path.replace(/:([a-z_]+)/g, '{$1}');
    const ok = r.response ?? { description: 'OK' };
    const content: Record<string, unknown> = { 'application/json': { schema: ok.schema ? toSchema(ok.schema) : { type: 'object' } } };
    if (ok.csv) content['text/csv'] = { schema: { type: 'string' } };
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[/:]+([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z]/g, '')}`,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body) } } } } : {}),
      security: r.public ? [] : r.role === 'admin' ? [{ adminToken: [] }] : [{ adminToken: [] }, { dashboardToken: [] }],
      responses: {
        200: { description: ok.description, content },
        400: errorResponse('A parameter is invalid: `parameter` names it, `error` says why'),
        401: errorResponse('No token, or a token that is not the admin token nor an active dashboard token'),
        403: errorResponse(r.role === 'admin' ? 'A dashboard token: this needs the admin token' : 'A request from a page of another origin'),
        ...(r.path.includes(':') ? { 404: errorResponse('No such item') } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Cairn API',
      version: info.version,
      description:
        'Every figure Cairn knows about the accounts on the framework: funnel, accounts, segments, discovery, the review, launches and their outcomes, data quality. ' +
        'Send `Authorization: Bearer <token>`: the admin token (.cairn/admin-token) or a dashboard token (`cairn keys create NAME --dashboard`, read only). ' +
        'Days are UTC `YYYY-MM-DD`; shares carry Wilson 95% intervals.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'the admin token: reads and acts (quarantine replay)' },
        dashboardToken: { type: 'http', scheme: 'bearer', description: 'a dashboard token: reads only' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['ok', 'error'],
          properties: {
            ok: { const: false },
            error: { type: 'string', description: 'what is wrong, for a person' },
            parameter: { type: 'string', description: 'the parameter at fault (400)' },
            in: { enum: ['query', 'path', 'body'] },
          },
        },
      },
    },
    paths,
  };
}
