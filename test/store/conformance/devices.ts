// Conformance group: DeviceStore (create race, key semantics, filters, patch, concurrency).
import assert from 'node:assert/strict';
import type { Device } from '../../../src/devices/types.js';
import type { DevicePatch, Store } from '../../../src/store/types.js';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeDevice, makeFullDevice, makeUser, T1, T2 } from './fixtures.js';

export function deviceTests(storeTest: StoreTest): void {
  const withUser = async (store: Store, id?: string): Promise<string> => {
    const user = makeUser(id === undefined ? {} : { id });
    await store.putUser(user);
    return user.id;
  };

  storeTest('missing devices are null, the empty store lists and counts none', async (store) => {
    assert.equal(await store.getDevice('no-such-id'), null);
    assert.equal(await store.findDevice({ userId: 'u', brokerId: '', deviceId: 'd' }), null);
    assert.deepEqual(await store.listDevices(), []);
    assert.equal(await store.countDevices(), 0);
    assert.equal(await store.patchDevice('no-such-id', { friendlyName: 'x' }), null);
  });

  storeTest(
    'createDevice returns the stored record; every field round-trips (all-null and all-set)',
    async (store) => {
      const userId = await withUser(store);
      for (const device of [makeDevice(userId), makeFullDevice(userId)]) {
        assert.deepEqual(await store.createDevice(device), device);
        assert.deepEqual(await store.getDevice(device.id), device);
        assert.deepEqual(await store.findDevice(device), device);
      }
    },
  );

  storeTest('createDevice on an existing key returns the existing record unchanged', async (store) => {
    const userId = await withUser(store);
    const first = await store.createDevice(makeDevice(userId, { deviceId: 'ABC' }));
    const again = makeDevice(userId, { deviceId: 'ABC', deviceType: 'Other', friendlyName: 'second' });
    assert.deepEqual(await store.createDevice(again), first);
    assert.equal(await store.getDevice(again.id), null);
    assert.equal(await store.countDevices(), 1);
  });

  storeTest('concurrent createDevice calls for one key all get the same single record', async (store) => {
    const userId = await withUser(store);
    const attempts = Array.from({ length: 8 }, (_, i) =>
      makeDevice(userId, { deviceId: 'RACE', friendlyName: `#${i}` }),
    );
    const results = await Promise.all(attempts.map((d) => store.createDevice(d)));
    const winner = results[0];
    assert.ok(winner);
    assert.ok(
      attempts.some((d) => d.id === winner.id),
      'the winner is one of the attempts',
    );
    for (const r of results) assert.deepEqual(r, winner);
    assert.equal(await store.countDevices(), 1);
  });

  storeTest('the key is (userId, brokerId, deviceId); DeviceId is case-sensitive', async (store) => {
    const u1 = await withUser(store);
    const u2 = await withUser(store);
    const devices = [
      makeDevice(u1, { deviceId: 'Abc' }),
      makeDevice(u1, { deviceId: 'abc' }),
      makeDevice(u1, { deviceId: 'Abc', brokerId: 'broker-1' }),
      makeDevice(u2, { deviceId: 'Abc' }),
    ];
    for (const d of devices) assert.equal((await store.createDevice(d)).id, d.id);
    assert.equal(await store.countDevices(), 4);
    assert.equal((await store.findDevice({ userId: u1, brokerId: '', deviceId: 'abc' }))?.id, devices[1]?.id);
    assert.equal(
      (await store.findDevice({ userId: u1, brokerId: 'broker-1', deviceId: 'Abc' }))?.id,
      devices[2]?.id,
    );
    assert.equal(await store.findDevice({ userId: u1, brokerId: '', deviceId: 'ABC' }), null);
    assert.equal(await store.findDevice({ userId: u1, brokerId: 'BROKER-1', deviceId: 'Abc' }), null);
  });

  storeTest('a duplicate surrogate id with a different key is a StoreConflictError', async (store) => {
    const userId = await withUser(store);
    const first = await store.createDevice(makeDevice(userId));
    await assert.rejects(
      store.createDevice(makeDevice(userId, { id: first.id, deviceId: 'other' })),
      StoreConflictError,
    );
    assert.equal(await store.countDevices(), 1);
  });

  storeTest('createDevice for an unknown user is rejected', async (store) => {
    await assert.rejects(store.createDevice(makeDevice('no-such-user')));
    assert.equal(await store.countDevices(), 0);
  });

  storeTest(
    'listDevices orders by userId, brokerId, deviceId (code points); filters and counts agree',
    async (store) => {
      const a = await withUser(store, 'user-a');
      const b = await withUser(store, 'user-b');
      const dev = (userId: string, brokerId: string, deviceId: string, over: Partial<Device> = {}): Device =>
        makeDevice(userId, { brokerId, deviceId, ...over });
      const all = [
        dev(b, '', 'A', { deviceType: 'iPhone', accessState: 'Blocked' }),
        dev(a, 'broker-1', 'A', { deviceType: 'iPhone', accessState: 'Allowed' }),
        dev(a, '', 'b', { deviceType: 'Android', accessState: 'Quarantined' }),
        dev(a, '', 'a', { deviceType: 'iPhone', accessState: 'Allowed' }),
        dev(a, '', 'A', { deviceType: 'iPad', accessState: 'Allowed' }),
      ];
      for (const d of all) await store.createDevice(d);
      const keys = (ds: Device[]): string[] => ds.map((d) => `${d.userId}/${d.brokerId}/${d.deviceId}`);
      assert.deepEqual(keys(await store.listDevices()), [
        'user-a//A',
        'user-a//a',
        'user-a//b',
        'user-a/broker-1/A',
        'user-b//A',
      ]);
      const cases: Array<[Parameters<typeof store.listDevices>[0], string[]]> = [
        [undefined, ['user-a//A', 'user-a//a', 'user-a//b', 'user-a/broker-1/A', 'user-b//A']],
        [{}, ['user-a//A', 'user-a//a', 'user-a//b', 'user-a/broker-1/A', 'user-b//A']],
        [{ userId: undefined }, ['user-a//A', 'user-a//a', 'user-a//b', 'user-a/broker-1/A', 'user-b//A']],
        [{ userId: b }, ['user-b//A']],
        [{ accessState: 'Allowed' }, ['user-a//A', 'user-a//a', 'user-a/broker-1/A']],
        [{ deviceType: 'iPhone' }, ['user-a//a', 'user-a/broker-1/A', 'user-b//A']],
        [{ brokerId: '' }, ['user-a//A', 'user-a//a', 'user-a//b', 'user-b//A']],
        [{ brokerId: 'broker-1' }, ['user-a/broker-1/A']],
        [{ userId: a, accessState: 'Allowed', deviceType: 'iPhone', brokerId: '' }, ['user-a//a']],
        [{ accessState: 'Unknown' }, []],
      ];
      for (const [filter, expected] of cases) {
        assert.deepEqual(keys(await store.listDevices(filter)), expected, JSON.stringify(filter));
        assert.equal(await store.countDevices(filter), expected.length, JSON.stringify(filter));
      }
    },
  );

  storeTest(
    'patchDevice changes only the given fields, sets updatedAt and returns the new record',
    async (store) => {
      const userId = await withUser(store);
      const device = await store.createDevice(makeFullDevice(userId));
      const before = Date.now();
      const patch: DevicePatch = {
        friendlyName: 'Neuer Name ✓',
        enableOutboundSms: true,
        lastPingHeartbeat: null,
        wipeRequestedAt: T1,
        accessState: 'Quarantined',
        accessReason: 'Global',
      };
      const patched = await store.patchDevice(device.id, patch);
      const after = Date.now();
      assert.ok(patched);
      const { updatedAt, ...rest } = patched;
      const { updatedAt: _old, ...expected } = { ...device, ...patch };
      assert.deepEqual(rest, expected);
      assert.ok(
        updatedAt.getTime() >= before && updatedAt.getTime() <= after,
        `updatedAt ${updatedAt.toISOString()}`,
      );
      assert.deepEqual(await store.getDevice(device.id), patched);
    },
  );

  storeTest('patchDevice distinguishes false from null and sets dates to the ms', async (store) => {
    const userId = await withUser(store);
    const device = await store.createDevice(makeDevice(userId));
    assert.equal(
      (await store.patchDevice(device.id, { enableOutboundSms: false }))?.enableOutboundSms,
      false,
    );
    assert.equal((await store.patchDevice(device.id, { enableOutboundSms: null }))?.enableOutboundSms, null);
    const patched = await store.patchDevice(device.id, { firstSyncAt: T2, policyRevision: 0 });
    assert.equal(patched?.firstSyncAt?.toISOString(), T2.toISOString());
    assert.equal(patched?.policyRevision, 0);
  });

  storeTest('an empty patch only bumps updatedAt; undefined values are ignored', async (store) => {
    const userId = await withUser(store);
    const device = await store.createDevice(makeFullDevice(userId));
    const patched = await store.patchDevice(device.id, { model: undefined });
    assert.ok(patched);
    assert.deepEqual({ ...patched, updatedAt: device.updatedAt }, device);
    assert.ok(patched.updatedAt.getTime() > device.updatedAt.getTime());
  });

  storeTest(
    'patchDevice refuses identity fields from untyped callers and leaves the row alone',
    async (store) => {
      const userId = await withUser(store);
      const device = await store.createDevice(makeDevice(userId));
      for (const bad of [{ deviceId: 'hijack' }, { userId: 'someone' }, { id: 'x' }, { notAField: 1 }]) {
        await assert.rejects(
          store.patchDevice(device.id, bad as unknown as DevicePatch),
          JSON.stringify(bad),
        );
      }
      assert.deepEqual(await store.getDevice(device.id), device);
    },
  );

  storeTest('concurrent patches of different fields all land', async (store) => {
    const userId = await withUser(store);
    const device = await store.createDevice(makeDevice(userId));
    const patches: DevicePatch[] = [
      { friendlyName: 'phone' },
      { model: 'iPhone16,2' },
      { accessState: 'Allowed', accessReason: 'Individual' },
      { lastPingHeartbeat: 900 },
      { lastSyncAttemptAt: T1 },
      { policyKey: '123456789', pendingPolicyKey: null, policyStatus: 'AppliedInFull' },
      { wipeRequestedAt: T2, wipeRequestedBy: 'admin' },
      { userAgent: 'Apple-iPhone16C2/2201.100' },
    ];
    for (let round = 0; round < 3; round++) {
      await Promise.all(patches.map((p) => store.patchDevice(device.id, p)));
    }
    const stored = await store.getDevice(device.id);
    assert.ok(stored);
    const { updatedAt: _u1, ...actual } = stored;
    const { updatedAt: _u2, ...expected } = Object.assign({}, device, ...patches) as Device;
    assert.deepEqual(actual, expected);
  });

  storeTest('deleteDevice is idempotent and deletes only that device', async (store) => {
    const userId = await withUser(store);
    const gone = await store.createDevice(makeDevice(userId));
    const kept = await store.createDevice(makeDevice(userId));
    await store.deleteDevice(gone.id);
    await store.deleteDevice(gone.id);
    await store.deleteDevice('never-existed');
    assert.equal(await store.getDevice(gone.id), null);
    assert.equal(await store.findDevice(gone), null);
    assert.deepEqual(await store.listDevices(), [kept]);
    // The key is free again: a re-enrolment creates a new record.
    const again = makeDevice(userId, { deviceId: gone.deviceId });
    assert.deepEqual(await store.createDevice(again), again);
  });
}
