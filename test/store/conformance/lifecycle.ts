// Conformance group: close, and (for persistent backends) reopening on the same data.
import assert from 'node:assert/strict';
import type { StoreTest } from './index.js';
import {
  makeAdmin,
  makeAdminToken,
  makeAudit,
  makeFullDevice,
  makeOrgSettings,
  makePolicy,
  makeRule,
  makeUser,
  T1,
} from './fixtures.js';

export function lifecycleTests(storeTest: StoreTest): void {
  storeTest('kind names the backend; close() resolves and may be called twice', async (store) => {
    assert.equal(typeof store.kind, 'string');
    assert.ok(store.kind.length > 0);
    await store.close();
    await store.close();
  });

  storeTest('data survives close and reopen (persistent backends only)', async (store, harness, t) => {
    if (!harness.reopen) {
      t.skip('backend is not persistent');
      return;
    }
    const policy = makePolicy({ isDefault: true });
    const user = makeUser({ policyId: policy.id, allowedDeviceIds: ['A1'], blockedDeviceIds: ['B1', 'B2'] });
    const admin = makeAdmin();
    const rule = makeRule({
      characteristic: 'UserAgent',
      queryString: 'Outlook-iOS-Android',
      versionRange: '<1.0.4',
    });
    const settings = makeOrgSettings();
    const audit = makeAudit(1);
    const token = makeAdminToken(admin.id, { lastUsedAt: T1 });
    await store.putPolicy(policy);
    await store.putUser(user);
    await store.putAdmin(admin);
    await store.setDomainPolicy('example.com', policy.id);
    const device = await store.createDevice(makeFullDevice(user.id));
    await store.putRule(rule);
    await store.putOrgSettings(settings);
    await store.appendAudit(audit);
    await store.putAdminToken(token);
    await store.close();

    // Reopening also re-runs the migrations, which must find nothing to do.
    const again = await harness.reopen();
    try {
      assert.deepEqual(await again.getDefaultPolicy(), policy);
      assert.deepEqual(await again.getUserByName(user.username), user);
      assert.deepEqual(await again.listAdmins(), [admin]);
      assert.equal(await again.getDomainPolicy('example.com'), policy.id);
      assert.deepEqual(await again.listDevices(), [device]);
      assert.deepEqual(await again.listRules(), [rule]);
      assert.deepEqual(await again.getOrgSettings(), settings);
      assert.deepEqual(await again.listAudit(), [audit]);
      assert.deepEqual(await again.listAdminTokens(admin.id), [token]);
    } finally {
      await again.close();
    }
  });
}
