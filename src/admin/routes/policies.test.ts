import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_POLICY_SETTINGS } from '../../policy/index.js';
import { DomainPolicyList, PolicyList, PolicyUpdated, PolicyView } from '../schemas.js';
import { auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: policies', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('creates a policy from the defaults plus the given values', async () => {
    const res = await h.api('POST', '/policies', {
      name: 'Phones',
      settings: { DevicePasswordEnabled: true, MinDevicePasswordLength: 6, refreshIntervalSeconds: 3600 },
    });
    assert.equal(res.statusCode, 201);
    const { policy } = PolicyUpdated.parse(res.json());
    assert.equal(policy.revision, 1);
    assert.equal(policy.isDefault, false);
    assert.equal(policy.settings.DevicePasswordEnabled, true);
    assert.equal(policy.settings.MinDevicePasswordLength, 6);
    assert.equal(policy.settings.AllowCamera, DEFAULT_POLICY_SETTINGS.AllowCamera);
    assert.equal(policy.options.refreshIntervalSeconds, 3600);
    assert.equal((await auditOf(h.store, 'policy.created'))[0]?.targetId, policy.id);
  });

  it('refuses bad settings with every field named (policy module messages) and duplicate names', async () => {
    const bad = await h.api('POST', '/policies', {
      name: 'Bad',
      settings: { MinDevicePasswordLength: 40, devicePasswordEnabled: true },
    });
    assert.equal(bad.statusCode, 400);
    const body = bad.json();
    assert.equal(body.code, 'EAS_ERR_POLICY_INVALID');
    const fields = body.details.map((i: { field: string }) => i.field);
    assert.ok(fields.includes('MinDevicePasswordLength'));
    assert.ok(
      body.details.some((i: { message: string }) => /did you mean "DevicePasswordEnabled"/.test(i.message)),
    );
    assert.equal(await h.store.getPolicyByName('Bad'), null);

    const dup = await h.api('POST', '/policies', { name: 'phones' });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().code, 'EAS_ERR_POLICY_EXISTS');
    assert.equal((await h.api('POST', '/policies', { name: ' padded' })).statusCode, 400);
  });

  it('patches settings and bumps the revision on every change', async () => {
    const first = PolicyUpdated.parse(
      (await h.api('PATCH', '/policies/Phones', { settings: { AllowCamera: false } })).json(),
    );
    assert.equal(first.policy.revision, 2);
    assert.equal(first.policy.settings.AllowCamera, false);
    assert.equal(first.policy.settings.MinDevicePasswordLength, 6);
    const renamed = PolicyUpdated.parse(
      (await h.api('PATCH', `/policies/${first.policy.id}`, { name: 'Mobiles' })).json(),
    );
    assert.equal(renamed.policy.revision, 3);
    assert.equal(renamed.policy.name, 'Mobiles');
    // Entries of one instant come in id order: find the first change by content.
    const entry = (await auditOf(h.store, 'policy.updated')).find(
      (e) => (e.after as { revision: number }).revision === 2,
    );
    assert.equal((entry?.before as { revision: number }).revision, 1);
    assert.equal((await h.api('PATCH', '/policies/Mobiles', {})).statusCode, 400);
    assert.equal((await h.api('PATCH', '/policies/Nope', { name: 'x' })).statusCode, 404);
  });

  it('re-evaluates decisions when AllowNonProvisionableDevices changes', async () => {
    const dave = await h.addUser('dave', { email: 'dave@corp.example' });
    // A device that never provisioned and sends no policy key.
    const d = await h.addDevice(dave, { deviceId: 'OLD1', deviceType: 'OldPhone' });
    await h.store.patchDevice(d.id, { policyStatus: 'NotApplied', policyKey: null });
    await h.access.reevaluate({ actor: 'system' });
    assert.equal((await h.store.getDevice(d.id))?.accessState, 'Allowed');
    const res = PolicyUpdated.parse(
      (
        await h.api('PATCH', '/policies/Default', { settings: { allowNonProvisionableDevices: false } })
      ).json(),
    );
    assert.deepEqual(
      res.changes.map((c) => [c.deviceId, c.to.state, c.to.reason]),
      [['OLD1', 'Blocked', 'Policy']],
    );
    assert.equal((await h.store.getDevice(d.id))?.accessReason, 'Policy');
    await h.api('PATCH', '/policies/Default', { settings: { allowNonProvisionableDevices: true } });
  });

  it('sets the default policy and refuses to delete it', async () => {
    const res = await h.api('POST', '/policies/Mobiles/default');
    assert.equal(res.statusCode, 200);
    const { policy } = PolicyUpdated.parse(res.json());
    assert.equal(policy.isDefault, true);
    assert.equal(policy.revision, 4);
    const list = PolicyList.parse((await h.api('GET', '/policies')).json());
    assert.deepEqual(
      list.policies.filter((p) => p.isDefault).map((p) => p.name),
      ['Mobiles'],
    );
    const refused = await h.api('DELETE', '/policies/Mobiles');
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'EAS_ERR_POLICY_DEFAULT');
    await h.api('POST', '/policies/Default/default');
    assert.equal((await auditOf(h.store, 'policy.default.changed')).length, 2);
  });

  it('assigns policies to domains and removes assignments', async () => {
    const put = await h.api('PUT', '/domain-policies/Corp.Example', { policy: 'Mobiles' });
    assert.equal(put.statusCode, 200);
    assert.equal(put.json().domain, 'corp.example');
    const list = DomainPolicyList.parse((await h.api('GET', '/domain-policies')).json());
    assert.deepEqual(
      list.domains.map((d) => [d.domain, d.policyName]),
      [['corp.example', 'Mobiles']],
    );
    const dave = PolicyView.parse((await h.api('GET', '/policies/Mobiles')).json());
    assert.equal((await h.api('GET', '/users/dave')).json().effectivePolicy.id, dave.id);
    assert.equal(
      (await h.api('PUT', '/domain-policies/not_a_domain', { policy: 'Mobiles' })).statusCode,
      400,
    );
    assert.equal((await h.api('PUT', '/domain-policies/x.example', { policy: 'Nope' })).statusCode, 404);

    assert.equal((await h.api('DELETE', '/domain-policies/corp.example')).statusCode, 200);
    const gone = await h.api('DELETE', '/domain-policies/corp.example');
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'EAS_ERR_POLICY_DOMAIN_NOT_FOUND');
    assert.equal((await auditOf(h.store, 'policy.domain.assigned')).length, 1);
    assert.equal((await auditOf(h.store, 'policy.domain.unassigned')).length, 1);
  });

  it('deletes a policy', async () => {
    const res = await h.api('DELETE', '/policies/Mobiles');
    assert.equal(res.statusCode, 200);
    assert.equal(await h.store.getPolicyByName('Mobiles'), null);
    assert.equal((await auditOf(h.store, 'policy.deleted')).length, 1);
  });
});
