// Conformance group: text the backends could disagree on. U+0000 cannot live in PostgreSQL text,
// so no backend stores it; lookups with it find nothing (attacker-chosen names must not error).
import assert from 'node:assert/strict';
import type { StoreTest } from './index.js';
import {
  makeAdmin,
  makeAdminToken,
  makeAudit,
  makeDevice,
  makeOrgSettings,
  makePolicy,
  makeRule,
  makeSettings,
  makeUser,
  T1,
} from './fixtures.js';

const NUL = 'a\u0000b';

export function textTests(storeTest: StoreTest): void {
  storeTest('lookups with U+0000 find nothing instead of failing', async (store) => {
    assert.equal(await store.getUser(NUL), null);
    assert.equal(await store.getUserByName(NUL), null);
    assert.equal(await store.getAdminByName(NUL), null);
    assert.equal(await store.getPolicy(NUL), null);
    assert.equal(await store.getPolicyByName(NUL), null);
    assert.equal(await store.getDomainPolicy(NUL), null);
    assert.equal(await store.getDevice(NUL), null);
    assert.equal(await store.findDevice({ userId: 'u', brokerId: '', deviceId: NUL }), null);
    assert.deepEqual(await store.listDevices({ deviceType: NUL }), []);
    assert.equal(await store.countDevices({ userId: NUL }), 0);
    assert.equal(await store.patchDevice(NUL, { model: 'x' }), null);
    await store.deleteUser(NUL);
    await store.deletePolicy(NUL);
    await store.deleteDevice(NUL);
    assert.equal(await store.getAdmin(NUL), null);
    assert.equal(await store.getRule(NUL), null);
    await store.deleteRule(NUL);
    assert.deepEqual(await store.listAudit({ actor: NUL }), []);
    assert.deepEqual(await store.listAudit({ action: `${NUL}.` }), []);
    assert.deepEqual(await store.listAudit({ beforeId: NUL }), []);
    assert.equal(await store.getAdminTokenByHash(NUL), null);
    assert.deepEqual(await store.listAdminTokens(NUL), []);
    await store.deleteAdminToken(NUL);
    await store.touchAdminToken(NUL, T1);
    assert.equal(await store.patchDevices([{ id: NUL, patch: { model: 'x' } }]), 0);
  });

  storeTest('writes carrying U+0000 are refused and store nothing', async (store) => {
    const user = makeUser();
    await store.putUser(user);
    const device = await store.createDevice(makeDevice(user.id));
    await assert.rejects(store.putUser(makeUser({ displayName: NUL })));
    await assert.rejects(store.putAdmin(makeAdmin({ username: NUL })));
    await assert.rejects(
      store.putPolicy(makePolicy({ settings: makeSettings({ ApprovedApplicationList: [NUL] }) })),
    );
    await assert.rejects(store.setDomainPolicy(NUL, 'p'));
    await assert.rejects(store.createDevice(makeDevice(user.id, { deviceId: NUL })));
    await assert.rejects(store.patchDevice(device.id, { friendlyName: NUL }));
    await assert.rejects(store.putUser(makeUser({ allowedDeviceIds: ['ok', NUL] })));
    await assert.rejects(
      store.patchDevices([
        { id: device.id, patch: { model: 'fine' } },
        { id: device.id, patch: { releaseCondition: { kind: 'appVersion', range: NUL } } },
      ]),
    );
    await assert.rejects(store.putRule(makeRule({ queryString: NUL })));
    await assert.rejects(store.putOrgSettings(makeOrgSettings({ userMailInsert: NUL })));
    await assert.rejects(store.appendAudit(makeAudit(0, { after: { username: NUL } })));
    const admin = makeAdmin();
    await store.putAdmin(admin);
    await assert.rejects(store.putAdminToken(makeAdminToken(admin.id, { name: NUL })));
    assert.equal((await store.listUsers()).length, 1);
    assert.deepEqual(await store.listAdmins(), [admin]);
    assert.deepEqual(await store.listPolicies(), []);
    assert.deepEqual(await store.listDevices(), [device]);
    assert.deepEqual(await store.listRules(), []);
    assert.equal(await store.getOrgSettings(), null);
    assert.deepEqual(await store.listAudit(), []);
    assert.deepEqual(await store.listAdminTokens(admin.id), []);
  });

  storeTest('other unicode round-trips exactly: astral, combining, RTL, no normalisation', async (store) => {
    // Precomposed and decomposed "é" are different strings; a store must not normalise one into the other.
    const names = ['ｆｕｌｌｗｉｄｔｈ', 'e\u0301mile', '\u00e9mile', 'שלום', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'];
    for (const username of names) await store.putUser(makeUser({ username, displayName: `${username} 🏳️‍🌈` }));
    for (const username of names) {
      const user = await store.getUserByName(username);
      assert.equal(user?.username, username);
      assert.equal(user?.displayName, `${username} 🏳️‍🌈`);
    }
  });
}
