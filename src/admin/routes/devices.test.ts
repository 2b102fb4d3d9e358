import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Device } from '../../devices/types.js';
import type { User } from '../../store/types.js';
import { DeviceChanged, DeviceList, DeviceRuleCreated, DeviceView } from '../schemas.js';
import { auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: devices', () => {
  let h: Harness;
  let erin: User;
  let frank: User;
  const dev: Record<string, Device> = {};
  before(async () => {
    h = await createHarness();
    erin = await h.addUser('erin');
    frank = await h.addUser('frank');
    dev.old = await h.addDevice(erin, {
      deviceId: 'OUTLOOK1',
      deviceType: 'Outlook',
      userAgent: 'Outlook-iOS-Android/1.0.2',
      model: 'Outlook for iOS and Android',
    });
    dev.current = await h.addDevice(frank, {
      deviceId: 'OUTLOOK2',
      deviceType: 'Outlook',
      userAgent: 'Outlook-iOS-Android/1.0.4',
    });
    dev.iphone = await h.addDevice(frank, {
      deviceId: 'IPHONE1',
      deviceType: 'iPhone',
      userAgent: 'Apple-iPhone14C2/2104.91',
      model: 'iPhone14C2',
      os: 'iOS 17.4.1 21E236',
      protocolVersion: '14.1',
    });
  });
  after(() => h.close());

  const ids = async (query: string) =>
    DeviceList.parse((await h.api('GET', `/devices${query}`)).json())
      .devices.map((d) => d.deviceId)
      .sort();

  it('lists devices with filters: user, state, type, family (any case) and version range', async () => {
    assert.deepEqual(await ids(''), ['IPHONE1', 'OUTLOOK1', 'OUTLOOK2']);
    assert.deepEqual(await ids('?user=frank'), ['IPHONE1', 'OUTLOOK2']);
    assert.deepEqual(await ids(`?user=${erin.id}`), ['OUTLOOK1']);
    assert.deepEqual(await ids('?type=Outlook'), ['OUTLOOK1', 'OUTLOOK2']);
    assert.deepEqual(await ids('?family=outlook-ios-android'), ['OUTLOOK1', 'OUTLOOK2']);
    assert.deepEqual(await ids(`?family=Outlook-iOS-Android&version=${encodeURIComponent('<1.0.4')}`), [
      'OUTLOOK1',
    ]);
    assert.deepEqual(await ids(`?version=${encodeURIComponent('>=1.0.4 <2')}`), ['OUTLOOK2']);
    assert.deepEqual(await ids('?state=Allowed'), ['IPHONE1', 'OUTLOOK1', 'OUTLOOK2']);
    assert.deepEqual(await ids('?state=Blocked'), []);
  });

  it('refuses bad filters', async () => {
    const range = await h.api('GET', `/devices?version=${encodeURIComponent('<<1')}`);
    assert.equal(range.statusCode, 400);
    assert.equal(range.json().code, 'EAS_ERR_REQUEST_INVALID');
    assert.equal(range.json().details[0].path, 'version');
    assert.match(range.json().details[0].message, /comparator/);
    assert.equal((await h.api('GET', '/devices?state=Happy')).statusCode, 400);
    assert.equal((await h.api('GET', '/devices?user=nobody')).json().code, 'EAS_ERR_USER_NOT_FOUND');
  });

  it('gets every field of a device plus the user name', async () => {
    const res = await h.api('GET', `/devices/${dev.iphone!.id}`);
    assert.equal(res.statusCode, 200);
    const d = DeviceView.strict().parse(res.json());
    assert.equal(d.userName, 'frank');
    assert.equal(d.model, 'iPhone14C2');
    assert.equal(d.os, 'iOS 17.4.1 21E236');
    assert.equal(d.appFamily, 'Apple-iPhone14C2');
    assert.equal(d.accessState, 'Allowed');
    const missing = await h.api('GET', '/devices/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'EAS_ERR_DEVICE_NOT_FOUND');
  });

  it('requests, refuses and cancels wipes', async () => {
    const unsupported = await h.api('POST', `/devices/${dev.iphone!.id}/wipe`, { accountOnly: true });
    assert.equal(unsupported.statusCode, 409);
    assert.equal(unsupported.json().code, 'EAS_ERR_DEVICE_WIPE_UNSUPPORTED');
    assert.equal((await h.store.getDevice(dev.iphone!.id))?.wipeRequestedAt, null);

    const notPending = await h.api('DELETE', `/devices/${dev.iphone!.id}/wipe`);
    assert.equal(notPending.json().code, 'EAS_ERR_DEVICE_WIPE_NOT_PENDING');

    // No body at all means a full wipe.
    const full = await h.api('POST', `/devices/${dev.iphone!.id}/wipe`);
    assert.equal(full.statusCode, 202);
    const wiped = DeviceView.parse(full.json());
    assert.equal(wiped.wipeRequestedBy, 'admin:root');
    assert.equal(wiped.wipeRequestedAt, h.clock.now.toISOString());

    const cancelled = await h.api('DELETE', `/devices/${dev.iphone!.id}/wipe`);
    assert.equal(cancelled.statusCode, 200);
    assert.equal(DeviceView.parse(cancelled.json()).wipeRequestedAt, null);

    const accountOnly = await h.api('POST', `/devices/${dev.current!.id}/wipe`, { accountOnly: true });
    assert.equal(accountOnly.statusCode, 202);
    assert.ok(DeviceView.parse(accountOnly.json()).accountOnlyWipeRequestedAt);
    await h.store.patchDevice(dev.current!.id, {
      accountOnlyWipeAckAt: h.clock.now,
      accountOnlyWipeAckStatus: 'success',
    });
    const acked = await h.api('DELETE', `/devices/${dev.current!.id}/wipe`);
    assert.equal(acked.json().code, 'EAS_ERR_DEVICE_WIPE_ACKNOWLEDGED');

    const requested = await auditOf(h.store, 'device.wipe.requested');
    assert.deepEqual(requested.map((e) => (e.after as { kind: string }).kind).sort(), [
      'accountOnly',
      'full',
    ]);
    assert.equal(requested[0]?.source, '127.0.0.1');
    assert.equal((await auditOf(h.store, 'device.wipe.cancelled')).length, 1);
    assert.equal((await h.api('POST', '/devices/nope/wipe', {})).statusCode, 404);
    assert.equal(
      (await h.api('POST', `/devices/${dev.iphone!.id}/wipe`, { accountOnly: 'yes' })).statusCode,
      400,
    );
  });

  it('blocks and allows one device through the personal lists', async () => {
    const blocked = DeviceChanged.parse(
      (await h.api('POST', `/devices/${dev.old!.id}/block`, { comment: 'lost phone' })).json(),
    );
    assert.equal(blocked.device.accessState, 'Blocked');
    assert.equal(blocked.device.accessReason, 'Individual');
    assert.equal(blocked.changes.length, 1);
    assert.deepEqual((await h.store.getUser(erin.id))?.blockedDeviceIds, ['OUTLOOK1']);
    const entry = (await auditOf(h.store, 'device.blocked'))[0];
    assert.equal(entry?.reason, 'lost phone');
    assert.equal(entry?.actor, 'admin:root');
    // RequestAuditLog stamps the service's own entries with the admin's address.
    assert.equal(entry?.source, '127.0.0.1');

    const allowed = DeviceChanged.parse((await h.api('POST', `/devices/${dev.old!.id}/allow`)).json());
    assert.equal(allowed.device.accessState, 'Allowed');
    assert.deepEqual((await h.store.getUser(erin.id))?.blockedDeviceIds, []);
    assert.deepEqual((await h.store.getUser(erin.id))?.allowedDeviceIds, ['OUTLOOK1']);
    assert.equal((await h.api('POST', '/devices/nope/allow')).statusCode, 404);
    assert.equal((await h.api('POST', `/devices/${dev.old!.id}/allow`, { comment: 7 })).statusCode, 400);
  });

  it('creates a rule from a device characteristic', async () => {
    const res = await h.api('POST', `/devices/${dev.iphone!.id}/rule`, {
      characteristic: 'DeviceModel',
      accessLevel: 'Quarantine',
    });
    assert.equal(res.statusCode, 201);
    const body = DeviceRuleCreated.parse(res.json());
    assert.equal(body.rule.queryString, 'iPhone14C2');
    assert.deepEqual(
      body.changes.map((c) => [c.deviceId, c.to.state]),
      [['IPHONE1', 'Quarantined']],
    );
    assert.equal((await h.store.getDevice(dev.iphone!.id))?.accessState, 'Quarantined');
    const none = await h.api('POST', `/devices/${dev.current!.id}/rule`, {
      characteristic: 'DeviceOS',
      accessLevel: 'Block',
    });
    assert.equal(none.statusCode, 400);
    assert.equal(none.json().code, 'EAS_ERR_ACCESS_INVALID');
    const bad = await h.api('POST', `/devices/${dev.current!.id}/rule`, {
      characteristic: 'XMSWLHeader',
      accessLevel: 'Block',
    });
    assert.equal(bad.statusCode, 400);
  });

  it('sets and clears the release condition of a quarantined device', async () => {
    const res = await h.api('PUT', `/devices/${dev.iphone!.id}/release-condition`, {
      condition: 'osVersion>=18',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(DeviceView.parse(res.json()).releaseCondition, 'osVersion>=18');
    assert.deepEqual((await h.store.getDevice(dev.iphone!.id))?.releaseCondition, {
      kind: 'osVersion',
      range: '>=18',
    });
    const bad = await h.api('PUT', `/devices/${dev.iphone!.id}/release-condition`, {
      condition: 'appVersion>>1',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /appVersion/);
    const cleared = await h.api('PUT', `/devices/${dev.iphone!.id}/release-condition`, { condition: null });
    assert.equal(DeviceView.parse(cleared.json()).releaseCondition, null);
    const notQ = await h.api('PUT', `/devices/${dev.old!.id}/release-condition`, {
      condition: 'policyAppliedInFull',
    });
    assert.equal(notQ.statusCode, 409);
    assert.equal(notQ.json().code, 'EAS_ERR_DEVICE_NOT_QUARANTINED');
    assert.equal((await auditOf(h.store, 'device.quarantine.condition')).length, 2);
  });

  it('removes a partnership', async () => {
    assert.equal((await h.api('DELETE', `/devices/${dev.current!.id}`)).statusCode, 204);
    assert.equal(await h.store.getDevice(dev.current!.id), null);
    const entry = (await auditOf(h.store, 'device.removed'))[0];
    assert.equal((entry?.before as { deviceId: string }).deviceId, 'OUTLOOK2');
    assert.equal((await h.api('DELETE', `/devices/${dev.current!.id}`)).statusCode, 404);
  });
});
