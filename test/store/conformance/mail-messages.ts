// Conformance group: MailStore messages and content (ids, listing order and since windows, flags,
// moves without copying, deletes, change counters, chunked content, streaming a 25 MB message).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAIL_CHUNK_SIZE, MailContentTooLargeError } from '../../../src/store/mail-store.js';
import type { StoreTest } from './index.js';
import { NO_MAIL_FLAGS, T0, T1, T2, makeSummary } from './fixtures.js';
import { addMessage, counter, folder, mailUser, pieces, readAll } from './mail-helpers.js';

const MB = 1024 * 1024;
const FUTURE = (): Date => new Date(Date.now() + 60_000);

function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function mailMessageTests(storeTest: StoreTest): void {
  storeTest('messages get increasing ids per folder and round-trip every field', async (store) => {
    const userId = await mailUser(store);
    const a = await folder(store, userId);
    const b = await folder(store, userId);
    const summary = makeSummary({
      importance: 'high',
      cc: [{ name: 'Dave «D»', address: 'dave@example.net' }],
    });
    const bytes = Buffer.from('Subject: hello\r\n\r\nbody ü\r\n');
    const m1 = await addMessage(store, userId, a.id, {
      bytes,
      summary,
      receivedAt: T0,
      flags: { flagged: true },
    });
    assert.deepEqual(m1, {
      id: 1,
      userId,
      folderId: a.id,
      receivedAt: T0,
      flags: { ...NO_MAIL_FLAGS, flagged: true },
      size: bytes.length,
      summary,
    });
    assert.equal((await addMessage(store, userId, a.id)).id, 2);
    assert.equal((await addMessage(store, userId, b.id)).id, 1, 'ids are per folder');
    assert.equal((await addMessage(store, userId, a.id)).id, 3);
    assert.deepEqual(await store.getMailMessages(userId, a.id, [1]), [m1]);
  });

  storeTest('concurrent adds to one folder get distinct ids and each moves the counter', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const added = await Promise.all(Array.from({ length: 10 }, () => addMessage(store, userId, f.id)));
    assert.deepEqual(
      added.map((m) => m.id).sort((x, y) => x - y),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(await counter(store, userId, f.id), 10);
  });

  storeTest('listing is newest first (receivedAt, then id) and since is inclusive', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const m1 = await addMessage(store, userId, f.id, { receivedAt: T1 });
    const m2 = await addMessage(store, userId, f.id, { receivedAt: T2 });
    const m3 = await addMessage(store, userId, f.id, { receivedAt: T0 });
    const m4 = await addMessage(store, userId, f.id, { receivedAt: T1, flags: { read: true } });
    const all = await store.listMailMessages(userId, f.id);
    assert.deepEqual(
      all?.entries.map((e) => e.id),
      [m4.id, m1.id, m3.id, m2.id],
    );
    assert.deepEqual(all?.entries[0], { id: m4.id, receivedAt: T1, flags: { ...NO_MAIL_FLAGS, read: true } });
    assert.equal(all?.changeCounter, 4);
    assert.deepEqual(
      (await store.listMailMessages(userId, f.id, { since: T1 }))?.entries.map((e) => e.id),
      [m4.id, m1.id],
    );
    assert.deepEqual(
      (await store.listMailMessages(userId, f.id, { since: new Date(T1.getTime() + 1) }))?.entries,
      [],
    );
    assert.equal((await store.listMailMessages(userId, f.id, { since: null }))?.entries.length, 4);
    assert.equal(await store.listMailMessages(userId, 'no-such-folder'), null);
    const empty = await folder(store, userId);
    assert.deepEqual(await store.listMailMessages(userId, empty.id), { changeCounter: 0, entries: [] });
  });

  storeTest('getMailMessages: ordered by id, missing and impossible ids left out', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const m1 = await addMessage(store, userId, f.id);
    const m2 = await addMessage(store, userId, f.id);
    const got = await store.getMailMessages(userId, f.id, [m2.id, 999, 0, -1, 1.5, Number.NaN, m1.id, m2.id]);
    assert.deepEqual(got, [m1, m2]);
    assert.deepEqual(await store.getMailMessages(userId, f.id, []), []);
    assert.equal(await store.getMailMessages(userId, 'no-such-folder', [1]), null);
  });

  storeTest('setMailFlags changes only the given flags and reports what changed', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const a = await addMessage(store, userId, f.id, { flags: { answered: true } });
    const b = await addMessage(store, userId, f.id, { flags: { read: true } });
    const c0 = await counter(store, userId, f.id);
    assert.deepEqual(
      await store.setMailFlags(userId, f.id, [b.id, a.id, 999], { read: true, flagged: true }),
      [a.id, b.id],
    );
    const c1 = await counter(store, userId, f.id);
    assert.ok(c1 > c0);
    const [ga, gb] = (await store.getMailMessages(userId, f.id, [a.id, b.id])) ?? [];
    assert.deepEqual(ga?.flags, { read: true, flagged: true, answered: true, forwarded: false });
    assert.deepEqual(gb?.flags, { read: true, flagged: true, answered: false, forwarded: false });
    // Setting what is already set changes nothing, the counter included.
    assert.deepEqual(await store.setMailFlags(userId, f.id, [a.id, b.id], { read: true }), []);
    assert.deepEqual(await store.setMailFlags(userId, f.id, [a.id], {}), []);
    assert.equal(await counter(store, userId, f.id), c1);
    assert.deepEqual(await store.setMailFlags(userId, f.id, [a.id], { forwarded: true, answered: false }), [
      a.id,
    ]);
    assert.deepEqual((await store.getMailMessages(userId, f.id, [a.id]))?.[0]?.flags, {
      read: true,
      flagged: true,
      answered: false,
      forwarded: true,
    });
    assert.equal(await store.setMailFlags(userId, 'no-such-folder', [a.id], { read: true }), null);
  });

  storeTest('moves give target ids, keep flags, date and content, and never reuse ids', async (store) => {
    const userId = await mailUser(store);
    const from = await folder(store, userId);
    const to = await folder(store, userId);
    await addMessage(store, userId, to.id);
    const bytes = randomBytes(MAIL_CHUNK_SIZE * 2 + 123);
    const big = await addMessage(store, userId, from.id, { bytes, flags: { flagged: true }, receivedAt: T2 });
    const small = await addMessage(store, userId, from.id);
    const stay = await addMessage(store, userId, from.id);
    const [cf, ct] = [await counter(store, userId, from.id), await counter(store, userId, to.id)];
    const map = await store.moveMailMessages(userId, from.id, [small.id, big.id, 999], to.id);
    assert.deepEqual(
      [...(map ?? new Map())],
      [
        [big.id, 2],
        [small.id, 3],
      ],
    );
    assert.ok((await counter(store, userId, from.id)) > cf);
    assert.ok((await counter(store, userId, to.id)) > ct);
    assert.deepEqual(
      (await store.listMailMessages(userId, from.id))?.entries.map((e) => e.id),
      [stay.id],
    );
    const [moved] = (await store.getMailMessages(userId, to.id, [2])) ?? [];
    assert.deepEqual(moved, { ...big, id: 2, folderId: to.id });
    const opened = await store.openMailContent(userId, to.id, 2);
    assert.equal(opened?.size, bytes.length);
    assert.ok(opened && (await readAll(opened.stream)).equals(bytes));
    assert.equal(await store.openMailContent(userId, from.id, big.id), null);
    // The source's ids are not reused after a move out; moving back gets new ids.
    assert.equal((await addMessage(store, userId, from.id)).id, stay.id + 1);
    const back = await store.moveMailMessages(userId, to.id, [2], from.id);
    assert.deepEqual([...(back ?? new Map())], [[2, stay.id + 2]]);
    assert.deepEqual(await store.moveMailMessages(userId, from.id, [], to.id), new Map());
    assert.equal(await store.moveMailMessages(userId, from.id, [stay.id], 'no-such-folder'), null);
    assert.equal(await store.moveMailMessages(userId, 'no-such-folder', [stay.id], to.id), null);
    const cSame = await counter(store, userId, from.id);
    assert.deepEqual(
      [...((await store.moveMailMessages(userId, from.id, [stay.id, 999], from.id)) ?? [])],
      [[stay.id, stay.id]],
    );
    assert.equal(await counter(store, userId, from.id), cSame, 'a move into the same folder changes nothing');
  });

  storeTest('deleteMailMessages removes messages and content; ids are not reused', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const a = await addMessage(store, userId, f.id);
    const b = await addMessage(store, userId, f.id);
    const c0 = await counter(store, userId, f.id);
    assert.deepEqual(await store.deleteMailMessages(userId, f.id, [a.id, 999]), [a.id]);
    assert.ok((await counter(store, userId, f.id)) > c0);
    const c1 = await counter(store, userId, f.id);
    assert.deepEqual(await store.deleteMailMessages(userId, f.id, [a.id]), []);
    assert.deepEqual(await store.deleteMailMessages(userId, f.id, []), []);
    assert.equal(await counter(store, userId, f.id), c1, 'deleting nothing changes nothing');
    assert.deepEqual(
      (await store.listMailMessages(userId, f.id))?.entries.map((e) => e.id),
      [b.id],
    );
    assert.equal(await store.openMailContent(userId, f.id, a.id), null);
    assert.equal(await store.pruneMailContent(FUTURE()), 0, 'the content went with the message');
    assert.equal((await addMessage(store, userId, f.id)).id, b.id + 1);
    assert.equal(await store.deleteMailMessages(userId, 'no-such-folder', [b.id]), null);
  });

  storeTest('the change counter moves on every change and only then', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const g = await folder(store, userId);
    const seen = [await counter(store, userId, f.id)];
    const step = async (what: string, fn: () => Promise<unknown>, changes = true): Promise<void> => {
      await fn();
      const now = await counter(store, userId, f.id);
      const last = seen[seen.length - 1] as number;
      if (changes) assert.ok(now > last, `${what}: counter ${now} should have moved from ${last}`);
      else assert.equal(now, last, `${what}: counter should not move`);
      seen.push(now);
    };
    let id = 0;
    await step('add', async () => (id = (await addMessage(store, userId, f.id)).id));
    await step('list', () => store.listMailMessages(userId, f.id), false);
    await step(
      'read',
      async () => readAll((await store.openMailContent(userId, f.id, id))?.stream ?? []),
      false,
    );
    await step('flag', () => store.setMailFlags(userId, f.id, [id], { read: true }));
    await step('same flag again', () => store.setMailFlags(userId, f.id, [id], { read: true }), false);
    await step(
      'rename folder',
      () => store.updateMailFolder(userId, f.id, { parentId: null, name: 'Renamed' }),
      false,
    );
    await step('other folder changes', () => addMessage(store, userId, g.id), false);
    await step(
      'move out',
      async () => (id = (await store.moveMailMessages(userId, f.id, [id], g.id))?.get(id) ?? 0),
    );
    await step(
      'move in',
      async () => (id = (await store.moveMailMessages(userId, g.id, [id], f.id))?.get(id) ?? 0),
    );
    await step('delete', () => store.deleteMailMessages(userId, f.id, [id]));
    // The start and five changes: add, flag, move out, move in, delete.
    assert.equal(new Set(seen).size, 6);
  });

  storeTest('content is written in chunks of MAIL_CHUNK_SIZE and read back exactly', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    for (const size of [
      0,
      1,
      MAIL_CHUNK_SIZE - 1,
      MAIL_CHUNK_SIZE,
      MAIL_CHUNK_SIZE + 1,
      3 * MAIL_CHUNK_SIZE + 7,
    ]) {
      const bytes = randomBytes(size);
      const content = await store.writeMailContent(userId, pieces(bytes, 65_537));
      assert.equal(content.size, size);
      const m = await store.addMailMessage({
        userId,
        folderId: f.id,
        contentId: content.id,
        receivedAt: T1,
        flags: NO_MAIL_FLAGS,
        summary: makeSummary(),
      });
      assert.equal(m?.size, size);
      const opened = await store.openMailContent(userId, f.id, m?.id ?? 0);
      assert.equal(opened?.size, size);
      const back = await readAll(opened?.stream ?? []);
      assert.ok(back.equals(bytes), `${size} bytes read back exactly`);
    }
    // One source piece much larger than a chunk (a Buffer handed over whole).
    const whole = randomBytes(5 * MAIL_CHUNK_SIZE + 3);
    const content = await store.writeMailContent(userId, [whole]);
    const m = await store.addMailMessage({
      userId,
      folderId: f.id,
      contentId: content.id,
      receivedAt: T1,
      flags: NO_MAIL_FLAGS,
      summary: makeSummary(),
    });
    assert.ok(
      (await readAll((await store.openMailContent(userId, f.id, m?.id ?? 0))?.stream ?? [])).equals(whole),
    );
  });

  storeTest('openMailContent with a range reads only those bytes, across chunk boundaries', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    const bytes = randomBytes(3 * MAIL_CHUNK_SIZE + 777);
    const m = await addMessage(store, userId, f.id, { bytes });
    const C = MAIL_CHUNK_SIZE;
    const cases: Array<[number, number]> = [
      [0, bytes.length],
      [0, 1],
      [5, 70_000],
      [C - 1, C + 1],
      [C, 2 * C],
      [65_535, 65_537],
      [C + 12_345, 3 * C + 5],
      [3 * C, bytes.length],
      [bytes.length - 1, bytes.length],
      [100, 100],
      [bytes.length - 10, bytes.length + 1_000],
      [bytes.length + 5, bytes.length + 10],
      [-20, 10],
      [50, 20],
    ];
    for (const [start, end] of cases) {
      const opened = await store.openMailContent(userId, f.id, m.id, { start, end });
      assert.equal(opened?.size, bytes.length, 'size is the whole message');
      const want = bytes.subarray(
        Math.max(start, 0),
        Math.max(Math.min(end, bytes.length), Math.max(start, 0)),
      );
      assert.ok((await readAll(opened?.stream ?? [])).equals(want), `[${start}, ${end})`);
    }
    assert.equal(await store.openMailContent(userId, f.id, 999, { start: 0, end: 10 }), null);
  });

  storeTest(
    'a content over maxBytes, or whose source fails, is refused and nothing is kept',
    async (store) => {
      const userId = await mailUser(store);
      await assert.rejects(
        store.writeMailContent(userId, pieces(randomBytes(3 * MAIL_CHUNK_SIZE)), {
          maxBytes: MAIL_CHUNK_SIZE + 10,
        }),
        MailContentTooLargeError,
      );
      const exact = await store.writeMailContent(userId, pieces(randomBytes(1000)), { maxBytes: 1000 });
      assert.equal(exact.size, 1000);
      const failing = (async function* () {
        yield randomBytes(MAIL_CHUNK_SIZE + 5);
        throw new Error('connection reset');
      })();
      await assert.rejects(store.writeMailContent(userId, failing), /connection reset/);
      await assert.rejects(
        store.writeMailContent('no-such-user', pieces(Buffer.from('x'))),
        /does not exist/,
      );
      // Only the unused 1000-byte content is left for the sweep.
      assert.equal(await store.pruneMailContent(FUTURE()), 1);
    },
  );

  storeTest(
    'contents: one message each, the owner’s only; deleteMailContent and prune spare used ones',
    async (store) => {
      const userId = await mailUser(store);
      const other = await mailUser(store);
      const f = await folder(store, userId);
      const used = await addMessage(store, userId, f.id);
      const content = await store.writeMailContent(userId, pieces(Buffer.from('reuse me')));
      const input = {
        userId,
        folderId: f.id,
        contentId: content.id,
        receivedAt: T1,
        flags: NO_MAIL_FLAGS,
        summary: makeSummary(),
      };
      assert.ok(await store.addMailMessage(input));
      await assert.rejects(store.addMailMessage(input), /in use/);
      const theirs = await store.writeMailContent(other, pieces(Buffer.from('not yours')));
      await assert.rejects(store.addMailMessage({ ...input, contentId: theirs.id }), /missing/);
      await assert.rejects(store.addMailMessage({ ...input, contentId: 'no-such-content' }), /missing/);
      const spare = await store.writeMailContent(userId, pieces(Buffer.from('spare')));
      assert.equal(
        await store.addMailMessage({ ...input, contentId: spare.id, folderId: 'no-such-folder' }),
        null,
      );
      await store.deleteMailContent(userId, content.id);
      await store.deleteMailContent(other, spare.id);
      assert.ok(await store.openMailContent(userId, f.id, used.id));
      assert.equal((await store.listMailMessages(userId, f.id))?.entries.length, 2);
      assert.equal(await store.pruneMailContent(new Date(Date.now() - 60_000)), 0, 'not old enough');
      await store.deleteMailContent(userId, spare.id);
      assert.equal(await store.pruneMailContent(FUTURE()), 1, 'only the other user’s unused content');
      assert.equal((await store.listMailMessages(userId, f.id))?.entries.length, 2);
    },
  );

  storeTest(
    'a reader dropped half-way, and a message deleted mid-read, leave the store usable',
    async (store) => {
      const userId = await mailUser(store);
      const f = await folder(store, userId);
      const bytes = randomBytes(4 * MAIL_CHUNK_SIZE);
      const m = await addMessage(store, userId, f.id, { bytes });
      const opened = await store.openMailContent(userId, f.id, m.id);
      assert.ok(opened);
      for await (const _ of opened.stream) break;
      const again = await store.openMailContent(userId, f.id, m.id);
      assert.ok(again);
      const it = again.stream[Symbol.asyncIterator]();
      await it.next();
      await store.deleteMailMessages(userId, f.id, [m.id]);
      await assert.rejects(readAll({ [Symbol.asyncIterator]: () => it }), /missing/);
      assert.equal((await addMessage(store, userId, f.id)).id, m.id + 1);
    },
  );

  storeTest('findUserIdByEmail ignores ASCII case only', async (store) => {
    const id = await mailUser(store, 'Zoë.Smith@Example.COM');
    assert.equal(await store.findUserIdByEmail('zoë.smith@example.com'), id);
    assert.equal(await store.findUserIdByEmail('ZOë.SMITH@EXAMPLE.COM'), id);
    assert.equal(
      await store.findUserIdByEmail('ZOË.smith@example.com'),
      null,
      'non-ASCII case is not folded',
    );
    assert.equal(await store.findUserIdByEmail('nobody@example.com'), null);
    assert.equal(await store.findUserIdByEmail('zoë.smith@example.com\u0000'), null);
  });

  storeTest('U+0000: lookups find nothing, writes are refused', async (store) => {
    const NUL = 'a\u0000b';
    const userId = await mailUser(store);
    const f = await folder(store, userId);
    assert.deepEqual(await store.listMailFolders(NUL), []);
    assert.equal(await store.getMailFolder(userId, NUL), null);
    assert.equal(await store.listMailMessages(userId, NUL), null);
    assert.equal(await store.openMailContent(NUL, f.id, 1), null);
    assert.equal(await store.moveMailMessages(userId, f.id, [1], NUL), null);
    await assert.rejects(folder(store, userId, NUL));
    await assert.rejects(store.updateMailFolder(userId, f.id, { parentId: null, name: NUL }));
    await assert.rejects(addMessage(store, userId, f.id, { summary: makeSummary({ subject: NUL }) }));
    assert.equal((await store.listMailMessages(userId, f.id))?.entries.length, 0);
  });

  storeTest('mail survives close and reopen (persistent backends only)', async (store, harness, t) => {
    if (!harness.reopen) {
      t.skip('backend is not persistent');
      return;
    }
    const userId = await mailUser(store);
    const f = await folder(store, userId, 'Inbox', { role: 'inbox' });
    const bytes = randomBytes(MAIL_CHUNK_SIZE + 1);
    const m = await addMessage(store, userId, f.id, { bytes });
    await store.close();
    const again = await harness.reopen();
    try {
      assert.deepEqual(await again.listMailFolders(userId), [{ ...f, changeCounter: 1 }]);
      assert.deepEqual(await again.getMailMessages(userId, f.id, [m.id]), [m]);
      assert.ok(
        (await readAll((await again.openMailContent(userId, f.id, m.id))?.stream ?? [])).equals(bytes),
      );
    } finally {
      await again.close();
    }
  });

  storeTest(
    'a 25 MB message is written and read as a stream with bounded memory',
    async (store, harness, t) => {
      const userId = await mailUser(store);
      const f = await folder(store, userId);
      const gc = forcedGc();
      const size = 25 * MB;
      const rssMb = (): number => process.memoryUsage().rss / MB;
      // 1. Write from a generator that makes the bytes as they are asked for, hashing them and
      //    sampling RSS after a forced GC every 2 MB.
      const written = createHash('sha256');
      gc();
      gc();
      const beforeWrite = rssMb();
      let peakWrite = beforeWrite;
      async function* source(): AsyncGenerator<Buffer> {
        for (let sent = 0; sent < size; sent += 64 * 1024) {
          const piece = randomBytes(Math.min(64 * 1024, size - sent));
          written.update(piece);
          yield piece;
          if (sent % (2 * MB) === 0) {
            gc();
            peakWrite = Math.max(peakWrite, rssMb());
          }
        }
      }
      const content = await store.writeMailContent(userId, source());
      assert.equal(content.size, size);
      const m = await store.addMailMessage({
        userId,
        folderId: f.id,
        contentId: content.id,
        receivedAt: T1,
        flags: NO_MAIL_FLAGS,
        summary: makeSummary(),
      });
      assert.ok(m);
      // 2. Read it twice, piping into a hash; the first pass warms allocator arenas up, the second
      //    shows what streaming retains. RSS is sampled after a forced GC every 2 MB.
      const pass = async (): Promise<{ digest: string; grewMb: number }> => {
        gc();
        gc();
        const base = rssMb();
        let peak = base;
        const opened = await store.openMailContent(userId, f.id, m.id);
        assert.ok(opened);
        const hash = createHash('sha256');
        let sinceGc = 0;
        await pipeline(opened.stream, async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            sinceGc += chunk.length;
            if (sinceGc >= 2 * MB) {
              sinceGc = 0;
              gc();
              peak = Math.max(peak, rssMb());
            }
          }
          yield* [];
        });
        return { digest: hash.digest('hex'), grewMb: peak - base };
      };
      const first = await pass();
      const second = await pass();
      const expected = written.digest('hex');
      assert.equal(first.digest, expected);
      assert.equal(second.digest, expected);
      t.diagnostic(
        `25 MB: write peak +${(peakWrite - beforeWrite).toFixed(1)} MB RSS; read pass 1 +${first.grewMb.toFixed(1)} MB, pass 2 +${second.grewMb.toFixed(1)} MB`,
      );
      assert.ok(second.grewMb < 10, `RSS grew by ${second.grewMb.toFixed(1)} MB while reading 25 MB`);
      // A ':memory:' database holds the 25 MB in RAM by design; only persistent stores must not.
      if (harness.reopen) {
        assert.ok(
          peakWrite - beforeWrite < 20,
          `RSS grew by ${(peakWrite - beforeWrite).toFixed(1)} MB while writing 25 MB`,
        );
      }
    },
  );
}
