import type { FastifyInstance, FastifyReply, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';

/** What a request may do: read every figure, or also act (replay quarantine). */
export type ApiRole = 'read' | 'admin';

/** Where a parameter came from, as a 400 names it. */
export type ParameterPlace = 'query' | 'path' | 'body';

/** A parameter the API refuses: 400, naming the parameter and why. */
export class BadParameter extends Error {
  readonly status = 400;
  constructor(
    readonly parameter: string,
    readonly place: ParameterPlace,
    message: string,
  ) {
    super(message);
  }
}

/** A refusal with a status (401, 403, 404, 409) and a reason for a person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ApiRequest<Q, P, B> {
  query: Q;
  params: P;
  body: B;
  role: ApiRole;
}

/**
 * One endpoint under /api/v1: its zod schemas are both fastify's validation (every bad
 * parameter a 400 naming it) and the OpenAPI document, so the two cannot disagree.
 */
export interface ApiRoute<Q extends Schema = Schema, P extends Schema = Schema, B extends Schema = Schema> {
  method: 'GET' | 'POST';
  /** Relative to /api/v1, with fastify's `:name` path parameters. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** `admin`: the admin token only; read routes take a dashboard token too. */
  role?: ApiRole;
  /** Answered without a token: it says nothing about the data. */
  public?: boolean;
  query?: Q;
  params?: P;
  body?: B;
  /** What a 200 carries, for the OpenAPI document; JSON unless it says CSV may come too. */
  response?: { description: string; schema?: Schema; csv?: boolean };
  handler(req: ApiRequest<Out<Q>, Out<P>, Out<B>>, reply: FastifyReply): Promise<unknown>;
}

/** Keeps a route's types: `route({...})` infers the handler's parameters from the schemas. */
export const route = <Q extends Schema | undefined = undefined, P extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  r: Omit<ApiRoute, 'query' | 'params' | 'body' | 'handler'> & { query?: Q; params?: P; body?: B; handler(req: ApiRequest<Out<Q>, Out<P>, Out<B>>, reply: FastifyReply): Promise<unknown> },
): ApiRoute => r as unknown as ApiRoute;

const NO_PARAMETERS = z.strictObject({});
const PLACE: Record<string, ParameterPlace> = { querystring: 'query', params: 'path', body: 'body' };

/** Zod as fastify's validator: the parsed output replaces the raw part, a failure is a BadParameter. */
export const zodValidator: FastifySchemaCompiler<Schema> =
  ({ schema, httpPart }) =>
  (data) => {
    const parsed = schema.safeParse(data ?? {});
    if (parsed.success) return { value: parsed.data };
    return { error: badParameter(parsed.error.issues[0], PLACE[httpPart ?? ''] ?? 'query', data, schema) };
  };

/** The first issue, for a person: which parameter, what was wrong, what it got. */
function badParameter(issue: z.core.$ZodIssue, place: ParameterPlace, data: unknown, schema: Schema): BadParameter {
  const noun = place === 'body' ? 'body field' : `${place} parameter`;
  if (issue.code === 'unrecognized_keys') {
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const name = issue.keys[0];
    return new BadParameter(name, place, `unknown ${noun} ${name}; ${known.length ? `known: ${known.join(', ')}` : 'it takes none'}`);
  }
  const name = issue.path.map(String).join('.') || '(body)';
  const got = issue.path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined), data);
  const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 120);
  return new BadParameter(name, place, `invalid ${noun} ${name}: ${issue.message}, got ${shown}`);
}

/** Registers the routes on an /api/v1 scope whose validator is {@link zodValidator}. */
export function registerRoutes(api: FastifyInstance, routes: readonly ApiRoute[], roleOf: (req: unknown) => ApiRole): void {
  for (const r of routes) {
    api.route({
      method: r.method,
      url: r.path,
      schema: { querystring: r.query ?? NO_PARAMETERS, ...(r.params ? { params: r.params } : {}), ...(r.body ? { body: r.body } : {}) },
      config: { role: r.role ?? 'read' },
      bodyLimit: 64 * 1024,
      handler: (req, reply) => r.handler({ query: req.query, params: req.params, body: req.body, role: roleOf(req) }, reply),
    });
  }
}
