// Fetch of attachments and items against the memory backend: exact multipart parts even when the
// backend misreports sizes (as IMAP does), policy limits, the inline cap and budget, ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { MailSession } from '../../../mail/types.js';
import { child, childText, children, isElement } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import { newBudget, syncCollection } from '../../sync/collection.js';
import type { SyncFixture } from '../../sync/test-support.js';
import { syncFixture } from '../../sync/test-support.js';
import type { FetchEnv } from './fetch.js';
import { INLINE_ATTACHMENT_MAX, fetchAttachment, fetchItem } from './fetch.js';
import type { FetchRequest } from './request.js';

function withFile(file: Buffer): Buffer {
  const b64 = (file.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return Buffer.from(
    [
      'From: a@example.net',
      'To: ana@example.com',
      'Subject: file',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="x"',
      '',
      '--x',
      'Content-Type: text/plain',
      '',
      'see file',
      '--x',
      'Content-Type: image/png; name="f.png"',
      'Content-Disposition: attachment; filename="f.png"',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--x--',
      '',
    ].join('\r\n'),
  );
}

/** Delivers, syncs the Inbox, returns the item's ServerId and its attachment's FileReference. */
async function synced(f: SyncFixture, mime: Buffer): Promise<{ serverId: string; fileRef: string | null }> {
  await f.backend.deliver({ id: 'u1', username: 'ana', email: 'ana@example.com', displayName: 'Ana' }, mime);
  const inbox = f.collectionOf('inbox');
  const col = {
    collectionId: inbox,
    getChanges: null,
    deletesAsMoves: null,
    windowSize: null,
    options: null,
    commands: [],
  };
  const primed = await syncCollection(f.env, { ...col, syncKey: '0' }, newBudget(null));
  const res = await syncCollection(
    f.env,
    { ...col, syncKey: childText(primed, 'SyncKey', 'AirSync') },
    newBudget(null),
  );
  const add = child(child(res, 'Commands', 'AirSync'), 'Add', 'AirSync');
  const att = child(
    child(child(add, 'ApplicationData', 'AirSync'), 'Attachments', 'AirSyncBase'),
    'Attachment',
    'AirSyncBase',
  );
  return {
    serverId: childText(add, 'ServerId', 'AirSync') as string,
    fileRef: childText(att, 'FileReference', 'AirSyncBase'),
  };
}

function envOf(f: SyncFixture, o: Partial<FetchEnv> = {}): FetchEnv {
  return {
    mailbox: f.session,
    states: f.states,
    deviceId: 'dev1',
    hierarchy: f.hierarchy,
    policy: f.env.policy,
    multipart: false,
    parts: [],
    budget: { inline: 10 * 1024 * 1024, parts: 512 * 1024 * 1024 },
    ...o,
  };
}

const req = (o: Partial<FetchRequest>): FetchRequest => ({
  kind: 'fetch',
  status: null,
  fileReference: null,
  collectionId: null,
  serverId: null,
  longId: null,
  range: null,
  body: { prefs: [], mimeSupport: null, mimeTruncation: null },
  ...o,
});

const status = (e: WbxmlElement) => Number(childText(e, 'Status', 'ItemOperations'));
const props = (e: WbxmlElement) => child(e, 'Properties', 'ItemOperations');

/** A backend that reports attachment sizes the way IMAP does: an estimate, here 3 bytes short. */
function misreporting(inner: MailSession): MailSession {
  return Object.assign(Object.create(inner) as MailSession, {
    async openAttachment(folderId: string, id: string, partId: string) {
      const a = await inner.openAttachment(folderId, id, partId);
      return a && { ...a, size: Math.max(0, a.size - 3) };
    },
  });
}

test('multipart parts have the exact length even when the backend estimates sizes', async () => {
  const f = await syncFixture();
  const file = randomBytes(1_500_001);
  const { fileRef } = await synced(f, withFile(file));
  assert.ok(fileRef);
  const env = envOf(f, { mailbox: misreporting(f.session), multipart: true });
  const out = await fetchAttachment(env, req({ fileReference: fileRef }));
  assert.equal(status(out), 1);
  assert.equal(childText(props(out), 'ContentType', 'AirSyncBase'), 'image/png');
  assert.equal(childText(props(out), 'Part', 'ItemOperations'), '1');
  assert.equal(env.parts.length, 1);
  assert.equal(env.parts[0]?.length, file.length);
  const chunks: Buffer[] = [];
  for await (const c of env.parts[0]?.open() ?? []) chunks.push(c as Buffer);
  assert.deepEqual(Buffer.concat(chunks), file);
});

test('inline: data as base64, a Range with Range and Total, the cap and the response budget', async () => {
  const f = await syncFixture();
  const file = randomBytes(100_000);
  const { fileRef } = await synced(f, withFile(file));
  assert.ok(fileRef);
  const env = envOf(f);
  const whole = await fetchAttachment(env, req({ fileReference: fileRef }));
  assert.deepEqual(Buffer.from(childText(props(whole), 'Data', 'ItemOperations') ?? '', 'base64'), file);
  const ranged = await fetchAttachment(env, req({ fileReference: fileRef, range: { start: 10, end: 19 } }));
  assert.equal(childText(props(ranged), 'Range', 'ItemOperations'), '10-19');
  assert.equal(childText(props(ranged), 'Total', 'ItemOperations'), String(file.length));
  assert.deepEqual(
    Buffer.from(childText(props(ranged), 'Data', 'ItemOperations') ?? '', 'base64'),
    file.subarray(10, 20),
  );
  // A range running past the end is cut to the end; one starting past it is Status 8.
  const tail = await fetchAttachment(
    env,
    req({ fileReference: fileRef, range: { start: file.length - 5, end: file.length + 100 } }),
  );
  assert.equal(childText(props(tail), 'Range', 'ItemOperations'), `${file.length - 5}-${file.length - 1}`);
  assert.equal(
    status(
      await fetchAttachment(
        env,
        req({ fileReference: fileRef, range: { start: file.length, end: file.length + 9 } }),
      ),
    ),
    8,
  );
  // The budget of inline data in one response.
  const poor = envOf(f, { budget: { inline: 1000, parts: 0 } });
  assert.equal(status(await fetchAttachment(poor, req({ fileReference: fileRef }))), 11);
  assert.ok(INLINE_ATTACHMENT_MAX >= 1024 * 1024);
});

test('policy: AttachmentsEnabled 0 is 16, MaxAttachmentSize is 11; unknown references 15 and 6', async () => {
  const f = await syncFixture();
  const { fileRef, serverId } = await synced(f, withFile(randomBytes(5000)));
  assert.ok(fileRef);
  const off = envOf(f, { policy: { ...f.env.policy, AttachmentsEnabled: false } });
  assert.equal(status(await fetchAttachment(off, req({ fileReference: fileRef }))), 16);
  const small = envOf(f, { policy: { ...f.env.policy, MaxAttachmentSize: 1000 } });
  assert.equal(status(await fetchAttachment(small, req({ fileReference: fileRef }))), 11);
  const env = envOf(f);
  assert.equal(status(await fetchAttachment(env, req({ fileReference: 'garbage' }))), 15);
  assert.equal(status(await fetchAttachment(env, req({ fileReference: `${serverId}:9` }))), 6);
  // The message deleted since: 6.
  await f.session.deleteMessages(
    f.folderIdOf('inbox'),
    (await f.session.listMessages(f.folderIdOf('inbox'))).entries.map((e) => e.id),
  );
  assert.equal(status(await fetchAttachment(env, req({ fileReference: fileRef }))), 6);
});

test('fetchItem: properties of the item; multipart puts the body in a part in place of Data', async () => {
  const f = await syncFixture();
  const mime = withFile(randomBytes(2000));
  const { serverId } = await synced(f, mime);
  const inbox = f.collectionOf('inbox');
  const env = envOf(f);
  const plain = await fetchItem(
    env,
    req({
      collectionId: inbox,
      serverId,
      body: {
        prefs: [{ type: 1, truncationSize: null, allOrNone: false, preview: null }],
        mimeSupport: null,
        mimeTruncation: null,
      },
    }),
  );
  assert.equal(status(plain), 1);
  assert.equal(childText(plain, 'Class', 'AirSync'), 'Email');
  assert.equal(childText(props(plain), 'Subject', 'Email'), 'file');
  const body = child(props(plain), 'Body', 'AirSyncBase');
  assert.equal(childText(body, 'Data', 'AirSyncBase')?.trim(), 'see file');
  const menv = envOf(f, { multipart: true });
  const mimeOut = await fetchItem(
    menv,
    req({
      collectionId: inbox,
      serverId,
      body: {
        prefs: [{ type: 4, truncationSize: null, allOrNone: false, preview: null }],
        mimeSupport: 2,
        mimeTruncation: null,
      },
    }),
  );
  const mbody = child(props(mimeOut), 'Body', 'AirSyncBase');
  assert.equal(childText(mbody, 'Data', 'AirSyncBase'), null);
  assert.equal(childText(mbody, 'Part', 'ItemOperations'), '1');
  assert.equal(childText(mbody, 'EstimatedDataSize', 'AirSyncBase'), String(mime.length));
  assert.equal(menv.parts[0]?.length, mime.length);
  const tags = (mbody?.children ?? []).filter(isElement).map((e) => e.tag);
  assert.deepEqual(tags, ['Type', 'EstimatedDataSize', 'Part']);
  // Wrong collection for the ServerId, unknown item, a LongId: 6.
  assert.equal(status(await fetchItem(env, req({ collectionId: f.collectionOf('sent'), serverId }))), 6);
  assert.equal(status(await fetchItem(env, req({ serverId: `${inbox}:50` }))), 6);
  assert.equal(status(await fetchItem(env, req({ longId: 'RgAAAA' }))), 6);
  // The echo keeps what the device sent.
  const echo = await fetchItem(env, req({ status: 2, serverId: 'x:1' }));
  assert.deepEqual(
    children(echo).map((e) => e.tag),
    ['Status', 'ServerId'],
  );
});
