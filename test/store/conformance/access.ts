// Conformance group: AccessRuleStore and OrgSettingsStore, and the access-control fields on users
// and devices (allowed/blocked DeviceId lists, ReleaseCondition JSON).
import assert from 'node:assert/strict';
import type { ReleaseCondition } from '../../../src/access/types.js';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeDevice, makeOrgSettings, makeRule, makeUser, T2 } from './fixtures.js';

const CONDITIONS: Array<ReleaseCondition | null> = [
  { kind: 'appVersion', range: '>=1.0.4 <2' },
  { kind: 'osVersion', range: '>=17.4.1' },
  { kind: 'policyAppliedInFull' },
  null,
];

export function accessTests(storeTest: StoreTest): void {
  storeTest(
    'users: allowed/blocked DeviceId lists round-trip as given (order, case, duplicates)',
    async (store) => {
      const user = makeUser({
        allowedDeviceIds: [
          'ApplC39GQ0ABC',
          'applc39gq0abc',
          'ApplC39GQ0ABC',
          'Dev "quoted", {braced}',
          'back\\slash',
          '',
        ],
        blockedDeviceIds: ['SEC1234567890', 'Zoë📱'],
      });
      await store.putUser(user);
      assert.deepEqual(await store.getUser(user.id), user);
      assert.deepEqual(await store.getUserByName(user.username), user);
      const cleared = { ...user, allowedDeviceIds: [], blockedDeviceIds: ['only'] };
      await store.putUser(cleared);
      assert.deepEqual(await store.listUsers(), [cleared]);
    },
  );

  storeTest(
    'devices: every ReleaseCondition kind (and null) round-trips via create and patch',
    async (store) => {
      const user = makeUser();
      await store.putUser(user);
      for (const releaseCondition of CONDITIONS) {
        const device = makeDevice(user.id, {
          accessState: 'Quarantined',
          quarantinedAt: T2,
          releaseCondition,
        });
        assert.deepEqual(await store.createDevice(device), device);
        assert.deepEqual((await store.getDevice(device.id))?.releaseCondition, releaseCondition);
        for (const next of CONDITIONS) {
          assert.deepEqual(
            (await store.patchDevice(device.id, { releaseCondition: next }))?.releaseCondition,
            next,
          );
        }
      }
    },
  );

  storeTest(
    'rules: missing rules are null, the empty store lists none, delete is idempotent',
    async (store) => {
      assert.equal(await store.getRule('no-such-rule'), null);
      assert.deepEqual(await store.listRules(), []);
      await store.deleteRule('no-such-rule');
    },
  );

  storeTest('rules: putRule round-trips (with and without version range, unicode)', async (store) => {
    const rules = [
      makeRule({
        name: 'Block Outlook < 1.0.4',
        characteristic: 'UserAgent',
        queryString: 'Outlook-iOS-Android',
        versionRange: '<1.0.4',
      }),
      makeRule({
        name: 'Geräte «Zürich» 📱',
        characteristic: 'DeviceModel',
        queryString: 'Pixel 7',
        accessLevel: 'Quarantine',
      }),
      makeRule({
        characteristic: 'DeviceOS',
        queryString: 'iOS',
        versionRange: '>=17.4 <18',
        accessLevel: 'Allow',
      }),
    ];
    for (const rule of rules) await store.putRule(rule);
    for (const rule of rules) assert.deepEqual(await store.getRule(rule.id), rule);
  });

  storeTest('rules: listRules is ordered by case-folded name, then id', async (store) => {
    const rules = [
      makeRule({ id: 'r-3', name: 'beta' }),
      makeRule({ id: 'r-2', name: 'Alpha' }),
      makeRule({ id: 'r-1', name: 'alpha' }),
      makeRule({ id: 'r-4', name: 'Zeta' }),
      makeRule({ id: 'r-0', name: 'émile' }),
    ];
    for (const rule of rules) await store.putRule(rule);
    assert.deepEqual(
      (await store.listRules()).map((r) => `${r.name}/${r.id}`),
      ['alpha/r-1', 'Alpha/r-2', 'beta/r-3', 'Zeta/r-4', 'émile/r-0'],
    );
  });

  storeTest('rules: putRule replaces by id (changing its own query string case is fine)', async (store) => {
    const rule = makeRule({ characteristic: 'DeviceType', queryString: 'iPhone' });
    await store.putRule(rule);
    const changed = {
      ...rule,
      name: 'Renamed',
      queryString: 'IPHONE',
      accessLevel: 'Allow' as const,
      updatedAt: T2,
    };
    await store.putRule(changed);
    assert.deepEqual(await store.listRules(), [changed]);
  });

  storeTest(
    'rules: the same (characteristic, queryString in any case, versionRange) is a StoreConflictError',
    async (store) => {
      const rule = makeRule({
        characteristic: 'UserAgent',
        queryString: 'Outlook-iOS-Android',
        versionRange: '<1.0.4',
      });
      const exact = makeRule({ characteristic: 'DeviceType', queryString: 'iPhone', versionRange: null });
      await store.putRule(rule);
      await store.putRule(exact);
      for (const clash of [
        makeRule({ characteristic: 'UserAgent', queryString: 'Outlook-iOS-Android', versionRange: '<1.0.4' }),
        makeRule({
          characteristic: 'UserAgent',
          queryString: 'outlook-ios-android',
          versionRange: '<1.0.4',
          accessLevel: 'Allow',
        }),
        makeRule({ characteristic: 'DeviceType', queryString: 'IPHONE', versionRange: null }),
      ]) {
        const err = await store.putRule(clash).then(
          () => assert.fail(`expected a conflict for ${clash.queryString}`),
          (e: unknown) => e,
        );
        assert.ok(err instanceof StoreConflictError, `got ${String(err)}`);
        assert.ok(err.cause !== undefined, 'the driver error is kept as cause');
        assert.equal(await store.getRule(clash.id), null);
      }
      // Moving an existing rule onto a taken value conflicts too, and leaves it unchanged.
      const other = makeRule({ characteristic: 'DeviceType', queryString: 'iPad' });
      await store.putRule(other);
      await assert.rejects(store.putRule({ ...other, queryString: 'iphone' }), StoreConflictError);
      assert.deepEqual(await store.getRule(other.id), other);
      assert.equal((await store.listRules()).length, 3);
    },
  );

  storeTest(
    'rules: a different characteristic or version range (null included) is a different rule',
    async (store) => {
      const rules = [
        makeRule({ characteristic: 'DeviceModel', queryString: 'Pixel', versionRange: null }),
        makeRule({ characteristic: 'DeviceOS', queryString: 'Pixel', versionRange: null }),
        makeRule({ characteristic: 'DeviceModel', queryString: 'Pixel', versionRange: '>=7' }),
        makeRule({ characteristic: 'DeviceModel', queryString: 'Pixel', versionRange: '<7' }),
        makeRule({ characteristic: 'DeviceModel', queryString: 'Pixel 7', versionRange: null }),
        // Accents are not folded: a different string.
        makeRule({ characteristic: 'DeviceModel', queryString: 'Pixél', versionRange: null }),
      ];
      for (const rule of rules) await store.putRule(rule);
      assert.equal((await store.listRules()).length, rules.length);
    },
  );

  storeTest('rules: deleteRule deletes only that rule and frees its value', async (store) => {
    const gone = makeRule({ queryString: 'WindowsMail' });
    const kept = makeRule();
    await store.putRule(gone);
    await store.putRule(kept);
    await store.deleteRule(gone.id);
    await store.deleteRule(gone.id);
    assert.equal(await store.getRule(gone.id), null);
    assert.deepEqual(await store.listRules(), [kept]);
    const again = makeRule({ queryString: 'windowsmail' });
    await store.putRule(again);
    assert.deepEqual(await store.getRule(again.id), again);
  });

  storeTest('org settings: null before the first save', async (store) => {
    assert.equal(await store.getOrgSettings(), null);
  });

  storeTest('org settings: the whole document round-trips; put replaces it', async (store) => {
    for (const defaultReleaseCondition of CONDITIONS) {
      const settings = makeOrgSettings({ defaultReleaseCondition });
      await store.putOrgSettings(settings);
      assert.deepEqual(await store.getOrgSettings(), settings);
    }
    const minimal = makeOrgSettings({
      defaultAccessLevel: 'Allow',
      adminMailRecipients: [],
      userMailInsert: '',
      defaultReleaseCondition: null,
    });
    await store.putOrgSettings(minimal);
    assert.deepEqual(await store.getOrgSettings(), minimal);
  });
}
