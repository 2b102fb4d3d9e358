// Conformance group: MailStore.searchMailMessages (what the stored search text holds, folding,
// every term, exclusive date bounds, folders of the user only, order, windows and totals, moves).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MailSearch, MessageSummary } from '../../../src/store/mail-store.js';
import { MAIL_SEARCH_BODY_CHARS } from '../../../src/store/mail-store.js';
import type { Store } from '../../../src/store/types.js';
import { NO_MAIL_FLAGS, T0, T1, T2, makeSummary } from './fixtures.js';
import { folder, mailUser, pieces } from './mail-helpers.js';
import type { StoreTest } from './index.js';

function search(folderIds: string[], over: Partial<MailSearch> = {}): MailSearch {
  return { folderIds, terms: [], receivedAfter: null, receivedBefore: null, offset: 0, limit: 100, ...over };
}

async function add(
  store: Store,
  userId: string,
  folderId: string,
  o: { summary?: Partial<MessageSummary>; bodyText?: string | null; receivedAt?: Date } = {},
): Promise<number> {
  const content = await store.writeMailContent(
    userId,
    pieces(Buffer.from(`Subject: x\r\n\r\n${randomUUID()}\r\n`)),
  );
  const m = await store.addMailMessage({
    userId,
    folderId,
    contentId: content.id,
    receivedAt: o.receivedAt ?? T1,
    flags: NO_MAIL_FLAGS,
    summary: makeSummary(o.summary),
    ...(o.bodyText === undefined ? {} : { bodyText: o.bodyText }),
  });
  if (!m) throw new Error('add: folder missing');
  return m.id;
}

/** Ids of the hits, in order. */
async function ids(store: Store, userId: string, s: MailSearch): Promise<number[]> {
  return (await store.searchMailMessages(userId, s)).hits.map((h) => h.id);
}

export function mailSearchTests(storeTest: StoreTest): void {
  storeTest('the search text holds the subject, names, addresses and body text, folded', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const a = await add(store, userId, f.id, {
      summary: {
        subject: 'Quarterly Überblick',
        from: [{ name: 'Jörg Müller', address: 'joerg@example.net' }],
        to: [{ name: null, address: 'Team.Lead@Example.ORG' }],
        cc: [{ name: 'Dana Cc', address: 'dana@example.net' }],
      },
      bodyText: 'Please find the ÄRGER-free figures attached.',
    });
    const b = await add(store, userId, f.id, {
      summary: { subject: 'Unrelated', from: [{ name: null, address: 'x@example.com' }], to: [], cc: [] },
      bodyText: null,
    });
    const find = (...terms: string[]) => ids(store, userId, search([f.id], { terms }));
    assert.deepEqual(await find('überblick'), [a]);
    assert.deepEqual(await find('ÜBERBLICK'), [a], 'non-ASCII case folding');
    assert.deepEqual(await find('jörg'), [a]);
    assert.deepEqual(await find('team.lead@example.org'), [a]);
    assert.deepEqual(await find('dana cc'), [a]);
    assert.deepEqual(await find('ärger-free', 'figures'), [a]);
    assert.deepEqual(await find('uarter', 'attach'), [a], 'substrings, subject and body together');
    assert.deepEqual(await find('figures', 'unrelated'), [], 'every term must occur');
    assert.deepEqual(await find('unrelated'), [b]);
    assert.deepEqual(await find('100%', '_'), [], 'LIKE wildcards are plain characters');
    assert.deepEqual((await find()).sort(), [a, b].sort(), 'no terms: everything');
    assert.equal((await find('', '  ')).length, 2, 'empty and blank terms are ignored');
  });

  storeTest(
    'only the leading MAIL_SEARCH_BODY_CHARS of the body are kept; U+0000 is dropped',
    async (store) => {
      const userId = await mailUser(store);
      const f = await folder(store, userId);
      const filler = 'x'.repeat(MAIL_SEARCH_BODY_CHARS - 10);
      const id = await add(store, userId, f.id, { bodyText: `${filler} nearend beyondtheend\u0000zero` });
      const nul = await add(store, userId, f.id, { bodyText: 'nul\u0000inside' });
      const find = (...terms: string[]) => ids(store, userId, search([f.id], { terms }));
      assert.deepEqual(await find('nearend'), [id]);
      assert.deepEqual(await find('beyondtheend'), []);
      assert.deepEqual(await find('nulinside'), [nul]);
    },
  );

  storeTest(
    'receivedAt bounds are exclusive; order is newest first, then folder id, then id descending',
    async (store) => {
      const userId = await mailUser(store);
      const [f1, f2] = (await Promise.all([folder(store, userId), folder(store, userId)])).sort((x, y) =>
        x.id < y.id ? -1 : 1,
      ) as [Awaited<ReturnType<typeof folder>>, Awaited<ReturnType<typeof folder>>];
      const old = await add(store, userId, f1.id, { receivedAt: T2 });
      const a1 = await add(store, userId, f1.id, { receivedAt: T1 });
      const a2 = await add(store, userId, f1.id, { receivedAt: T1 });
      const b1 = await add(store, userId, f2.id, { receivedAt: T1 });
      const mid = await add(store, userId, f2.id, { receivedAt: T0 });
      const page = await store.searchMailMessages(userId, search([f1.id, f2.id]));
      assert.equal(page.total, 5);
      assert.deepEqual(
        page.hits.map((h) => [h.folderId, h.id]),
        [
          [f1.id, a2],
          [f1.id, a1],
          [f2.id, b1],
          [f2.id, mid],
          [f1.id, old],
        ],
      );
      assert.deepEqual(page.hits[0]?.receivedAt, T1);
      const within = (receivedAfter: Date | null, receivedBefore: Date | null) =>
        ids(store, userId, search([f1.id, f2.id], { receivedAfter, receivedBefore }));
      assert.deepEqual(await within(T0, null), [a2, a1, b1]);
      assert.deepEqual(await within(null, T1), [mid, old]);
      assert.deepEqual(await within(T2, T1), [mid]);
      assert.deepEqual(await within(T1, null), []);
    },
  );

  storeTest('offset and limit page through the matches; total counts them all', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const added: number[] = [];
    for (let i = 0; i < 7; i++) {
      added.push(await add(store, userId, f.id, { summary: { subject: `report ${i}` } }));
    }
    await add(store, userId, f.id, { summary: { subject: 'other' } });
    const newest = [...added].reverse();
    const page = (offset: number, limit: number) =>
      store.searchMailMessages(userId, search([f.id], { terms: ['report'], offset, limit }));
    assert.deepEqual(
      (await page(0, 3)).hits.map((h) => h.id),
      newest.slice(0, 3),
    );
    assert.deepEqual(
      (await page(3, 3)).hits.map((h) => h.id),
      newest.slice(3, 6),
    );
    const last = await page(6, 3);
    assert.deepEqual([last.total, last.hits.map((h) => h.id)], [7, newest.slice(6)]);
    assert.deepEqual(await page(7, 3), { total: 7, hits: [] });
    assert.deepEqual(await page(100, 3), { total: 7, hits: [] });
    assert.equal((await page(0, 0)).total, 7);
  });

  storeTest("only the user's own listed folders are searched", async (store) => {
    const ana = await mailUser(store);
    const ben = await mailUser(store);
    const fa = await folder(store, ana);
    const fa2 = await folder(store, ana);
    const fb = await folder(store, ben);
    const mine = await add(store, ana, fa.id, { summary: { subject: 'shared word' } });
    await add(store, ana, fa2.id, { summary: { subject: 'shared word' } });
    await add(store, ben, fb.id, { summary: { subject: 'shared word' } });
    const find = (userId: string, folderIds: string[]) =>
      store.searchMailMessages(userId, search(folderIds, { terms: ['shared'] }));
    assert.deepEqual(
      (await find(ana, [fa.id, fb.id])).hits.map((h) => [h.folderId, h.id]),
      [[fa.id, mine]],
      "another user's folder matches nothing",
    );
    assert.deepEqual(await find(ana, []), { total: 0, hits: [] });
    assert.deepEqual(await find(ana, ['no-such-folder']), { total: 0, hits: [] });
    assert.equal((await find(ben, [fa.id, fa2.id])).total, 0);
    assert.equal((await find(ana, [fa.id, fa2.id, fa.id])).total, 2, 'a folder listed twice counts once');
  });

  storeTest('a moved message keeps its search text; a deleted one is gone', async (store) => {
    const userId = await mailUser(store);
    const a = await folder(store, userId);
    const b = await folder(store, userId);
    const id = await add(store, userId, a.id, { bodyText: 'movable text' });
    const gone = await add(store, userId, a.id, { bodyText: 'movable but deleted' });
    const moved = await store.moveMailMessages(userId, a.id, [id], b.id);
    const newId = moved?.get(id);
    assert.ok(newId);
    await store.deleteMailMessages(userId, a.id, [gone]);
    const page = await store.searchMailMessages(userId, search([a.id, b.id], { terms: ['movable'] }));
    assert.deepEqual(
      page.hits.map((h) => [h.folderId, h.id]),
      [[b.id, newId]],
    );
    assert.equal(page.total, 1);
  });
}
