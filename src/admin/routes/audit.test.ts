import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditPage } from '../schemas.js';
import { createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: audit log', () => {
  let h: Harness;
  const page = async (query: string) => AuditPage.parse((await h.api('GET', `/audit${query}`)).json());
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('records every kind of admin action with the admin as actor and the address as source', async () => {
    const tick = () => h.clock.advance(1000);
    const user = (
      await h.api('POST', '/users', { username: 'lea', password: 'lea-password', email: 'lea@example.com' })
    ).json();
    tick();
    await h.api('PATCH', `/users/${user.id}`, { displayName: 'Lea' });
    tick();
    await h.api('POST', `/users/${user.id}/password`, { password: 'lea-password-2' });
    tick();
    await h.api('POST', '/policies', { name: 'P' });
    tick();
    await h.api('PATCH', '/policies/P', { settings: { AllowCamera: false } });
    tick();
    await h.api('PUT', '/domain-policies/example.com', { policy: 'P' });
    tick();
    const lea = await h.store.getUser(user.id);
    const device = await h.addDevice(lea!, { deviceId: 'L1', deviceType: 'iPhone', model: 'iPhone15,2' });
    tick();
    await h.api('POST', `/devices/${device.id}/block`);
    tick();
    await h.api('POST', `/devices/${device.id}/wipe`);
    tick();
    await h.api('DELETE', `/devices/${device.id}/wipe`);
    tick();
    await h.api('POST', '/rules', {
      characteristic: 'DeviceModel',
      queryString: 'iPhone15,2',
      accessLevel: 'Quarantine',
    });
    tick();
    await h.api('PATCH', '/org', { userMailInsert: 'hello' });
    tick();
    await h.api('DELETE', `/devices/${device.id}`);
    tick();
    await h.api('DELETE', `/users/${user.id}`);

    const entries = (await page('?actor=admin:root&limit=1000')).entries;
    const actions = new Set(entries.map((e) => e.action));
    for (const a of [
      'admin.token.created',
      'user.created',
      'user.updated',
      'user.password.changed',
      'policy.created',
      'policy.updated',
      'policy.domain.assigned',
      'device.blocked',
      'device.access.changed',
      'device.wipe.requested',
      'device.wipe.cancelled',
      'rule.created',
      'org.updated',
      'device.removed',
      'user.deleted',
    ]) {
      assert.ok(actions.has(a), `${a} recorded`);
    }
    // Entries written by the access service during the request carry the address too (RequestAuditLog).
    for (const e of entries) assert.equal(e.source, '127.0.0.1', e.action);
    // Newest first.
    assert.equal(entries[0]?.action, 'user.deleted');
  });

  it('filters by target, action prefix and time, and pages with next', async () => {
    const userEntries = (await page('?targetType=user')).entries;
    assert.ok(userEntries.length >= 4);
    assert.ok(userEntries.every((e) => e.targetType === 'user'));
    const deviceActions = (await page('?action=device.')).entries;
    assert.ok(deviceActions.every((e) => e.action.startsWith('device.')));
    const created = (await page('?action=user.created')).entries[0];
    assert.ok(created);
    assert.deepEqual(
      (await page(`?targetId=${created.targetId}`)).entries
        .map((e) => e.targetId)
        .filter((t) => t !== created.targetId),
      [],
    );
    const since = (
      await page(
        `?since=${encodeURIComponent(created.at)}&until=${encodeURIComponent(created.at.replace(/\.000Z$/, '.001Z'))}`,
      )
    ).entries;
    assert.ok(since.length >= 1);
    assert.ok(since.every((e) => e.at === created.at));

    const all = (await page('?limit=1000')).entries.map((e) => e.id);
    const seen: string[] = [];
    let next: string | null = '';
    while (next !== null) {
      const p = await page(`?limit=3${next ? `&before=${next}` : ''}`);
      assert.ok(p.entries.length <= 3);
      seen.push(...p.entries.map((e) => e.id));
      next = p.next;
    }
    assert.deepEqual(seen, all);
  });

  it('validates the query', async () => {
    for (const q of ['?limit=0', '?limit=1001', '?limit=abc', '?since=yesterday', '?targetType=planet']) {
      const res = await h.api('GET', `/audit${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.equal(res.json().code, 'EAS_ERR_REQUEST_INVALID');
    }
  });
});
