import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_AUTOBLOCK } from '../../access/autoblock.js';
import { OrgUpdated, OrgView } from '../schemas.js';
import { auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: organization settings', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('reads the defaults', async () => {
    const org = OrgView.parse((await h.api('GET', '/org')).json());
    assert.equal(org.defaultAccessLevel, 'Allow');
    assert.equal(org.defaultReleaseCondition, null);
    assert.deepEqual(org.autoblock, DEFAULT_AUTOBLOCK);
  });

  it('previews a default access level change with dryRun and saves nothing', async () => {
    const hank = await h.addUser('hank');
    const d = await h.addDevice(hank, { deviceId: 'H1', deviceType: 'iPhone' });
    const dry = OrgUpdated.parse(
      (await h.api('PATCH', '/org?dryRun=true', { defaultAccessLevel: 'Block' })).json(),
    );
    assert.equal(dry.dryRun, true);
    assert.equal(dry.settings.defaultAccessLevel, 'Block');
    assert.deepEqual(
      dry.changes.map((c) => [c.deviceId, c.to.state, c.to.reason]),
      [['H1', 'Blocked', 'Global']],
    );
    assert.equal((await h.access.orgSettings()).defaultAccessLevel, 'Allow');
    assert.equal((await h.store.getDevice(d.id))?.accessState, 'Allowed');
    assert.equal((await auditOf(h.store, 'org.updated')).length, 0);
  });

  it('saves settings: recipients, insert, release condition and a partial autoblock change', async () => {
    const res = await h.api('PATCH', '/org', {
      defaultAccessLevel: 'Quarantine',
      adminMailRecipients: ['it@example.com', 'sec@example.com'],
      userMailInsert: 'Call the help desk on 1234.',
      defaultReleaseCondition: 'appVersion>=1.0.4',
      autoblock: { syncCommands: { limit: 5000 } },
    });
    assert.equal(res.statusCode, 200);
    const body = OrgUpdated.parse(res.json());
    assert.equal(body.dryRun, false);
    assert.equal(body.settings.defaultReleaseCondition, 'appVersion>=1.0.4');
    assert.equal(body.settings.autoblock.syncCommands.limit, 5000);
    assert.equal(
      body.settings.autoblock.syncCommands.windowSeconds,
      DEFAULT_AUTOBLOCK.syncCommands.windowSeconds,
    );
    assert.deepEqual(body.settings.autoblock.commandFrequency, DEFAULT_AUTOBLOCK.commandFrequency);
    assert.deepEqual(
      body.changes.map((c) => c.to.state),
      ['Quarantined'],
    );
    const stored = await h.store.getOrgSettings();
    assert.deepEqual(stored?.defaultReleaseCondition, { kind: 'appVersion', range: '>=1.0.4' });
    assert.equal(stored?.adminMailRecipients.length, 2);
    const q = (await h.store.listDevices({ accessState: 'Quarantined' }))[0];
    assert.deepEqual(q?.releaseCondition, { kind: 'appVersion', range: '>=1.0.4' });
    const entry = (await auditOf(h.store, 'org.updated'))[0];
    assert.equal(entry?.actor, 'admin:root');
    assert.equal(entry?.source, '127.0.0.1');
  });

  it('refuses bad settings, each field named', async () => {
    const res = await h.api('PATCH', '/org', {
      defaultAccessLevel: 'Deny',
      adminMailRecipients: ['not-an-address'],
      userMailInsert: 'x'.repeat(257),
      defaultReleaseCondition: 'batteryLevel>50',
      autoblock: { syncCommands: { limit: 0, colour: 'red' } },
    });
    assert.equal(res.statusCode, 400);
    const paths = res.json().details.map((d: { path: string }) => d.path);
    for (const p of [
      'defaultAccessLevel',
      'adminMailRecipients.0',
      'userMailInsert',
      'defaultReleaseCondition',
      'autoblock.syncCommands.limit',
    ]) {
      assert.ok(paths.includes(p), `${p} in ${paths}`);
    }
    assert.equal((await h.api('PATCH', '/org', {})).statusCode, 400);
    assert.equal((await h.access.orgSettings()).defaultAccessLevel, 'Quarantine');
  });
});
