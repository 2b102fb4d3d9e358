// Conformance group: MailStore folders (hierarchy, names, roles, per-user scoping, deletion).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { addMessage, folder, mailUser } from './mail-helpers.js';

const DEFAULTS = [
  ['Inbox', 'inbox'],
  ['Drafts', 'drafts'],
  ['Deleted Items', 'deleted'],
  ['Sent Items', 'sent'],
  ['Outbox', 'outbox'],
  ['Junk E-mail', 'junk'],
] as const;

export function mailFolderTests(storeTest: StoreTest): void {
  storeTest('an unknown user has no folders; missing folders are null', async (store) => {
    const userId = await mailUser(store);
    assert.deepEqual(await store.listMailFolders(userId), []);
    assert.deepEqual(await store.listMailFolders('no-such-user'), []);
    assert.equal(await store.getMailFolder(userId, 'no-such-folder'), null);
    assert.equal(await store.deleteMailFolder(userId, 'no-such-folder'), false);
    assert.equal(await store.updateMailFolder(userId, 'no-such-folder', { parentId: null, name: 'x' }), null);
  });

  storeTest(
    'createMailFolder round-trips; folders are listed by case-folded name, then id',
    async (store) => {
      const userId = await mailUser(store);
      const b = await folder(store, userId, 'beta');
      const a = await folder(store, userId, 'Alpha', { role: 'archive' });
      const child = await folder(store, userId, 'Ärger 📁', { parentId: a.id });
      assert.deepEqual(b, { id: b.id, userId, parentId: null, name: 'beta', role: null, changeCounter: 0 });
      assert.deepEqual(await store.getMailFolder(userId, child.id), child);
      assert.deepEqual(await store.listMailFolders(userId), [a, b, child]);
    },
  );

  storeTest('names are unique per parent ignoring case; roles are unique per user', async (store) => {
    const userId = await mailUser(store);
    const other = await mailUser(store);
    const top = await folder(store, userId, 'Projects');
    await assert.rejects(folder(store, userId, 'PROJECTS'), StoreConflictError);
    await folder(store, userId, 'Projects', { parentId: top.id });
    await assert.rejects(folder(store, userId, 'projects', { parentId: top.id }), StoreConflictError);
    await folder(store, other, 'Projects');
    await folder(store, userId, 'Inbox', { role: 'inbox' });
    await assert.rejects(folder(store, userId, 'Posteingang', { role: 'inbox' }), StoreConflictError);
    await folder(store, other, 'Inbox', { role: 'inbox' });
    assert.equal((await store.listMailFolders(userId)).length, 3);
  });

  storeTest('a parent must be one of the user’s own folders', async (store) => {
    const userId = await mailUser(store);
    const other = await mailUser(store);
    const theirs = await folder(store, other, 'Theirs');
    await assert.rejects(folder(store, userId, 'X', { parentId: 'no-such-folder' }), /does not exist/);
    await assert.rejects(folder(store, 'no-such-user', 'X'), /does not exist/);
    await assert.rejects(
      store.ensureMailFolders([
        { id: randomUUID(), userId: 'no-such-user', parentId: null, name: 'Inbox', role: 'inbox' },
      ]),
      /does not exist/,
    );
    await assert.rejects(folder(store, userId, 'X', { parentId: theirs.id }), /does not exist/);
    // Another user's folder is invisible in every call.
    assert.equal(await store.getMailFolder(userId, theirs.id), null);
    assert.equal(await store.listMailMessages(userId, theirs.id), null);
    assert.equal(await store.updateMailFolder(userId, theirs.id, { parentId: null, name: 'Mine' }), null);
    assert.equal(await store.deleteMailFolder(userId, theirs.id), false);
    assert.equal((await store.getMailFolder(other, theirs.id))?.name, 'Theirs');
  });

  storeTest(
    'ensureMailFolders creates what is missing, skips the rest, and is safe concurrently',
    async (store) => {
      const userId = await mailUser(store);
      const make = (): Parameters<typeof store.ensureMailFolders>[0] =>
        DEFAULTS.map(([name, role]) => ({ id: randomUUID(), userId, parentId: null, name, role }));
      // A user-made "inbox" (by name) already exists: the role's folder is skipped, nothing fails.
      await folder(store, userId, 'inbox');
      await Promise.all([
        store.ensureMailFolders(make()),
        store.ensureMailFolders(make()),
        store.ensureMailFolders(make()),
      ]);
      await store.ensureMailFolders(make());
      const folders = await store.listMailFolders(userId);
      assert.equal(folders.length, DEFAULTS.length);
      assert.deepEqual(
        folders.map((f) => f.role).sort(),
        ['deleted', 'drafts', 'junk', 'outbox', 'sent', null].sort(),
      );
      await store.ensureMailFolders([]);
    },
  );

  storeTest(
    'updateMailFolder renames and moves; conflicts, unknown parents and cycles are refused',
    async (store) => {
      const userId = await mailUser(store);
      const a = await folder(store, userId, 'A');
      const b = await folder(store, userId, 'B');
      const bChild = await folder(store, userId, 'B child', { parentId: b.id });
      const msg = await addMessage(store, userId, b.id);
      const moved = await store.updateMailFolder(userId, b.id, { parentId: a.id, name: 'B renamed' });
      assert.deepEqual(moved, { ...b, parentId: a.id, name: 'B renamed', changeCounter: 1 });
      assert.deepEqual(await store.getMailFolder(userId, b.id), moved);
      assert.equal((await store.getMailFolder(userId, bChild.id))?.parentId, b.id);
      assert.deepEqual(
        (await store.listMailMessages(userId, b.id))?.entries.map((e) => e.id),
        [msg.id],
      );
      // A case-only rename of the same folder is not a conflict.
      assert.equal(
        (await store.updateMailFolder(userId, b.id, { parentId: a.id, name: 'b RENAMED' }))?.name,
        'b RENAMED',
      );
      await folder(store, userId, 'Taken', { parentId: a.id });
      await assert.rejects(
        store.updateMailFolder(userId, b.id, { parentId: a.id, name: 'taken' }),
        StoreConflictError,
      );
      await assert.rejects(
        store.updateMailFolder(userId, b.id, { parentId: 'nope', name: 'x' }),
        /does not exist/,
      );
      await assert.rejects(
        store.updateMailFolder(userId, a.id, { parentId: a.id, name: 'A' }),
        /under itself/,
      );
      await assert.rejects(
        store.updateMailFolder(userId, a.id, { parentId: bChild.id, name: 'A' }),
        /under itself/,
      );
      assert.equal((await store.getMailFolder(userId, a.id))?.parentId, null);
    },
  );

  storeTest('deleteMailFolder removes subfolders, their messages and content', async (store) => {
    const userId = await mailUser(store);
    const keep = await folder(store, userId, 'Keep');
    const top = await folder(store, userId, 'Doomed');
    const sub = await folder(store, userId, 'Inner', { parentId: top.id });
    const subsub = await folder(store, userId, 'Innermost', { parentId: sub.id });
    const kept = await addMessage(store, userId, keep.id);
    const m1 = await addMessage(store, userId, top.id);
    const m2 = await addMessage(store, userId, subsub.id);
    assert.equal(await store.deleteMailFolder(userId, top.id), true);
    assert.equal(await store.deleteMailFolder(userId, top.id), false);
    assert.deepEqual(
      (await store.listMailFolders(userId)).map((f) => f.id),
      [keep.id],
    );
    assert.equal(await store.openMailContent(userId, top.id, m1.id), null);
    assert.equal(await store.openMailContent(userId, subsub.id, m2.id), null);
    // Their contents went with them: nothing is left for the orphan sweep.
    assert.equal(await store.pruneMailContent(new Date(Date.now() + 60_000)), 0);
    assert.ok(await store.openMailContent(userId, keep.id, kept.id));
  });

  storeTest('deleting the user deletes their folders, messages and contents', async (store) => {
    const userId = await mailUser(store);
    const f = await folder(store, userId, 'Inbox', { role: 'inbox' });
    await addMessage(store, userId, f.id);
    await store.writeMailContent(
      userId,
      (async function* () {
        yield Buffer.from('unfinished delivery');
      })(),
    );
    await store.deleteUser(userId);
    assert.deepEqual(await store.listMailFolders(userId), []);
    assert.equal(await store.pruneMailContent(new Date(Date.now() + 60_000)), 0);
  });
}
