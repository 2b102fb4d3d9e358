// Integration: real HTTP to a real server, the client library acting as phones of each protocol
// version. Covers OPTIONS, both Provision phases, re-provisioning statuses, policy changes,
// non-provisionable devices, remote wipe, DeviceInformation and the error answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { el, child, childText } from '../../src/wbxml/index.js';
import type { ProtocolVersion } from '../../src/eas/types.js';
import type { Device } from '../../src/devices/types.js';
import { startTestServer } from './harness.js';
import type { TestServer } from './harness.js';

const PW = 'correct horse battery';
let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.addUser('ana', PW);
  await server.addUser('ben', PW);
});
after(async () => server.close());

const settingsUserInfo = el('Settings', 'Settings', el('Settings', 'UserInformation', el('Settings', 'Get')));

async function deviceOf(username: string, deviceId: string): Promise<Device> {
  const user = await server.store.getUserByName(username);
  assert.ok(user);
  const d = await server.store.findDevice({ userId: user.id, brokerId: '', deviceId });
  assert.ok(d, `device ${deviceId} exists`);
  return d;
}

async function setDefaultPolicy(patch: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const p = await server.store.getDefaultPolicy();
  assert.ok(p);
  await server.store.putPolicy({
    ...p,
    settings: { ...p.settings, ...patch },
    options: { ...p.options, ...options },
    revision: p.revision + 1,
    updatedAt: new Date(),
  });
}

describe('OPTIONS', () => {
  test('advertises versions and commands, requires authentication', async () => {
    const c = server.client({ username: 'ana', password: PW });
    const res = await c.options();
    assert.equal(res.httpStatus, 200);
    assert.deepEqual(res.versions, ['12.1', '14.0', '14.1', '16.0', '16.1']);
    assert.ok(res.commands.includes('Provision'));
    assert.ok(res.commands.includes('Settings'));
    const bad = server.client({ username: 'ana', password: 'wrong' });
    assert.equal((await bad.options()).httpStatus, 401);
  });
});

for (const [version, form] of [
  ['12.1', 'plain'],
  ['14.1', 'plain'],
  ['16.1', 'plain'],
  ['14.1', 'base64'],
  ['16.1', 'base64'],
] as Array<[ProtocolVersion, 'plain' | 'base64']>) {
  describe(`Provision, EAS ${version}, ${form} query`, () => {
    test('1. enforcement, 2. download with temporary key, 3. ack for the final key, 4. command succeeds', async () => {
      const c = server.client({ username: 'ana', password: PW, protocolVersion: version, queryForm: form });
      // 1. Policy key 0: the device is told to provision (449 for 12.1, Status 142 for 14.0+).
      const first = await c.request('Settings', settingsUserInfo, { policyKey: '0' });
      if (version === '12.1') {
        assert.equal(first.httpStatus, 449);
        assert.equal(first.raw.length, 0);
      } else {
        assert.equal(first.httpStatus, 200);
        assert.equal(first.status, 142);
      }
      // 2 + 3.
      const p = await c.provision();
      assert.equal(p.downloadStatus, 1);
      assert.ok(p.temporaryKey && /^\d+$/.test(p.temporaryKey));
      assert.ok(p.policyDoc, 'EASProvisionDoc present');
      assert.equal(p.ackStatus, 1);
      assert.equal(p.ackPolicyStatus, 1);
      assert.ok(p.finalKey && p.finalKey !== p.temporaryKey && p.finalKey !== '0');
      // 4.
      const ok = await c.request('Settings', settingsUserInfo);
      assert.equal(ok.httpStatus, 200);
      assert.equal(ok.status, 1);
      const email = version === '12.1' ? 'SMTPAddress' : 'PrimarySmtpAddress';
      assert.match(JSON.stringify(ok.body), new RegExp(email));
      const d = await deviceOf('ana', c.opts.deviceId);
      assert.equal(d.policyKey, p.finalKey);
      assert.equal(d.policyStatus, 'AppliedInFull');
      assert.equal(d.policyName, 'Default');
      assert.equal(d.protocolVersion, version);
      assert.ok(d.lastPolicyUpdateAt);
      if (version !== '12.1') {
        // 14.1+ sent DeviceInformation inside Provision.
        assert.equal(d.model, 'iPhone14C2');
        assert.equal(d.os, 'iOS 17.4.1 21E236');
        assert.equal(d.imei, '356938035643809');
      }
    });
  });
}

describe('policy key enforcement', () => {
  test('a stale key is refused with 144 and accepted after re-provisioning', async () => {
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.1' });
    await c.provision();
    const stale = await c.request('Settings', settingsUserInfo, { policyKey: '12345' });
    assert.equal(stale.status, 144);
    // The client library re-provisions on 142/143/144 and retries once, as a phone does.
    const res = await c.command('Settings', settingsUserInfo, { policyKey: '12345' });
    assert.equal(res.status, 1);
  });

  test('the temporary key is not a valid key for other commands', async () => {
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '16.1' });
    const dl = await c.request(
      'Provision',
      el(
        'Provision',
        'Provision',
        el('Settings', 'DeviceInformation', el('Settings', 'Set', el('Settings', 'Model', 'X'))),
        el(
          'Provision',
          'Policies',
          el('Provision', 'Policy', el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML')),
        ),
      ),
      { policyKey: '0' },
    );
    const temp = childText(child(child(dl.body, 'Policies'), 'Policy'), 'PolicyKey');
    assert.ok(temp);
    const res = await c.request('Settings', settingsUserInfo, { policyKey: temp });
    assert.equal(res.status, 144);
  });

  test('acknowledging the wrong temporary key gets Policy Status 5 and no final key', async () => {
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.0' });
    await c.provision();
    const res = await c.acknowledge('99999', '1');
    const policy = child(child(res.body, 'Policies'), 'Policy');
    assert.equal(childText(policy, 'Status'), '5');
    assert.equal(childText(policy, 'PolicyKey'), null);
  });

  test('a policy change forces re-provisioning and the new settings reach the device', async () => {
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '16.1' });
    await c.provision();
    assert.equal((await c.request('Settings', settingsUserInfo)).status, 1);
    await setDefaultPolicy({ DevicePasswordEnabled: true, MinDevicePasswordLength: 6 });
    assert.equal((await c.request('Settings', settingsUserInfo)).status, 144);
    const p = await c.provision();
    assert.equal(childText(p.policyDoc, 'DevicePasswordEnabled'), '1');
    assert.equal(childText(p.policyDoc, 'MinDevicePasswordLength'), '6');
    assert.equal((await c.request('Settings', settingsUserInfo)).status, 1);
    await setDefaultPolicy({ DevicePasswordEnabled: false, MinDevicePasswordLength: null });
  });

  test('12.1: a stale key gets HTTP 449 with no body', async () => {
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '12.1' });
    await c.provision();
    const res = await c.request('Settings', settingsUserInfo, { policyKey: '1' });
    assert.equal(res.httpStatus, 449);
  });

  test('14.1+ Provision without DeviceInformation gets 165', async () => {
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '14.1' });
    const p = await c.provision({ sendDeviceInformation: false });
    assert.equal(p.downloadStatus, 165);
    assert.equal(p.finalKey, null);
  });
});

describe('non-provisionable devices', () => {
  test('allowed by default (AllowNonProvisionableDevices true): no key header, command succeeds', async () => {
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.0' });
    const res = await c.request('Settings', settingsUserInfo, { policyKey: null });
    assert.equal(res.status, 1);
  });

  test('refused when the policy forbids them: 141 without a key, 449 for 12.1, ack "not applied" refused', async () => {
    await setDefaultPolicy({}, { allowNonProvisionableDevices: false, allowPartialCompliance: false });
    try {
      const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.0' });
      const res = await c.request('Settings', settingsUserInfo, { policyKey: null });
      assert.equal(res.status, 141);
      const legacy = server.client({ username: 'ana', password: PW, protocolVersion: '12.1' });
      assert.equal((await legacy.request('Settings', settingsUserInfo, { policyKey: null })).httpStatus, 449);
      // A device that acknowledges without applying the policy gets no final key.
      const d = server.client({ username: 'ana', password: PW, protocolVersion: '16.1' });
      const notApplied = await d.provision({ ackStatus: '3' });
      assert.equal(notApplied.finalKey, null);
      assert.notEqual(notApplied.ackStatus, 1);
      const partial = await d.provision({ ackStatus: '2' });
      assert.equal(partial.ackStatus, 139);
      assert.equal(partial.finalKey, null);
      assert.equal((await deviceOf('ana', d.opts.deviceId)).policyStatus, 'PartiallyApplied');
    } finally {
      await setDefaultPolicy({}, { allowNonProvisionableDevices: true, allowPartialCompliance: true });
    }
  });
});

describe('remote wipe', () => {
  test('full wipe: 140, directive, acknowledgement recorded, then nothing else', async () => {
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.1' });
    await c.provision();
    const d0 = await deviceOf('ana', c.opts.deviceId);
    await server.services.devices.requestWipe(d0.id, { accountOnly: false, requestedBy: 'it-admin' });
    const res = await c.request('Settings', settingsUserInfo);
    assert.equal(res.status, 140);
    const directive = await c.handleWipe(true);
    assert.equal(directive, 'RemoteWipe');
    const d = await deviceOf('ana', c.opts.deviceId);
    assert.ok(d.wipeRequestedAt && d.wipeSentAt && d.wipeAckAt);
    assert.equal(d.wipeAckStatus, 'success');
    assert.equal(d.wipeRequestedBy, 'it-admin');
    // The wiped device gets nothing else: every command answers 140, Provision only the directive.
    assert.equal((await c.request('Settings', settingsUserInfo)).status, 140);
    const again = await c.provision();
    assert.equal(again.wipe, 'RemoteWipe');
    assert.equal(again.finalKey, null);
  });

  test('12.1 wipe is signalled with HTTP 449 (403 without a policy key header)', async () => {
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '12.1' });
    await c.provision();
    const d0 = await deviceOf('ben', c.opts.deviceId);
    await server.services.devices.requestWipe(d0.id, { accountOnly: false, requestedBy: 'it' });
    assert.equal((await c.request('Settings', settingsUserInfo)).httpStatus, 449);
    assert.equal((await c.request('Settings', settingsUserInfo, { policyKey: null })).httpStatus, 403);
  });

  test('account-only wipe (16.1): AccountOnlyRemoteWipe directive and acknowledgement', async () => {
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '16.1' });
    await c.provision();
    const d0 = await deviceOf('ben', c.opts.deviceId);
    await server.services.devices.requestWipe(d0.id, { accountOnly: true, requestedBy: 'helpdesk' });
    assert.equal((await c.request('Settings', settingsUserInfo)).status, 140);
    assert.equal(await c.handleWipe(true), 'AccountOnlyRemoteWipe');
    const d = await deviceOf('ben', c.opts.deviceId);
    assert.ok(d.accountOnlyWipeSentAt && d.accountOnlyWipeAckAt);
    assert.equal(d.accountOnlyWipeAckStatus, 'success');
    assert.equal(d.wipeRequestedAt, null);
  });

  test('account-only wipe is refused for a device below 16.1', async () => {
    const c = server.client({ username: 'ben', password: PW, protocolVersion: '14.1' });
    await c.provision();
    const d0 = await deviceOf('ben', c.opts.deviceId);
    await assert.rejects(
      server.services.devices.requestWipe(d0.id, { accountOnly: true, requestedBy: 'x' }),
      /16\.1/,
    );
  });
});

describe('Settings DeviceInformation', () => {
  test('lands in the inventory (12.1 reports it through Settings)', async () => {
    const c = server.client({
      username: 'ben',
      password: PW,
      protocolVersion: '12.1',
      userAgent: 'Android-Mail/2023.10.15.574367440.Release',
      deviceType: 'Android',
    });
    await c.provision();
    const res = await c.sendDeviceInformation({
      Model: 'Pixel 8',
      IMEI: '490154203237518',
      FriendlyName: 'Ben Pixel',
      OS: 'Android 14.0.0',
      OSLanguage: 'en-US',
      PhoneNumber: '+15551234567',
      UserAgent: 'Android-Mail/2023.10.15.574367440.Release',
      MobileOperator: 'Carrier',
      EnableOutboundSMS: '0',
    });
    assert.equal(res.status, 1);
    assert.equal(childText(child(res.body, 'DeviceInformation'), 'Status'), '1');
    const d = await deviceOf('ben', c.opts.deviceId);
    assert.equal(d.model, 'Pixel 8');
    assert.equal(d.imei, '490154203237518');
    assert.equal(d.friendlyName, 'Ben Pixel');
    assert.equal(d.os, 'Android 14.0.0');
    assert.equal(d.osLanguage, 'en-US');
    assert.equal(d.phoneNumber, '+15551234567');
    assert.equal(d.mobileOperator, 'Carrier');
    assert.equal(d.enableOutboundSms, false);
    assert.equal(d.deviceType, 'Android');
    assert.equal(d.appFamily, 'Android-Mail');
    assert.equal(d.appVersion, '2023.10.15.574367440.Release');
  });
});

describe('bad requests leave stored state intact', () => {
  test('wrong password, wrong User, malformed query, malformed WBXML', async () => {
    const c = server.client({ username: 'ana', password: PW, protocolVersion: '14.1' });
    await c.provision();
    const before = await deviceOf('ana', c.opts.deviceId);

    const wrongPw = await c.request('Settings', settingsUserInfo, { password: 'nope' });
    assert.equal(wrongPw.httpStatus, 401);
    assert.match(wrongPw.headers['www-authenticate'] ?? '', /^Basic /);
    const failures = await server.store.listAudit({ action: 'auth.failed', actor: 'user:ana' });
    assert.equal(failures.length, 1, 'the failed login is audited');
    assert.match(failures[0]?.source ?? '', /127\.0\.0\.1/);

    const wrongUser = await c.request('Settings', settingsUserInfo, { user: 'ben' });
    assert.equal(wrongUser.httpStatus, 403);

    const malformedQuery = await fetch(`${server.url}/Microsoft-Server-ActiveSync?Cmd=Settings&User=ana`, {
      method: 'POST',
      headers: {
        Authorization: 'Basic ' + Buffer.from(`ana:${PW}`).toString('base64'),
        'MS-ASProtocolVersion': '14.1',
      },
    });
    assert.equal(malformedQuery.status, 400);
    const badB64 = await fetch(`${server.url}/Microsoft-Server-ActiveSync?%%%`, { method: 'POST' });
    assert.equal(badB64.status, 400);

    const garbage = await c.request(
      'Settings',
      Buffer.from([0x03, 0x01, 0x6a, 0x00, 0x00, 0x12, 0x45, 0x56]),
    );
    assert.equal(garbage.httpStatus, 200);
    assert.equal(garbage.status, 102);
    const legacy = server.client({
      username: 'ana',
      password: PW,
      protocolVersion: '12.1',
      deviceId: c.opts.deviceId,
    });
    legacy.policyKey = c.policyKey;
    const garbage12 = await legacy.request('Settings', Buffer.from('not wbxml at all'));
    assert.equal(garbage12.httpStatus, 400);

    const after = await deviceOf('ana', c.opts.deviceId);
    const stable = (d: Device) => ({ ...d, lastSyncAttemptAt: null, updatedAt: null, protocolVersion: null });
    assert.deepEqual(stable(after), stable(before));
    assert.equal((await c.request('Settings', settingsUserInfo)).status, 1);
  });

  test('a user with ActiveSync disabled gets 126', async () => {
    await server.addUser('carl', PW, { easEnabled: false });
    const c = server.client({ username: 'carl', password: PW, protocolVersion: '16.1' });
    const p = await c.request('Provision', el('Provision', 'Provision'));
    assert.equal(p.status, 126);
    const legacy = server.client({ username: 'carl', password: PW, protocolVersion: '12.1' });
    assert.equal((await legacy.request('Settings', settingsUserInfo)).httpStatus, 403);
  });

  test('throttling answers 503 with Retry-After, per device', async () => {
    const slow = await startTestServer({ throttle: { ratePerSecond: 0.5, burst: 3, maxConcurrent: 5 } });
    try {
      await slow.addUser('fred', PW);
      const c = slow.client({ username: 'fred', password: PW, protocolVersion: '14.1' });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await c.request('Settings', settingsUserInfo)).httpStatus);
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
      const limited = await c.request('Settings', settingsUserInfo);
      assert.equal(limited.httpStatus, 503);
      assert.match(limited.headers['retry-after'] ?? '', /^\d+$/);
      // Another device of the same user has its own budget.
      const other = slow.client({ username: 'fred', password: PW, protocolVersion: '14.1' });
      assert.equal((await other.request('Settings', settingsUserInfo)).httpStatus, 200);
    } finally {
      await slow.close();
    }
  });

  test('the per-user device limit answers 177', async () => {
    const limited = await startTestServer({ maxDevicesPerUser: 2 });
    try {
      await limited.addUser('dora', PW);
      for (let i = 0; i < 2; i++) {
        assert.equal((await limited.client({ username: 'dora', password: PW }).provision()).ackStatus, 1);
      }
      const third = await limited.client({ username: 'dora', password: PW }).provision();
      assert.equal(third.downloadStatus, 177);
    } finally {
      await limited.close();
    }
  });
});
