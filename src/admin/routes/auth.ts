// Admin API tokens: log in with an administrator's name and password (never a mail user's) to get
// a bearer token, list one's tokens, revoke them. Failed logins are rate-limited and audited.
import { randomUUID } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../auth/password.js';
import type { AdminDeps } from '../deps.js';
import { AdminApiError, apiError } from '../errors.js';
import type { AdminPrincipal } from '../auth-guard.js';
import { hashToken, newToken } from '../auth-guard.js';
import { defineRoute } from '../route.js';
import type { AnyRoute, RouteContext } from '../route.js';
import { IdParams, TokenCreated, TokenList, TokenRequest } from '../schemas.js';
import { tokenView } from '../views.js';

const DEFAULT_TOKEN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

// Verifying against a real hash when the admin does not exist keeps the response time from telling
// which names exist. Computed once, on the first failed lookup.
let dummyHash: Promise<string> | null = null;
const dummy = () => (dummyHash ??= hashPassword(newToken()));

function requireAdmin(ctx: RouteContext<unknown, unknown, unknown>): AdminPrincipal {
  if (!ctx.admin) throw apiError('EAS_ERR_AUTH_REQUIRED');
  return ctx.admin;
}

/** A claimed name as it may appear in the audit log: no control characters, bounded. */
const shown = (s: string) => JSON.stringify(s.replace(/\p{Cc}/gu, '?').slice(0, 64));

export function authRoutes(deps: AdminDeps): AnyRoute[] {
  const { store, audit, clock, loginLimiter } = deps;
  return [
    defineRoute({
      method: 'POST',
      url: '/auth/token',
      tag: 'auth',
      summary: 'Create an API token with administrator credentials',
      description:
        'Administrators are separate from mail users: EAS passwords never work here. The token is shown once; only its SHA-256 is stored.',
      auth: false,
      body: TokenRequest,
      status: 201,
      response: TokenCreated,
      errors: ['EAS_ERR_AUTH_BAD_CREDENTIALS', 'EAS_ERR_AUTH_RATE_LIMITED'],
      async handler({ body, source }) {
        const wait = loginLimiter.retryAfter(source);
        if (wait > 0) {
          throw new AdminApiError(
            'EAS_ERR_AUTH_RATE_LIMITED',
            undefined,
            { retryAfterSeconds: wait },
            {
              'Retry-After': String(wait),
            },
          );
        }
        const admin = await store.getAdminByName(body.username);
        const ok = await verifyPassword(body.password, admin ? admin.passwordHash : await dummy());
        if (!admin || !ok) {
          loginLimiter.fail(source);
          await audit.record({
            actor: 'anonymous',
            action: 'admin.login.failed',
            targetType: 'admin',
            targetId: admin?.id ?? null,
            reason: `bad credentials for administrator ${shown(body.username)}`,
            source,
          });
          throw apiError('EAS_ERR_AUTH_BAD_CREDENTIALS');
        }
        const now = clock();
        const token = newToken();
        const record = {
          id: randomUUID(),
          adminId: admin.id,
          name: body.name ?? 'api',
          tokenHash: hashToken(token),
          createdAt: now,
          expiresAt: new Date(now.getTime() + (body.expiresInDays ?? DEFAULT_TOKEN_DAYS) * DAY_MS),
          lastUsedAt: null,
        };
        await store.putAdminToken(record);
        await audit.record({
          actor: `admin:${admin.username}`,
          action: 'admin.token.created',
          targetType: 'admin',
          targetId: admin.id,
          after: { tokenId: record.id, name: record.name, expiresAt: record.expiresAt.toISOString() },
          source,
        });
        return { token, id: record.id, name: record.name, expiresAt: record.expiresAt.toISOString() };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/auth/tokens',
      tag: 'auth',
      summary: "List the calling administrator's tokens (never the tokens themselves)",
      response: TokenList,
      async handler(ctx) {
        const admin = requireAdmin(ctx);
        const tokens = await store.listAdminTokens(admin.adminId);
        return { tokens: tokens.map((t) => tokenView(t, admin.tokenId)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/auth/tokens/:id',
      tag: 'auth',
      summary: 'Revoke a token (the current one too: that is a logout)',
      params: IdParams,
      status: 204,
      errors: ['EAS_ERR_AUTH_TOKEN_NOT_FOUND', 'EAS_ERR_AUTH_TOKEN_FORBIDDEN'],
      async handler(ctx) {
        const admin = requireAdmin(ctx);
        const own = (await store.listAdminTokens(admin.adminId)).find((t) => t.id === ctx.params.id);
        if (!own) {
          // Administrators are few: looking through the others tells 403 from 404.
          for (const other of await store.listAdmins()) {
            if (other.id === admin.adminId) continue;
            if ((await store.listAdminTokens(other.id)).some((t) => t.id === ctx.params.id)) {
              throw apiError('EAS_ERR_AUTH_TOKEN_FORBIDDEN');
            }
          }
          throw apiError('EAS_ERR_AUTH_TOKEN_NOT_FOUND');
        }
        await store.deleteAdminToken(own.id);
        await audit.record({
          actor: ctx.actor,
          action: 'admin.token.deleted',
          targetType: 'admin',
          targetId: admin.adminId,
          before: { tokenId: own.id, name: own.name },
          source: ctx.source,
        });
        return undefined;
      },
    }),
  ];
}
