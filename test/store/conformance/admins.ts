// Conformance group: AdminStore.
import assert from 'node:assert/strict';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeAdmin, makeUser, T2 } from './fixtures.js';

export function adminTests(storeTest: StoreTest): void {
  storeTest('missing admins are null, the empty store lists none', async (store) => {
    assert.equal(await store.getAdmin('no-such-id'), null);
    assert.equal(await store.getAdminByName('root'), null);
    assert.deepEqual(await store.listAdmins(), []);
  });

  storeTest('putAdmin round-trips and getAdminByName is case-insensitive', async (store) => {
    const admin = makeAdmin({ username: 'Ops-Team' });
    await store.putAdmin(admin);
    assert.deepEqual(await store.getAdminByName('Ops-Team'), admin);
    assert.deepEqual(await store.getAdminByName('ops-team'), admin);
  });

  storeTest('getAdmin finds by id, exactly', async (store) => {
    const admin = makeAdmin({ id: 'Admin-1' });
    const other = makeAdmin({ id: 'admin-1' });
    await store.putAdmin(admin);
    await store.putAdmin(other);
    assert.deepEqual(await store.getAdmin('Admin-1'), admin);
    assert.deepEqual(await store.getAdmin('admin-1'), other);
    assert.equal(await store.getAdmin('ADMIN-1'), null);
  });

  storeTest(
    'putAdmin replaces by id; a name taken by another admin is a StoreConflictError',
    async (store) => {
      const admin = makeAdmin({ username: 'root' });
      await store.putAdmin(admin);
      const changed = { ...admin, username: 'Root', passwordHash: 'scrypt$new', createdAt: T2 };
      await store.putAdmin(changed);
      assert.deepEqual(await store.listAdmins(), [changed]);
      await assert.rejects(store.putAdmin(makeAdmin({ username: 'ROOT' })), StoreConflictError);
      assert.equal((await store.listAdmins()).length, 1);
    },
  );

  storeTest('listAdmins is ordered by case-folded username', async (store) => {
    for (const username of ['mallory', 'Bob', 'alice']) await store.putAdmin(makeAdmin({ username }));
    assert.deepEqual(
      (await store.listAdmins()).map((a) => a.username),
      ['alice', 'Bob', 'mallory'],
    );
  });

  storeTest('admins and mail users are separate namespaces', async (store) => {
    await store.putAdmin(makeAdmin({ username: 'alice' }));
    await store.putUser(makeUser({ username: 'alice' }));
    assert.ok(await store.getAdminByName('alice'));
    assert.ok(await store.getUserByName('alice'));
  });
}
