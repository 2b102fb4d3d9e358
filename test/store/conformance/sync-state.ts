// Conformance group: SyncStateStore (per-device EAS sync state, compare-and-set on the sync key).
import assert from 'node:assert/strict';
import type { Store } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeDevice, makeSyncState, makeUser, T0, T2 } from './fixtures.js';

const NUL = 'a\u0000b';

async function withDevice(store: Store): Promise<{ userId: string; deviceId: string }> {
  const user = makeUser();
  await store.putUser(user);
  const device = await store.createDevice(makeDevice(user.id));
  return { userId: user.id, deviceId: device.id };
}

export function syncStateTests(storeTest: StoreTest): void {
  storeTest('missing states are null, lists are empty, deletes are no-ops', async (store) => {
    const { deviceId } = await withDevice(store);
    assert.equal(await store.getSyncState(deviceId, 'hierarchy'), null);
    assert.equal(await store.getSyncState('no-such-device', 'hierarchy'), null);
    assert.deepEqual(await store.listSyncCollections(deviceId), []);
    assert.deepEqual(await store.listSyncCollections('no-such-device'), []);
    await store.deleteSyncStates(deviceId);
    await store.deleteSyncStates(deviceId, 'hierarchy');
    await store.deleteSyncStates('no-such-device');
  });

  storeTest('put with expectedSyncKey null creates the row once; every field round-trips', async (store) => {
    const { deviceId } = await withDevice(store);
    const first = makeSyncState(deviceId, { collectionId: 'hierarchy', syncKey: '{a-1}' });
    assert.equal(await store.putSyncState(first, null), true);
    assert.deepEqual(await store.getSyncState(deviceId, 'hierarchy'), first);
    // A second "first" put (a retried initial request that lost the race) changes nothing.
    const again = makeSyncState(deviceId, { collectionId: 'hierarchy', syncKey: '{b-1}', updatedAt: T2 });
    assert.equal(await store.putSyncState(again, null), false);
    assert.deepEqual(await store.getSyncState(deviceId, 'hierarchy'), first);
  });

  storeTest('a stale or wrong expected key returns false and changes nothing', async (store) => {
    const { deviceId } = await withDevice(store);
    const s1 = makeSyncState(deviceId, { syncKey: '1' });
    assert.equal(await store.putSyncState(s1, null), true);
    const s2 = { ...s1, syncKey: '2', data: '{"v":2}', previousSyncKey: '1', previousData: s1.data };
    assert.equal(await store.putSyncState(s2, '1'), true);
    // A request still holding key 1 (its answer was superseded) loses.
    const stale = { ...s1, syncKey: '2b', data: '{"stale":true}', updatedAt: T2 };
    assert.equal(await store.putSyncState(stale, '1'), false);
    assert.equal(await store.putSyncState(stale, '3'), false);
    assert.equal(await store.putSyncState(stale, ''), false);
    assert.deepEqual(await store.getSyncState(deviceId, s1.collectionId), s2);
    // Expecting a key where no row exists never creates one.
    const other = makeSyncState(deviceId, { collectionId: 'never-synced' });
    assert.equal(await store.putSyncState(other, '1'), false);
    assert.equal(await store.getSyncState(deviceId, 'never-synced'), null);
  });

  storeTest('sync keys compare exactly (case and whitespace matter)', async (store) => {
    const { deviceId } = await withDevice(store);
    const s = makeSyncState(deviceId, { syncKey: '{ABC-1}' });
    await store.putSyncState(s, null);
    assert.equal(await store.putSyncState({ ...s, syncKey: 'x' }, '{abc-1}'), false);
    assert.equal(await store.putSyncState({ ...s, syncKey: 'x' }, '{ABC-1} '), false);
    assert.equal(await store.putSyncState({ ...s, syncKey: 'x' }, '{ABC-1}'), true);
  });

  storeTest('previousSyncKey and previousData are stored exactly as given', async (store) => {
    const { deviceId } = await withDevice(store);
    const s1 = makeSyncState(deviceId, { syncKey: '1', previousSyncKey: '0', previousData: '' });
    assert.equal(await store.putSyncState(s1, null), true);
    assert.deepEqual(await store.getSyncState(deviceId, s1.collectionId), s1);
    // The store does not derive them from the replaced row: the command decides.
    const s2 = {
      ...s1,
      syncKey: '2',
      data: '{"n":2}',
      previousSyncKey: 'chosen-by-command',
      previousData: '{"not":"the old data"}',
      updatedAt: T0,
    };
    assert.equal(await store.putSyncState(s2, '1'), true);
    assert.deepEqual(await store.getSyncState(deviceId, s1.collectionId), s2);
    const s3 = { ...s2, syncKey: '3', previousSyncKey: null, previousData: null };
    assert.equal(await store.putSyncState(s3, '2'), true);
    assert.deepEqual(await store.getSyncState(deviceId, s1.collectionId), s3);
  });

  storeTest(
    'concurrent puts expecting the same key: exactly one wins, its state is stored',
    async (store) => {
      const { deviceId } = await withDevice(store);
      const base = makeSyncState(deviceId, { syncKey: '5' });
      await store.putSyncState(base, null);
      const attempts = Array.from({ length: 8 }, (_, i) => ({
        ...base,
        syncKey: `6-${i}`,
        data: JSON.stringify({ attempt: i }),
        previousSyncKey: '5',
        previousData: base.data,
      }));
      const results = await Promise.all(attempts.map((a) => store.putSyncState(a, '5')));
      assert.equal(results.filter(Boolean).length, 1, `results: ${results.join(',')}`);
      const winner = attempts[results.indexOf(true)];
      assert.deepEqual(await store.getSyncState(deviceId, base.collectionId), winner);
    },
  );

  storeTest('concurrent first puts (expected null): exactly one creates the row', async (store) => {
    const { deviceId } = await withDevice(store);
    const attempts = Array.from({ length: 8 }, (_, i) =>
      makeSyncState(deviceId, { collectionId: 'hierarchy', syncKey: `1-${i}` }),
    );
    const results = await Promise.all(attempts.map((a) => store.putSyncState(a, null)));
    assert.equal(results.filter(Boolean).length, 1, `results: ${results.join(',')}`);
    assert.deepEqual(await store.getSyncState(deviceId, 'hierarchy'), attempts[results.indexOf(true)]);
  });

  storeTest(
    'deleteSyncStates removes one collection or all of a device’s; others untouched',
    async (store) => {
      const a = await withDevice(store);
      const b = await withDevice(store);
      const ids = ['inbox', 'hierarchy', 'Calendar', '10', '9', 'sent-ü'];
      for (const collectionId of ids) {
        await store.putSyncState(makeSyncState(a.deviceId, { collectionId }), null);
      }
      await store.putSyncState(makeSyncState(b.deviceId, { collectionId: 'inbox' }), null);
      // Ordered by code point: digits, upper case, lower case, then non-ASCII.
      assert.deepEqual(await store.listSyncCollections(a.deviceId), [
        '10',
        '9',
        'Calendar',
        'hierarchy',
        'inbox',
        'sent-ü',
      ]);
      await store.deleteSyncStates(a.deviceId, 'inbox');
      await store.deleteSyncStates(a.deviceId, 'inbox');
      assert.equal(await store.getSyncState(a.deviceId, 'inbox'), null);
      assert.notEqual(await store.getSyncState(b.deviceId, 'inbox'), null);
      assert.deepEqual(await store.listSyncCollections(a.deviceId), [
        '10',
        '9',
        'Calendar',
        'hierarchy',
        'sent-ü',
      ]);
      await store.deleteSyncStates(a.deviceId);
      assert.deepEqual(await store.listSyncCollections(a.deviceId), []);
      assert.deepEqual(await store.listSyncCollections(b.deviceId), ['inbox']);
      // After a reset the next first put succeeds again.
      assert.equal(
        await store.putSyncState(makeSyncState(a.deviceId, { collectionId: 'inbox' }), null),
        true,
      );
    },
  );

  storeTest('data of a few MB round-trips exactly (data and previousData)', async (store) => {
    const { deviceId } = await withDevice(store);
    const items = Array.from({ length: 60_000 }, (_, i) => ({
      id: `msg-${i}`,
      flags: i % 3,
      subject: `Zoë’s 📬 report #${i}`,
    }));
    const data = JSON.stringify({ items });
    assert.ok(data.length > 3_000_000, `data is ${data.length} chars`);
    const s1 = makeSyncState(deviceId, { data });
    assert.equal(await store.putSyncState(s1, null), true);
    const s2 = {
      ...s1,
      syncKey: '2',
      data: `${data.slice(0, -2)}, "more": 1}`,
      previousSyncKey: '1',
      previousData: data,
    };
    assert.equal(await store.putSyncState(s2, '1'), true);
    const got = await store.getSyncState(deviceId, s1.collectionId);
    assert.equal(got?.data, s2.data);
    assert.equal(got?.previousData, data);
  });

  storeTest('deleting the device (or its user) deletes its states', async (store) => {
    const a = await withDevice(store);
    const b = await withDevice(store);
    await store.putSyncState(makeSyncState(a.deviceId, { collectionId: 'hierarchy' }), null);
    await store.putSyncState(makeSyncState(a.deviceId, { collectionId: 'inbox' }), null);
    await store.putSyncState(makeSyncState(b.deviceId, { collectionId: 'inbox' }), null);
    await store.deleteDevice(a.deviceId);
    assert.deepEqual(await store.listSyncCollections(a.deviceId), []);
    assert.equal(await store.getSyncState(a.deviceId, 'hierarchy'), null);
    await store.deleteUser(b.userId);
    assert.deepEqual(await store.listSyncCollections(b.deviceId), []);
  });

  storeTest('a state for a device that does not exist is refused', async (store) => {
    await assert.rejects(store.putSyncState(makeSyncState('no-such-device'), null), /does not exist/);
  });

  storeTest('U+0000: lookups find nothing, writes are refused', async (store) => {
    const { deviceId } = await withDevice(store);
    assert.equal(await store.getSyncState(deviceId, NUL), null);
    assert.equal(await store.getSyncState(NUL, 'inbox'), null);
    assert.deepEqual(await store.listSyncCollections(NUL), []);
    await store.deleteSyncStates(NUL);
    await store.deleteSyncStates(deviceId, NUL);
    await assert.rejects(store.putSyncState(makeSyncState(deviceId, { data: `{"x":"${NUL}"}` }), null));
    // A device's SyncKey with U+0000 matches no stored key: false, not a driver error.
    const c = makeSyncState(deviceId, { collectionId: 'c' });
    assert.equal(await store.putSyncState(c, null), true);
    assert.equal(await store.putSyncState({ ...c, syncKey: '2' }, NUL), false);
    assert.deepEqual(await store.getSyncState(deviceId, 'c'), c);
    assert.deepEqual(await store.listSyncCollections(deviceId), ['c']);
  });

  storeTest('states survive close and reopen (persistent backends only)', async (store, harness, t) => {
    if (!harness.reopen) {
      t.skip('backend is not persistent');
      return;
    }
    const { deviceId } = await withDevice(store);
    const s = makeSyncState(deviceId, { previousSyncKey: '0', previousData: '{}' });
    await store.putSyncState(s, null);
    await store.close();
    const again = await harness.reopen();
    try {
      assert.deepEqual(await again.getSyncState(deviceId, s.collectionId), s);
    } finally {
      await again.close();
    }
  });
}
