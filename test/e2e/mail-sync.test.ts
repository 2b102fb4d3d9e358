// Integration: mail sync over real HTTP with the client library, against a real server (SQLite
// store, memory mail backend). FolderSync, Sync paging, device changes, retries, client quirks
// (Gmail FolderSync 0, iOS duplicate priming, empty Sync), two accounts on one phone, long
// polls, GetItemEstimate in both shapes, hostile bodies, and quarantine -> allow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { el } from '../../src/wbxml/index.js';
import type { EasClient } from '../../src/client/index.js';
import { mime, startMailTestServer } from './harness.js';
import type { MailTestServer } from './harness.js';

const PW = 'pw-mail-1';
let server: MailTestServer;

before(async () => {
  // These tests run FolderSync themselves.
  server = await startMailTestServer({ password: PW, usernamePrefix: 'mailuser', folderSync: false });
});
after(() => server.close());

async function inboxOf(c: EasClient): Promise<string> {
  if (c.folderSyncKey === '0') assert.equal((await c.folderSync()).status, 1);
  const id = c.folderOfType(2);
  assert.ok(id, 'an Inbox');
  return id;
}

describe('mail sync over EAS', () => {
  test('FolderSync 0 lists the hierarchy with X-MS-RP; later keys send only changes', async () => {
    const user = await server.newUser();
    const c = await server.phone(user);
    const first = await c.folderSync();
    assert.equal(first.status, 1);
    assert.deepEqual(first.adds.map((f) => [f.displayName, f.type]).sort(), [
      ['Deleted Items', 4],
      ['Drafts', 3],
      ['Inbox', 2],
      ['Junk Email', 12],
      ['Outbox', 6],
      ['Sent Items', 5],
    ]);
    assert.equal(first.count, 6);
    assert.equal(first.headers['x-ms-rp'], '12.1,14.0,14.1,16.0,16.1');
    assert.match(first.headers['ms-asprotocolcommands'] ?? '', /FolderSync,Sync,GetItemEstimate/);
    for (const f of first.adds) assert.ok(f.serverId.length <= 3 && f.parentId === '0');
    // Nothing changed: same key, Count 0.
    const same = await c.folderSync();
    assert.deepEqual([same.status, same.syncKey, same.count], [1, first.syncKey, 0]);
    // A new folder under the Inbox, then a rename and a delete.
    const box = server.mail.mailbox(user);
    const projects = box.createFolder('inbox', 'Projects');
    const added = await c.folderSync();
    assert.deepEqual(
      added.adds.map((f) => [f.displayName, f.parentId, f.type]),
      [['Projects', c.folderOfType(2), 12]],
    );
    box.renameFolder(projects.id, null, 'Projects 2024');
    const renamed = await c.folderSync();
    assert.deepEqual(
      renamed.updates.map((f) => [f.serverId, f.displayName, f.parentId]),
      [[added.adds[0]?.serverId, 'Projects 2024', '0']],
    );
    box.deleteFolder(projects.id);
    assert.deepEqual((await c.folderSync()).deletes, [added.adds[0]?.serverId]);
    // A stale key: status 9, back to 0.
    assert.equal((await c.folderSync({ syncKey: '{00000000}5' })).status, 9);
    assert.equal(c.folderSyncKey, '0');
  });

  test('initial download pages with WindowSize and returns every message exactly once', async () => {
    const user = await server.newUser();
    for (let i = 0; i < 37; i++)
      await server.mail.deliver(user, mime(`msg ${i}`), {
        receivedAt: new Date(Date.now() - (40 - i) * 60_000),
      });
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    const primed = await c.sync([{ collectionId: inbox, syncKey: '0' }]);
    assert.equal(primed.collection(inbox)?.status, 1);
    assert.deepEqual(primed.collection(inbox)?.adds, [], 'priming sends no items');
    const d = await c.downloadFolder({
      collectionId: inbox,
      windowSize: 10,
      bodyPreferences: [{ type: 2, truncationSize: 500 }],
    });
    assert.equal(d.pages, 4);
    const subjects = d.adds.map((a) => a.email.subject);
    assert.equal(subjects.length, 37);
    assert.equal(new Set(subjects).size, 37);
    assert.equal(new Set(d.adds.map((a) => a.serverId)).size, 37);
    assert.equal(subjects[0], 'msg 36', 'newest first');
    const item = d.adds[0]?.email;
    assert.equal(item?.body?.type, 2);
    assert.equal(item?.from, '"Bob" <bob@example.net>');
    assert.equal(item?.read, false);
    assert.equal(item?.messageClass, 'IPM.Note');
    // Caught up: the next Sync is an empty response.
    assert.equal((await c.sync([{ collectionId: inbox }])).empty, true);
  });

  test('read, flag and delete from the device land in the mailbox; new mail is an Add next time', async () => {
    const user = await server.newUser();
    const [a, b, x] = [
      await server.mail.deliver(user, mime('a')),
      await server.mail.deliver(user, mime('b')),
      await server.mail.deliver(user, mime('c')),
    ];
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    const d = await c.downloadFolder({ collectionId: inbox });
    const bySubject = new Map(d.adds.map((i) => [i.email.subject, i.serverId]));
    const res = await c.sync([
      {
        collectionId: inbox,
        changes: [
          { serverId: bySubject.get('a') ?? '', read: true },
          { serverId: bySubject.get('b') ?? '', flagged: true },
        ],
        deletes: [bySubject.get('c') ?? ''],
      },
    ]);
    const col = res.collection(inbox);
    assert.equal(col?.status, 1);
    assert.deepEqual([col?.adds, col?.changes, col?.deletes], [[], [], []], 'nothing echoed back');
    const box = server.mail.mailbox(user);
    const flags = new Map(box.listMessages('inbox', null).entries.map((e) => [e.id, e.flags]));
    assert.equal(flags.get(a)?.read, true);
    assert.equal(flags.get(b)?.flagged, true);
    assert.equal(flags.has(x), false);
    assert.equal(
      box.listMessages('deleted', null).entries.length,
      1,
      'DeletesAsMoves: moved to Deleted Items',
    );
    // New mail and a flag change made elsewhere.
    await server.mail.deliver(user, mime('new one'));
    box.setFlags('inbox', [a], { read: false });
    const next = (await c.sync([{ collectionId: inbox }])).collection(inbox);
    assert.deepEqual(
      next?.adds.map((i) => i.email.subject),
      ['new one'],
    );
    assert.deepEqual(
      next?.changes.map((i) => [i.serverId, i.email.read]),
      [[bySubject.get('a'), false]],
    );
  });

  test('a retry with the previous sync key answers again and applies nothing twice', async () => {
    const user = await server.newUser();
    await server.mail.deliver(user, mime('keep'));
    await server.mail.deliver(user, mime('delete me'));
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    const d = await c.downloadFolder({ collectionId: inbox });
    const oldKey = c.syncKeys.get(inbox) ?? '';
    const victim = d.adds.find((i) => i.email.subject === 'delete me')?.serverId ?? '';
    const req = { collectionId: inbox, syncKey: oldKey, deletes: [victim] };
    const lost = await c.sync([req]);
    assert.equal(lost.collection(inbox)?.status, 1);
    // The phone never saw that answer: same request, same key.
    const again = await c.sync([req]);
    assert.equal(again.collection(inbox)?.status, 1);
    assert.deepEqual(again.collection(inbox)?.adds, []);
    assert.equal(server.mail.mailbox(user).listMessages('deleted', null).entries.length, 1, 'moved once');
    assert.equal(server.mail.mailbox(user).listMessages('inbox', null).entries.length, 1);
    // The key of the lost answer is dead; the retry's key works.
    const dead = await c.sync([{ collectionId: inbox, syncKey: lost.collection(inbox)?.syncKey ?? '' }]);
    assert.equal(dead.collection(inbox)?.status, 3);
    c.syncKeys.set(inbox, again.collection(inbox)?.syncKey ?? '');
    assert.equal((await c.sync([{ collectionId: inbox }])).empty, true);
  });

  test('Gmail-style FolderSync 0 on a synced device keeps ServerIds and downloads nothing again', async () => {
    const user = await server.newUser();
    for (let i = 0; i < 5; i++) await server.mail.deliver(user, mime(`g${i}`));
    const c = await server.phone(user, { deviceType: 'Android', userAgent: 'Android-Mail/2024.01' });
    const first = await c.folderSync();
    const inbox = c.folderOfType(2) ?? '';
    assert.equal((await c.downloadFolder({ collectionId: inbox })).adds.length, 5);
    const refresh = await c.folderSync({ syncKey: '0' });
    assert.equal(refresh.status, 1);
    assert.deepEqual(
      refresh.adds.map((f) => [f.serverId, f.displayName]).sort(),
      first.adds.map((f) => [f.serverId, f.displayName]).sort(),
    );
    const after = await c.sync([{ collectionId: inbox }]);
    assert.equal(after.empty, true, 'the Inbox key still works and nothing is sent again');
  });

  test('iOS-style duplicate initial Sync of a folder does not invalidate the first key', async () => {
    const user = await server.newUser();
    await server.mail.deliver(user, mime('only'));
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    const one = (await c.sync([{ collectionId: inbox, syncKey: '0' }])).collection(inbox);
    const two = (await c.sync([{ collectionId: inbox, syncKey: '0' }])).collection(inbox);
    assert.equal(two?.syncKey, one?.syncKey);
    const got = (await c.sync([{ collectionId: inbox, syncKey: one?.syncKey ?? '' }])).collection(inbox);
    assert.deepEqual(
      got?.adds.map((a) => a.email.subject),
      ['only'],
    );
  });

  test('an empty Sync replays the cached request; without one it is status 13', async () => {
    const user = await server.newUser();
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    assert.equal((await c.sync([])).status, 13, 'nothing cached yet');
    await c.downloadFolder({ collectionId: inbox, bodyPreferences: [{ type: 1, truncationSize: 20 }] });
    await server.mail.deliver(user, mime('while idle', 'x'.repeat(100)));
    const replay = await c.sync([]);
    const col = replay.collection(inbox);
    assert.deepEqual(
      col?.adds.map((a) => a.email.subject),
      ['while idle'],
    );
    assert.equal(col?.adds[0]?.email.body?.truncated, true, 'the cached options apply');
    assert.equal((await c.sync([])).empty, true);
    // Partial: only the Inbox given, with no Options; the cache fills the rest in.
    await server.mail.deliver(user, mime('partial', 'y'.repeat(100)));
    const partial = await c.sync([{ collectionId: inbox, omitOptions: true }], { partial: true });
    assert.equal(partial.collection(inbox)?.adds[0]?.email.body?.truncated, true);
  });

  test('two accounts on one phone: same DeviceId, separate hierarchies, keys and mail', async () => {
    const ana = await server.newUser();
    const ben = await server.newUser();
    await server.mail.deliver(ana, mime('for ana'));
    await server.mail.deliver(ben, mime('for ben'));
    const deviceId = 'SHAREDPHONE0001';
    const a = await server.phone(ana, { deviceId });
    const b = await server.phone(ben, { deviceId });
    const ia = await inboxOf(a);
    const ib = await inboxOf(b);
    assert.equal(ia, ib, 'the same short ids, in separate states');
    assert.deepEqual(
      (await a.downloadFolder({ collectionId: ia })).adds.map((x) => x.email.subject),
      ['for ana'],
    );
    assert.deepEqual(
      (await b.downloadFolder({ collectionId: ib })).adds.map((x) => x.email.subject),
      ['for ben'],
    );
    await server.mail.deliver(ana, mime('ana again'));
    assert.equal((await b.sync([{ collectionId: ib }])).empty, true);
    assert.deepEqual(
      (await a.sync([{ collectionId: ia }])).collection(ia)?.adds.map((x) => x.email.subject),
      ['ana again'],
    );
  });

  test('a held Sync (Wait) answers as soon as mail arrives; bad intervals are status 14 with Limit', async () => {
    const user = await server.newUser();
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    await c.downloadFolder({ collectionId: inbox });
    const started = Date.now();
    setTimeout(() => void server.mail.deliver(user, mime('pushed')), 300);
    const held = await c.sync([{ collectionId: inbox }], { wait: 1 });
    assert.ok(Date.now() - started < 5000, 'answered at once, not after a minute');
    assert.deepEqual(
      held.collection(inbox)?.adds.map((a) => a.email.subject),
      ['pushed'],
    );
    const low = await c.sync([{ collectionId: inbox }], { heartbeatInterval: 10 });
    assert.deepEqual([low.status, low.limit], [14, 60]);
    const high = await c.sync([{ collectionId: inbox }], { wait: 90 });
    assert.deepEqual([high.status, high.limit], [14, 59]);
  });

  test('GetItemEstimate: 14.x and 12.1 request shapes, not primed, unknown collection', async () => {
    const user = await server.newUser();
    for (let i = 0; i < 4; i++) await server.mail.deliver(user, mime(`e${i}`));
    for (const protocolVersion of ['16.1', '12.1'] as const) {
      const c = await server.phone(user, { protocolVersion });
      const inbox = await inboxOf(c);
      const before = await c.getItemEstimate([
        { collectionId: inbox },
        { collectionId: '999', syncKey: '0' },
      ]);
      assert.deepEqual(
        before.results.map((r) => r.status),
        [3, 2],
      );
      await c.sync([{ collectionId: inbox, syncKey: '0' }]);
      const est = await c.getItemEstimate([{ collectionId: inbox, filterType: 0 }]);
      assert.deepEqual(est.results, [{ collectionId: inbox, status: 1, estimate: 4 }], protocolVersion);
      const bad = await c.getItemEstimate([{ collectionId: inbox, syncKey: '{12345678}9' }]);
      assert.equal(bad.results[0]?.status, 4);
    }
  });

  test('12.1: MIME through MIMESupport, attachments with FileReferences', async () => {
    const user = await server.newUser();
    const withAttachment = Buffer.from(
      [
        'From: a@example.net',
        'To: b@example.net',
        'Subject: with file',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see file',
        '--b',
        'Content-Type: application/pdf; name="x.pdf"',
        'Content-Disposition: attachment; filename="x.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0xLjQK',
        '--b--',
        '',
      ].join('\r\n'),
    );
    await server.mail.deliver(user, withAttachment);
    const c = await server.phone(user, { protocolVersion: '12.1' });
    const inbox = await inboxOf(c);
    const d = await c.downloadFolder({ collectionId: inbox, mimeSupport: 2, bodyPreferences: [{ type: 4 }] });
    const email = d.adds[0]?.email;
    assert.equal(email?.body?.type, 4);
    assert.match(email?.body?.data ?? '', /^From: a@example.net/);
    assert.deepEqual(
      email?.attachments.map((a) => [a.displayName, a.fileReference, a.estimatedDataSize]),
      [['x.pdf', `${d.adds[0]?.serverId}:2`, 9]],
    );
  });

  test('hostile or malformed Sync bodies are answered with status 4, never a crash', async () => {
    const user = await server.newUser();
    const c = await server.phone(user);
    const inbox = await inboxOf(c);
    const s = (tag: string, ...ch: Parameters<typeof el>[2][]) => el('AirSync', tag, ...ch);
    const bodies = [
      el('Settings', 'Settings'),
      s('Sync'),
      s('Sync', s('Collections', s('Collection', s('CollectionId', inbox)))),
      s(
        'Sync',
        s('Collections', s('Collection', s('SyncKey', '0'), s('CollectionId', inbox), s('WindowSize', '-1'))),
      ),
      s(
        'Sync',
        s('Collections', s('Collection', s('SyncKey', '0'), s('CollectionId', inbox))),
        s('Wait', 1),
        s('HeartbeatInterval', 100),
      ),
      s('Sync', s('Collections', s('Collection', s('SyncKey', '0'), s('CollectionId', 'x'.repeat(100))))),
    ];
    for (const b of bodies) {
      const r = await c.request('Sync', b);
      assert.equal(r.httpStatus, 200);
      assert.equal(r.status, 4, JSON.stringify(b).slice(0, 100));
    }
    const text = await c.request('Sync', Buffer.from('not wbxml'), { contentType: 'text/plain' });
    assert.equal(text.status, 4);
    // Still working afterwards.
    assert.equal((await c.sync([{ collectionId: inbox, syncKey: '0' }])).collection(inbox)?.status, 1);
  });

  test('a quarantined device sees only the notice; once allowed it resyncs and sees the real mail', async () => {
    const access = server.services.access;
    await access.setOrgSettings(
      { defaultAccessLevel: 'Quarantine', userMailInsert: 'Ask the help desk.' },
      'test',
    );
    try {
      const user = await server.newUser();
      await server.mail.deliver(user, mime('real mail'));
      const c = await server.phone(user);
      const dev = await server.store.findDevice({ userId: user.id, brokerId: '', deviceId: c.opts.deviceId });
      assert.equal(dev?.accessState, 'Quarantined');
      const inbox = await inboxOf(c);
      const d = await c.downloadFolder({ collectionId: inbox, bodyPreferences: [{ type: 1 }] });
      assert.deepEqual(
        d.adds.map((a) => a.email.subject),
        ['Your device is quarantined'],
      );
      assert.match(d.adds[0]?.email.body?.data ?? '', /Ask the help desk\./);
      // Marking it read is accepted and changes nothing.
      const mark = await c.sync([
        { collectionId: inbox, changes: [{ serverId: d.adds[0]?.serverId ?? '', read: true }] },
      ]);
      assert.equal(mark.collection(inbox)?.status, 1);
      assert.deepEqual(mark.collection(inbox)?.responses.changes, []);
      // The admin allows the device: its sync states are dropped.
      await access.allowDevice(dev?.id ?? '', 'admin:test');
      assert.deepEqual(await server.store.listSyncCollections(dev?.id ?? ''), []);
      assert.equal(
        (await c.sync([{ collectionId: inbox }])).collection(inbox)?.status,
        12,
        'FolderSync first',
      );
      assert.equal((await c.folderSync()).status, 9, 'the old hierarchy key is gone');
      const realInbox = await inboxOf(c);
      const real = await c.downloadFolder({ collectionId: realInbox });
      assert.deepEqual(
        real.adds.map((a) => a.email.subject),
        ['real mail'],
      );
    } finally {
      await access.setOrgSettings({ defaultAccessLevel: 'Allow', userMailInsert: '' }, 'test');
    }
  });
});
