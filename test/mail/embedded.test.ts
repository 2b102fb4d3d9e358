// The embedded mail backend on its MailStore: the mail conformance suite on SQLite (memory) and
// PostgreSQL (unreachable fails under CI, skips locally), then what only this backend does: the
// SMTP listener (a nodemailer client on a 127.0.0.1 port), local delivery and the smarthost.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import {
  createEmbeddedBackend,
  createPgChangeBus,
  type EmbeddedLog,
  type EmbeddedMailBackend,
} from '../../src/mail/embedded/index.js';
import { startSmtpListener, type SmtpListener } from '../../src/mail/embedded/smtp-listener.js';
import { MailBackendError, type MailChangeEvent } from '../../src/mail/types.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store, User } from '../../src/store/types.js';
import { makeUser } from '../store/conformance/fixtures.js';
import { dropSchema, endAdmin, fastTestUrl, requirePostgres, uniqueSchema } from '../store/pg-helpers.js';
import {
  eventually,
  folderByRole,
  inbox,
  readAll,
  simpleMessage,
  waitForMessages,
} from './conformance/fixtures.js';
import { describeMailConformance, type MailHarness } from './conformance/index.js';

/** Silent by default; set EAS_TEST_MAIL_LOG=1 to see the backend's log lines. */
const log: EmbeddedLog = (() => {
  const write = (level: string) => (obj: object, msg?: string) => {
    if (process.env.EAS_TEST_MAIL_LOG) console.log(JSON.stringify({ level, msg, ...obj }));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
})();

const mailUser = (u: User): MailHarness['users'][number] => ({
  user: { id: u.id, username: u.username, email: u.email, displayName: u.displayName },
  credentials: { username: u.username, password: 'unused: the EAS gate checked it' },
});

async function harnessOn(store: Store, cleanupStore: () => Promise<void>): Promise<MailHarness> {
  const users = [makeUser(), makeUser()];
  for (const u of users) await store.putUser(u);
  const backend = createEmbeddedBackend({ store, log });
  return {
    backend,
    users: users.map(mailUser),
    deliver: async (to, mime) => {
      await backend.deliver(to.id, [mime]);
    },
    cleanup: async () => {
      await backend.close();
      await cleanupStore();
    },
  };
}

describeMailConformance('embedded (sqlite :memory:)', async () => {
  const store = await createSqliteStore({ path: ':memory:' });
  return harnessOn(store, () => store.close());
});

if (await requirePostgres('mail conformance: embedded (postgres)')) {
  after(endAdmin);
  const url = fastTestUrl();
  describeMailConformance('embedded (postgres)', async () => {
    const schema = uniqueSchema();
    const store = await createPostgresStore({ url, schema, maxConnections: 4 });
    return harnessOn(store, async () => {
      await store.close();
      await dropSchema(schema);
    });
  });

  test('two nodes on one PostgreSQL schema hear each other’s changes (LISTEN/NOTIFY)', async () => {
    const schema = uniqueSchema();
    const storeA = await createPostgresStore({ url, schema, maxConnections: 2 });
    const storeB = await createPostgresStore({ url, schema, maxConnections: 2 });
    const other = await createPostgresStore({ url, schema: uniqueSchema(), maxConnections: 1 });
    const nodeA = createEmbeddedBackend({
      store: storeA,
      log,
      changes: await createPgChangeBus({ url, schema, log }),
    });
    const nodeB = createEmbeddedBackend({
      store: storeB,
      log,
      changes: await createPgChangeBus({ url, schema, log }),
    });
    const elsewhere = createEmbeddedBackend({
      store: other,
      log,
      changes: await createPgChangeBus({ url, schema: `${schema}_x`, log }),
    });
    const seenB: MailChangeEvent[] = [];
    const seenA: MailChangeEvent[] = [];
    const seenElsewhere: MailChangeEvent[] = [];
    nodeB.onChange((e) => seenB.push(e));
    nodeA.onChange((e) => seenA.push(e));
    elsewhere.onChange((e) => seenElsewhere.push(e));
    try {
      const user = makeUser();
      await storeA.putUser(user);
      // 1. Mail arrives through node A; 2. node B's listener (a held Ping there) hears of it.
      const message = await nodeA.deliver(user.id, [simpleMessage()]);
      const started = Date.now();
      await eventually(
        async () => seenB.some((e) => e.userId === user.id && e.folderId === message.folderId),
        1000,
      );
      assert.ok(Date.now() - started <= 1000);
      // 3. Node A heard it once (locally), not a second time through its own NOTIFY.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(seenA.filter((e) => e.kind === 'add').length, 1);
      assert.deepEqual(seenElsewhere, [], 'another schema is another installation');
    } finally {
      await nodeA.close();
      await nodeB.close();
      await elsewhere.close();
      await storeA.close();
      await storeB.close();
      await other.close();
      await dropSchema(schema);
    }
  });
}

interface World {
  store: Store;
  backend: EmbeddedMailBackend;
  listener: SmtpListener;
  alice: User;
  bob: User;
  close(): Promise<void>;
}

async function world(opts: { maxMessageBytes?: number; smarthostUrl?: string } = {}): Promise<World> {
  const store = await createSqliteStore({ path: ':memory:' });
  const alice = makeUser({ email: `Alice.${randomBytes(3).toString('hex')}@Example.org` });
  const bob = makeUser();
  await store.putUser(alice);
  await store.putUser(bob);
  const backend = createEmbeddedBackend({
    store,
    log,
    ...(opts.smarthostUrl === undefined ? {} : { smarthost: { url: opts.smarthostUrl } }),
  });
  const listener = await startSmtpListener({
    host: '127.0.0.1',
    port: 0,
    backend,
    store,
    maxMessageBytes: opts.maxMessageBytes ?? 30 * 1024 * 1024,
    log,
  });
  return {
    store,
    backend,
    listener,
    alice,
    bob,
    close: async () => {
      await listener.close();
      await backend.close();
      await store.close();
    },
  };
}

function client(port: number): ReturnType<typeof nodemailer.createTransport> {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

describe('embedded backend: SMTP listener', () => {
  test('a message sent through the listener lands in the Inbox and wakes listeners', async () => {
    const w = await world();
    const events: MailChangeEvent[] = [];
    const off = w.backend.onChange((e) => events.push(e));
    const transport = client(w.listener.port);
    try {
      // 1. An SMTP client submits to a local user (address case differs from the stored one).
      const info = await transport.sendMail({
        envelope: { from: 'sender@example.net', to: [w.alice.email.toUpperCase()] },
        from: 'Sender <sender@example.net>',
        to: w.alice.email,
        subject: 'over SMTP ✉',
        text: 'Delivered by the listener.',
      });
      assert.equal(info.accepted.length, 1);
      // 2. The user's session finds it in the Inbox, with a Received trace and the body intact.
      const s = await w.backend.open(mailUser(w.alice).user, mailUser(w.alice).credentials);
      const box = await inbox(s);
      const [entry] = await waitForMessages(s, box.id, 1);
      const [h] = await s.getHeaders(box.id, [entry?.id ?? '']);
      assert.equal(h?.subject, 'over SMTP ✉');
      assert.deepEqual(h?.from, [{ name: 'Sender', address: 'sender@example.net' }]);
      const opened = await s.openMime(box.id, entry?.id ?? '');
      assert.ok(opened);
      const raw = (await readAll(opened.stream)).toString('utf8');
      assert.match(raw, /^Return-Path: <sender@example\.net>\r\nReceived: from /);
      assert.equal((await s.getBodies(box.id, entry?.id ?? ''))?.text?.trim(), 'Delivered by the listener.');
      // 3. An 'add' event named the user and the Inbox.
      await eventually(async () =>
        events.some((e) => e.userId === w.alice.id && e.folderId === box.id && e.kind === 'add'),
      );
    } finally {
      off();
      transport.close();
      await w.close();
    }
  });

  test('each local recipient of one transaction gets a copy of their own', async () => {
    const w = await world();
    const transport = client(w.listener.port);
    try {
      await transport.sendMail({
        envelope: { from: 'sender@example.net', to: [w.alice.email, w.bob.email] },
        raw: simpleMessage({ subject: 'for both', to: `${w.alice.email}, ${w.bob.email}` }),
      });
      for (const u of [w.alice, w.bob]) {
        const s = await w.backend.open(mailUser(u).user, mailUser(u).credentials);
        const box = await inbox(s);
        const [entry] = await waitForMessages(s, box.id, 1);
        assert.equal((await s.getHeaders(box.id, [entry?.id ?? '']))[0]?.subject, 'for both');
      }
      // Deleting Alice's copy leaves Bob's.
      const sa = await w.backend.open(mailUser(w.alice).user, mailUser(w.alice).credentials);
      const boxA = await inbox(sa);
      await sa.deleteMessages(
        boxA.id,
        (await sa.listMessages(boxA.id)).entries.map((e) => e.id),
      );
      const sb = await w.backend.open(mailUser(w.bob).user, mailUser(w.bob).credentials);
      const boxB = await inbox(sb);
      const [b] = (await sb.listMessages(boxB.id)).entries;
      const kept = await sb.openMime(boxB.id, b?.id ?? '');
      assert.ok(kept && (await readAll(kept.stream)).length > 0);
    } finally {
      transport.close();
      await w.close();
    }
  });

  test('an unknown recipient is refused with 550; a known one in the same transaction is accepted', async () => {
    const w = await world();
    const transport = client(w.listener.port);
    try {
      await assert.rejects(
        transport.sendMail({
          envelope: { from: 'x@example.net', to: ['nobody@example.org'] },
          raw: simpleMessage(),
        }),
        (err: Error & { responseCode?: number }) => err.responseCode === 550,
      );
      const info = await transport.sendMail({
        envelope: { from: 'x@example.net', to: ['nobody@example.org', w.bob.email] },
        raw: simpleMessage({ subject: 'half' }),
      });
      assert.deepEqual(info.rejected, ['nobody@example.org']);
      assert.deepEqual(info.accepted, [w.bob.email]);
    } finally {
      transport.close();
      await w.close();
    }
  });

  test('a message over the size limit is refused with 552 and nothing is stored', async () => {
    const w = await world({ maxMessageBytes: 300_000 });
    const transport = client(w.listener.port);
    try {
      const big = simpleMessage({ body: randomBytes(400_000).toString('base64') });
      await assert.rejects(
        transport.sendMail({ envelope: { from: 'x@example.net', to: [w.bob.email] }, raw: big }),
        (err: Error & { responseCode?: number }) => err.responseCode === 552,
      );
      // The connection is still good for a message that fits.
      await transport.sendMail({
        envelope: { from: 'x@example.net', to: [w.bob.email] },
        raw: simpleMessage(),
      });
      const s = await w.backend.open(mailUser(w.bob).user, mailUser(w.bob).credentials);
      assert.equal((await waitForMessages(s, (await inbox(s)).id, 1)).length, 1);
      assert.equal(
        await w.store.pruneMailContent(new Date(Date.now() + 60_000)),
        0,
        'no partial content left',
      );
    } finally {
      transport.close();
      await w.close();
    }
  });

  test('a 5 MB message streams through the listener and reads back byte for byte', async () => {
    const w = await world();
    const transport = client(w.listener.port);
    try {
      const payload = randomBytes(5 * 1024 * 1024);
      await transport.sendMail({
        envelope: { from: 'x@example.net', to: [w.bob.email] },
        from: 'x@example.net',
        to: w.bob.email,
        subject: 'big',
        text: 'see attachment',
        attachments: [{ filename: 'payload.bin', content: payload }],
      });
      const s = await w.backend.open(mailUser(w.bob).user, mailUser(w.bob).credentials);
      const box = await inbox(s);
      const [entry] = await waitForMessages(s, box.id, 1);
      const [h] = await s.getHeaders(box.id, [entry?.id ?? '']);
      const att = h?.attachments.find((a) => a.fileName === 'payload.bin');
      assert.equal(att?.size, payload.length);
      const opened = await s.openAttachment(box.id, entry?.id ?? '', att?.partId ?? '');
      assert.ok(opened && (await readAll(opened.stream)).equals(payload));
    } finally {
      transport.close();
      await w.close();
    }
  });
});

describe('embedded backend: send', () => {
  test('without a smarthost, mail for outside addresses is refused and nothing is delivered', async () => {
    const w = await world();
    try {
      const s = await w.backend.open(mailUser(w.alice).user, mailUser(w.alice).credentials);
      await assert.rejects(
        s.send(simpleMessage({ from: w.alice.email, to: `${w.bob.email}, someone@elsewhere.example` }), {
          saveInSent: true,
        }),
        (err: Error) => err instanceof MailBackendError && /no smarthost/.test(err.message),
      );
      const sb = await w.backend.open(mailUser(w.bob).user, mailUser(w.bob).credentials);
      assert.deepEqual((await sb.listMessages((await inbox(sb)).id)).entries, []);
      assert.deepEqual((await s.listMessages((await folderByRole(s, 'sent')).id)).entries, []);
    } finally {
      await w.close();
    }
  });

  test('outside recipients go to the smarthost without Bcc; local ones are delivered', async () => {
    const relayed: Array<{ from: string; to: string[]; raw: string }> = [];
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          relayed.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const address = sink.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const w = await world({ smarthostUrl: `smtp://127.0.0.1:${port}` });
    try {
      const s = await w.backend.open(mailUser(w.alice).user, mailUser(w.alice).credentials);
      await s.send(
        simpleMessage({
          from: w.alice.email,
          to: `Bob <${w.bob.email}>, Carol <carol@elsewhere.example>`,
          bcc: 'dave@elsewhere.example',
          subject: 'mixed recipients',
        }),
        { saveInSent: true },
      );
      assert.equal(relayed.length, 1);
      // The envelope sender is the user's address (nodemailer lower-cases the domain).
      assert.equal(relayed[0]?.from.toLowerCase(), w.alice.email.toLowerCase());
      assert.deepEqual(relayed[0]?.to, ['carol@elsewhere.example', 'dave@elsewhere.example']);
      assert.ok(!/^bcc:/im.test(relayed[0]?.raw ?? ''), 'no Bcc header leaves the server');
      const sb = await w.backend.open(mailUser(w.bob).user, mailUser(w.bob).credentials);
      assert.equal((await waitForMessages(sb, (await inbox(sb)).id, 1)).length, 1);
      const sent = await s.listMessages((await folderByRole(s, 'sent')).id);
      assert.equal(sent.entries.length, 1);
      assert.equal(sent.entries[0]?.flags.read, true);
    } finally {
      await w.close();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  });
});

describe('embedded backend: mailbox', () => {
  test('the default folders exist on first open, once, with Exchange names', async () => {
    const w = await world();
    try {
      const u = mailUser(w.alice);
      await Promise.all([w.backend.open(u.user, u.credentials), w.backend.open(u.user, u.credentials)]);
      const folders = await (await w.backend.open(u.user, u.credentials)).listFolders();
      assert.deepEqual(folders.map((f) => [f.name, f.role]).sort(), [
        ['Deleted Items', 'deleted'],
        ['Drafts', 'drafts'],
        ['Inbox', 'inbox'],
        ['Junk E-mail', 'junk'],
        ['Outbox', 'outbox'],
        ['Sent Items', 'sent'],
      ]);
    } finally {
      await w.close();
    }
  });

  test('special folders cannot be deleted; another user’s folders are out of reach', async () => {
    const w = await world();
    try {
      const sa = await w.backend.open(mailUser(w.alice).user, mailUser(w.alice).credentials);
      const sb = await w.backend.open(mailUser(w.bob).user, mailUser(w.bob).credentials);
      const boxA = await inbox(sa);
      await assert.rejects(sa.deleteFolder(boxA.id), MailBackendError);
      const id = await sa.appendMessage(boxA.id, simpleMessage({ subject: 'private' }));
      await assert.rejects(sb.listMessages(boxA.id), /not found/);
      await assert.rejects(sb.getHeaders(boxA.id, [id]), /not found/);
      await assert.rejects(sb.openMime(boxA.id, id), /not found/);
      await assert.rejects(sb.moveMessages(boxA.id, [id], (await inbox(sb)).id), /not found/);
      assert.equal((await sa.listMessages(boxA.id)).entries.length, 1);
    } finally {
      await w.close();
    }
  });
});
