// Integration: Search over real HTTP with the client library against a real server (SQLite store,
// memory mail backend): a mailbox search finds delivered mail by a word of the subject or the
// body, pages with Range and Total, honours DateReceived bounds and CollectionId; its LongIds are
// fetched with ItemOperations and replied to with SmartReply; the GAL lists the server's users;
// malformed queries are answered with a Store Status, never a 500.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import type { SearchResponse } from '../../src/client/index.js';
import { MailItemsClient, searchGal, searchMailbox } from '../../src/client/index.js';
import { child, childText, el } from '../../src/wbxml/index.js';
import type { ElChild } from '../../src/wbxml/index.js';
import type { WbxmlElement } from '../../src/wbxml/types.js';
import { startMailTestServer, textMessage } from './harness.js';
import type { MailTestServer } from './harness.js';

const PW = 'pw-search-1';
let server: MailTestServer;

before(async () => {
  server = await startMailTestServer({
    password: PW,
    usernamePrefix: 'searchuser',
    displayNamePrefix: 'Search User',
  });
});
after(() => server.close());

const subjects = (r: SearchResponse) => r.results.map((x) => x.email?.subject);

describe('mailbox search', () => {
  test('finds the delivered message by a word of its subject and by a word of its body', async () => {
    const ana = await server.newUser();
    await server.mail.deliver(
      ana,
      textMessage({ to: ana.email, subject: 'Quarterly figures', body: 'See the zebra chart.' }),
    );
    await server.mail.deliver(ana, textMessage({ to: ana.email, subject: 'Lunch', body: 'Noon?' }));
    const c = await server.phone(ana);
    const inbox = c.folderOfType(2) as string;

    const bySubject = await searchMailbox(c, {
      freeText: 'quarterly',
      collectionIds: [inbox],
      classes: ['Email'],
    });
    assert.deepEqual([bySubject.httpStatus, bySubject.status, bySubject.storeStatus], [200, 1, 1]);
    assert.deepEqual(subjects(bySubject), ['Quarterly figures']);
    assert.deepEqual([bySubject.range, bySubject.total], ['0-0', 1]);
    const [hit] = bySubject.results;
    assert.equal(hit?.class, 'Email');
    assert.equal(hit?.collectionId, inbox);
    assert.ok(hit?.longId);
    assert.equal(hit?.email?.from, '"Bob" <bob@example.net>');
    assert.equal(hit?.email?.body?.data?.trim(), 'See the zebra chart.');

    const byBody = await searchMailbox(c, { freeText: 'ZEBRA' });
    assert.deepEqual(subjects(byBody), ['Quarterly figures']);
    assert.equal(byBody.results[0]?.longId, hit?.longId, 'the same message has the same LongId');

    const none = await searchMailbox(c, { freeText: 'giraffe' });
    assert.deepEqual(
      [none.storeStatus, none.total, none.results.length, none.results[0]?.size],
      [1, 0, 1, 0],
    );
    assert.equal(none.range, null);
  });

  test('Range pages newest first with Total; past the end is 12', async () => {
    const ana = await server.newUser();
    for (let i = 1; i <= 7; i++) {
      await server.mail.deliver(
        ana,
        textMessage({ to: ana.email, subject: `Invoice ${i}`, body: 'payable' }),
        {
          receivedAt: new Date(Date.UTC(2024, 1, i, 12)),
        },
      );
    }
    const c = await server.phone(ana, { protocolVersion: '14.1' });
    const first = await searchMailbox(c, { freeText: 'invoice', range: '0-2' });
    assert.deepEqual(subjects(first), ['Invoice 7', 'Invoice 6', 'Invoice 5']);
    assert.deepEqual([first.range, first.total], ['0-2', 7]);
    const next = await searchMailbox(c, { freeText: 'invoice', range: '3-5' });
    assert.deepEqual(subjects(next), ['Invoice 4', 'Invoice 3', 'Invoice 2']);
    const last = await searchMailbox(c, { freeText: 'invoice', range: '6-20' });
    assert.deepEqual([subjects(last), last.range, last.total], [['Invoice 1'], '6-6', 7]);
    const past = await searchMailbox(c, { freeText: 'invoice', range: '7-9' });
    assert.deepEqual([past.status, past.storeStatus, past.total, past.results.length], [1, 12, 7, 0]);
  });

  test('DateReceived bounds (GreaterThan / LessThan) are exclusive', async () => {
    const ana = await server.newUser();
    const day = (d: number) => new Date(Date.UTC(2024, 4, d, 8));
    for (const d of [1, 2, 3]) {
      await server.mail.deliver(
        ana,
        textMessage({ to: ana.email, subject: `Report day ${d}`, body: 'daily report' }),
        {
          receivedAt: day(d),
        },
      );
    }
    const c = await server.phone(ana);
    const find = async (o: Parameters<typeof searchMailbox>[1]) => subjects(await searchMailbox(c, o));
    assert.deepEqual(await find({ freeText: 'report', receivedAfter: day(1) }), [
      'Report day 3',
      'Report day 2',
    ]);
    assert.deepEqual(await find({ freeText: 'report', receivedBefore: day(3) }), [
      'Report day 2',
      'Report day 1',
    ]);
    assert.deepEqual(await find({ freeText: 'report', receivedAfter: day(1), receivedBefore: day(3) }), [
      'Report day 2',
    ]);
    assert.deepEqual(await find({ receivedAfter: '2024-05-02T00:00:00.000Z' }), [
      'Report day 3',
      'Report day 2',
    ]);
  });

  test('CollectionId restricts the search; DeepTraversal adds the subfolders', async () => {
    const ana = await server.newUser();
    const box = server.mail.mailbox(ana);
    const projects = box.createFolder(box.folderByRole('inbox')?.id ?? null, 'Projects');
    await server.mail.deliver(
      ana,
      textMessage({ to: ana.email, subject: 'Kickoff in inbox', body: 'kickoff' }),
    );
    await box.append(projects.id, textMessage({ to: ana.email, subject: 'Kickoff filed', body: 'kickoff' }));
    await box.append('sent', textMessage({ to: 'x@example.org', subject: 'Kickoff sent', body: 'kickoff' }));
    const c = await server.phone(ana);
    const inbox = c.folderOfType(2) as string;
    const sent = c.folderOfType(5) as string;
    const sub = [...c.folders.values()].find((f) => f.displayName === 'Projects')?.serverId as string;
    const find = async (o: Parameters<typeof searchMailbox>[1]) =>
      (await searchMailbox(c, { freeText: 'kickoff', ...o })).results.map((r) => [
        r.collectionId,
        r.email?.subject,
      ]);
    assert.deepEqual(await find({ collectionIds: [inbox] }), [[inbox, 'Kickoff in inbox']]);
    assert.deepEqual(await find({ collectionIds: [sub] }), [[sub, 'Kickoff filed']]);
    assert.deepEqual((await find({ collectionIds: [inbox], deepTraversal: true })).map((x) => x[1]).sort(), [
      'Kickoff filed',
      'Kickoff in inbox',
    ]);
    assert.equal((await find({})).length, 3, 'no CollectionId: the whole mailbox');
    assert.deepEqual(await find({ collectionIds: [sent] }), [[sent, 'Kickoff sent']]);
    // A folder the device does not hold: 11, FolderSync required.
    assert.equal((await searchMailbox(c, { freeText: 'kickoff', collectionIds: ['9999'] })).storeStatus, 11);
  });

  test('a result is fetched by its LongId with ItemOperations; a foreign or edited LongId is not found', async () => {
    const ana = await server.newUser();
    const ben = await server.newUser();
    await server.mail.deliver(
      ana,
      textMessage({ to: ana.email, subject: 'Fetch by LongId', body: 'The complete body text.' }),
    );
    const c = await server.phone(ana);
    const [hit] = (
      await searchMailbox(c, { freeText: 'longid', bodyPreferences: [{ type: 1, truncationSize: 5 }] })
    ).results;
    assert.equal(hit?.email?.body?.truncated, true);
    const longId = hit?.longId as string;
    const items = new MailItemsClient(c);
    const got = await items.fetchByLongId(longId, { bodyPreferences: [{ type: 1 }] });
    assert.deepEqual([got.status, got.fetch?.status, got.fetch?.longId], [1, 1, longId]);
    assert.equal(got.fetch?.email?.subject, 'Fetch by LongId');
    assert.equal(got.fetch?.email?.body?.data?.trim(), 'The complete body text.');
    // Ben's device, and a LongId with one character changed: 6 (object not found).
    const other = new MailItemsClient(await server.phone(ben));
    assert.equal((await other.fetchByLongId(longId)).fetch?.status, 6);
    const edited = longId.slice(0, -1) + (longId.endsWith('A') ? 'B' : 'A');
    assert.equal((await items.fetchByLongId(edited)).fetch?.status, 6);
    // Another device of Ana's holds the same folders but was not given this LongId.
    const second = new MailItemsClient(await server.phone(ana));
    assert.equal((await second.fetchByLongId(longId)).fetch?.status, 6);
  });

  test('SmartReply by LongId quotes the original and marks it answered (14.1 WBXML and 12.1 query)', async () => {
    const ana = await server.newUser();
    const bob = await server.newUser();
    await server.mail.deliver(
      ana,
      textMessage({
        from: `"Bob" <${bob.email}>`,
        to: ana.email,
        subject: 'Are you coming',
        body: 'To the party on Friday?',
        messageId: '<party-1@example.net>',
      }),
    );
    const c = await server.phone(ana, { protocolVersion: '14.1' });
    const longId = (await searchMailbox(c, { freeText: 'party' })).results[0]?.longId as string;
    assert.ok(longId);
    const items = new MailItemsClient(c);
    const res = await items.smartReply({
      longId,
      saveInSent: true,
      mime: textMessage({ from: ana.email, to: bob.email, subject: 'Re: Are you coming', body: 'Yes!' }),
    });
    assert.equal(res.sent, true, `status ${res.status}`);
    const box = server.mail.mailbox(bob);
    const [reply] = box.find(
      'inbox',
      box.listMessages('inbox', null).entries.map((e) => e.id),
    );
    assert.ok(reply);
    const parsed = await simpleParser(reply.mime);
    assert.equal(parsed.inReplyTo, '<party-1@example.net>');
    assert.match(parsed.text ?? '', /^Yes!/);
    assert.match(parsed.text ?? '', /> To the party on Friday\?/);
    const anaBox = server.mail.mailbox(ana);
    assert.equal(anaBox.listMessages('inbox', null).entries[0]?.flags.answered, true);

    const legacy = await server.phone(ana, { protocolVersion: '12.1' });
    const legacyId = (await searchMailbox(legacy, { freeText: 'party' })).results[0]?.longId as string;
    const viaQuery = await new MailItemsClient(legacy).smartForward({
      longId: legacyId,
      mime: textMessage({ from: ana.email, to: bob.email, subject: 'Fw: Are you coming', body: 'FYI' }),
    });
    assert.deepEqual([viaQuery.httpStatus, viaQuery.sent], [200, true]);
    // A LongId that names nothing: 150 ItemNotFound.
    const missing = await items.smartReply({
      longId: 'bm9uZQ.MQ.AAAAAAAAAAAAAAAA',
      mime: textMessage({ from: ana.email, to: bob.email, subject: 'x', body: 'y' }),
    });
    assert.equal(missing.status, 150);
  });
});

describe('GAL search', () => {
  test('finds enabled users by name or address, sorted by display name, with Range and Total', async () => {
    const zelda = await server.newUser({ displayName: 'Zelda Galtester', email: 'zelda@gal.example' });
    const amir = await server.newUser({ displayName: 'Amir Galtester', email: 'amir@gal.example' });
    await server.newUser({ displayName: 'Hidden Galtester', email: 'hidden@gal.example', easEnabled: false });
    const ana = await server.newUser();
    const c = await server.phone(ana, { protocolVersion: '14.1' });
    const r = await searchGal(c, 'galtester');
    assert.deepEqual([r.status, r.storeStatus, r.total, r.range], [1, 1, 2, '0-1']);
    assert.deepEqual(
      r.results.map((x) => x.gal),
      [
        { DisplayName: 'Amir Galtester', Alias: amir.username, EmailAddress: 'amir@gal.example' },
        { DisplayName: 'Zelda Galtester', Alias: zelda.username, EmailAddress: 'zelda@gal.example' },
      ],
    );
    assert.deepEqual(
      (await searchGal(c, 'ZELDA@GAL')).results.map((x) => x.gal?.DisplayName),
      ['Zelda Galtester'],
    );
    const paged = await searchGal(c, 'gal.example', { range: '1-1' });
    assert.deepEqual(
      [paged.total, paged.range, paged.results[0]?.gal?.DisplayName],
      [2, '1-1', 'Zelda Galtester'],
    );
    const none = await searchGal(c, 'nobody-by-that-name');
    assert.deepEqual([none.storeStatus, none.total, none.results[0]?.size], [1, 0, 0]);
    const pictures = await searchGal(c, 'amir', { picture: true });
    assert.equal(pictures.results.length, 1);
  });
});

describe('malformed and refused searches', () => {
  test('a malformed query is Store Status 2 (never a 500); a too complex one 8', async () => {
    const ana = await server.newUser();
    const c = await server.phone(ana);
    const sr = (tag: string, ...k: ElChild[]) => el('Search', tag, ...k);
    /** [Search Status, Store Status] of the answer. */
    const ask = async (body: WbxmlElement | null) => {
      const r = await c.request('Search', body);
      assert.equal(r.httpStatus, 200);
      const store = child(child(r.body, 'Response', 'Search'), 'Store', 'Search');
      return [r.status, Number(childText(store, 'Status', 'Search'))];
    };
    const mailboxQuery = (...q: ElChild[]) =>
      sr('Search', sr('Store', sr('Name', 'Mailbox'), sr('Query', ...q)));
    assert.deepEqual(await ask(mailboxQuery(sr('And', el('Email', 'To', 'bob@example.net')))), [1, 2]);
    assert.deepEqual(await ask(sr('Search')), [1, 2], 'no Store');
    assert.deepEqual(await ask(el('Settings', 'Settings')), [1, 2], "another command's body");
    assert.deepEqual(
      await ask(
        sr(
          'Search',
          sr('Store', sr('Name', 'Mailbox'), sr('Query', sr('And')), sr('Options', sr('Range', '99-0'))),
        ),
      ),
      [1, 2],
    );
    assert.deepEqual(
      await ask(mailboxQuery(sr('And', sr('GreaterThan', el('Email', 'DateReceived'), sr('Value', 'soon'))))),
      [1, 2],
    );
    assert.deepEqual(await ask(mailboxQuery(sr('FreeText', 'outside the And'))), [1, 8]);
    assert.deepEqual(await ask(mailboxQuery(sr('And', sr('FreeText', 'x'.repeat(100_000))))), [1, 8]);
    assert.deepEqual(await ask(null), [1, 2], 'no body');
    // Document libraries are not served: 13.
    assert.deepEqual(
      await ask(sr('Search', sr('Store', sr('Name', 'DocumentLibrary'), sr('Query', 'x')))),
      [1, 13],
    );
  });

  test('OPTIONS advertises Search', async () => {
    const ana = await server.newUser();
    const c = server.client({ username: ana.username, password: PW });
    assert.ok((await c.options()).commands.includes('Search'));
  });
});
