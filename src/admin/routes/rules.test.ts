import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Device } from '../../devices/types.js';
import { RuleDeleted, RuleList, RuleSaved } from '../schemas.js';
import { auditOf, createHarness } from '../test-harness.js';
import type { Harness } from '../test-harness.js';

describe('admin API: device access rules', () => {
  let h: Harness;
  let old: Device;
  let current: Device;
  before(async () => {
    h = await createHarness();
    const gina = await h.addUser('gina');
    old = await h.addDevice(gina, {
      deviceId: 'O1',
      deviceType: 'Outlook',
      userAgent: 'Outlook-iOS-Android/1.0.2',
    });
    current = await h.addDevice(gina, {
      deviceId: 'O2',
      deviceType: 'Outlook',
      userAgent: 'Outlook-iOS-Android/1.0.4',
    });
  });
  after(() => h.close());

  const outlookBelow104 = {
    characteristic: 'UserAgent',
    queryString: 'Outlook-iOS-Android',
    versionRange: '<1.0.4',
    accessLevel: 'Block',
  };
  let dryChanges: unknown;

  it('previews a rule with dryRun: the changes, nothing saved, nothing audited', async () => {
    const res = await h.api('POST', '/rules?dryRun=true', outlookBelow104);
    assert.equal(res.statusCode, 200);
    const body = RuleSaved.parse(res.json());
    assert.equal(body.dryRun, true);
    assert.deepEqual(
      body.changes.map((c) => [c.deviceId, c.from.state, c.to.state, c.to.reason]),
      [['O1', 'Allowed', 'Blocked', 'DeviceRule']],
    );
    assert.equal(body.changes[0]?.userName, 'gina');
    dryChanges = body.changes.map(({ id, from, to }) => ({
      id,
      from,
      to: { state: to.state, reason: to.reason },
    }));
    assert.deepEqual(await h.store.listRules(), []);
    assert.equal((await h.store.getDevice(old.id))?.accessState, 'Allowed');
    assert.equal((await auditOf(h.store, 'rule.')).length, 0);

    // POST /rules/preview is the same preview.
    const alias = RuleSaved.parse((await h.api('POST', '/rules/preview', outlookBelow104)).json());
    assert.equal(alias.dryRun, true);
    assert.deepEqual(
      alias.changes.map((c) => c.id),
      [old.id],
    );
    assert.deepEqual(await h.store.listRules(), []);
  });

  it('saves the rule: the same changes, and the decisions are stored', async () => {
    const res = await h.api('POST', '/rules', outlookBelow104);
    assert.equal(res.statusCode, 201);
    const body = RuleSaved.parse(res.json());
    assert.equal(body.dryRun, false);
    assert.deepEqual(
      body.changes.map(({ id, from, to }) => ({ id, from, to: { state: to.state, reason: to.reason } })),
      dryChanges,
    );
    assert.equal(body.changes[0]?.to.rule, body.rule.id);
    const stored = await h.store.getDevice(old.id);
    assert.equal(stored?.accessState, 'Blocked');
    assert.equal(stored?.accessRule, body.rule.id);
    assert.equal((await h.store.getDevice(current.id))?.accessState, 'Allowed');
    const rules = RuleList.parse((await h.api('GET', '/rules')).json()).rules;
    assert.deepEqual(
      rules.map((r) => r.id),
      [body.rule.id],
    );
    const created = (await auditOf(h.store, 'rule.created'))[0];
    assert.equal(created?.actor, 'admin:root');
    assert.equal(created?.source, '127.0.0.1');
    assert.equal(
      (await auditOf(h.store, 'device.access.changed')).some((e) => e.targetId === old.id),
      true,
    );
  });

  it('refuses invalid rules with the reasons', async () => {
    const dup = await h.api('POST', '/rules', outlookBelow104);
    assert.equal(dup.statusCode, 400);
    assert.equal(dup.json().code, 'EAS_ERR_ACCESS_INVALID');
    const bad = await h.api('POST', '/rules', {
      ...outlookBelow104,
      queryString: 'Outlook-iOS-Android/1.0',
      versionRange: '<<1',
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().details.length >= 2);
    const shape = await h.api('POST', '/rules', {
      characteristic: 'Color',
      queryString: 1,
      accessLevel: 'Maybe',
    });
    assert.equal(shape.statusCode, 400);
    assert.equal(shape.json().code, 'EAS_ERR_REQUEST_INVALID');
    assert.equal((await h.api('POST', '/rules?dryRun=perhaps', outlookBelow104)).statusCode, 400);
  });

  it('replaces a rule (dry run first), then deletes it (dry run first)', async () => {
    const [rule] = await h.store.listRules();
    assert.ok(rule);
    const quarantine = { ...outlookBelow104, accessLevel: 'Quarantine', name: 'Old Outlook' };
    const dry = RuleSaved.parse((await h.api('PUT', `/rules/${rule.id}?dryRun=1`, quarantine)).json());
    assert.deepEqual(
      dry.changes.map((c) => c.to.state),
      ['Quarantined'],
    );
    assert.equal((await h.store.getRule(rule.id))?.accessLevel, 'Block');
    const saved = RuleSaved.parse((await h.api('PUT', `/rules/${rule.id}`, quarantine)).json());
    assert.equal(saved.rule.name, 'Old Outlook');
    assert.equal((await h.store.getDevice(old.id))?.accessState, 'Quarantined');
    assert.equal((await h.api('PUT', '/rules/nope', quarantine)).json().code, 'EAS_ERR_RULE_NOT_FOUND');

    const dryDelete = RuleDeleted.parse((await h.api('DELETE', `/rules/${rule.id}?dryRun=true`)).json());
    assert.deepEqual(
      dryDelete.changes.map((c) => c.to.state),
      ['Allowed'],
    );
    assert.ok(await h.store.getRule(rule.id));
    const deleted = RuleDeleted.parse((await h.api('DELETE', `/rules/${rule.id}`)).json());
    assert.equal(deleted.dryRun, false);
    assert.equal(await h.store.getRule(rule.id), null);
    assert.equal((await h.store.getDevice(old.id))?.accessState, 'Allowed');
    assert.equal((await auditOf(h.store, 'rule.deleted')).length, 1);
    assert.equal((await h.api('DELETE', `/rules/${rule.id}`)).statusCode, 404);
  });
});
