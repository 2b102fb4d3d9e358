// Integration: access control over real EAS. Org default Quarantine with admin mail, admin
// release, version-range rules, user-agent changes, release conditions, and a walk over every
// registered command as a blocked and as a quarantined device.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { el } from '../../src/wbxml/index.js';
import { defaultRegistry } from '../../src/eas/registry.js';
import type { EasClient } from '../../src/client/index.js';
import type { Device } from '../../src/devices/types.js';
import { MemoryMailBackend } from '../../src/mail/memory/index.js';
import { startTestServer } from './harness.js';
import type { TestServer } from './harness.js';
import { startSmtpSink } from './smtp-sink.js';
import type { SmtpSink } from './smtp-sink.js';

const PW = 'pw-access-1';
let server: TestServer;
let smtp: SmtpSink;

const settings = el('Settings', 'Settings', el('Settings', 'UserInformation', el('Settings', 'Get')));

before(async () => {
  smtp = await startSmtpSink();
  server = await startTestServer({ smtp: { url: smtp.url, from: 'syncward@corp.example' } });
  await server.addUser('ana', PW);
  await server.addUser('ben', PW);
});
after(async () => {
  await server.close();
  await smtp.close();
});

const access = () => server.services.access;

async function deviceOf(c: EasClient, username = c.opts.username): Promise<Device> {
  const user = await server.store.getUserByName(username);
  assert.ok(user);
  const d = await server.store.findDevice({ userId: user.id, brokerId: '', deviceId: c.opts.deviceId });
  assert.ok(d, `device ${c.opts.deviceId}`);
  return d;
}

async function resetAccess() {
  for (const r of await access().listRules()) await access().deleteRule(r.id, 'test');
  await access().setOrgSettings(
    { defaultAccessLevel: 'Allow', adminMailRecipients: [], defaultReleaseCondition: null },
    'test',
  );
}

describe('access control over EAS', () => {
  beforeEach(resetAccess);

  test('org default Quarantine: the new device is quarantined, the admin is mailed, an allow releases it', async () => {
    await access().setOrgSettings(
      {
        defaultAccessLevel: 'Quarantine',
        adminMailRecipients: ['it@corp.example', 'sec@corp.example'],
        userMailInsert: 'Call the help desk at 555-0100.',
      },
      'admin:test',
    );
    const before = smtp.messages.length;
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '16.1' });
    // 1. The quarantined device can still provision and report itself.
    const p = await c.provision();
    assert.equal(p.ackStatus, 1);
    let d = await deviceOf(c);
    assert.equal(d.accessState, 'Quarantined');
    assert.equal(d.accessReason, 'Global');
    assert.ok(d.quarantinedAt);
    assert.match(d.accessExplanation ?? '', /Quarantine/i);
    assert.equal((await c.request('Settings', settings)).status, 1);
    // 2. The admins got one mail naming the device.
    const mails = await smtp.waitFor(before + 1);
    const mail = mails[before]!;
    assert.deepEqual(mail.to.sort(), ['it@corp.example', 'sec@corp.example']);
    assert.match(mail.raw, /Quarantined device: ana/);
    assert.ok(mail.raw.includes(c.opts.deviceId));
    // 3. The admin allows it (personal allowed list, as Exchange does).
    const changes = await access().allowDevice(d.id, 'admin:test');
    assert.deepEqual(
      changes.map((ch) => [ch.deviceId, ch.from.state, ch.to.state]),
      [[c.opts.deviceId, 'Quarantined', 'Allowed']],
    );
    d = await deviceOf(c);
    assert.equal(d.accessState, 'Allowed');
    assert.equal(d.accessReason, 'Individual');
    assert.equal(d.quarantinedAt, null);
    assert.ok((await server.store.getUserByName('ana'))?.allowedDeviceIds.includes(c.opts.deviceId));
    assert.equal((await c.request('Settings', settings)).status, 1);
    // 4. It is all in the audit log.
    const audit = await server.store.listAudit({ targetId: d.id });
    const actions = audit.map((a) => a.action);
    for (const a of [
      'device.access.changed',
      'device.quarantine.notified',
      'device.allowed',
      'provision.acknowledged',
    ]) {
      assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(', ')}`);
    }
  });

  test('a version-range rule blocks UserAgent family X below V and allows V', async () => {
    await access().saveRule(
      {
        characteristic: 'UserAgent',
        queryString: 'Outlook-iOS-Android',
        versionRange: '<1.0.4',
        accessLevel: 'Block',
      },
      'admin:test',
    );
    await access().saveRule(
      {
        characteristic: 'UserAgent',
        queryString: 'Outlook-iOS-Android',
        versionRange: '>=1.0.4',
        accessLevel: 'Allow',
      },
      'admin:test',
    );
    const old = server.client({
      username: 'ben',
      password: PW,
      userAgent: 'Outlook-iOS-Android/1.0.3',
      deviceType: 'Outlook',
    });
    const cur = server.client({
      username: 'ben',
      password: PW,
      userAgent: 'Outlook-iOS-Android/1.0.4',
      deviceType: 'Outlook',
    });
    const blocked = await old.provision();
    assert.equal(blocked.downloadStatus, 129);
    assert.equal(blocked.finalKey, null);
    const dOld = await deviceOf(old);
    assert.equal(dOld.accessState, 'Blocked');
    assert.equal(dOld.accessReason, 'DeviceRule');
    assert.match(dOld.accessExplanation ?? '', /1\.0\.3/);
    assert.equal((await cur.provision()).ackStatus, 1);
    const dCur = await deviceOf(cur);
    assert.equal(dCur.accessState, 'Allowed');
    assert.equal(dCur.accessReason, 'DeviceRule');
    // 12.1 clients get HTTP 403 instead of a Status.
    const legacy = server.client({
      username: 'ben',
      password: PW,
      protocolVersion: '12.1',
      userAgent: 'Outlook-iOS-Android/1.0.1',
    });
    assert.equal((await legacy.request('Settings', settings, { policyKey: '0' })).httpStatus, 403);
  });

  test('a device that changes its user agent is evaluated again', async () => {
    await access().saveRule(
      {
        characteristic: 'UserAgent',
        queryString: 'Outlook-iOS-Android',
        versionRange: '<1.0.4',
        accessLevel: 'Block',
      },
      'admin:test',
    );
    const c = server.client({ username: 'ana', password: PW, userAgent: 'Outlook-iOS-Android/1.0.2' });
    assert.equal((await c.provision()).downloadStatus, 129);
    // The app is upgraded on the phone: same DeviceId, new user agent.
    const upgraded = server.client({
      username: 'ana',
      password: PW,
      deviceId: c.opts.deviceId,
      userAgent: 'Outlook-iOS-Android/1.0.5',
    });
    assert.equal((await upgraded.provision()).ackStatus, 1);
    const d = await deviceOf(upgraded);
    assert.equal(d.accessState, 'Allowed');
    assert.equal(d.appVersion, '1.0.5');
  });

  test('a quarantine release condition releases the device by itself once met', async () => {
    await access().setOrgSettings(
      { defaultAccessLevel: 'Quarantine', defaultReleaseCondition: { kind: 'appVersion', range: '>=1.0.4' } },
      'admin:test',
    );
    const c = server.client({ username: 'ben', password: PW, userAgent: 'Outlook-iOS-Android/1.0.1' });
    await c.provision();
    let d = await deviceOf(c);
    assert.equal(d.accessState, 'Quarantined');
    assert.deepEqual(d.releaseCondition, { kind: 'appVersion', range: '>=1.0.4' });
    const upgraded = server.client({
      username: 'ben',
      password: PW,
      deviceId: c.opts.deviceId,
      userAgent: 'Outlook-iOS-Android/1.0.4',
    });
    upgraded.policyKey = c.policyKey;
    assert.equal((await upgraded.request('Settings', settings)).status, 1);
    d = await deviceOf(upgraded);
    assert.equal(d.accessState, 'Allowed');
    assert.equal(d.accessReason, 'Individual');
    const released = await server.store.listAudit({ targetId: d.id, action: 'device.quarantine.released' });
    assert.equal(released.length, 1);
    assert.match(released[0]!.reason ?? '', /appVersion>=1\.0\.4/);
  });

  test('blocking a rule-allowed device individually wins over the rule; the rule preview says so first', async () => {
    const c = server.client({
      username: 'ana',
      password: PW,
      deviceType: 'Android',
      userAgent: 'Android-Mail/1.0',
    });
    await c.provision();
    const d = await deviceOf(c);
    const preview = await access().saveRule(
      { characteristic: 'DeviceType', queryString: 'Android', versionRange: null, accessLevel: 'Block' },
      'admin:test',
      { dryRun: true },
    );
    assert.ok(preview.changes.some((ch) => ch.id === d.id && ch.to.state === 'Blocked'));
    assert.equal((await deviceOf(c)).accessState, 'Allowed', 'a dry run saves nothing');
    await access().allowDevice(d.id, 'admin:test');
    const saved = await access().saveRule(
      { characteristic: 'DeviceType', queryString: 'Android', versionRange: null, accessLevel: 'Block' },
      'admin:test',
    );
    assert.ok(!saved.changes.some((ch) => ch.id === d.id), 'personal allow beats the block rule');
    assert.equal((await c.request('Settings', settings)).status, 1);
  });
});

describe('no command path skips the access check', () => {
  const registry = defaultRegistry();
  // Commands a quarantined device may run normally; every other command must refuse it. The mail
  // commands (and Ping, which watches it) are served from the quarantine view: the notice only.
  const SERVED_IN_QUARANTINE = new Set([
    'Provision',
    'Settings',
    'FolderSync',
    'Sync',
    'GetItemEstimate',
    'Ping',
  ]);

  test('every registered command, as a blocked device', async () => {
    await resetAccess();
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.1' });
    await c.provision();
    await access().blockDevice((await deviceOf(c)).id, 'admin:test');
    for (const name of registry.keys()) {
      const res = await c.request(name, el('Settings', 'Settings'));
      assert.equal(res.httpStatus, 200, name);
      assert.equal(res.status, 129, `${name} as a blocked device`);
    }
    const legacy = server.client({
      username: 'ana',
      password: PW,
      protocolVersion: '12.1',
      deviceId: c.opts.deviceId,
    });
    for (const name of registry.keys()) {
      assert.equal(
        (await legacy.request(name, el('Settings', 'Settings'))).httpStatus,
        403,
        `${name} (12.1)`,
      );
    }
  });

  test('every registered command, as a quarantined device', async () => {
    await resetAccess();
    await access().setOrgSettings({ defaultAccessLevel: 'Quarantine' }, 'admin:test');
    // Real mail the device must not see while it is quarantined.
    const ben = await server.store.getUserByName('ben');
    assert.ok(ben && server.services.mail instanceof MemoryMailBackend);
    await server.services.mail.deliver(
      ben,
      Buffer.from('From: a@example.net\r\nSubject: secret\r\n\r\nnot for you\r\n'),
    );
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '16.1' });
    await c.provision();
    assert.equal((await deviceOf(c)).accessState, 'Quarantined');
    for (const [name, handler] of registry) {
      const res = await c.request(name, el('Settings', 'Settings'));
      if (SERVED_IN_QUARANTINE.has(name)) {
        assert.equal(handler.quarantine, 'serve', name);
        assert.notEqual(res.status, 129, `${name} is served in quarantine`);
      } else {
        assert.equal(handler.quarantine, 'deny', `${name} must not serve a quarantined device`);
        assert.equal(res.status, 129, `${name} as a quarantined device`);
      }
    }
    // The mail commands, used as a phone uses them: every folder, every item - only the notice.
    const hierarchy = await c.folderSync();
    assert.equal(hierarchy.status, 1);
    const synced: string[] = [];
    for (const folder of c.folders.values()) {
      const d = await c.downloadFolder({ collectionId: folder.serverId, bodyPreferences: [{ type: 2 }] });
      for (const item of d.adds) synced.push(`${folder.type}:${item.email.subject}`);
    }
    assert.deepEqual(
      synced,
      ['2:Your device is quarantined'],
      'the only item synced is the notice, in the Inbox',
    );
    const inbox = c.folderOfType(2) ?? '';
    const est = await c.getItemEstimate([{ collectionId: inbox, syncKey: '0' }]);
    assert.equal(est.results[0]?.status, 3);
    assert.deepEqual(
      (await c.getItemEstimate([{ collectionId: inbox }])).results[0]?.estimate,
      0,
      'nothing else to come',
    );
    await resetAccess();
  });
});
