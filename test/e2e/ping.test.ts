// Integration: Ping over real HTTP with the client library, against a real server (SQLite store,
// memory mail backend) configured with short heartbeats (1–10 s) so the waits stay short.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { EasClient } from '../../src/client/index.js';
import { MemoryMailBackend } from '../../src/mail/memory/index.js';
import { pushHubOf } from '../../src/push/services.js';
import type { User } from '../../src/store/types.js';
import { startTestServer } from './harness.js';
import type { TestServer } from './harness.js';

const PW = 'pw-ping-1';
const MIN = 1;
const MAX = 10;
const PUSH = { minHeartbeatSeconds: MIN, maxHeartbeatSeconds: MAX };
let server: TestServer;
let mail: MemoryMailBackend;

before(async () => {
  server = await startTestServer({ push: PUSH });
  assert.ok(server.services.mail instanceof MemoryMailBackend, 'tests deliver through the memory backend');
  mail = server.services.mail;
});
after(() => server.close());

let n = 0;
async function newUser(on: TestServer = server): Promise<User> {
  return on.addUser(`pinger${++n}`, PW, { displayName: `Pinger ${n}` });
}

async function phone(user: User, on: TestServer = server): Promise<EasClient> {
  const c = new EasClient({
    baseUrl: on.url,
    username: user.username,
    password: PW,
    deviceId: 'PING' + randomUUID().slice(0, 8).toUpperCase(),
    deviceType: 'iPhone',
    protocolVersion: '16.1',
    userAgent: 'Apple-iPhone14C2/2104.91',
  });
  assert.equal((await c.provision()).ackStatus, 1);
  return c;
}

function mime(subject: string): Buffer {
  return Buffer.from(
    [
      'From: "Bob" <bob@example.net>',
      'To: someone@example.com',
      `Subject: ${subject}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Body of ${subject}`,
      '',
    ].join('\r\n'),
  );
}

/** Resolves once the server holds `count` Pings (and Sync+Waits). */
async function held(count: number, on: TestServer = server): Promise<void> {
  const hub = pushHubOf(on.services);
  for (let i = 0; i < 200 && hub.size !== count; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(hub.size, count, `${count} held`);
}

test('Ping: hold, wake on new mail, heartbeat, supersede, cache, bounds', async () => {
  const user = await newUser();
  const c = await phone(user);

  // 1. FolderSync and a full Sync of the Inbox (two messages).
  await mail.deliver(user, mime('first'));
  await mail.deliver(user, mime('second'));
  assert.equal((await c.folderSync()).status, 1);
  const inbox = c.folderOfType(2);
  assert.ok(inbox);
  assert.equal((await c.downloadFolder({ collectionId: inbox })).adds.length, 2);
  const folders = [{ id: inbox }];

  // 2. A Ping is held: the device has everything.
  const first = c.ping({ heartbeatInterval: MAX, folders });
  await held(1);

  // 3. New mail answers it with Status 2 and the Inbox, within a second.
  const t0 = performance.now();
  await mail.deliver(user, mime('third'));
  const woke = await first;
  assert.equal(woke.status, 2);
  assert.deepEqual(woke.folders, [inbox]);
  assert.ok(performance.now() - t0 < 1000, `answered in ${Math.round(performance.now() - t0)} ms`);
  assert.equal((await c.sync([{ collectionId: inbox }])).collection(inbox)?.adds.length, 1);
  const device = await server.store.findDevice({ userId: user.id, brokerId: '', deviceId: c.opts.deviceId });
  assert.equal(device?.lastPingHeartbeat, MAX, 'LastPingHeartbeat recorded');

  // 4. Nothing changes: Status 1 when the (one-second) heartbeat ends.
  const quiet = await c.ping({ heartbeatInterval: 1, folders });
  assert.equal(quiet.status, 1);
  assert.ok(quiet.heldMs >= 900 && quiet.heldMs < 5000, `held ${Math.round(quiet.heldMs)} ms`);

  // 5. A second Ping from the device ends the first with Status 1 at once; the second is held.
  const older = c.ping({ heartbeatInterval: MAX, folders });
  await held(1);
  const t1 = performance.now();
  const newer = c.ping({ heartbeatInterval: MAX });
  const ended = await older;
  assert.equal(ended.status, 1);
  assert.ok(performance.now() - t1 < 1000, 'the older Ping answered at once');
  await held(1);

  // 6. The newer one named no folders: the cached ones (the Inbox) are watched. An empty Ping
  // (no body at all) reuses interval and folders too.
  await mail.deliver(user, mime('fourth'));
  assert.deepEqual([(await newer).status, (await newer).folders], [2, [inbox]]);
  const empty = await c.ping();
  assert.deepEqual(
    [empty.status, empty.folders],
    [2, [inbox]],
    'unsynced mail answers an empty Ping at once',
  );
  await c.sync([{ collectionId: inbox }]);
  const emptyHeld = c.ping();
  await held(1);
  await mail.deliver(user, mime('fifth'));
  assert.deepEqual((await emptyHeld).folders, [inbox]);

  // 7. Out-of-range heartbeats: Status 5 with the limit crossed.
  const low = await c.ping({ heartbeatInterval: MIN - 1, folders });
  assert.deepEqual([low.status, low.heartbeatInterval], [5, MIN]);
  const high = await c.ping({ heartbeatInterval: MAX + 1, folders });
  assert.deepEqual([high.status, high.heartbeatInterval], [5, MAX]);
  assert.equal(pushHubOf(server.services).size, 0);
});

test('Ping: nothing cached is 3, unknown folders are 7, a non-WBXML body is 101, no policy key needed', async () => {
  const user = await newUser();
  const c = await phone(user);
  assert.equal((await c.ping()).status, 3);
  assert.equal(
    (await c.ping({ heartbeatInterval: 5, folders: [{ id: '1' }] })).status,
    7,
    'before FolderSync',
  );
  await c.folderSync();
  assert.equal((await c.ping({ heartbeatInterval: 5, folders: [{ id: '4242' }] })).status, 7);
  const text = await c.request('Ping', Buffer.from('ping'), { contentType: 'text/plain', policyKey: null });
  assert.deepEqual([text.httpStatus, text.status], [200, 101]);
  // Ping is sent without X-MS-PolicyKey ([MS-ASPROV] 3.2.5.1); a stale key is not checked either.
  const inbox = c.folderOfType(2) as string;
  await c.sync([{ collectionId: inbox, syncKey: '0' }]);
  await c.sync([{ collectionId: inbox }]);
  const stale = await c.request('Ping', null, { policyKey: '12345' });
  assert.notEqual(stale.status, 142);
  assert.notEqual(stale.status, 144);
});

test('Ping from a quarantined device watches its quarantine view, which real mail does not change', async () => {
  const access = server.services.access;
  await access.setOrgSettings({ defaultAccessLevel: 'Quarantine' }, 'test');
  try {
    const user = await newUser();
    const c = await phone(user);
    const device = await server.store.findDevice({
      userId: user.id,
      brokerId: '',
      deviceId: c.opts.deviceId,
    });
    assert.equal(device?.accessState, 'Quarantined');
    assert.equal((await c.folderSync()).status, 1, 'FolderSync is served (from the view)');
    const inbox = c.folderOfType(2);
    assert.ok(inbox);
    const pinged = c.ping({ heartbeatInterval: 2, folders: [{ id: inbox }] });
    await held(1);
    await mail.deliver(user, mime('not for a quarantined device'));
    const r = await pinged;
    assert.equal(r.status, 1, 'not 129, and not woken by the real mailbox');
    assert.ok(r.heldMs >= 1500, `held ${Math.round(r.heldMs)} ms`);
  } finally {
    await access.setOrgSettings({ defaultAccessLevel: 'Allow' }, 'test');
  }
});

test('Ping on the embedded backend: mail delivered over SMTP wakes it', async () => {
  // The production path: the default backend, mail arriving on its inbound SMTP listener.
  const embedded = await startTestServer({
    push: PUSH,
    mail: { kind: 'embedded', smtpListen: { host: '127.0.0.1', port: 0 }, smarthost: null },
  });
  try {
    assert.ok(embedded.smtpPort);
    const user = await newUser(embedded);
    const c = await phone(user, embedded);
    assert.equal((await c.folderSync()).status, 1);
    const inbox = c.folderOfType(2);
    assert.ok(inbox);
    await c.downloadFolder({ collectionId: inbox });
    const pinged = c.ping({ heartbeatInterval: MAX, folders: [{ id: inbox }] });
    await held(1, embedded);
    const t0 = performance.now();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: embedded.smtpPort,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({
      from: 'bob@example.net',
      to: user.email,
      subject: 'over SMTP',
      text: 'hello',
    });
    transport.close();
    const r = await pinged;
    assert.deepEqual([r.status, r.folders], [2, [inbox]]);
    assert.ok(performance.now() - t0 < 1000);
    // Then synced with the body type the phone asks for (HTML: the text part converted).
    const added = (
      await c.sync([{ collectionId: inbox, bodyPreferences: [{ type: 2, truncationSize: 1024 }] }])
    ).collection(inbox)?.adds[0]?.email;
    assert.equal(added?.subject, 'over SMTP');
    assert.equal(added?.body?.type, 2);
    assert.match(added?.body?.data ?? '', /hello/);
  } finally {
    await embedded.close();
  }
});
