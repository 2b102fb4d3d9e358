// The per-user pool with fake connections and a fake clock: reuse, the cap, TTL eviction,
// pinning by open sessions, and credential handling (a new password never rides on old logins).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MailAuthError, MailBackendError, type MailCredentials } from '../types.js';
import type { MailLog } from './log.js';
import { ConnectionPool, type PoolConnection, type PoolOptions } from './pool.js';

class FakeConn implements PoolConnection {
  usable = true;
  loggedOut = false;
  constructor(readonly creds: MailCredentials) {}
  async logout(): Promise<void> {
    this.loggedOut = true;
    this.usable = false;
  }
  close(): void {
    this.usable = false;
  }
}

const quiet: MailLog = { debug() {}, info() {}, warn() {}, error() {} };
const ALICE: MailCredentials = { username: 'alice', password: 'right-password' };

function setup(over: Partial<PoolOptions<FakeConn>> = {}) {
  let now = 1_000_000;
  const made: FakeConn[] = [];
  const passwords = new Map([['alice', 'right-password']]);
  const pool = new ConnectionPool<FakeConn>({
    async connect(creds) {
      await Promise.resolve();
      if (passwords.get(creds.username) !== creds.password) throw new MailAuthError('refused');
      const c = new FakeConn(creds);
      made.push(c);
      return c;
    },
    sessionTtlMs: 60_000,
    connectionIdleMs: 30_000,
    maxConnectionsPerUser: 2,
    acquireTimeoutMs: 200,
    maxPinMs: 600_000,
    log: quiet,
    now: () => now,
    ...over,
  });
  return { pool, made, passwords, advance: (ms: number) => (now += ms) };
}

describe('imap connection pool', () => {
  test('reuses the connection that authenticated the user', async () => {
    const { pool, made } = setup();
    const u = await pool.open('u1', ALICE);
    for (let i = 0; i < 3; i++) {
      const c = await u.acquire();
      u.release(c);
    }
    assert.equal(made.length, 1);
    assert.equal(await pool.open('u1', ALICE), u, 'same credentials, same pool, no new login');
    assert.equal(made.length, 1);
    pool.close();
  });

  test('concurrent first opens share one login', async () => {
    const { pool, made } = setup();
    const [a, b, c] = await Promise.all([
      pool.open('u1', ALICE),
      pool.open('u1', ALICE),
      pool.open('u1', ALICE),
    ]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(made.length, 1);
    pool.close();
  });

  test('caps connections per user and queues the rest', async () => {
    const { pool, made } = setup();
    const u = await pool.open('u1', ALICE);
    const c1 = await u.acquire();
    const c2 = await u.acquire();
    assert.equal(made.length, 2);
    let third: FakeConn | null = null;
    const waiting = u.acquire().then((c) => (third = c));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(third, null, 'the third caller waits');
    assert.equal(u.stats().waiting, 1);
    u.release(c1);
    await waiting;
    assert.equal(third, c1, 'it gets the released connection');
    assert.equal(made.length, 2);
    u.release(c2);
    u.release(c1);
    pool.close();
  });

  test('a caller waiting too long gets a MailBackendError', async () => {
    const { pool } = setup({ maxConnectionsPerUser: 1 });
    const u = await pool.open('u1', ALICE);
    const c = await u.acquire();
    await assert.rejects(u.acquire(), MailBackendError);
    u.release(c);
    pool.close();
  });

  test('a dead or discarded connection is replaced, also for a waiting caller', async () => {
    const { pool, made } = setup({ maxConnectionsPerUser: 1 });
    const u = await pool.open('u1', ALICE);
    const c = await u.acquire();
    const waiting = u.acquire();
    u.release(c, true);
    const next = await waiting;
    assert.notEqual(next, c);
    assert.equal(made.length, 2);
    next.usable = false; // dropped by the server while free
    u.release(next);
    const again = await u.acquire();
    assert.equal(made.length, 3);
    u.release(again);
    pool.close();
  });

  test('another password authenticates on its own; a refused one changes nothing', async () => {
    const { pool, made, passwords } = setup();
    const u = await pool.open('u1', ALICE);
    await assert.rejects(pool.open('u1', { username: 'alice', password: 'guess' }), MailAuthError);
    assert.equal(made.length, 1, 'one login for the right password only');
    assert.deepEqual(u.credentials(), ALICE);
    assert.equal(await pool.open('u1', ALICE), u);

    passwords.set('alice', 'new-password');
    const busy = await u.acquire();
    const same = await pool.open('u1', { username: 'alice', password: 'new-password' });
    assert.equal(same, u);
    assert.equal(u.credentials()?.password, 'new-password');
    u.release(busy);
    assert.equal(busy.loggedOut, true, 'a connection of the old password is retired when released');
    const c = await u.acquire();
    assert.equal(c.creds.password, 'new-password');
    u.release(c);
    pool.close();
  });

  test('a user is evicted after the TTL once no session pins it, and forgets the password', async () => {
    const evicted: string[] = [];
    const p = setup({ onUserEvict: (x) => evicted.push(x.userId) });
    const u = await p.pool.open('u1', ALICE);
    const unpin = u.pin();
    p.advance(120_000);
    p.pool.sweep();
    assert.equal(p.pool.get('u1'), u, 'an open session keeps the user');
    assert.equal(p.made[0]?.loggedOut, true, 'but an idle free connection is logged out');
    unpin();
    p.advance(59_000);
    p.pool.sweep();
    assert.equal(p.pool.get('u1'), u);
    p.advance(2_000);
    p.pool.sweep();
    assert.equal(p.pool.get('u1'), undefined);
    assert.deepEqual(evicted, ['u1']);
    assert.equal(u.credentials(), null);
    await assert.rejects(u.acquire(), MailBackendError);
    p.pool.close();
  });

  test('a leaked session pins its user at most maxPinMs', async () => {
    const { pool, advance } = setup({ maxPinMs: 300_000 });
    const u = await pool.open('u1', ALICE);
    u.pin();
    advance(299_000);
    pool.sweep();
    assert.equal(pool.get('u1'), u);
    advance(2_000);
    pool.sweep();
    assert.equal(pool.get('u1'), undefined);
    pool.close();
  });

  test('a user with a busy connection is not evicted', async () => {
    const { pool, advance } = setup();
    const u = await pool.open('u1', ALICE);
    const c = await u.acquire();
    advance(3_600_000);
    pool.sweep();
    assert.equal(pool.get('u1'), u);
    u.release(c);
    advance(61_000);
    pool.sweep();
    assert.equal(pool.get('u1'), undefined);
    assert.equal(c.loggedOut, true);
    pool.close();
  });

  test('close logs every user out', async () => {
    const { pool, made } = setup();
    await pool.open('u1', ALICE);
    pool.close();
    assert.ok(made.every((c) => c.loggedOut));
    await assert.rejects(pool.open('u1', ALICE), MailBackendError);
  });
});
