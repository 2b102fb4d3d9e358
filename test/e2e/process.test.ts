// The newcomer path end to end: `syncward serve` as a real process on an empty data dir, the
// first-start credentials it prints, a phone provisioning with them, and the CLI on the same store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { EasClient } from '../../src/client/index.js';
import { el } from '../../src/wbxml/index.js';
import { runCli, startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

let dir: string;
let server: ServeProcess;
let url: string;
let demoPassword: string;
let smtpPort: number;

const cli = (...args: string[]) => runCli(dir, ...args);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syncward-e2e-'));
  server = await startServe({ dataDir: dir });
  url = server.url;
  smtpPort = server.smtpPort ?? 0;
  assert.ok(server.demoPassword, `first start prints the demo credentials:\n${server.output()}`);
  demoPassword = server.demoPassword;
});

after(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('a phone provisions with the printed demo credentials; the CLI sees and wipes it', async () => {
  const phone = new EasClient({
    baseUrl: url,
    username: 'demo',
    password: demoPassword,
    deviceId: 'PROCESSTEST01',
    deviceType: 'iPhone',
    protocolVersion: '16.1',
    userAgent: 'Apple-iPhone15C3/2201.100',
    deviceInformation: { Model: 'iPhone15C3', OS: 'iOS 18.1 22B83' },
  });
  const p = await phone.provision();
  assert.equal(p.ackStatus, 1);
  assert.ok(p.finalKey);

  const list = cli('device', 'list');
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /DeviceAccessState/);
  assert.match(list.out, /PROCESSTEST01/);
  assert.match(list.out, /Default \(AppliedInFull\)/);

  const show = cli('device', 'show', 'PROCESSTEST01', '--json');
  assert.equal(show.code, 0, show.err);
  const shown = JSON.parse(show.out) as Record<string, unknown>;
  assert.equal(shown.model, 'iPhone15C3');
  assert.equal(shown.appFamily, 'Apple-iPhone15C3');

  // A policy change made by the CLI reaches the running server at the device's next request.
  const set = cli('policy', 'set', 'Default', 'DevicePasswordEnabled=true', 'MinDevicePasswordLength=6');
  assert.equal(set.code, 0, set.err);
  const settings = el('Settings', 'Settings', el('Settings', 'UserInformation', el('Settings', 'Get')));
  assert.equal((await phone.request('Settings', settings)).status, 144);
  assert.equal((await phone.command('Settings', settings)).status, 1);

  const wipe = cli('device', 'wipe', 'PROCESSTEST01', '--account-only');
  assert.equal(wipe.code, 0, wipe.err);
  assert.equal((await phone.request('Settings', settings)).status, 140);
  assert.equal(await phone.handleWipe(true), 'AccountOnlyRemoteWipe');
  const after = JSON.parse(cli('device', 'show', 'PROCESSTEST01', '--json').out) as Record<string, unknown>;
  assert.equal(after.accountOnlyWipeAckStatus, 'success');

  const bad = cli('policy', 'set', 'Default', 'MinDevicePasswordLength=99');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /MinDevicePasswordLength/);

  // Removed: the audit keeps identity and last decision, as the admin API's removal does.
  assert.equal(cli('device', 'remove', 'PROCESSTEST01').code, 0);
  const audit = JSON.parse(cli('audit', '--action', 'device.removed', '--json').out) as Array<{
    before: Record<string, unknown>;
  }>;
  assert.deepEqual(Object.keys(audit[0]?.before ?? {}).sort(), [
    'accessState',
    'deviceId',
    'deviceType',
    'model',
    'userAgent',
    'userId',
  ]);
});

test('access control from the CLI: org default, quarantine queue, rule preview, what-if, audit', async () => {
  const org = cli(
    'org',
    'set',
    '--default-access-level',
    'Quarantine',
    '--release-condition',
    'appVersion>=1.0.4',
  );
  assert.equal(org.code, 0, org.err);
  const phone = new EasClient({
    baseUrl: url,
    username: 'demo',
    password: demoPassword,
    deviceId: 'OUTLOOK0001',
    deviceType: 'Outlook',
    protocolVersion: '14.1',
    userAgent: 'Outlook-iOS-Android/1.0.2',
    deviceInformation: { Model: 'Outlook for iOS and Android', OS: 'Outlook for iOS and Android 1.0' },
  });
  // The CLI wrote the settings straight to the store; the server re-reads them within its cache TTL.
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await phone.provision()).ackStatus, 1);
  const queue = cli('quarantine', 'list');
  assert.equal(queue.code, 0, queue.err);
  assert.match(queue.out, /OUTLOOK0001/);
  assert.match(queue.out, /appVersion/);

  const preview = cli(
    'rule',
    'preview',
    '--characteristic',
    'UserAgent',
    '--query',
    'Outlook-iOS-Android',
    '--version',
    '<1.0.4',
    '--level',
    'Block',
  );
  assert.equal(preview.code, 0, preview.err);
  assert.match(preview.out, /would change/);
  assert.match(preview.out, /OUTLOOK0001\s+Outlook\s+Quarantined \(Global\)\s+Blocked \(DeviceRule\)/);
  assert.doesNotMatch(cli('rule', 'list').out, /Outlook-iOS-Android/, 'a preview saves nothing');

  const bad = cli(
    'rule',
    'add',
    '--characteristic',
    'UserAgent',
    '--query',
    'X',
    '--version',
    '<<1',
    '--level',
    'Block',
  );
  assert.equal(bad.code, 1);
  assert.match(bad.err, /version range/);

  const whatIf = cli('what-if', '--type', 'Outlook', '--user-agent', 'Outlook-iOS-Android/1.0.9');
  assert.equal(whatIf.code, 0, whatIf.err);
  assert.match(whatIf.out, /DeviceAccessState\s+: Quarantined/);
  assert.match(whatIf.out, /Global/);

  const allow = cli('quarantine', 'allow', 'OUTLOOK0001');
  assert.equal(allow.code, 0, allow.err);
  assert.match(allow.out, /Quarantined \(Global\)\s+Allowed \(Individual\)/);

  const audit = cli('audit', '--action', 'device.');
  assert.equal(audit.code, 0, audit.err);
  assert.match(audit.out, /device\.allowed/);
  assert.match(audit.out, /device\.access\.changed/);
  assert.equal(cli('org', 'set', '--default-access-level', 'Allow', '--release-condition', 'none').code, 0);
});

test('the default embedded mail system: SMTP delivery to a local user, then FolderSync + Sync on a phone', async () => {
  assert.ok(smtpPort > 0, 'serve starts an inbound SMTP listener');
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({
    from: 'boss@corp.example',
    to: 'demo@example.com',
    subject: 'Quarterly numbers',
    text: 'See you at 10.',
  });
  transport.close();
  const phone = new EasClient({
    baseUrl: url,
    username: 'demo',
    password: demoPassword,
    deviceId: 'MAILPHONE01',
    deviceType: 'iPhone',
    protocolVersion: '16.1',
    userAgent: 'Apple-iPhone15C3/2201.100',
    deviceInformation: { Model: 'iPhone15C3', OS: 'iOS 18.1 22B83' },
  });
  assert.equal((await phone.provision()).ackStatus, 1);
  const fs = await phone.folderSync();
  assert.equal(fs.status, 1);
  const inbox = phone.folderOfType(2);
  assert.ok(inbox, 'an Inbox');
  const got = await phone.downloadFolder({ collectionId: inbox });
  assert.ok(
    got.adds.some((a) => a.email.subject === 'Quarterly numbers'),
    `synced: ${got.adds.map((a) => a.email.subject).join(', ')}`,
  );
});
