// MailSession.search: what a term finds (subject, names, addresses, body text; case-insensitive;
// every term), the receivedAt bounds, folders, the newest-first order and its windows, and errors.
import assert from 'node:assert/strict';
import type { MailSearchQuery, MailSession, MessageEntry } from '../../../src/mail/types.js';
import { MailNotFoundError } from '../../../src/mail/types.js';
import {
  base64Lines,
  folderByRole,
  inbox,
  richMessage,
  simpleMessage,
  uniqueId,
  waitForMessages,
} from './fixtures.js';
import type { MailTest } from './index.js';

function query(folderIds: string[], over: Partial<MailSearchQuery> = {}): MailSearchQuery {
  return {
    terms: [],
    folderIds,
    receivedAfter: null,
    receivedBefore: null,
    offset: 0,
    limit: 100,
    ...over,
  };
}

/** Subjects of the hits, in order. */
async function subjects(s: MailSession, q: MailSearchQuery): Promise<string[]> {
  const r = await s.search(q);
  const out: string[] = [];
  for (const h of r.hits) {
    const [head] = await s.getHeaders(h.folderId, [h.id]);
    out.push(head?.subject ?? `<missing ${h.id}>`);
  }
  return out;
}

/** A unique word, so a test finds only its own messages whatever the server indexes. */
function word(prefix: string): string {
  return `${prefix}${uniqueId()
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 12)}`;
}

/** text/html only, quoted-printable. */
function htmlOnlyMessage(subject: string, html: string): Buffer {
  return Buffer.from(
    [
      'From: sender@example.net',
      'To: bob@example.net',
      `Subject: ${subject}`,
      `Message-ID: <${uniqueId()}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(Buffer.from(html, 'utf8')),
      '',
    ].join('\r\n'),
  );
}

export function searchTests(mailTest: MailTest): void {
  mailTest('finds messages by a word of the subject, the body, a name or an address', async (ctx) => {
    const { session, harness, user } = ctx;
    const box = await inbox(session);
    const [inSubject, inBody, inName, inAddress, nowhere] = ['subj', 'body', 'name', 'addr', 'none'].map(
      word,
    ) as [string, string, string, string, string];
    await harness.deliver(user, simpleMessage({ subject: `Plans ${inSubject} for May`, body: 'nothing' }));
    await harness.deliver(user, simpleMessage({ subject: 'Second', body: `The ${inBody} is here.` }));
    await harness.deliver(
      user,
      simpleMessage({ subject: 'Third', from: `"Carla ${inName}" <carla@example.net>`, body: 'x' }),
    );
    await harness.deliver(
      user,
      simpleMessage({ subject: 'Fourth', to: `Team <${inAddress}@example.org>`, body: 'x' }),
    );
    await waitForMessages(session, box.id, 4);
    const find = (terms: string[]) => subjects(session, query([box.id], { terms }));
    assert.deepEqual(await find([inSubject]), [`Plans ${inSubject} for May`]);
    assert.deepEqual(await find([inBody]), ['Second']);
    assert.deepEqual(await find([inName]), ['Third']);
    assert.deepEqual(await find([inAddress]), ['Fourth']);
    const none = await session.search(query([box.id], { terms: [nowhere] }));
    assert.deepEqual(none, { total: 0, hits: [] });
  });

  mailTest('terms match case-insensitively, inside words, and all of them must occur', async (ctx) => {
    const { session, harness, user } = ctx;
    const box = await inbox(session);
    const w = word('mixed');
    await harness.deliver(
      user,
      simpleMessage({ subject: `Budget ${w}`, body: 'Quarterly Numbers attached.' }),
    );
    await harness.deliver(user, simpleMessage({ subject: `Other ${w}`, body: 'No figures.' }));
    await waitForMessages(session, box.id, 2);
    const find = (terms: string[]) => subjects(session, query([box.id], { terms }));
    assert.deepEqual(await find([w.toUpperCase(), 'BUDGET']), [`Budget ${w}`]);
    assert.deepEqual(await find([w, 'numbers']), [`Budget ${w}`], 'one term in the subject, one in the body');
    assert.deepEqual(await find([w, 'uarterl']), [`Budget ${w}`], 'a piece of a word');
    assert.deepEqual(await find([w, 'numbers', 'missing-word']), []);
    assert.deepEqual((await find([w])).sort(), [`Budget ${w}`, `Other ${w}`]);
  });

  mailTest(
    'encoded bodies are searched as text: quoted-printable UTF-8 and an HTML-only body',
    async (ctx) => {
      const { session, harness, user } = ctx;
      const box = await inbox(session);
      const h = word('html');
      await harness.deliver(user, richMessage('Rich one').mime);
      await harness.deliver(
        user,
        htmlOnlyMessage('Html one', `<html><body><p>Look at <b>${h}</b> now</p></body></html>`),
      );
      await waitForMessages(session, box.id, 2);
      const find = (terms: string[]) => subjects(session, query([box.id], { terms }));
      // "Gr=C3=BC=C3=9Fe" in the quoted-printable text part; upper case finds it too.
      assert.deepEqual(await find(['GRÜ', 'chart']), ['Rich one']);
      assert.deepEqual(await find(['Jörg']), ['Rich one'], 'a non-ASCII display name');
      assert.deepEqual(await find([h]), ['Html one']);
    },
  );

  mailTest('receivedAfter and receivedBefore are exclusive bounds on the arrival time', async (ctx) => {
    const { session, harness, user } = ctx;
    const box = await inbox(session);
    for (const subject of ['early', 'middle', 'late']) {
      await harness.deliver(user, simpleMessage({ subject }));
      await waitForMessages(session, box.id, ['early', 'middle', 'late'].indexOf(subject) + 1);
      // Apart by more than a second: IMAP INTERNALDATE has whole seconds.
      if (subject !== 'late') await new Promise((r) => setTimeout(r, 1100));
    }
    const listed = (await session.listMessages(box.id)).entries;
    assert.equal(listed.length, 3);
    const [late, middle, early] = listed as [MessageEntry, MessageEntry, MessageEntry];
    const find = (over: Partial<MailSearchQuery>) => subjects(session, query([box.id], over));
    assert.deepEqual(await find({ receivedAfter: early.receivedAt }), ['late', 'middle']);
    assert.deepEqual(await find({ receivedBefore: late.receivedAt }), ['middle', 'early']);
    assert.deepEqual(await find({ receivedAfter: early.receivedAt, receivedBefore: late.receivedAt }), [
      'middle',
    ]);
    assert.deepEqual(await find({ receivedAfter: middle.receivedAt, receivedBefore: late.receivedAt }), []);
    assert.deepEqual(await find({ receivedAfter: new Date(Date.now() + 86_400_000) }), []);
    assert.deepEqual(await find({ receivedBefore: new Date(Date.now() - 86_400_000 * 5) }), []);
    const r = await session.search(query([box.id], { receivedAfter: early.receivedAt }));
    assert.equal(r.total, 2);
    for (const hit of r.hits) assert.ok(hit.receivedAt.getTime() > early.receivedAt.getTime());
  });

  mailTest(
    'newest first; offset and limit page through the same order; total counts every match',
    async (ctx) => {
      const { session, harness, user } = ctx;
      const box = await inbox(session);
      const w = word('page');
      for (let i = 1; i <= 5; i++) await harness.deliver(user, simpleMessage({ subject: `${w} ${i}` }));
      await harness.deliver(user, simpleMessage({ subject: 'not this one' }));
      await waitForMessages(session, box.id, 6);
      const page = (offset: number, limit: number) =>
        subjects(session, query([box.id], { terms: [w], offset, limit }));
      assert.deepEqual(
        await page(0, 100),
        [5, 4, 3, 2, 1].map((i) => `${w} ${i}`),
      );
      assert.deepEqual(await page(0, 2), [`${w} 5`, `${w} 4`]);
      assert.deepEqual(await page(2, 2), [`${w} 3`, `${w} 2`]);
      assert.deepEqual(await page(4, 2), [`${w} 1`]);
      const r = await session.search(query([box.id], { terms: [w], offset: 1, limit: 2 }));
      assert.equal(r.total, 5);
      assert.equal(r.hits.length, 2);
      for (const h of r.hits) {
        assert.equal(h.folderId, box.id);
        assert.equal(typeof h.id, 'string');
        assert.ok(h.receivedAt instanceof Date);
      }
      assert.deepEqual(await session.search(query([box.id], { terms: [w], offset: 5, limit: 10 })), {
        total: 5,
        hits: [],
      });
      const all = await session.search(query([box.id]));
      assert.equal(all.total, 6, 'no terms: every message of the folders');
    },
  );

  mailTest(
    'only the listed folders are searched; an unknown folder fails with MailNotFoundError',
    async (ctx) => {
      const { session, harness, user } = ctx;
      const box = await inbox(session);
      const archive = await session.createFolder(null, `Archive ${word('f')}`);
      const sent = await folderByRole(session, 'sent');
      const w = word('where');
      await harness.deliver(user, simpleMessage({ subject: `${w} stays` }));
      await harness.deliver(user, simpleMessage({ subject: `${w} moves` }));
      const entries = await waitForMessages(session, box.id, 2);
      const [moving] = await session
        .getHeaders(
          box.id,
          entries.map((e) => e.id),
        )
        .then((hs) => hs.filter((x) => x.subject.endsWith('moves')));
      assert.ok(moving);
      const moved = await session.moveMessages(box.id, [moving.id], archive.id);
      const newId = moved.get(moving.id);
      assert.ok(newId);
      const find = (folderIds: string[]) => subjects(session, query(folderIds, { terms: [w] }));
      assert.deepEqual(await find([box.id]), [`${w} stays`]);
      assert.deepEqual(await find([archive.id]), [`${w} moves`], 'a moved message is found where it is now');
      assert.deepEqual((await find([box.id, archive.id, sent.id])).sort(), [`${w} moves`, `${w} stays`]);
      assert.deepEqual(await find([sent.id]), []);
      assert.deepEqual(await session.search(query([], { terms: [w] })), { total: 0, hits: [] });
      const [hit] = (await session.search(query([archive.id], { terms: [w] }))).hits;
      assert.deepEqual([hit?.folderId, hit?.id], [archive.id, newId]);
      await assert.rejects(
        session.search(query([box.id, 'no-such-folder'], { terms: [w] })),
        MailNotFoundError,
      );
    },
  );

  mailTest('deleted messages are not found, and searching changes nothing', async (ctx) => {
    const { session, harness, user } = ctx;
    const box = await inbox(session);
    const w = word('gone');
    await harness.deliver(user, simpleMessage({ subject: `${w} a` }));
    await harness.deliver(user, simpleMessage({ subject: `${w} b` }));
    const entries = await waitForMessages(session, box.id, 2);
    await session.deleteMessages(box.id, [entries[0]?.id as string]);
    const before = await session.listMessages(box.id);
    const r = await session.search(query([box.id], { terms: [w] }));
    assert.equal(r.total, 1);
    assert.deepEqual(
      r.hits.map((h) => h.id),
      [entries[1]?.id],
    );
    assert.deepEqual(await session.listMessages(box.id), before, 'no flag or checkpoint change');
  });
}
