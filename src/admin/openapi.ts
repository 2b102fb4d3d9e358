// The OpenAPI 3.1 description of the admin API, generated from the route declarations and their zod
// schemas (z.toJSONSchema), so the description cannot drift from what the routes accept.
import { z } from 'zod';
import { PolicyPatchSchema } from '../policy/index.js';
import { ERRORS } from './errors.js';
import type { ErrorCode } from './errors.js';
import type { AnyRoute } from './route.js';
import { ErrorBodySchema, PolicyValuesSchema } from './schemas.js';

type Json = Record<string, unknown>;

const TAGS = [
  { name: 'auth', description: 'API tokens of administrators' },
  { name: 'users', description: 'Mail users and their EAS settings (Set-CASMailbox)' },
  { name: 'policies', description: 'Mobile device mailbox policies and domain assignments' },
  { name: 'devices', description: 'Device partnerships, wipes and per-device access' },
  { name: 'rules', description: 'Device access rules (allow/block/quarantine)' },
  { name: 'org', description: 'Organization settings' },
  { name: 'quarantine', description: 'The quarantine queue' },
  { name: 'access', description: 'What-if evaluation' },
  { name: 'audit', description: 'The audit log' },
  { name: 'meta', description: 'This description' },
];

const AUTH_ERRORS: ErrorCode[] = [
  'EAS_ERR_AUTH_REQUIRED',
  'EAS_ERR_AUTH_TOKEN_INVALID',
  'EAS_ERR_AUTH_TOKEN_EXPIRED',
];
const BODY_ERRORS: ErrorCode[] = [
  'EAS_ERR_REQUEST_MALFORMED_JSON',
  'EAS_ERR_REQUEST_TOO_LARGE',
  'EAS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE',
];

let policyPatchJson: Json | null = null;

/** JSON Schema of a zod schema, without the $schema line (OpenAPI 3.1 uses 2020-12 already). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      // Policy values are checked by the policy module at run time; describe them by its schema.
      if (ctx.zodSchema === PolicyValuesSchema) {
        policyPatchJson ??= jsonSchema(PolicyPatchSchema, 'input');
        for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[k];
        Object.assign(ctx.jsonSchema, policyPatchJson);
      }
    },
  }) as Json;
  delete out.$schema;
  return out;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  if (!(schema instanceof z.ZodObject)) throw new Error(`openapi: ${where} schema must be a z.object`);
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, prop]) => {
    const s = jsonSchema(prop, 'input');
    const description = typeof s.description === 'string' ? s.description : undefined;
    return {
      name,
      in: where,
      required: where === 'path' || !prop.safeParse(undefined).success,
      schema: s,
      ...(description ? { description } : {}),
    };
  });
}

function operationId(r: AnyRoute): string {
  const words = r.url
    .split('/')
    .filter(Boolean)
    .map((seg) => seg.replace(/^:/, 'by-'))
    .join('-')
    .split('-');
  return r.method.toLowerCase() + words.map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join('');
}

function errorResponses(r: AnyRoute): Record<string, Json> {
  const codes = new Set<ErrorCode>([
    ...(r.auth === false ? [] : AUTH_ERRORS),
    ...(r.params || r.query || r.body ? (['EAS_ERR_REQUEST_INVALID'] as const) : []),
    ...(r.body ? BODY_ERRORS : []),
    ...(r.errors ?? []),
    'EAS_ERR_SERVER_INTERNAL',
  ]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code].statusCode;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.map((c) => `${c}: ${ERRORS[c].message}`).join('; '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function operation(r: AnyRoute): Json {
  const success: Record<string, Json> = {};
  for (const status of [r.status ?? 200, ...(r.altStatus ? [r.altStatus] : [])]) {
    success[String(status)] =
      status === 204 || !r.response
        ? { description: 'done' }
        : {
            description: 'success',
            content: { 'application/json': { schema: jsonSchema(r.response, 'output') } },
          };
  }
  return {
    operationId: operationId(r),
    tags: [r.tag],
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    ...(r.auth === false ? { security: [] } : {}),
    parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
    ...(r.body
      ? {
          requestBody: {
            // Bodies whose fields are all optional may be left out entirely.
            required: !r.body.safeParse({}).success,
            content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
          },
        }
      : {}),
    responses: { ...success, ...errorResponses(r) },
  };
}

/** '/users/:id' -> '/users/{id}'. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApi(routes: readonly AnyRoute[], o: { prefix: string; version?: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Syncward admin API',
      version: o.version ?? '1.0.0',
      description:
        'Administration of users, policies, devices and device access (allow/block/quarantine). Every error body is {code, message, requestId, details?}; docs/errors.md lists the codes.',
    },
    servers: [{ url: o.prefix }],
    security: [{ bearerAuth: [] }],
    tags: TAGS,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'a token from POST /auth/token' },
      },
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
    },
  };
}
