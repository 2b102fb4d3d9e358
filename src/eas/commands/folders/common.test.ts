// What the folder commands share: request fields (hostile shapes refused), names, parents, and
// carrying ServerIds and item states over a rename that changed backend ids (IMAP paths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MailFolder } from '../../../mail/types.js';
import { el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import { emptyHierarchy } from '../../sync/folder-map.js';
import { emptyCollection, parseCollection, serializeCollection } from '../../sync/item-state.js';
import { serverIdFor } from '../../sync/hierarchy-edit.js';
import { MemorySyncStates } from '../../sync/test-support.js';
import { backendParent, carryServerIds, folderFields, nameTaken, validFolderName } from './common.js';

const f = (tag: string, ...c: ElChild[]) => el('FolderHierarchy', tag, ...c);

test("folderFields: each field once, as text, in the command's namespace", () => {
  assert.deepEqual(
    [
      ...(folderFields(
        f('FolderCreate', f('SyncKey', 'k'), f('ParentId', '0'), f('DisplayName', 'x'), f('Type', 12)),
        'FolderCreate',
      ) ?? []),
    ],
    [
      ['SyncKey', 'k'],
      ['ParentId', '0'],
      ['DisplayName', 'x'],
      ['Type', '12'],
    ],
  );
  assert.equal(folderFields(null, 'FolderCreate'), null);
  assert.equal(folderFields(f('FolderDelete'), 'FolderCreate'), null);
  assert.equal(folderFields(f('FolderCreate', f('SyncKey', 'a'), f('SyncKey', 'b')), 'FolderCreate'), null);
  assert.equal(folderFields(f('FolderCreate', f('SyncKey', new Uint8Array([1]))), 'FolderCreate'), null);
  assert.equal(folderFields(f('FolderCreate', f('SyncKey', f('X'))), 'FolderCreate'), null);
  assert.equal(folderFields(f('FolderCreate', el('AirSync', 'SyncKey', 'k')), 'FolderCreate'), null);
  assert.equal(folderFields(f('FolderCreate', 'stray text'), 'FolderCreate'), null);
});

test('validFolderName, nameTaken, backendParent', () => {
  for (const ok of ['Projects', 'Ünïcødé ✓', 'a'.repeat(256)]) assert.equal(validFolderName(ok), true, ok);
  for (const bad of [undefined, '', '   ', 'a\tb', 'x\u0000', 'a'.repeat(257)])
    assert.equal(validFolderName(bad), false, String(bad));
  const folders: MailFolder[] = [
    { id: 'inbox', parentId: null, name: 'Inbox', role: 'inbox' },
    { id: 'p', parentId: 'inbox', name: 'Projects', role: null },
  ];
  assert.equal(nameTaken(folders, 'inbox', 'projects'), true);
  assert.equal(nameTaken(folders, 'inbox', 'projects', 'p'), false);
  assert.equal(nameTaken(folders, null, 'projects'), false);
  const d = emptyHierarchy();
  const sInbox = serverIdFor(d, 'inbox');
  serverIdFor(d, 'gone');
  assert.equal(backendParent(d, folders, '0'), null);
  assert.equal(backendParent(d, folders, sInbox), 'inbox');
  assert.equal(backendParent(d, folders, '2'), undefined, 'known id, folder gone');
  assert.equal(backendParent(d, folders, '99'), undefined);
});

test('carryServerIds: a renamed IMAP path keeps its ServerIds, below it too, and its item states', async () => {
  const before: MailFolder[] = [
    { id: 'Work', parentId: null, name: 'Work', role: null },
    { id: 'Work/A', parentId: 'Work', name: 'A', role: null },
    { id: 'Work/A/B', parentId: 'Work/A', name: 'B', role: null },
  ];
  const after: MailFolder[] = [
    { id: 'Jobs', parentId: null, name: 'Jobs', role: null },
    { id: 'Jobs/A', parentId: 'Jobs', name: 'A', role: null },
    { id: 'Jobs/A/B', parentId: 'Jobs/A', name: 'B', role: null },
  ];
  const d = emptyHierarchy();
  const ids = before.map((x) => serverIdFor(d, x.id));
  const states = new MemorySyncStates();
  const col = emptyCollection('Work/A');
  col.ids.set('7', 1);
  col.items.set('7', 0);
  await states.putSyncState(
    {
      deviceId: 'dev',
      collectionId: ids[1] as string,
      syncKey: 'k1',
      data: serializeCollection(col),
      previousSyncKey: null,
      previousData: null,
      updatedAt: new Date(),
    },
    null,
  );
  await carryServerIds(d, states, 'dev', before, after, { from: 'Work', to: 'Jobs' });
  assert.deepEqual(
    after.map((x) => d.ids.get(x.id)),
    ids,
  );
  assert.equal(d.ids.has('Work'), false, 'the old path can be reused without inheriting a ServerId');
  const row = await states.getSyncState('dev', ids[1] as string);
  assert.equal(row?.syncKey, 'k1', 'the device keeps its key');
  assert.equal(parseCollection(row?.data ?? null)?.folderId, 'Jobs/A');
  assert.equal(parseCollection(row?.data ?? null)?.ids.get('7'), 1);
});
