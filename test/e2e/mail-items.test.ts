// Integration: the item commands over real HTTP with the client library, against a real server
// (SQLite store, memory mail backend): SendMail (14.1 WBXML and 12.1 raw) with Sent copies and
// ClientId resend detection, SmartReply / SmartForward with the original quoted or attached,
// ItemOperations (a body, a 25 MB attachment as multipart checked by hash, ranges, the inline cap,
// EmptyFolderContents), MoveItems followed by a Sync of both folders, FolderCreate / FolderUpdate
// / FolderDelete round trips seen through FolderSync, and a quarantined device refused everywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { el } from '../../src/wbxml/index.js';
import type { EasClient } from '../../src/client/index.js';
import { MailItemsClient } from '../../src/client/index.js';
import type { User } from '../../src/store/types.js';
import { startMailTestServer, textMessage } from './harness.js';
import type { MailTestServer } from './harness.js';

const PW = 'pw-items-1';
let server: MailTestServer;

before(async () => {
  server = await startMailTestServer({
    password: PW,
    usernamePrefix: 'itemuser',
    displayNamePrefix: 'Item User',
  });
});
after(() => server.close());

function crlf(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function withAttachment(o: {
  to: string;
  subject: string;
  body: string;
  file: Buffer;
  name: string;
}): Buffer {
  const b64 = (o.file.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return crlf([
    'From: "Carol" <carol@example.net>',
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    'Date: Wed, 03 Jan 2024 09:00:00 +0000',
    'Message-ID: <att-original@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body,
    '--b1',
    `Content-Type: application/octet-stream; name="${o.name}"`,
    `Content-Disposition: attachment; filename="${o.name}"`,
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    '--b1--',
    '',
  ]);
}

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

const folder = (c: EasClient, type: number) => {
  const id = c.folderOfType(type);
  assert.ok(id, `folder of type ${type}`);
  return id;
};

function messages(user: User, folderId: string) {
  const box = server.mail.mailbox(user);
  return box.find(
    folderId,
    box.listMessages(folderId, null).entries.map((e) => e.id),
  );
}

describe('SendMail', () => {
  test('14.1 WBXML: delivered to a local user and outbound, From set by the server, copy in Sent', async () => {
    const alice = await server.newUser();
    const bob = await server.newUser();
    const c = await server.phone(alice, { protocolVersion: '14.1' });
    const items = new MailItemsClient(c);
    const res = await items.sendMail({
      clientId: 'SM-1',
      saveInSent: true,
      mime: textMessage({
        from: '"Mallory" <ceo@evil.example>',
        to: `${bob.email}, partner@outside.example`,
        subject: 'Lunch',
        body: 'Shall we?',
      }),
    });
    assert.deepEqual([res.httpStatus, res.sent, res.status], [200, true, null]);
    const [got] = messages(bob, 'inbox');
    assert.ok(got, 'bob got it');
    const parsed = await simpleParser(got.mime);
    assert.equal(parsed.subject, 'Lunch');
    assert.equal(parsed.from?.value[0]?.address, alice.email);
    assert.equal(parsed.from?.value[0]?.name, alice.displayName);
    assert.doesNotMatch(got.mime.toString(), /evil\.example/);
    assert.equal(parsed.text?.trim(), 'Shall we?');
    assert.ok(server.mail.outbound.some((m) => m.recipients.includes('partner@outside.example')));
    const sent = messages(alice, 'sent');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.meta.subject, 'Lunch');
  });

  test('the same ClientId twice: 118 MessagePreviouslySent, delivered once', async () => {
    const alice = await server.newUser();
    const bob = await server.newUser();
    const items = new MailItemsClient(await server.phone(alice, { protocolVersion: '16.1' }));
    const mime = textMessage({ to: bob.email, subject: 'Once', body: 'only once' });
    assert.equal((await items.sendMail({ clientId: 'DUP-1', mime })).sent, true);
    const again = await items.sendMail({ clientId: 'DUP-1', mime });
    assert.deepEqual([again.httpStatus, again.status], [200, 118]);
    // Concurrent resends (a phone retrying after a timeout) also send once.
    const both = await Promise.all([
      items.sendMail({ clientId: 'DUP-2', mime }),
      items.sendMail({ clientId: 'DUP-2', mime }),
    ]);
    assert.deepEqual(both.map((r) => r.status ?? 0).sort(), [0, 118]);
    assert.equal(messages(bob, 'inbox').length, 2);
  });

  test('12.1 raw message/rfc822 with SaveInSent=T; without it nothing in Sent', async () => {
    const alice = await server.newUser();
    const bob = await server.newUser();
    const items = new MailItemsClient(await server.phone(alice, { protocolVersion: '12.1' }));
    const saved = await items.sendMail({
      saveInSent: true,
      mime: textMessage({ to: bob.email, subject: 'Legacy saved', body: 'from 12.1' }),
    });
    assert.deepEqual([saved.httpStatus, saved.sent], [200, true]);
    const unsaved = await items.sendMail({
      mime: textMessage({ to: bob.email, subject: 'Legacy', body: 'x' }),
    });
    assert.equal(unsaved.sent, true);
    assert.deepEqual(
      messages(bob, 'inbox')
        .map((m) => m.meta.subject)
        .sort(),
      ['Legacy', 'Legacy saved'],
    );
    assert.deepEqual(
      messages(alice, 'sent').map((m) => m.meta.subject),
      ['Legacy saved'],
    );
  });

  test('hostile and wrong bodies: protocol statuses, never a crash', async () => {
    const alice = await server.newUser();
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const items = new MailItemsClient(c);
    // Not a message at all: 107 InvalidMIME.
    assert.equal((await items.sendMail({ mime: Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 10, 0]) })).status, 107);
    // No recipient: 119.
    assert.equal((await items.sendMail({ mime: crlf(['Subject: nobody', '', 'text']) })).status, 119);
    // A recipient that is no address: 116.
    assert.equal(
      (await items.sendMail({ mime: crlf(['To: not-an-address', 'Subject: x', '', 'y']) })).status,
      116,
    );
    // WBXML of another command, and ComposeMail without Mime: 103.
    assert.equal((await c.request('SendMail', el('Settings', 'Settings'))).status, 103);
    const noMime = el('ComposeMail', 'SendMail', el('ComposeMail', 'ClientId', 'X1'));
    assert.equal((await c.request('SendMail', noMime)).status, 103);
    // A text/plain body: 101 InvalidContent.
    assert.equal(
      (await c.request('SendMail', Buffer.from('hello'), { contentType: 'text/plain' })).status,
      101,
    );
    // 12.1: the same failures as HTTP codes; WBXML from a 12.1 client is 101 -> 400.
    const legacy = new MailItemsClient(await server.phone(alice, { protocolVersion: '12.1' }));
    assert.equal((await legacy.sendMail({ mime: Buffer.from([0, 1, 2, 10, 10]) })).httpStatus, 400);
    // 119 and 116 have no ≤12.1 code in the spec: 400, the message must change before a resend.
    const noRecipient = await legacy.sendMail({ mime: crlf(['Subject: nobody', '', 'text']) });
    assert.deepEqual([noRecipient.httpStatus, noRecipient.sent], [400, false]);
    const unresolved = await legacy.sendMail({ mime: crlf(['To: not-an-address', 'Subject: x', '', 'y']) });
    assert.deepEqual([unresolved.httpStatus, unresolved.sent], [400, false]);
    const wbxml = await legacy.client.request(
      'SendMail',
      el(
        'ComposeMail',
        'SendMail',
        el('ComposeMail', 'ClientId', 'Y'),
        el('ComposeMail', 'Mime', 'To: a@b\r\n\r\nx'),
      ),
    );
    assert.equal(wbxml.httpStatus, 400);
  });
});

describe('SmartReply and SmartForward', () => {
  test('SmartReply quotes the original, threads it, marks it answered', async () => {
    const alice = await server.newUser();
    const bob = await server.newUser();
    await server.mail.deliver(
      alice,
      textMessage({
        from: `"Bob" <${bob.email}>`,
        to: alice.email,
        subject: 'Question',
        body: 'Are you coming?\r\nPlease say.',
        messageId: '<q-1@example.net>',
      }),
    );
    const c = await server.phone(alice, { protocolVersion: '14.1' });
    const inbox = folder(c, 2);
    const { adds } = await c.downloadFolder({ collectionId: inbox });
    const item = adds[0]?.serverId;
    assert.ok(item);
    const items = new MailItemsClient(c);
    const res = await items.smartReply({
      itemId: item,
      folderId: inbox,
      saveInSent: true,
      mime: textMessage({ to: bob.email, subject: 'Re: Question', body: 'Yes, see you there.' }),
    });
    assert.equal(res.sent, true, `status ${res.status}`);
    const [reply] = messages(bob, 'inbox');
    assert.ok(reply);
    const parsed = await simpleParser(reply.mime);
    assert.equal(parsed.subject, 'Re: Question');
    assert.equal(parsed.from?.value[0]?.address, alice.email);
    assert.equal(parsed.inReplyTo, '<q-1@example.net>');
    assert.match(parsed.text ?? '', /^Yes, see you there\./);
    assert.match(parsed.text ?? '', /wrote:\r?\n> Are you coming\?\r?\n> Please say\./);
    const [orig] = messages(alice, 'inbox');
    assert.equal(orig?.flags.answered, true);
    assert.equal(messages(alice, 'sent').length, 1);
    // The original's ServerId is unknown: 150 ItemNotFound.
    const missing = await items.smartReply({
      itemId: `${inbox}:999`,
      folderId: inbox,
      mime: textMessage({ to: bob.email, subject: 'x', body: 'y' }),
    });
    assert.equal(missing.status, 150);
  });

  test('SmartForward carries the original and its attachment; ReplaceMime sends only the device message', async () => {
    const alice = await server.newUser();
    const dave = await server.newUser();
    const file = randomBytes(40_000);
    await server.mail.deliver(
      alice,
      withAttachment({ to: alice.email, subject: 'Report', body: 'The report.', file, name: 'report.bin' }),
    );
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const inbox = folder(c, 2);
    const item = (await c.downloadFolder({ collectionId: inbox })).adds[0]?.serverId;
    assert.ok(item);
    const items = new MailItemsClient(c);
    const fwd = await items.smartForward({
      itemId: item,
      folderId: inbox,
      mime: textMessage({ to: dave.email, subject: 'Fw: Report', body: 'FYI' }),
    });
    assert.equal(fwd.sent, true, `status ${fwd.status}`);
    const [got] = messages(dave, 'inbox');
    assert.ok(got);
    const parsed = await simpleParser(got.mime);
    assert.equal(parsed.subject, 'Fw: Report');
    assert.match(parsed.text ?? '', /^FYI/);
    assert.match(parsed.text ?? '', /-----Original Message-----[\s\S]*Subject: Report[\s\S]*The report\./);
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]?.filename, 'report.bin');
    assert.equal(sha256(parsed.attachments[0]?.content as Buffer), sha256(file));
    assert.equal(messages(alice, 'inbox')[0]?.flags.forwarded, true);

    const replaced = await items.smartForward({
      itemId: item,
      folderId: inbox,
      replaceMime: true,
      mime: textMessage({ to: dave.email, subject: 'Edited', body: 'my own version' }),
    });
    assert.equal(replaced.sent, true);
    const edited = messages(dave, 'inbox').find((m) => m.meta.subject === 'Edited');
    assert.ok(edited);
    assert.equal(edited.meta.attachments.length, 0);
    assert.doesNotMatch(edited.mime.toString(), /Original Message/);
  });

  test('12.1 SmartReply with ItemId/CollectionId in the query', async () => {
    const alice = await server.newUser();
    const bob = await server.newUser();
    await server.mail.deliver(
      alice,
      textMessage({ from: bob.email, to: alice.email, subject: 'Old style', body: 'original text' }),
    );
    const c = await server.phone(alice, { protocolVersion: '12.1' });
    const inbox = folder(c, 2);
    const item = (await c.downloadFolder({ collectionId: inbox })).adds[0]?.serverId;
    assert.ok(item);
    const res = await new MailItemsClient(c).smartReply({
      itemId: item,
      folderId: inbox,
      mime: textMessage({ to: bob.email, subject: 'Re: Old style', body: 'answer' }),
    });
    assert.deepEqual([res.httpStatus, res.sent], [200, true]);
    const parsed = await simpleParser(messages(bob, 'inbox')[0]?.mime as Buffer);
    assert.match(parsed.text ?? '', /> original text/);
  });
});

describe('ItemOperations', () => {
  test('Fetch of a message: body inline, MIME as a multipart part', async () => {
    const alice = await server.newUser();
    const original = textMessage({ to: alice.email, subject: 'Fetch me', body: 'The whole body.' });
    await server.mail.deliver(alice, original);
    const c = await server.phone(alice, { protocolVersion: '14.1' });
    const inbox = folder(c, 2);
    const item = (
      await c.downloadFolder({ collectionId: inbox, bodyPreferences: [{ type: 1, truncationSize: 5 }] })
    ).adds[0];
    assert.ok(item);
    assert.equal(item.email.body?.truncated, true);
    const items = new MailItemsClient(c);
    const plain = await items.fetchItem(inbox, item.serverId, { bodyPreferences: [{ type: 1 }] });
    assert.equal(plain.status, 1);
    assert.equal(plain.fetch?.status, 1);
    assert.equal(plain.fetch?.serverId, item.serverId);
    assert.equal(plain.fetch?.email?.subject, 'Fetch me');
    assert.equal(plain.fetch?.email?.body?.data?.trim(), 'The whole body.');
    assert.equal(plain.fetch?.email?.body?.truncated, false);

    const mime = await items.fetchItem(inbox, item.serverId, {
      bodyPreferences: [{ type: 4 }],
      mimeSupport: 2,
      multipart: true,
    });
    assert.equal(mime.multipart, true);
    assert.equal(mime.fetch?.email?.body?.type, 4);
    assert.equal(mime.fetch?.part, 1);
    assert.equal(sha256(mime.fetch?.data as Buffer), sha256(original));

    const gone = await items.fetchItem(inbox, `${inbox}:4242`);
    assert.equal(gone.fetch?.status, 6);
  });

  test('a 25 MB attachment by FileReference: multipart stream, same bytes; inline refused (11); ranges', async () => {
    const alice = await server.newUser();
    const file = randomBytes(25 * 1024 * 1024);
    await server.mail.deliver(
      alice,
      withAttachment({ to: alice.email, subject: 'Big', body: 'see attachment', file, name: 'big.bin' }),
    );
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const inbox = folder(c, 2);
    const item = (await c.downloadFolder({ collectionId: inbox })).adds[0];
    const att = item?.email.attachments[0];
    assert.ok(att, 'the attachment is listed');
    assert.equal(att.estimatedDataSize, file.length);
    const items = new MailItemsClient(c);

    const multi = await items.fetchAttachment(att.fileReference, { multipart: true });
    assert.equal(multi.httpStatus, 200);
    assert.equal(multi.multipart, true);
    assert.equal(multi.fetch?.status, 1);
    assert.equal(multi.fetch?.contentType, 'application/octet-stream');
    assert.equal(multi.fetch?.part, 1);
    assert.equal(multi.parts.length, 1);
    assert.equal(multi.fetch?.data?.length, file.length);
    assert.equal(sha256(multi.fetch?.data as Buffer), sha256(file));

    const inline = await items.fetchAttachment(att.fileReference);
    assert.equal(inline.multipart, false);
    assert.equal(inline.fetch?.status, 11, 'too large inline');

    const ranged = await items.fetchAttachment(att.fileReference, { range: '1000-1999' });
    assert.equal(ranged.fetch?.status, 1);
    assert.equal(ranged.fetch?.range, '1000-1999');
    assert.equal(ranged.fetch?.total, file.length);
    assert.deepEqual(ranged.fetch?.data, file.subarray(1000, 2000));
    const outside = await items.fetchAttachment(att.fileReference, {
      range: `${file.length + 10}-${file.length + 20}`,
    });
    assert.equal(outside.fetch?.status, 8);
    assert.equal((await items.fetchAttachment('nonsense')).fetch?.status, 15);
    assert.equal((await items.fetchAttachment(`${inbox}:77:2`)).fetch?.status, 15);
  });

  test('a small attachment inline, and two fetches in one multipart response', async () => {
    const alice = await server.newUser();
    const a = randomBytes(3000);
    const b = randomBytes(5000);
    await server.mail.deliver(
      alice,
      withAttachment({ to: alice.email, subject: 'A', body: 'a', file: a, name: 'a.bin' }),
    );
    await server.mail.deliver(
      alice,
      withAttachment({ to: alice.email, subject: 'B', body: 'b', file: b, name: 'b.bin' }),
    );
    const c = await server.phone(alice, { protocolVersion: '14.0' });
    const inbox = folder(c, 2);
    const adds = (await c.downloadFolder({ collectionId: inbox })).adds;
    const ref = (s: string) =>
      adds.find((x) => x.email.subject === s)?.email.attachments[0]?.fileReference ?? '';
    const items = new MailItemsClient(c);
    const inline = await items.fetchAttachment(ref('A'));
    assert.deepEqual(inline.fetch?.data, a);
    const io = (r: string) =>
      el(
        'ItemOperations',
        'Fetch',
        el('ItemOperations', 'Store', 'Mailbox'),
        el('AirSyncBase', 'FileReference', r),
      );
    const both = await items.itemOperations([io(ref('A')), io(ref('B'))], { multipart: true });
    assert.deepEqual(
      both.fetches.map((f) => f.part),
      [1, 2],
    );
    assert.deepEqual(both.fetches[0]?.data, a);
    assert.deepEqual(both.fetches[1]?.data, b);
  });

  test('base64 query form: AcceptMultiPart travels as Options 0x02, SaveInSent as 0x01', async () => {
    const alice = await server.newUser();
    const bob = await server.newUser();
    const file = randomBytes(2048);
    await server.mail.deliver(
      alice,
      withAttachment({ to: alice.email, subject: 'B64', body: 'b', file, name: 'f.bin' }),
    );
    const c = await server.phone(alice, { protocolVersion: '14.1', queryForm: 'base64' });
    const inbox = folder(c, 2);
    const ref = (await c.downloadFolder({ collectionId: inbox })).adds[0]?.email.attachments[0]
      ?.fileReference;
    assert.ok(ref);
    const items = new MailItemsClient(c);
    const got = await items.fetchAttachment(ref, { multipart: true });
    assert.equal(got.multipart, true);
    assert.deepEqual(got.fetch?.data, file);
    const legacy = new MailItemsClient(
      await server.phone(alice, { protocolVersion: '12.1', queryForm: 'base64' }),
    );
    const sent = await legacy.sendMail({
      saveInSent: true,
      mime: textMessage({ to: bob.email, subject: 'b64 sent', body: 'x' }),
    });
    assert.equal(sent.sent, true);
    assert.deepEqual(
      messages(alice, 'sent').map((m) => m.meta.subject),
      ['b64 sent'],
    );
  });

  test('EmptyFolderContents empties Deleted Items; the next Sync deletes on the device', async () => {
    const alice = await server.newUser();
    const box = server.mail.mailbox(alice);
    for (let i = 0; i < 3; i++)
      await box.append('deleted', textMessage({ to: alice.email, subject: `old ${i}`, body: 'x' }));
    const sub = box.createFolder('deleted', 'Sub');
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const deleted = folder(c, 4);
    const d = await c.downloadFolder({ collectionId: deleted });
    assert.equal(d.adds.length, 3);
    const items = new MailItemsClient(c);
    const res = await items.emptyFolderContents(deleted, { deleteSubFolders: true });
    assert.deepEqual(res.emptied, [{ status: 1, collectionId: deleted }]);
    assert.equal(box.listMessages('deleted', null).entries.length, 0);
    assert.equal(
      box.listFolders().some((f) => f.id === sub.id),
      false,
    );
    const after = await c.sync([{ collectionId: deleted }]);
    assert.deepEqual(after.collection(deleted)?.deletes.sort(), d.adds.map((a) => a.serverId).sort());
    assert.equal((await c.folderSync()).deletes.length, 1, 'the subfolder');
    assert.equal((await items.emptyFolderContents('9999')).emptied[0]?.status, 6);
  });

  test('malformed requests: global 2; unsupported stores 9', async () => {
    const alice = await server.newUser();
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const items = new MailItemsClient(c);
    assert.equal((await c.request('ItemOperations', el('ItemOperations', 'ItemOperations'))).status, 2);
    assert.equal((await c.request('ItemOperations', el('Settings', 'Settings'))).status, 2);
    const doclib = await items.itemOperations([
      el(
        'ItemOperations',
        'Fetch',
        el('ItemOperations', 'Store', 'Document Library'),
        el('DocumentLibrary', 'LinkId', '\\\\server\\share\\x'),
      ),
    ]);
    assert.equal(doclib.fetches[0]?.status, 9);
    const twoRefs = await items.itemOperations([
      el(
        'ItemOperations',
        'Fetch',
        el('AirSyncBase', 'FileReference', 'a:1:2'),
        el('AirSyncBase', 'FileReference', 'a:1:3'),
      ),
    ]);
    assert.equal(twoRefs.fetches[0]?.status, 2);
  });
});

describe('MoveItems', () => {
  test('a move answers 3 with DstMsgId; a Sync of both folders shows one Delete and one Add under that id', async () => {
    const alice = await server.newUser();
    const box = server.mail.mailbox(alice);
    const archive = box.createFolder(null, 'Archive 2024');
    await server.mail.deliver(alice, textMessage({ to: alice.email, subject: 'Keep me', body: 'k' }));
    await server.mail.deliver(alice, textMessage({ to: alice.email, subject: 'Stay', body: 's' }));
    const c = await server.phone(alice, { protocolVersion: '14.1' });
    const inbox = folder(c, 2);
    const dst = [...c.folders.values()].find((f) => f.displayName === 'Archive 2024')?.serverId;
    assert.ok(dst);
    const inboxItems = (await c.downloadFolder({ collectionId: inbox })).adds;
    assert.equal((await c.downloadFolder({ collectionId: dst })).adds.length, 0);
    const moving = inboxItems.find((a) => a.email.subject === 'Keep me')?.serverId;
    assert.ok(moving);
    const items = new MailItemsClient(c);
    const res = await items.moveItems([{ srcMsgId: moving, srcFldId: inbox, dstFldId: dst }]);
    assert.equal(res.httpStatus, 200);
    const [r] = res.responses;
    assert.equal(r?.status, 3);
    assert.equal(r?.srcMsgId, moving);
    assert.ok(r?.dstMsgId?.startsWith(`${dst}:`));
    assert.equal(box.listMessages(archive.id, null).entries.length, 1);

    const src = (await c.sync([{ collectionId: inbox }])).collection(inbox);
    assert.deepEqual(src?.deletes, [moving]);
    assert.equal(src?.adds.length, 0);
    const dest = (await c.sync([{ collectionId: dst }])).collection(dst);
    assert.deepEqual(
      dest?.adds.map((a) => [a.serverId, a.email.subject]),
      [[r?.dstMsgId, 'Keep me']],
    );
    assert.equal(dest?.deletes.length, 0);
    // Nothing more on either side.
    const again = await c.sync([{ collectionId: inbox }, { collectionId: dst }]);
    assert.equal(again.collections.length, 0);
    // The moved item is fetchable under its new id right away.
    assert.equal((await items.fetchItem(dst, r?.dstMsgId as string)).fetch?.email?.subject, 'Keep me');
  });

  test('statuses: 1 unknown source, 2 unknown destination, 4 same folder; a moved item cannot move twice', async () => {
    const alice = await server.newUser();
    await server.mail.deliver(alice, textMessage({ to: alice.email, subject: 'm', body: 'm' }));
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const inbox = folder(c, 2);
    const deleted = folder(c, 4);
    const id = (await c.downloadFolder({ collectionId: inbox })).adds[0]?.serverId as string;
    const items = new MailItemsClient(c);
    const res = await items.moveItems([
      { srcMsgId: `${inbox}:999`, srcFldId: inbox, dstFldId: deleted },
      { srcMsgId: id, srcFldId: inbox, dstFldId: '9999' },
      { srcMsgId: id, srcFldId: inbox, dstFldId: inbox },
      { srcMsgId: id, srcFldId: deleted, dstFldId: inbox },
      { srcMsgId: id, srcFldId: inbox, dstFldId: deleted },
      { srcMsgId: id, srcFldId: inbox, dstFldId: deleted },
    ]);
    assert.deepEqual(
      res.responses.map((r) => r.status),
      [1, 2, 4, 1, 3, 1],
    );
    assert.equal((await c.request('MoveItems', el('Move', 'MoveItems'))).status, 103);
  });
});

describe('FolderCreate, FolderUpdate, FolderDelete', () => {
  test('create, rename, delete: the acting device gets new keys and no echo; another device sees each change', async () => {
    const alice = await server.newUser();
    const c = await server.phone(alice, { protocolVersion: '14.1' });
    const other = await server.phone(alice, { protocolVersion: '16.1' });
    const items = new MailItemsClient(c);
    const inbox = folder(c, 2);
    const keyBefore = c.folderSyncKey;

    const created = await items.folderCreate(inbox, 'Projects');
    assert.equal(created.status, 1);
    assert.ok(created.serverId);
    assert.notEqual(created.syncKey, keyBefore);
    const echo = await c.folderSync();
    assert.deepEqual([echo.status, echo.count], [1, 0], 'no echo of its own create');
    const seen = await other.folderSync();
    assert.deepEqual(
      seen.adds.map((f) => [f.serverId, f.parentId, f.displayName, f.type]),
      [[created.serverId, inbox, 'Projects', 12]],
    );

    const renamed = await items.folderUpdate(created.serverId, '0', 'Projects 2025');
    assert.equal(renamed.status, 1);
    assert.equal((await c.folderSync()).count, 0);
    assert.deepEqual(
      (await other.folderSync()).updates.map((f) => [f.serverId, f.parentId, f.displayName]),
      [[created.serverId, '0', 'Projects 2025']],
    );

    const removed = await items.folderDelete(created.serverId);
    assert.equal(removed.status, 1);
    assert.equal((await c.folderSync()).count, 0);
    assert.deepEqual((await other.folderSync()).deletes, [created.serverId]);
    assert.equal(
      server.mail
        .mailbox(alice)
        .listFolders()
        .some((f) => f.name.startsWith('Projects')),
      false,
    );
  });

  test('statuses: 2 exists / special, 3 special delete, 4 not found, 5 no parent, 9 stale key, 10 malformed', async () => {
    const alice = await server.newUser();
    const c = await server.phone(alice, { protocolVersion: '16.1' });
    const items = new MailItemsClient(c);
    const inbox = folder(c, 2);
    assert.equal((await items.folderCreate('0', 'Twice')).status, 1);
    assert.equal((await items.folderCreate('0', 'twice')).status, 2, 'names are case-insensitive');
    assert.equal((await items.folderCreate('777', 'Orphan')).status, 5);
    assert.equal((await items.folderCreate('0', 'Calendar', 13)).status, 10);
    assert.equal((await items.folderCreate('0', '')).status, 10);
    assert.equal((await items.folderUpdate(inbox, '0', 'My Inbox')).status, 2, 'special folder');
    assert.equal((await items.folderUpdate('777', '0', 'x')).status, 4);
    assert.equal((await items.folderDelete(inbox)).status, 3);
    assert.equal((await items.folderDelete('777')).status, 4);
    const tw = [...c.folders.values()].find((f) => f.displayName === 'Twice')?.serverId as string;
    assert.equal((await items.folderUpdate(tw, tw, 'Loop')).status, 10, 'under itself');
    // A stale key: 9, and the client goes back to FolderSync 0.
    const stale = await c.request(
      'FolderCreate',
      el(
        'FolderHierarchy',
        'FolderCreate',
        el('FolderHierarchy', 'SyncKey', '{00000000}1'),
        el('FolderHierarchy', 'ParentId', '0'),
        el('FolderHierarchy', 'DisplayName', 'Late'),
        el('FolderHierarchy', 'Type', 12),
      ),
    );
    assert.equal(stale.status, 9);
    assert.equal((await c.request('FolderDelete', el('FolderHierarchy', 'FolderDelete'))).status, 10);
  });
});

describe('quarantine', () => {
  test('a quarantined device gets 129 for every item command', async () => {
    const alice = await server.newUser();
    const access = server.services.access;
    await access.setOrgSettings({ defaultAccessLevel: 'Quarantine' }, 'admin:test');
    try {
      const c = server.client({ username: alice.username, password: PW, protocolVersion: '16.1' });
      await c.provision();
      const items = new MailItemsClient(c);
      const mime = textMessage({ to: 'x@example.org', subject: 'no', body: 'no' });
      assert.equal((await items.sendMail({ mime })).status, 129);
      assert.equal((await items.smartReply({ itemId: '1:1', folderId: '1', mime })).status, 129);
      assert.equal((await items.smartForward({ itemId: '1:1', folderId: '1', mime })).status, 129);
      assert.equal((await items.fetchAttachment('1:1:2')).status, 129);
      assert.equal((await items.emptyFolderContents('1')).status, 129);
      assert.equal((await items.moveItems([{ srcMsgId: '1:1', srcFldId: '1', dstFldId: '2' }])).status, 129);
      assert.equal((await items.folderCreate('0', 'x')).status, 129);
      assert.equal((await items.folderUpdate('1', '0', 'x')).status, 129);
      assert.equal((await items.folderDelete('1')).status, 129);
      assert.equal(
        server.mail.outbound.some((m) => m.recipients.includes('x@example.org')),
        false,
      );
    } finally {
      await access.setOrgSettings({ defaultAccessLevel: 'Allow' }, 'admin:test');
    }
  });
});
