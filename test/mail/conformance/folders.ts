// Folders: the hierarchy with its roles, and create / rename / delete with their errors.
import assert from 'node:assert/strict';
import { MailFolderExistsError, MailNotFoundError } from '../../../src/mail/types.js';
import { inbox, simpleMessage } from './fixtures.js';
import type { MailTest } from './index.js';

export function folderTests(mailTest: MailTest): void {
  mailTest('lists one folder per role, inbox, sent, drafts and deleted included', async ({ session }) => {
    const folders = await session.listFolders();
    const ids = folders.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length, 'folder ids are unique');
    for (const role of ['inbox', 'sent', 'drafts', 'deleted'] as const) {
      assert.equal(folders.filter((f) => f.role === role).length, 1, `exactly one ${role} folder`);
    }
    for (const role of ['junk', 'archive', 'outbox'] as const) {
      assert.ok(folders.filter((f) => f.role === role).length <= 1, `at most one ${role} folder`);
    }
    for (const f of folders) {
      assert.ok(f.name.length > 0);
      if (f.parentId !== null) assert.ok(ids.includes(f.parentId), `parent of ${f.id} is listed`);
    }
  });

  mailTest('creates top-level folders and subfolders', async ({ session }) => {
    const top = await session.createFolder(null, 'Projects');
    assert.equal(top.name, 'Projects');
    assert.equal(top.parentId, null);
    assert.equal(top.role, null);
    const child = await session.createFolder(top.id, 'Syncward');
    assert.equal(child.parentId, top.id);
    assert.equal(child.name, 'Syncward');
    const listed = await session.listFolders();
    assert.deepEqual(
      listed.find((f) => f.id === child.id),
      child,
    );
    assert.ok(listed.some((f) => f.id === top.id));
    assert.deepEqual((await session.listMessages(child.id)).entries, []);
  });

  mailTest('creating a folder under an unknown parent or with a taken name fails', async ({ session }) => {
    await assert.rejects(session.createFolder('no-such-parent-folder', 'X'), MailNotFoundError);
    await session.createFolder(null, 'Twice');
    await assert.rejects(session.createFolder(null, 'Twice'), MailFolderExistsError);
  });

  mailTest('renames a folder and keeps its messages', async ({ session }) => {
    const f = await session.createFolder(null, 'Old name');
    await session.appendMessage(f.id, simpleMessage({ subject: 'kept' }));
    const renamed = await session.renameFolder(f.id, null, 'New name');
    assert.equal(renamed.name, 'New name');
    assert.equal(renamed.parentId, null);
    const names = (await session.listFolders()).map((x) => x.name);
    assert.ok(names.includes('New name'));
    assert.ok(!names.includes('Old name'));
    const listing = await session.listMessages(renamed.id);
    assert.equal(listing.entries.length, 1);
  });

  mailTest('moves a folder with its subfolders under another parent', async ({ session }) => {
    const a = await session.createFolder(null, 'A');
    const b = await session.createFolder(null, 'B');
    await session.createFolder(b.id, 'B child');
    const moved = await session.renameFolder(b.id, a.id, 'B');
    assert.equal(moved.parentId, a.id);
    const folders = await session.listFolders();
    const child = folders.find((x) => x.name === 'B child');
    assert.ok(child, 'the subfolder is still listed');
    assert.equal(child.parentId, moved.id);
    assert.ok(!folders.some((x) => x.parentId === null && x.name === 'B'));
  });

  mailTest('renaming onto a taken name or an unknown folder fails', async ({ session }) => {
    const x = await session.createFolder(null, 'X');
    await session.createFolder(null, 'Y');
    await assert.rejects(session.renameFolder(x.id, null, 'Y'), MailFolderExistsError);
    await assert.rejects(session.renameFolder('no-such-folder', null, 'Z'), MailNotFoundError);
    await assert.rejects(session.renameFolder(x.id, 'no-such-parent', 'Z'), MailNotFoundError);
  });

  mailTest('deletes a folder with its subfolders and messages', async ({ session }) => {
    const f = await session.createFolder(null, 'Doomed');
    const sub = await session.createFolder(f.id, 'Inner');
    await session.appendMessage(f.id, simpleMessage());
    await session.appendMessage(sub.id, simpleMessage());
    await session.deleteFolder(f.id);
    const ids = (await session.listFolders()).map((x) => x.id);
    assert.ok(!ids.includes(f.id));
    assert.ok(!ids.includes(sub.id));
    await assert.rejects(session.listMessages(f.id), MailNotFoundError);
    await assert.rejects(session.deleteFolder(f.id), MailNotFoundError);
    assert.ok(ids.includes((await inbox(session)).id), 'other folders are untouched');
  });
}
