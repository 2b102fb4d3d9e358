// Conformance group: PolicyStore, including domain -> policy assignments.
import assert from 'node:assert/strict';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makePolicy, makeSettings, makeUser, T2 } from './fixtures.js';

export function policyTests(storeTest: StoreTest): void {
  storeTest('missing policies are null, the empty store has no default and lists none', async (store) => {
    assert.equal(await store.getPolicy('no-such-id'), null);
    assert.equal(await store.getPolicyByName('Default'), null);
    assert.equal(await store.getDefaultPolicy(), null);
    assert.deepEqual(await store.listPolicies(), []);
    assert.equal(await store.getDomainPolicy('example.com'), null);
    assert.deepEqual(await store.listDomainPolicies(), []);
  });

  storeTest(
    'putPolicy then get returns an equal record (settings and options JSON, nulls, arrays, unicode)',
    async (store) => {
      const policy = makePolicy({
        name: 'Außendienst – Geräte',
        settings: makeSettings({
          MaxDevicePasswordFailedAttempts: null,
          MinDevicePasswordLength: 0,
          MaxEmailBodyTruncationSize: -1,
          AllowBluetooth: 1,
          UnapprovedInROMApplicationList: ['"quoted"', 'back\\slash', '漢字'],
        }),
        options: {
          allowNonProvisionableDevices: true,
          refreshIntervalSeconds: 86_400,
          allowPartialCompliance: false,
          allowExternallyManaged: true,
        },
        revision: 42,
      });
      await store.putPolicy(policy);
      assert.deepEqual(await store.getPolicy(policy.id), policy);
      assert.deepEqual(await store.getPolicyByName(policy.name), policy);
    },
  );

  storeTest('getPolicyByName is case-insensitive', async (store) => {
    const policy = makePolicy({ name: 'Führungskräfte' });
    await store.putPolicy(policy);
    assert.equal((await store.getPolicyByName('FÜHRUNGSKRÄFTE'))?.id, policy.id);
    assert.equal((await store.getPolicyByName('führungskräfte'))?.name, 'Führungskräfte');
  });

  storeTest(
    'putPolicy replaces by id (case-only rename allowed); listPolicies is ordered by name',
    async (store) => {
      const a = makePolicy({ name: 'beta' });
      await store.putPolicy(a);
      await store.putPolicy(makePolicy({ name: 'Gamma' }));
      await store.putPolicy(makePolicy({ name: 'alpha' }));
      const changed = {
        ...a,
        name: 'Beta',
        revision: 2,
        settings: makeSettings({ AllowCamera: false }),
        updatedAt: T2,
      };
      await store.putPolicy(changed);
      assert.deepEqual(await store.getPolicy(a.id), changed);
      assert.deepEqual(
        (await store.listPolicies()).map((p) => p.name),
        ['alpha', 'Beta', 'Gamma'],
      );
    },
  );

  storeTest(
    'a name taken by another policy (any case) is a StoreConflictError and changes nothing',
    async (store) => {
      const first = makePolicy({ name: 'Standard', isDefault: true });
      await store.putPolicy(first);
      const clash = makePolicy({ name: 'STANDARD', isDefault: true });
      const err = await store.putPolicy(clash).then(
        () => assert.fail('expected a conflict'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StoreConflictError, `got ${String(err)}`);
      assert.ok(err.cause !== undefined);
      assert.equal(await store.getPolicy(clash.id), null);
      // The failed put must not have cleared the existing default (one transaction).
      assert.equal((await store.getDefaultPolicy())?.id, first.id);
    },
  );

  storeTest('setting isDefault clears it on every other policy', async (store) => {
    const p1 = makePolicy({ isDefault: true });
    const p2 = makePolicy({ isDefault: true });
    const p3 = makePolicy();
    await store.putPolicy(p1);
    assert.equal((await store.getDefaultPolicy())?.id, p1.id);
    await store.putPolicy(p2);
    await store.putPolicy(p3);
    assert.equal((await store.getDefaultPolicy())?.id, p2.id);
    assert.equal((await store.getPolicy(p1.id))?.isDefault, false);
    // Re-putting the default keeps it; switching back moves it.
    await store.putPolicy(p2);
    assert.equal((await store.getDefaultPolicy())?.id, p2.id);
    await store.putPolicy(p1);
    assert.deepEqual(
      (await store.listPolicies()).filter((p) => p.isDefault).map((p) => p.id),
      [p1.id],
    );
    // Clearing the flag on the default leaves no default.
    await store.putPolicy({ ...p1, isDefault: false });
    assert.equal(await store.getDefaultPolicy(), null);
  });

  storeTest('concurrent puts of several default policies leave exactly one default', async (store) => {
    const policies = Array.from({ length: 6 }, () => makePolicy({ isDefault: true }));
    await Promise.all(policies.map((p) => store.putPolicy(p)));
    const defaults = (await store.listPolicies()).filter((p) => p.isDefault);
    assert.equal(defaults.length, 1);
    assert.equal((await store.getDefaultPolicy())?.id, defaults[0]?.id);
  });

  storeTest(
    'deletePolicy is idempotent; users fall back (policyId null) and domain assignments go',
    async (store) => {
      const gone = makePolicy();
      const kept = makePolicy();
      await store.putPolicy(gone);
      await store.putPolicy(kept);
      const user = makeUser({ policyId: gone.id });
      const other = makeUser({ policyId: kept.id });
      await store.putUser(user);
      await store.putUser(other);
      await store.setDomainPolicy('gone.example', gone.id);
      await store.setDomainPolicy('kept.example', kept.id);
      await store.deletePolicy(gone.id);
      await store.deletePolicy(gone.id);
      await store.deletePolicy('never-existed');
      assert.equal(await store.getPolicy(gone.id), null);
      assert.deepEqual(await store.getUser(user.id), { ...user, policyId: null });
      assert.deepEqual(await store.getUser(other.id), other);
      assert.equal(await store.getDomainPolicy('gone.example'), null);
      assert.deepEqual(await store.listDomainPolicies(), [{ domain: 'kept.example', policyId: kept.id }]);
    },
  );

  storeTest('replacing a policy keeps the users and domains assigned to it', async (store) => {
    const policy = makePolicy();
    await store.putPolicy(policy);
    const user = makeUser({ policyId: policy.id });
    await store.putUser(user);
    await store.setDomainPolicy('example.com', policy.id);
    await store.putPolicy({ ...policy, revision: policy.revision + 1 });
    assert.equal((await store.getUser(user.id))?.policyId, policy.id);
    assert.equal(await store.getDomainPolicy('example.com'), policy.id);
  });

  storeTest('domain assignments: set, overwrite, clear (idempotent), ordered by domain', async (store) => {
    const p1 = makePolicy();
    const p2 = makePolicy();
    await store.putPolicy(p1);
    await store.putPolicy(p2);
    await store.setDomainPolicy('example.com', p1.id);
    await store.setDomainPolicy('b.example.org', p2.id);
    await store.setDomainPolicy('a.example.net', p1.id);
    assert.equal(await store.getDomainPolicy('example.com'), p1.id);
    await store.setDomainPolicy('example.com', p2.id);
    assert.equal(await store.getDomainPolicy('example.com'), p2.id);
    assert.deepEqual(await store.listDomainPolicies(), [
      { domain: 'a.example.net', policyId: p1.id },
      { domain: 'b.example.org', policyId: p2.id },
      { domain: 'example.com', policyId: p2.id },
    ]);
    await store.setDomainPolicy('example.com', null);
    await store.setDomainPolicy('example.com', null);
    await store.setDomainPolicy('never.example', null);
    assert.equal(await store.getDomainPolicy('example.com'), null);
    assert.equal((await store.listDomainPolicies()).length, 2);
  });

  storeTest('domains are stored lower-case and looked up case-insensitively', async (store) => {
    const policy = makePolicy();
    await store.putPolicy(policy);
    await store.setDomainPolicy('Example.COM', policy.id);
    assert.equal(await store.getDomainPolicy('example.com'), policy.id);
    assert.equal(await store.getDomainPolicy('EXAMPLE.com'), policy.id);
    assert.deepEqual(await store.listDomainPolicies(), [{ domain: 'example.com', policyId: policy.id }]);
  });

  storeTest('assigning a domain to an unknown policy is rejected', async (store) => {
    await assert.rejects(store.setDomainPolicy('example.com', 'no-such-policy'));
    assert.deepEqual(await store.listDomainPolicies(), []);
  });
}
