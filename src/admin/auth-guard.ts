// Bearer-token authentication of admin API requests. Tokens are random and shown once; the store
// keeps only their SHA-256, so a leaked database does not leak usable tokens.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Store } from '../store/types.js';
import { AdminApiError } from './errors.js';

export interface AdminPrincipal {
  adminId: string;
  username: string;
  tokenId: string;
}

/** lastUsedAt is written at most this often per token: it is for humans, not for accounting. */
export const TOUCH_INTERVAL_MS = 60_000;
const BEARER = /^\s*bearer[ \t]+([A-Za-z0-9_-]{16,256})\s*$/i;
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="Syncward admin"' };

const principals = new WeakMap<FastifyRequest, AdminPrincipal>();

export function principalOf(req: FastifyRequest): AdminPrincipal | null {
  return principals.get(req) ?? null;
}

/** 32 random bytes, base64url: the token itself, never stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store keeps: SHA-256 hex. A fast hash is enough for 256-bit random tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function unauthorized(
  code: 'EAS_ERR_AUTH_REQUIRED' | 'EAS_ERR_AUTH_TOKEN_INVALID' | 'EAS_ERR_AUTH_TOKEN_EXPIRED',
) {
  return new AdminApiError(code, undefined, undefined, CHALLENGE);
}

/** The onRequest hook of every protected route: runs before the body is read. */
export function bearerGuard(deps: { store: Store; clock: () => Date }): onRequestHookHandler {
  return async (req) => {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.trim() === '') throw unauthorized('EAS_ERR_AUTH_REQUIRED');
    const m = BEARER.exec(header);
    if (!m?.[1]) throw unauthorized('EAS_ERR_AUTH_TOKEN_INVALID');
    const token = await deps.store.getAdminTokenByHash(hashToken(m[1]));
    if (!token) throw unauthorized('EAS_ERR_AUTH_TOKEN_INVALID');
    const now = deps.clock();
    if (token.expiresAt && token.expiresAt.getTime() <= now.getTime())
      throw unauthorized('EAS_ERR_AUTH_TOKEN_EXPIRED');
    // Tokens die with their admin; a dangling one is refused all the same.
    const admin = await deps.store.getAdmin(token.adminId);
    if (!admin) throw unauthorized('EAS_ERR_AUTH_TOKEN_INVALID');
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
      await deps.store.touchAdminToken(token.id, now);
    }
    principals.set(req, { adminId: admin.id, username: admin.username, tokenId: token.id });
  };
}
