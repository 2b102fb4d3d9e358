// Conformance group: UserStore.
import assert from 'node:assert/strict';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeDevice, makePolicy, makeUser, T2 } from './fixtures.js';

export function userTests(storeTest: StoreTest): void {
  storeTest('missing users are null, the empty store lists none', async (store) => {
    assert.equal(await store.getUser('no-such-id'), null);
    assert.equal(await store.getUserByName('nobody'), null);
    assert.deepEqual(await store.listUsers(), []);
  });

  storeTest(
    'putUser then get returns an equal record (dates to the ms, booleans, null, unicode)',
    async (store) => {
      const user = makeUser({ displayName: 'Zoë Ærøskøbing 📱', easEnabled: false, policyId: null });
      await store.putUser(user);
      assert.deepEqual(await store.getUser(user.id), user);
      assert.deepEqual(await store.getUserByName(user.username), user);
    },
  );

  storeTest(
    'getUserByName is case-insensitive, also beyond ASCII, and keeps the stored spelling',
    async (store) => {
      const alice = makeUser({ username: 'Alice.Smith' });
      const elodie = makeUser({ username: 'Élodie' });
      await store.putUser(alice);
      await store.putUser(elodie);
      assert.equal((await store.getUserByName('alice.smith'))?.id, alice.id);
      assert.equal((await store.getUserByName('ALICE.SMITH'))?.username, 'Alice.Smith');
      assert.equal((await store.getUserByName('élodie'))?.id, elodie.id);
      assert.equal((await store.getUserByName('ÉLODIE'))?.id, elodie.id);
      assert.equal(await store.getUserByName('elodie'), null, 'accents are not folded');
    },
  );

  storeTest('putUser replaces by id, including a case-only rename', async (store) => {
    const user = makeUser({ username: 'bob' });
    await store.putUser(user);
    const changed = { ...user, username: 'Bob', email: 'bob@example.org', easEnabled: false, updatedAt: T2 };
    await store.putUser(changed);
    assert.deepEqual(await store.getUser(user.id), changed);
    assert.equal((await store.listUsers()).length, 1);
  });

  storeTest(
    'a username taken by another user (any case) is a StoreConflictError and changes nothing',
    async (store) => {
      const first = makeUser({ username: 'carol' });
      const other = makeUser({ username: 'dave' });
      await store.putUser(first);
      await store.putUser(other);
      const clash = makeUser({ username: 'CAROL' });
      const err = await store.putUser(clash).then(
        () => assert.fail('expected a conflict'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StoreConflictError, `got ${String(err)}`);
      assert.equal(err.code, 'EAS_ERR_STORE_CONFLICT');
      assert.ok(err.cause !== undefined, 'the driver error is kept as cause');
      assert.equal(await store.getUser(clash.id), null);
      // Renaming an existing user onto a taken name conflicts too.
      await assert.rejects(store.putUser({ ...other, username: 'Carol' }), StoreConflictError);
      assert.deepEqual(await store.getUser(other.id), other);
    },
  );

  storeTest('listUsers is ordered by case-folded username, in code-point order', async (store) => {
    for (const username of ['bob', 'émile', 'Alice', 'zoe', 'carol'])
      await store.putUser(makeUser({ username }));
    assert.deepEqual(
      (await store.listUsers()).map((u) => u.username),
      ['Alice', 'bob', 'carol', 'zoe', 'émile'],
    );
  });

  storeTest('policyId round-trips; an unknown policy id is rejected', async (store) => {
    const policy = makePolicy();
    await store.putPolicy(policy);
    const user = makeUser({ policyId: policy.id });
    await store.putUser(user);
    assert.equal((await store.getUser(user.id))?.policyId, policy.id);
    await assert.rejects(store.putUser(makeUser({ policyId: 'no-such-policy' })));
  });

  storeTest('deleteUser is idempotent and deletes only that user and their devices', async (store) => {
    const gone = makeUser();
    const kept = makeUser();
    await store.putUser(gone);
    await store.putUser(kept);
    const d1 = await store.createDevice(makeDevice(gone.id));
    const d2 = await store.createDevice(makeDevice(gone.id, { brokerId: 'broker' }));
    const d3 = await store.createDevice(makeDevice(kept.id, { deviceId: d1.deviceId }));
    await store.deleteUser(gone.id);
    await store.deleteUser(gone.id);
    await store.deleteUser('never-existed');
    assert.equal(await store.getUser(gone.id), null);
    assert.equal(await store.getDevice(d1.id), null);
    assert.equal(await store.getDevice(d2.id), null);
    assert.equal(await store.countDevices({ userId: gone.id }), 0);
    assert.deepEqual(await store.getUser(kept.id), kept);
    assert.deepEqual(await store.getDevice(d3.id), d3);
  });

  storeTest('replacing a user keeps their devices (an update, not delete-and-insert)', async (store) => {
    const user = makeUser();
    await store.putUser(user);
    const device = await store.createDevice(makeDevice(user.id));
    await store.putUser({ ...user, displayName: 'Renamed' });
    assert.deepEqual(await store.getDevice(device.id), device);
  });
}
