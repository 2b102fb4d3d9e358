import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DecisionView } from '../schemas.js';
import { createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: what-if', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await h.api('POST', '/rules', {
      characteristic: 'UserAgent',
      queryString: 'Outlook-iOS-Android',
      versionRange: '<1.0.4',
      accessLevel: 'Block',
      name: 'old outlook',
    });
    await h.api('POST', '/rules', {
      characteristic: 'DeviceType',
      queryString: 'Outlook',
      accessLevel: 'Allow',
      name: 'outlook',
    });
    const kim = await h.addUser('kim');
    await h.api('PATCH', `/users/${kim.id}`, { allowedDeviceIds: ['KIMS'] });
  });
  after(() => h.close());

  it('returns the decision with every matching rule and every step', async () => {
    const before = (await h.store.listAudit({ limit: 1000 })).length;
    const res = await h.api('POST', '/what-if', {
      deviceType: 'Outlook',
      userAgent: 'Outlook-iOS-Android/1.0.2',
    });
    assert.equal(res.statusCode, 200);
    const d = DecisionView.parse(res.json());
    assert.equal(d.state, 'Blocked');
    assert.equal(d.reason, 'DeviceRule');
    assert.equal(d.rule?.name, 'old outlook');
    assert.deepEqual(
      d.matchedRules.map((r) => [r.name, r.accessLevel]),
      [
        ['old outlook', 'Block'],
        ['outlook', 'Allow'],
      ],
    );
    assert.deepEqual(d.steps.find((s) => s.decided)?.step, 'DeviceRule');
    assert.ok(d.steps.length >= 3);
    assert.match(d.explanation, /old outlook/);
    // Reading only: nothing audited.
    assert.equal((await h.store.listAudit({ limit: 1000 })).length, before);
  });

  it("counts a user's personal lists when given a user name", async () => {
    const d = DecisionView.parse(
      (
        await h.api('POST', '/what-if', {
          deviceType: 'Outlook',
          userAgent: 'Outlook-iOS-Android/1.0.2',
          deviceId: 'KIMS',
          userName: 'kim',
        })
      ).json(),
    );
    assert.equal(d.state, 'Allowed');
    assert.equal(d.reason, 'Individual');
    const missing = await h.api('POST', '/what-if', { deviceType: 'Outlook', userName: 'nobody' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'EAS_ERR_USER_NOT_FOUND');
  });

  it('validates the sample', async () => {
    const res = await h.api('POST', '/what-if', { model: 'x' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().details[0].path, 'deviceType');
  });
});
