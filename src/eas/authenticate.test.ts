import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword } from '../auth/password.js';
import { EXTERNAL_PASSWORD, emailForLogin, externalUserProvisioner } from '../auth/external-users.js';
import { newUserRecord } from '../auth/user-record.js';
import type { AuditEvent } from '../audit/audit-log.js';
import { StoreConflictError } from '../store/types.js';
import type { User } from '../store/types.js';
import { Authenticator } from './authenticate.js';
import type { ExternalLogin } from './authenticate.js';

function user(username: string, email: string, passwordHash: string): User {
  return newUserRecord({ id: `id-${username}`, username, email, passwordHash, now: new Date(0) });
}

function directory(list: User[]) {
  const users = new Map(list.map((u) => [u.username.toLowerCase(), u]));
  return {
    users,
    async getUserByName(name: string) {
      return users.get(name.toLowerCase()) ?? null;
    },
    async getUser(id: string) {
      return [...users.values()].find((u) => u.id === id) ?? null;
    },
    async findUserIdByEmail(email: string) {
      return [...users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase())?.id ?? null;
    },
    async putUser(u: User) {
      if (users.has(u.username.toLowerCase())) throw new StoreConflictError('taken');
      users.set(u.username.toLowerCase(), u);
    },
  };
}

const basic = (username: string, password: string) => ({ kind: 'basic' as const, username, password });

test('directory passwords: by login name or address, DOMAIN\\ stripped', async () => {
  const dir = directory([user('alice', 'alice@corp.example', await hashPassword('s3cret'))]);
  const auth = new Authenticator({ users: dir, clock: () => new Date() });
  assert.equal((await auth.authenticate(basic('alice', 's3cret')))?.username, 'alice');
  assert.equal((await auth.authenticate(basic('CORP\\alice', 's3cret')))?.username, 'alice');
  assert.equal((await auth.authenticate(basic('Alice@Corp.Example', 's3cret')))?.username, 'alice');
  assert.equal(await auth.authenticate(basic('alice', 'wrong')), null);
  assert.equal(await auth.authenticate(basic('nobody', 's3cret')), null);
  assert.equal(await auth.authenticate({ kind: 'none' } as never), null);
});

test('an external server checks passwords; accepted unknown logins are provisioned; outcomes cached', async () => {
  const dir = directory([user('bob', 'bob@corp.example', EXTERNAL_PASSWORD)]);
  const calls: string[] = [];
  const audit: AuditEvent[] = [];
  let now = 0;
  const external: ExternalLogin = {
    async verify(login, password) {
      calls.push(login);
      return password === `pw-${login}`;
    },
    provision: externalUserProvisioner({
      users: dir,
      audit: { record: async (e) => void audit.push(e) },
      clock: () => new Date(now),
      create: true,
      mailDomain: 'corp.example',
      source: 'imap://mail:143',
    }),
  };
  const auth = new Authenticator({ users: dir, clock: () => new Date(now), external });
  assert.equal((await auth.authenticate(basic('bob', 'pw-bob')))?.id, 'id-bob');
  assert.equal(await auth.authenticate(basic('bob', 'wrong')), null);
  // Cached: no second round trip within the TTL, success or failure.
  await auth.authenticate(basic('bob', 'pw-bob'));
  await auth.authenticate(basic('bob', 'wrong'));
  assert.deepEqual(calls, ['bob', 'bob']);
  // The directory hash is never consulted: "!external" is not a password.
  assert.equal(await auth.authenticate(basic('bob', EXTERNAL_PASSWORD)), null);

  const carol = await auth.authenticate(basic('carol', 'pw-carol'));
  assert.deepEqual(
    [carol?.username, carol?.email, carol?.passwordHash],
    ['carol', 'carol@corp.example', EXTERNAL_PASSWORD],
  );
  assert.deepEqual(
    audit.map((e) => [e.action, e.targetId, e.source]),
    [['user.created', carol?.id, 'imap://mail:143']],
  );
  // Refused by the server: no record.
  assert.equal(await auth.authenticate(basic('mallory', 'guess')), null);
  assert.equal(dir.users.has('mallory'), false);
  // After the TTL the server is asked again.
  now += 6 * 60_000;
  await auth.authenticate(basic('bob', 'pw-bob'));
  assert.equal(calls.filter((c) => c === 'bob').length, 4);
});

test('an unreachable external server is an error, not a refusal (and not cached)', async () => {
  const dir = directory([]);
  let down = true;
  const auth = new Authenticator({
    users: dir,
    clock: () => new Date(),
    external: {
      verify: async () => {
        if (down) throw new Error('connect ECONNREFUSED');
        return true;
      },
      provision: async () => null,
    },
  });
  await assert.rejects(auth.authenticate(basic('dave@corp.example', 'x')), /ECONNREFUSED/);
  down = false;
  // Accepted by the server, but users are not created here: refused.
  assert.equal(await auth.authenticate(basic('dave@corp.example', 'x')), null);
});

test('provisioning: addresses for logins, creation off, and a concurrent first login', async () => {
  assert.equal(emailForLogin('a@b.example', null), 'a@b.example');
  assert.equal(emailForLogin('a', 'b.example'), 'a@b.example');
  assert.equal(emailForLogin('a', null), null);
  assert.equal(emailForLogin('a@', 'b.example'), null);
  assert.equal(emailForLogin('@b', 'b.example'), null);

  const dir = directory([]);
  const base = {
    users: dir,
    audit: { record: async () => {} },
    clock: () => new Date(0),
    mailDomain: null,
    source: 'imap://x:143',
  };
  assert.equal(await externalUserProvisioner({ ...base, create: false })('e@x.example'), null);
  assert.equal(await externalUserProvisioner({ ...base, create: true })('nodomain'), null);
  const make = externalUserProvisioner({ ...base, create: true });
  const [a, b] = await Promise.all([make('f@x.example'), make('f@x.example')]);
  assert.ok(a && b);
  assert.equal(a.id, b.id, 'the second creation finds the first');
});

test('a remembered success costs one read by id; renamed or deleted users are not served from it', async () => {
  const dir = directory([
    newUserRecord({
      id: 'id-gus',
      username: 'gus',
      email: 'gus@corp.example',
      passwordHash: await hashPassword('pw'),
      now: new Date(0),
    }),
  ]);
  const reads: string[] = [];
  const counted = {
    getUserByName: (n: string) => (reads.push('name'), dir.getUserByName(n)),
    getUser: (id: string) => (reads.push('id'), dir.getUser(id)),
    findUserIdByEmail: (e: string) => (reads.push('email'), dir.findUserIdByEmail(e)),
  };
  const auth = new Authenticator({ users: counted, clock: () => new Date() });
  assert.equal((await auth.authenticate(basic('gus@corp.example', 'pw')))?.id, 'id-gus');
  reads.length = 0;
  assert.equal((await auth.authenticate(basic('gus@corp.example', 'pw')))?.id, 'id-gus');
  assert.deepEqual(reads, ['id']);
  // Renamed (new address): the old login no longer names the user.
  const gus = dir.users.get('gus');
  assert.ok(gus);
  dir.users.set('gus', { ...gus, email: 'gustav@corp.example' });
  assert.equal(await auth.authenticate(basic('gus@corp.example', 'pw')), null);
  assert.equal((await auth.authenticate(basic('gus', 'pw')))?.id, 'id-gus');
  dir.users.delete('gus');
  assert.equal(await auth.authenticate(basic('gus', 'pw')), null);
});
