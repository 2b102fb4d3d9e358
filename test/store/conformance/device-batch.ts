// Conformance group: DeviceStore.patchDevices (one transaction for many patches: the re-evaluation
// of every association after a rule change).
import assert from 'node:assert/strict';
import type { Device } from '../../../src/devices/types.js';
import type { DevicePatch, Store } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeDevice, makeFullDevice, makeUser, T0, T1, T2 } from './fixtures.js';

/** Rows in the large-batch test: enough to cross the PostgreSQL chunk size, cheap enough for every run. */
const MANY = 10_000;

/** Create `n` devices for one new user, `parallel` at a time. */
async function seedDevices(store: Store, n: number, parallel = 50): Promise<Device[]> {
  const user = makeUser();
  await store.putUser(user);
  const out: Device[] = [];
  for (let start = 0; start < n; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, n - start) }, (_, i) =>
      makeDevice(user.id, { deviceId: `BULK${String(start + i).padStart(6, '0')}` }),
    );
    out.push(...(await Promise.all(batch.map((d) => store.createDevice(d)))));
  }
  return out;
}

function withoutUpdatedAt(d: Device | null): Omit<Device, 'updatedAt'> | null {
  if (!d) return null;
  const { updatedAt: _u, ...rest } = d;
  return rest;
}

export function deviceBatchTests(storeTest: StoreTest): void {
  storeTest('an empty batch updates nothing and returns 0', async (store) => {
    assert.equal(await store.patchDevices([]), 0);
  });

  storeTest(
    'patches many devices with different field sets, sets updatedAt, skips missing ids and counts the rest',
    async (store) => {
      const [a, b, c, untouched] = await seedDevices(store, 4);
      assert.ok(a && b && c && untouched);
      const patches: Array<{ id: string; patch: DevicePatch }> = [
        {
          id: a.id,
          patch: {
            accessState: 'Quarantined',
            accessReason: 'DeviceRule',
            accessRule: 'rule-1',
            accessExplanation: "Quarantined by rule 'iPhone'",
            accessDecidedAt: T1,
            quarantinedAt: T1,
            releaseCondition: { kind: 'osVersion', range: '>=17.4' },
          },
        },
        { id: 'no-such-device', patch: { accessState: 'Blocked' } },
        {
          id: b.id,
          patch: { accessState: 'Blocked', autoblockReason: 'CommandFrequency', autoblockUntil: T2 },
        },
        { id: c.id, patch: { enableOutboundSms: false, lastPingHeartbeat: 0, policyRevision: 3 } },
      ];
      const before = Date.now();
      assert.equal(await store.patchDevices(patches), 3);
      const after = Date.now();
      for (const { id, patch } of patches) {
        if (id === 'no-such-device') continue;
        const original: Device | undefined = [a, b, c].find((d) => d.id === id);
        const stored = await store.getDevice(id);
        assert.ok(original && stored);
        assert.deepEqual(withoutUpdatedAt(stored), withoutUpdatedAt({ ...original, ...patch }));
        const t = stored.updatedAt.getTime();
        assert.ok(t >= before && t <= after, `updatedAt ${stored.updatedAt.toISOString()}`);
      }
      assert.deepEqual(await store.getDevice(untouched.id), untouched);
      assert.equal(await store.getDevice('no-such-device'), null);
    },
  );

  storeTest('null clears fields and every column kind round-trips through a batch', async (store) => {
    const user = makeUser();
    await store.putUser(user);
    const full = await store.createDevice(makeFullDevice(user.id));
    const patch: DevicePatch = {
      accessExplanation: null,
      accessDecidedAt: null,
      quarantinedAt: null,
      releaseCondition: null,
      autoblockReason: null,
      autoblockUntil: null,
      enableOutboundSms: null,
      lastPingHeartbeat: null,
      friendlyName: 'Zoë’s "neues" \\ Telefon 📱',
      firstSyncAt: T0,
    };
    assert.equal(await store.patchDevices([{ id: full.id, patch }]), 1);
    assert.deepEqual(
      withoutUpdatedAt(await store.getDevice(full.id)),
      withoutUpdatedAt({ ...full, ...patch }),
    );
  });

  storeTest(
    'several patches for one id apply in order (later wins, undefined is ignored) and count once',
    async (store) => {
      const [d] = await seedDevices(store, 1);
      assert.ok(d);
      const n = await store.patchDevices([
        { id: d.id, patch: { accessState: 'Quarantined', friendlyName: 'first', model: 'kept' } },
        { id: d.id, patch: { accessState: 'Allowed', friendlyName: undefined } },
        { id: d.id, patch: { releaseCondition: { kind: 'appVersion', range: '>=2' } } },
        { id: d.id, patch: { releaseCondition: { kind: 'policyAppliedInFull' } } },
      ]);
      assert.equal(n, 1);
      const stored = await store.getDevice(d.id);
      assert.equal(stored?.accessState, 'Allowed');
      assert.equal(stored?.friendlyName, 'first');
      assert.equal(stored?.model, 'kept');
      assert.deepEqual(stored?.releaseCondition, { kind: 'policyAppliedInFull' });
    },
  );

  storeTest(
    'a patch with an identity or unknown field rejects the batch and writes nothing',
    async (store) => {
      const devices = await seedDevices(store, 3);
      for (const bad of [
        { deviceId: 'hijack' },
        { userId: 'x' },
        { id: 'x' },
        { createdAt: T2 },
        { nope: 1 },
      ]) {
        const patches = [
          ...devices.map((d) => ({ id: d.id, patch: { accessState: 'Blocked' } as DevicePatch })),
          { id: devices[1]?.id ?? '', patch: bad as unknown as DevicePatch },
        ];
        await assert.rejects(store.patchDevices(patches), TypeError, JSON.stringify(bad));
      }
      assert.deepEqual(await store.listDevices(), devices);
    },
  );

  storeTest(
    'atomic: a patch failing in the database (NOT NULL) rolls back the patches before it',
    async (store) => {
      const devices = await seedDevices(store, 30);
      const last = devices[devices.length - 1];
      assert.ok(last);
      // Same field set as the good ones (one statement/chunk) and, second case, a field set of its own.
      const failing: DevicePatch[] = [
        { accessState: null as unknown as Device['accessState'], accessReason: 'Global' },
        { deviceType: null as unknown as string },
      ];
      for (const bad of failing) {
        const patches = devices.map((d) => ({
          id: d.id,
          patch: (d === last ? bad : { accessState: 'Blocked', accessReason: 'Global' }) as DevicePatch,
        }));
        await assert.rejects(store.patchDevices(patches));
        assert.deepEqual(await store.listDevices(), devices, JSON.stringify(bad));
      }
      // The store is still usable afterwards (the transaction was closed, not left open).
      assert.equal(await store.patchDevices([{ id: last.id, patch: { model: 'ok' } }]), 1);
      assert.equal((await store.getDevice(last.id))?.model, 'ok');
    },
  );

  storeTest('patchDevices and concurrent patchDevice calls on other fields both land', async (store) => {
    const devices = await seedDevices(store, 40);
    await Promise.all([
      store.patchDevices(devices.map((d) => ({ id: d.id, patch: { accessState: 'Allowed' } }))),
      ...devices.map((d, i) => store.patchDevice(d.id, { lastPingHeartbeat: i })),
    ]);
    const stored = await store.listDevices();
    assert.deepEqual(
      stored.map((d) => [d.accessState, d.lastPingHeartbeat]),
      devices.map((_, i) => ['Allowed', i]),
    );
  });

  storeTest(`${MANY} devices re-evaluated in one batch`, async (store) => {
    const devices = await seedDevices(store, MANY);
    const patchFor = (i: number): DevicePatch => {
      const quarantined = i % 3 === 0;
      return {
        accessState: quarantined ? 'Quarantined' : 'Allowed',
        accessReason: quarantined ? 'DeviceRule' : 'Global',
        accessRule: quarantined ? 'rule-q' : null,
        accessExplanation: quarantined
          ? `Quarantined by rule 'q' (#${i})`
          : 'Allowed by the organisation default',
        accessDecidedAt: T1,
        quarantinedAt: quarantined ? T1 : null,
        releaseCondition: quarantined ? { kind: 'appVersion', range: `>=${i}` } : null,
      };
    };
    const patches = devices.map((d, i) => ({ id: d.id, patch: patchFor(i) }));
    const started = performance.now();
    assert.equal(await store.patchDevices(patches), MANY);
    const ms = performance.now() - started;
    // Generous: a row-at-a-time implementation over a network would take far longer.
    assert.ok(ms < 10_000, `patchDevices(${MANY}) took ${ms.toFixed(0)} ms`);
    const stored = await store.listDevices();
    assert.equal(stored.length, MANY);
    stored.forEach((d, i) => {
      const want = patchFor(i);
      assert.equal(d.accessState, want.accessState);
      assert.equal(d.accessRule, want.accessRule);
      assert.equal(d.accessExplanation, want.accessExplanation);
      assert.deepEqual(d.quarantinedAt, want.quarantinedAt);
      assert.deepEqual(d.releaseCondition, want.releaseCondition);
    });
    assert.equal(await store.countDevices({ accessState: 'Quarantined' }), Math.ceil(MANY / 3));
  });
}
