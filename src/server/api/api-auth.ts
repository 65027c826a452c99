import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError, type ApiRole } from './api-route.js';

/** Checks dashboard tokens (`cairn keys create NAME --dashboard`); the name of an active one, or null. */
export interface DashboardTokenCheck {
  verifyDashboard(token: string): string | null;
}

export interface ApiAuthOptions {
  adminToken: string;
  dashboardTokens: DashboardTokenCheck;
  /**
   * Requests without a token get this role, when their Host is a loopback name (a page of
   * another site reaching the server through DNS rebinding names its own host). Only for
   * servers listening on loopback: `cairn demo`, or `server.api_auth: none_on_loopback`.
   */
  withoutToken: ApiRole | null;
}

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|localhost|\[::1\])(:\d{1,5})?$/i;

export const isLoopbackHost = (host: string | undefined): boolean => host !== undefined && LOOPBACK_HOST.test(host);

const hostOf = (origin: string): string | null => {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
};

/**
 * The API's guard, as an onRequest hook: the admin token reads and acts; a dashboard token
 * reads; no token only where the server allows it. A page of another origin is refused even
 * with a token, and the API sends no CORS headers, so no other site can read it.
 */
export function apiAuth(opts: ApiAuthOptions) {
  const admin = Buffer.from(opts.adminToken);
  const isAdmin = (token: string) => {
    const given = Buffer.from(token);
    return given.length === admin.length && timingSafeEqual(given, admin);
  };
  return async function apiAuthHook(req: FastifyRequest): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && hostOf(origin) !== req.headers.host) throw new ApiError(403, `the API does not answer pages from other origins, got ${origin}`);
    const auth = req.headers.authorization;
    let role: ApiRole;
    if (auth !== undefined) {
      const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      if (isAdmin(token)) role = 'admin';
      else if (opts.dashboardTokens.verifyDashboard(token) !== null) role = 'read';
      else throw new ApiError(401, 'unknown or revoked token: send the admin token (.cairn/admin-token) or a dashboard token (cairn keys create NAME --dashboard)');
    } else if (opts.withoutToken !== null && isLoopbackHost(req.headers.host)) {
      role = opts.withoutToken;
    } else {
      throw new ApiError(401, 'the API needs Authorization: Bearer <token>: the admin token (.cairn/admin-token) or a dashboard token (cairn keys create NAME --dashboard)');
    }
    const needed = (req.routeOptions.config as { role?: ApiRole }).role ?? 'read';
    if (needed === 'admin' && role !== 'admin') throw new ApiError(403, 'this needs the admin token (.cairn/admin-token); a dashboard token only reads');
    (req as FastifyRequest & { apiRole: ApiRole }).apiRole = role;
  };
}

export const roleOf = (req: unknown): ApiRole => (req as { apiRole: ApiRole }).apiRole;
