import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Device } from '../../devices/types.js';
import type { User } from '../../store/types.js';
import { QuarantineList, QuarantineResolved } from '../schemas.js';
import { auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: quarantine', () => {
  let h: Harness;
  let ivy: User;
  let jack: User;
  const dev: Record<string, Device> = {};
  before(async () => {
    h = await createHarness();
    await h.api('PATCH', '/org', {
      defaultAccessLevel: 'Quarantine',
      defaultReleaseCondition: 'appVersion>=1.0.4',
    });
    ivy = await h.addUser('ivy');
    jack = await h.addUser('jack');
    dev.ivyPixel = await h.addDevice(ivy, { deviceId: 'P1', deviceType: 'Android', model: 'Pixel 8' });
    h.clock.advance(1000);
    dev.jackPixel = await h.addDevice(jack, { deviceId: 'P2', deviceType: 'Android', model: 'Pixel 8' });
    dev.jackOther = await h.addDevice(jack, { deviceId: 'S1', deviceType: 'Android', model: 'Galaxy S24' });
    dev.ivyPhone = await h.addDevice(ivy, { deviceId: 'I1', deviceType: 'iPhone', model: 'iPhone15,2' });
  });
  after(() => h.close());

  it('lists quarantined devices with user, time, release condition and explanation', async () => {
    const list = QuarantineList.parse((await h.api('GET', '/quarantine')).json()).devices;
    assert.equal(list.length, 4);
    assert.equal(list[0]?.deviceId, 'P1');
    const p1 = list[0]!;
    assert.equal(p1.userName, 'ivy');
    assert.equal(p1.reason, 'Global');
    assert.equal(p1.releaseCondition, 'appVersion>=1.0.4');
    assert.ok(p1.quarantinedAt);
    assert.match(p1.explanation ?? '', /Quarantine/i);
  });

  it('allows one device through the personal list (scope device, the default)', async () => {
    const res = await h.api('POST', `/quarantine/${dev.ivyPixel!.id}/allow`, { comment: 'checked by IT' });
    assert.equal(res.statusCode, 200);
    const body = QuarantineResolved.parse(res.json());
    assert.equal(body.rule, null);
    assert.equal(body.device.accessState, 'Allowed');
    assert.equal(body.device.accessReason, 'Individual');
    assert.deepEqual((await h.store.getUser(ivy.id))?.allowedDeviceIds, ['P1']);
    // jack's identical Pixel is still quarantined: the allow was personal.
    assert.equal((await h.store.getDevice(dev.jackPixel!.id))?.accessState, 'Quarantined');
    const again = await h.api('POST', `/quarantine/${dev.ivyPixel!.id}/allow`);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'EAS_ERR_DEVICE_NOT_QUARANTINED');
  });

  it('allows all devices like it with a rule (scope rule)', async () => {
    const res = await h.api('POST', `/quarantine/${dev.jackPixel!.id}/allow`, {
      scope: 'rule',
      characteristic: 'DeviceModel',
    });
    const body = QuarantineResolved.parse(res.json());
    assert.equal(body.rule?.queryString, 'Pixel 8');
    assert.equal(body.rule?.accessLevel, 'Allow');
    assert.equal(body.device.accessReason, 'DeviceRule');
    assert.deepEqual((await h.store.getUser(jack.id))?.allowedDeviceIds, []);
    assert.equal((await auditOf(h.store, 'rule.created')).length, 1);
  });

  it('blocks one device (scope device) or all like it (scope rule)', async () => {
    const one = QuarantineResolved.parse(
      (await h.api('POST', `/quarantine/${dev.jackOther!.id}/block`, {})).json(),
    );
    assert.equal(one.device.accessState, 'Blocked');
    assert.equal(one.device.accessReason, 'Individual');
    assert.deepEqual((await h.store.getUser(jack.id))?.blockedDeviceIds, ['S1']);

    const missing = await h.api('POST', `/quarantine/${dev.ivyPhone!.id}/block`, { scope: 'rule' });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().details[0].path, 'characteristic');
    const all = QuarantineResolved.parse(
      (
        await h.api('POST', `/quarantine/${dev.ivyPhone!.id}/block`, {
          scope: 'rule',
          characteristic: 'DeviceType',
        })
      ).json(),
    );
    assert.equal(all.rule?.queryString, 'iPhone');
    assert.equal(all.rule?.accessLevel, 'Block');
    assert.equal(all.device.accessState, 'Blocked');
    assert.equal(all.device.accessReason, 'DeviceRule');
    assert.deepEqual(QuarantineList.parse((await h.api('GET', '/quarantine')).json()).devices, []);
    assert.equal((await h.api('POST', '/quarantine/nope/block', {})).statusCode, 404);
  });
});
