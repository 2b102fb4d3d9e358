// Bodies kept at delivery by the embedded backend (MailStore.getMailBodies): for every kind of
// message they must equal what parsing the stored MIME gives, which is what getBodies served before
// they were kept; messages without them (stored before schema version 6, or over the cap) are
// parsed on demand and backfilled when small enough.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createEmbeddedBackend, type EmbeddedSession } from '../../src/mail/embedded/index.js';
import { MAX_KEPT_BODY_BYTES, cleanBodies, parseBodies } from '../../src/mail/embedded/mime.js';
import type { MessageBodies } from '../../src/mail/types.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { makeUser } from '../store/conformance/fixtures.js';
import {
  bigAttachmentMessage,
  charsetMessage,
  inbox,
  richMessage,
  simpleMessage,
  uniqueId,
} from './conformance/fixtures.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function multipart(type: string, parts: Array<{ headers: string[]; body: string }>): Buffer {
  const lines = [
    'From: sender@example.net',
    'To: bob@example.net',
    'Subject: parts',
    `Message-ID: <${uniqueId()}>`,
    'MIME-Version: 1.0',
    `Content-Type: ${type}; boundary="b-1"`,
    '',
  ];
  for (const p of parts) lines.push('--b-1', ...p.headers, '', p.body);
  lines.push('--b-1--', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

const html = (body: string, charset = 'utf-8'): { headers: string[]; body: string } => ({
  headers: [`Content-Type: text/html; charset=${charset}`],
  body,
});
const text = (body: string): { headers: string[]; body: string } => ({
  headers: ['Content-Type: text/plain; charset=utf-8'],
  body,
});

/** Messages whose bodies a careless copy of parseBodies would get wrong. */
function fixtures(): Array<{ name: string; mime: Buffer; kept: boolean }> {
  const bigHtml = `<p>${'Newsletter line. '.repeat(Math.ceil(MAX_KEPT_BODY_BYTES / 17) + 10)}</p>`;
  const attachment = bigAttachmentMessage(3_000_000).mime;
  return [
    { name: 'plain text', mime: simpleMessage({ body: 'Grüße 👋' }), kept: true },
    { name: 'alternative + inline image + attachments', mime: richMessage().mime, kept: true },
    {
      name: 'iso-8859-1 quoted-printable',
      mime: charsetMessage('iso-8859-1', '4772fcdf6520617573204bf66c6e', 'quoted-printable'),
      kept: true,
    },
    {
      name: 'windows-1251 base64',
      mime: charsetMessage('windows-1251', 'cff0e8e2e5f2', 'base64'),
      kept: true,
    },
    {
      name: 'HTML only, koi8-r',
      mime: charsetMessage(
        'koi8-r',
        Buffer.from('<b>\xf0\xd2\xc9\xd7</b>', 'latin1').toString('hex'),
        '8bit',
        'text/html',
      ),
      kept: true,
    },
    {
      name: 'HTML only, in multipart/mixed',
      mime: multipart('multipart/mixed', [html('<p>only</p>')]),
      kept: true,
    },
    {
      name: 'two text parts and two HTML parts (joined)',
      mime: multipart('multipart/mixed', [text('one'), html('<i>a</i>'), text('two'), html('<i>b</i>')]),
      kept: true,
    },
    { name: 'empty text part', mime: multipart('multipart/mixed', [text('')]), kept: true },
    { name: 'empty HTML part', mime: multipart('multipart/mixed', [html('')]), kept: true },
    { name: 'U+0000 in the body', mime: simpleMessage({ body: 'nul \u0000 here' }), kept: true },
    { name: 'no body at all', mime: Buffer.from('Subject: empty\r\n\r\n'), kept: true },
    { name: 'not MIME at all', mime: randomBytes(5_000), kept: true },
    { name: 'a 3 MB attachment', mime: attachment, kept: true },
    {
      name: `HTML over the ${MAX_KEPT_BODY_BYTES}-byte cap`,
      mime: multipart('multipart/mixed', [html(bigHtml)]),
      kept: false,
    },
  ];
}

async function setUp(): Promise<{
  store: Store;
  session: EmbeddedSession;
  userId: string;
  folderId: string;
  close: () => Promise<void>;
}> {
  const store = await createSqliteStore({ path: ':memory:' });
  const user = makeUser();
  await store.putUser(user);
  const backend = createEmbeddedBackend({ store, log: silent });
  const session = await backend.open(user, { username: user.username, password: 'unused' });
  const folderId = (await inbox(session)).id;
  return {
    store,
    session,
    userId: user.id,
    folderId,
    close: async () => {
      await backend.close();
      await store.close();
    },
  };
}

async function parsed(session: EmbeddedSession, folderId: string, id: string): Promise<MessageBodies> {
  const opened = await session.openMime(folderId, id);
  assert.ok(opened);
  return cleanBodies(await parseBodies(opened.stream));
}

test('bodies kept at delivery equal a parse of the stored message', async () => {
  const { store, session, userId, folderId, close } = await setUp();
  try {
    for (const f of fixtures()) {
      const id = await session.appendMessage(folderId, f.mime);
      const expected = await parsed(session, folderId, id);
      const kept = await store.getMailBodies(userId, folderId, Number(id));
      if (f.kept) assert.deepEqual(kept, expected, `${f.name}: kept`);
      else assert.equal(kept, null, `${f.name}: not kept`);
      assert.deepEqual(await session.getBodies(folderId, id), expected, `${f.name}: served`);
    }
  } finally {
    await close();
  }
});

test('getBodies serves the kept bodies, not a parse', async () => {
  const { store, session, userId, folderId, close } = await setUp();
  try {
    const id = await session.appendMessage(folderId, simpleMessage({ body: 'parsed' }));
    const marker = { text: 'kept', html: null };
    assert.equal(await store.putMailBodies(userId, folderId, Number(id), marker), true);
    assert.deepEqual(await session.getBodies(folderId, id), marker);
  } finally {
    await close();
  }
});

test('a message stored without bodies is parsed on demand and backfilled under the cap', async () => {
  const { store, session, userId, folderId, close } = await setUp();
  try {
    // As a message stored before schema version 6 is: content and summary, no bodies.
    const add = async (mime: Buffer): Promise<number> => {
      const content = await store.writeMailContent(userId, [mime]);
      const m = await store.addMailMessage({
        userId: userId,
        folderId,
        contentId: content.id,
        receivedAt: new Date(),
        flags: { read: false, flagged: false, answered: false, forwarded: false },
        summary: {
          subject: '',
          from: [],
          to: [],
          cc: [],
          replyTo: [],
          date: null,
          messageId: null,
          importance: 'normal',
          attachments: [],
        },
      });
      assert.ok(m);
      return m.id;
    };
    for (const f of fixtures()) {
      const id = await add(f.mime);
      assert.equal(await store.getMailBodies(userId, folderId, id), null);
      const expected = await parsed(session, folderId, String(id));
      assert.deepEqual(await session.getBodies(folderId, String(id)), expected, `${f.name}: served`);
      const after = await store.getMailBodies(userId, folderId, id);
      if (f.kept) assert.deepEqual(after, expected, `${f.name}: backfilled`);
      else assert.equal(after, null, `${f.name}: over the cap, not backfilled`);
      assert.deepEqual(await session.getBodies(folderId, String(id)), expected, `${f.name}: served again`);
    }
  } finally {
    await close();
  }
});
