import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../auth/password.js';
import { newUserRecord } from '../../auth/user-record.js';
import { ADMIN, auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';
import { TokenCreated, TokenList } from '../schemas.js';

describe('admin API authentication', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ loginRateLimit: { max: 3, windowMs: 60_000 } });
  });
  after(() => h.close());

  it('refuses a request without a token (401, WWW-Authenticate, catalogue body)', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/users' });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /^Bearer /);
    const body = res.json();
    assert.equal(body.code, 'EAS_ERR_AUTH_REQUIRED');
    assert.equal(typeof body.message, 'string');
    assert.equal(typeof body.requestId, 'string');
    assert.ok(body.requestId.length > 0);
  });

  it('refuses an unknown token, a malformed header and Basic credentials', async () => {
    for (const authorization of [
      `Bearer ${'A'.repeat(43)}`,
      'Bearer short',
      `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`,
    ]) {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(res.json().code, 'EAS_ERR_AUTH_TOKEN_INVALID');
    }
  });

  it('checks authentication before reading the body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    assert.equal(res.statusCode, 401);
  });

  it('issues a token shown once, stores only its SHA-256 and records the login', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: ADMIN.username, password: ADMIN.password, name: 'ci', expiresInDays: 2 },
    });
    assert.equal(res.statusCode, 201);
    const body = TokenCreated.parse(res.json());
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.expiresAt, new Date(h.clock.now.getTime() + 2 * 86_400_000).toISOString());
    const sha = createHash('sha256').update(body.token).digest('hex');
    const stored = await h.store.getAdminTokenByHash(sha);
    assert.ok(stored);
    assert.equal(stored.id, body.id);
    assert.equal(stored.name, 'ci');
    assert.notEqual(stored.tokenHash, body.token);
    assert.equal(await h.store.getAdminTokenByHash(body.token), null);

    const list = TokenList.parse((await h.api('GET', '/auth/tokens')).json());
    const listed = list.tokens.find((t) => t.id === body.id);
    assert.ok(listed);
    assert.ok(!JSON.stringify(list).includes(body.token));
    assert.ok(!JSON.stringify(list).includes(sha));
    assert.equal(list.tokens.filter((t) => t.current).length, 1);

    const created = await auditOf(h.store, 'admin.token.created');
    assert.ok(created.some((e) => (e.after as { tokenId: string }).tokenId === body.id));
    assert.equal(created[0]?.actor, `admin:${ADMIN.username}`);
    assert.equal(created[0]?.source, '127.0.0.1');
  });

  it('refuses an expired token with its own code', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: ADMIN.username, password: ADMIN.password, expiresInDays: 1 },
    });
    const { token } = res.json() as { token: string };
    const ok = await h.app.inject({
      method: 'GET',
      url: '/api/v1/org',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.statusCode, 200);
    h.clock.advance(86_400_000);
    const expired = await h.app.inject({
      method: 'GET',
      url: '/api/v1/org',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json().code, 'EAS_ERR_AUTH_TOKEN_EXPIRED');
    h.clock.advance(-86_400_000);
  });

  it('touches lastUsedAt at most once a minute', async () => {
    const sha = createHash('sha256').update(h.token).digest('hex');
    await h.api('GET', '/org');
    const first = (await h.store.getAdminTokenByHash(sha))?.lastUsedAt;
    assert.equal(first?.toISOString(), h.clock.now.toISOString());
    h.clock.advance(30_000);
    await h.api('GET', '/org');
    assert.equal((await h.store.getAdminTokenByHash(sha))?.lastUsedAt?.toISOString(), first?.toISOString());
    h.clock.advance(31_000);
    await h.api('GET', '/org');
    assert.equal(
      (await h.store.getAdminTokenByHash(sha))?.lastUsedAt?.toISOString(),
      h.clock.now.toISOString(),
    );
  });

  it("never accepts a mail user's EAS password, and audits the failure", async () => {
    await h.store.putUser(
      newUserRecord({
        username: 'mailuser',
        email: 'mailuser@example.com',
        displayName: 'Mail User',
        passwordHash: await hashPassword('mail-password-1'),
        now: h.clock.now,
      }),
    );
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: '192.0.2.1',
      payload: { username: 'mailuser', password: 'mail-password-1' },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'EAS_ERR_AUTH_BAD_CREDENTIALS');
    const failed = await auditOf(h.store, 'admin.login.failed');
    assert.equal(failed[0]?.source, '192.0.2.1');
    assert.match(failed[0]?.reason ?? '', /mailuser/);
  });

  it('rate-limits failed logins per remote address (429 with Retry-After)', async () => {
    const attempt = (remoteAddress: string, password = 'wrong') =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        remoteAddress,
        payload: { username: ADMIN.username, password },
      });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('198.51.100.7')).statusCode, 401);
    const limited = await attempt('198.51.100.7', ADMIN.password);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().code, 'EAS_ERR_AUTH_RATE_LIMITED');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    // Another address is not affected; the window ends.
    assert.equal((await attempt('198.51.100.8', ADMIN.password)).statusCode, 201);
    h.clock.advance(60_000);
    assert.equal((await attempt('198.51.100.7', ADMIN.password)).statusCode, 201);
  });

  it('validates the login body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: 'root' },
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'EAS_ERR_REQUEST_INVALID');
    assert.ok(body.details.some((d: { path: string }) => d.path === 'password'));
  });

  it('revokes tokens: own ones (204, then 401), others are 403, unknown 404', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: ADMIN.username, password: ADMIN.password, name: 'temp' },
    });
    const temp = res.json() as { token: string; id: string };
    assert.equal((await h.api('DELETE', `/auth/tokens/${temp.id}`)).statusCode, 204);
    const after = await h.app.inject({
      method: 'GET',
      url: '/api/v1/org',
      headers: { authorization: `Bearer ${temp.token}` },
    });
    assert.equal(after.statusCode, 401);
    assert.equal((await auditOf(h.store, 'admin.token.deleted')).length, 1);

    const other = {
      id: randomUUID(),
      username: 'other',
      passwordHash: await hashPassword('other-pass'),
      createdAt: h.clock.now,
    };
    await h.store.putAdmin(other);
    const otherToken = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: 'other', password: 'other-pass' },
    });
    const otherId = (otherToken.json() as { id: string }).id;
    const forbidden = await h.api('DELETE', `/auth/tokens/${otherId}`);
    assert.equal(forbidden.statusCode, 403);
    assert.equal(forbidden.json().code, 'EAS_ERR_AUTH_TOKEN_FORBIDDEN');
    const missing = await h.api('DELETE', `/auth/tokens/${randomUUID()}`);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'EAS_ERR_AUTH_TOKEN_NOT_FOUND');
  });

  it('answers unknown admin routes with the catalogue 404, and leaves EAS routes alone', async () => {
    const res = await h.api('GET', '/nope');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'EAS_ERR_ROUTE_NOT_FOUND');
    // The EAS app's own 404 stays an empty body.
    const eas = await h.app.inject({ method: 'GET', url: '/elsewhere' });
    assert.equal(eas.statusCode, 404);
    assert.equal(eas.body, '');
  });
});
