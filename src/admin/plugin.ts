// The admin REST API as one encapsulated Fastify plugin: JSON in and out, its own error and 404
// handlers (the EAS routes around it answer with empty bodies), bearer-token auth, OpenAPI.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccessService } from '../access/service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DeviceService } from '../devices/service.js';
import type { Store } from '../store/types.js';
import { bearerGuard } from './auth-guard.js';
import type { AdminDeps } from './deps.js';
import { apiError, toApiError } from './errors.js';
import type { ErrorBody } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { FailureLimiter } from './rate-limit.js';
import { defineRoute, registerRoutes } from './route.js';
import type { AnyRoute } from './route.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { deviceRoutes } from './routes/devices.js';
import { orgRoutes } from './routes/org.js';
import { policyRoutes } from './routes/policies.js';
import { quarantineRoutes } from './routes/quarantine.js';
import { ruleRoutes } from './routes/rules.js';
import { userRoutes } from './routes/users.js';
import { whatIfRoutes } from './routes/what-if.js';

export const ADMIN_PREFIX = '/api/v1';
/** Admin requests are small JSON documents; the EAS routes keep their own (larger) limit. */
export const ADMIN_BODY_LIMIT = 1024 * 1024;

export interface AdminPluginOptions {
  store: Store;
  access: AccessService;
  devices: DeviceService;
  /** Give the same log to AccessService; a RequestAuditLog also stamps its entries with the admin's address. */
  audit: AuditLog;
  clock?: () => Date;
  /** Failed logins per remote address; default 10 a minute. */
  loginRateLimit?: { max: number; windowMs: number };
}

/** Every route of the API, in documentation order (openapi.json included). */
export function adminRoutes(deps: AdminDeps, prefix: string): AnyRoute[] {
  const routes = [
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...policyRoutes(deps),
    ...deviceRoutes(deps),
    ...ruleRoutes(deps),
    ...orgRoutes(deps),
    ...quarantineRoutes(deps),
    ...whatIfRoutes(deps),
    ...auditRoutes(deps),
  ];
  let doc: unknown = null;
  const openapi = defineRoute({
    method: 'GET',
    url: '/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI 3.1 description',
    auth: false,
    response: z.record(z.string(), z.unknown()),
    async handler() {
      // Built on first use: z.toJSONSchema over every route takes a few milliseconds.
      doc ??= buildOpenApi(all, { prefix });
      return doc;
    },
  });
  const all = [...routes, openapi];
  return all;
}

export async function adminPlugin(app: FastifyInstance, opts: AdminPluginOptions): Promise<void> {
  const clock = opts.clock ?? (() => new Date());
  const limit = opts.loginRateLimit ?? { max: 10, windowMs: 60_000 };
  const deps: AdminDeps = {
    store: opts.store,
    access: opts.access,
    devices: opts.devices,
    audit: opts.audit,
    clock,
    loginLimiter: new FailureLimiter({ ...limit, clock }),
  };

  // The parent app hands every body through as bytes (EAS); here only JSON is accepted.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err);
    if (e.code === 'EAS_ERR_SERVER_INTERNAL')
      req.log.error({ err, requestId: req.id }, 'admin: unhandled error');
    else req.log.info({ code: e.code, status: e.statusCode }, 'admin: request refused');
    for (const [name, value] of Object.entries(e.headers)) void reply.header(name, value);
    const body: ErrorBody = {
      code: e.code,
      message: e.message,
      requestId: req.id,
      ...(e.details !== undefined ? { details: e.details } : {}),
    };
    return reply.code(e.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req) => {
    throw apiError(
      'EAS_ERR_ROUTE_NOT_FOUND',
      `no route ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}`,
    );
  });

  const prefix = app.prefix || ADMIN_PREFIX;
  registerRoutes(app, adminRoutes(deps, prefix), bearerGuard(deps));
}

/**
 * The hook for buildApp's `registerAdmin`: mounts the plugin under /api/v1 of the EAS server.
 * `registerAdmin: registerAdminApi({ store, access, devices, audit, clock })`.
 */
export function registerAdminApi(opts: AdminPluginOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    await app.register(adminPlugin, { ...opts, prefix: ADMIN_PREFIX });
  };
}
