import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyPassword } from '../../auth/password.js';
import { UserList, UserUpdated, UserView } from '../schemas.js';
import { auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: users', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('creates a user, stores the password hashed and never returns it', async () => {
    const res = await h.api('POST', '/users', {
      username: 'alice',
      password: 'alice-secret-1',
      email: 'alice@example.com',
      displayName: 'Alice',
    });
    assert.equal(res.statusCode, 201);
    const user = UserView.parse(res.json());
    assert.equal(user.username, 'alice');
    assert.equal(user.easEnabled, true);
    assert.equal(user.effectivePolicy?.source, 'default');
    assert.ok(!res.body.includes('alice-secret-1'));
    assert.ok(!/passwordHash|scrypt/.test(res.body));
    const stored = await h.store.getUserByName('alice');
    assert.ok(stored && (await verifyPassword('alice-secret-1', stored.passwordHash)));

    const created = await auditOf(h.store, 'user.created');
    assert.equal(created[0]?.targetId, user.id);
    assert.equal(created[0]?.actor, 'admin:root');
    assert.equal(created[0]?.source, '127.0.0.1');
    assert.ok(!JSON.stringify(created[0]).includes('scrypt'));
  });

  it('refuses a duplicate user name (409) and invalid input (400 naming each field)', async () => {
    const dup = await h.api('POST', '/users', {
      username: 'ALICE',
      password: 'another-pass',
      email: 'a2@example.com',
    });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, 'EAS_ERR_USER_EXISTS');

    const bad = await h.api('POST', '/users', {
      username: 'b c',
      password: 'short',
      email: 'nope',
      extra: 1,
    });
    assert.equal(bad.statusCode, 400);
    const body = bad.json();
    assert.equal(body.code, 'EAS_ERR_REQUEST_INVALID');
    const paths = body.details.map((d: { path: string }) => d.path);
    for (const p of ['username', 'password', 'email']) assert.ok(paths.includes(p), `${p} in ${paths}`);
    assert.ok(body.details.some((d: { message: string }) => /extra/.test(d.message)));

    const notJson = await h.api('POST', '/users', 'username=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(notJson.statusCode, 415);
    assert.equal(notJson.json().code, 'EAS_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE');
    const broken = await h.api('POST', '/users', '{"username":', { 'content-type': 'application/json' });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().code, 'EAS_ERR_REQUEST_MALFORMED_JSON');
  });

  it('lists and gets users by id or name', async () => {
    const list = UserList.parse((await h.api('GET', '/users')).json());
    const alice = list.users.find((u) => u.username === 'alice');
    assert.ok(alice);
    assert.equal((await h.api('GET', `/users/${alice.id}`)).json().id, alice.id);
    assert.equal((await h.api('GET', '/users/Alice')).json().id, alice.id);
    const missing = await h.api('GET', '/users/nobody');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'EAS_ERR_USER_NOT_FOUND');
  });

  it('patches the profile and assigns a policy by name (null falls back)', async () => {
    await h.api('POST', '/policies', { name: 'Strict', settings: { DevicePasswordEnabled: true } });
    const res = await h.api('PATCH', '/users/alice', { displayName: 'Alice A.', policy: 'strict' });
    assert.equal(res.statusCode, 200);
    const { user } = UserUpdated.parse(res.json());
    assert.equal(user.displayName, 'Alice A.');
    assert.equal(user.policyName, 'Strict');
    assert.deepEqual(user.effectivePolicy && [user.effectivePolicy.name, user.effectivePolicy.source], [
      'Strict',
      'user',
    ]);
    const cleared = UserUpdated.parse((await h.api('PATCH', '/users/alice', { policy: null })).json());
    assert.equal(cleared.user.policyId, null);
    assert.equal(cleared.user.effectivePolicy?.source, 'default');
    const updates = await auditOf(h.store, 'user.updated');
    assert.equal(updates.length, 2);

    const unknown = await h.api('PATCH', '/users/alice', { policy: 'Nope' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'EAS_ERR_POLICY_NOT_FOUND');
    const empty = await h.api('PATCH', '/users/alice', {});
    assert.equal(empty.statusCode, 400);
  });

  it('changes the personal lists and ActiveSyncEnabled through the access service (decisions follow)', async () => {
    await h.api('PATCH', '/org', { defaultAccessLevel: 'Quarantine' });
    const bob = await h.addUser('bob');
    const phone = await h.addDevice(bob, { deviceId: 'BOBPHONE', deviceType: 'iPhone', model: 'iPhone15,2' });
    assert.equal(phone.accessState, 'Quarantined');

    const allowed = UserUpdated.parse(
      (await h.api('PATCH', '/users/bob', { allowedDeviceIds: ['BOBPHONE'] })).json(),
    );
    assert.deepEqual(allowed.user.allowedDeviceIds, ['BOBPHONE']);
    assert.equal(allowed.changes.length, 1);
    assert.equal(allowed.changes[0]?.to.state, 'Allowed');
    assert.equal(allowed.changes[0]?.to.reason, 'Individual');
    assert.equal((await h.store.getDevice(phone.id))?.accessState, 'Allowed');

    const disabled = UserUpdated.parse((await h.api('PATCH', '/users/bob', { easEnabled: false })).json());
    assert.equal(disabled.user.easEnabled, false);
    assert.equal((await h.store.getDevice(phone.id))?.accessReason, 'UserDisabled');
    const entries = await auditOf(h.store, 'user.access.changed');
    assert.equal(entries[0]?.actor, 'admin:root');
    assert.equal(entries[0]?.source, '127.0.0.1');
    await h.api('PATCH', '/org', { defaultAccessLevel: 'Allow' });
  });

  it('sets a password (204) and audits it without the password', async () => {
    const res = await h.api('POST', '/users/alice/password', { password: 'new-alice-pass' });
    assert.equal(res.statusCode, 204);
    const stored = await h.store.getUserByName('alice');
    assert.ok(stored && (await verifyPassword('new-alice-pass', stored.passwordHash)));
    const entry = (await auditOf(h.store, 'user.password.changed'))[0];
    assert.equal(entry?.targetId, stored?.id);
    assert.ok(!JSON.stringify(entry).includes('new-alice-pass'));
    assert.equal((await h.api('POST', '/users/alice/password', { password: 'x' })).statusCode, 400);
  });

  it('deletes a user with their devices', async () => {
    const carol = await h.addUser('carol');
    const d = await h.addDevice(carol, { deviceId: 'C1', deviceType: 'Android' });
    assert.equal((await h.api('DELETE', `/users/${carol.id}`)).statusCode, 204);
    assert.equal(await h.store.getUser(carol.id), null);
    assert.equal(await h.store.getDevice(d.id), null);
    const entry = (await auditOf(h.store, 'user.deleted'))[0];
    assert.equal(entry?.targetId, carol.id);
    assert.equal((await h.api('DELETE', `/users/${carol.id}`)).statusCode, 404);
  });
});
