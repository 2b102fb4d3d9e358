// How an admin API route is declared: method, path, zod schemas for params/query/body/response and a
// handler that receives parsed input. The same declarations register the Fastify routes and feed the
// OpenAPI description, so a route cannot exist without being described.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { z } from 'zod';
import type { AdminPrincipal } from './auth-guard.js';
import { principalOf } from './auth-guard.js';
import type { ErrorCode } from './errors.js';
import { apiError } from './errors.js';
import { adminRequestContext } from './request-context.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The authenticated administrator; null only on public routes. */
  admin: AdminPrincipal | null;
  /** Audit actor: 'admin:<username>' ('anonymous' on public routes). */
  actor: string;
  /** Audit source: the client's address. */
  source: string;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Fastify path below the prefix, e.g. '/users/:id'. */
  url: string;
  tag: string;
  summary: string;
  description?: string;
  /** Default true: needs a bearer token. */
  auth?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status; default 200. 204 means no body. */
  status?: number;
  /** Another success status with the same body (e.g. 200 for a dry run of a 201 create). */
  altStatus?: number;
  response?: z.ZodType;
  /** Error codes this route can answer besides the common ones (auth, validation, internal). */
  errors?: readonly ErrorCode[];
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** A route with its types erased, for lists. */
export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({
    in: where,
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
  const first = details
    .slice(0, 3)
    .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
    .join('; ');
  throw apiError('EAS_ERR_REQUEST_INVALID', `invalid ${where}: ${first}`, details);
}

/** Registers the routes on a Fastify scope; `guard` authenticates every route with auth !== false. */
export function registerRoutes(
  app: FastifyInstance,
  routes: readonly AnyRoute[],
  guard: onRequestHookHandler,
): void {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      ...(spec.auth === false ? {} : { onRequest: guard }),
      handler: async (req, reply) => {
        const params = parse(spec.params, req.params, 'path');
        const query = parse(spec.query, req.query, 'query');
        // A POST without a body (no Content-Type) means "no options".
        const body = parse(spec.body, req.body ?? {}, 'body');
        const admin = principalOf(req);
        const source = req.ip;
        reply.code(spec.status ?? 200);
        const result = await adminRequestContext.run({ source, requestId: req.id }, () =>
          spec.handler({
            params,
            query,
            body,
            admin,
            actor: admin ? `admin:${admin.username}` : 'anonymous',
            source,
            req,
            reply,
          }),
        );
        if (result === undefined) return reply.code(204).send();
        return reply.send(result);
      },
    });
  }
}
