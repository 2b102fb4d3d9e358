import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MailFolder } from '../../mail/types.js';
import {
  backendFolderOf,
  currentHierarchy,
  diffHierarchy,
  emptyHierarchy,
  folderType,
  parseHierarchy,
  serializeHierarchy,
} from './folder-map.js';
import type { HierarchyData } from './folder-map.js';

const STD: MailFolder[] = [
  { id: 'INBOX', parentId: null, name: 'INBOX', role: 'inbox' },
  { id: 'Sent', parentId: null, name: 'Sent', role: 'sent' },
  { id: 'Trash', parentId: null, name: 'Trash', role: 'deleted' },
  { id: 'Drafts', parentId: null, name: 'Drafts', role: 'drafts' },
  { id: 'Junk', parentId: null, name: 'Junk', role: 'junk' },
  { id: 'Archive', parentId: null, name: 'Archive', role: 'archive' },
];

function apply(base: HierarchyData, folders: MailFolder[]) {
  const cur = currentHierarchy(base, folders);
  const changes = diffHierarchy(base.folders, cur.folders);
  return { changes, next: { next: cur.next, ids: cur.ids, folders: cur.folders } as HierarchyData };
}

test('folder types follow [MS-ASCMD] 2.2.3.186.3; junk and archive are user mail (12)', () => {
  assert.deepEqual(
    (['inbox', 'drafts', 'deleted', 'sent', 'outbox', 'junk', 'archive', null] as const).map(folderType),
    [2, 3, 4, 5, 6, 12, 12, 12],
  );
});

test('first hierarchy: short ids, Inbox first, parents before children', () => {
  const child: MailFolder = { id: 'INBOX/Work', parentId: 'INBOX', name: 'Work', role: null };
  const { changes, next } = apply(emptyHierarchy(), [child, ...STD]);
  assert.deepEqual(
    changes.adds.map(([id]) => id),
    ['1', '2', '3', '4', '5', '6', '7'],
  );
  assert.equal(next.ids.get('INBOX'), '1');
  const work = next.folders.get(next.ids.get('INBOX/Work') as string);
  assert.deepEqual(work, { parentId: '1', name: 'Work', type: 12 });
  assert.equal(changes.adds.at(-1)?.[0], next.ids.get('INBOX/Work'), 'the child comes after its parent');
  for (const [id] of changes.adds) assert.ok(id.length <= 2);
});

test('incremental: rename is an Update with the same id, a new folder an Add, a removed one a Delete', () => {
  const first = apply(emptyHierarchy(), STD).next;
  const renamed = STD.map((f) => (f.id === 'Archive' ? { ...f, name: 'Old mail' } : f)).filter(
    (f) => f.id !== 'Junk',
  );
  const { changes, next } = apply(first, [
    ...renamed,
    { id: 'Projects', parentId: null, name: 'Projects', role: null },
  ]);
  assert.deepEqual(changes.updates, [
    [first.ids.get('Archive'), { parentId: '0', name: 'Old mail', type: 12 }],
  ]);
  assert.deepEqual(changes.deletes, [first.ids.get('Junk')]);
  assert.deepEqual(
    changes.adds.map(([id]) => id),
    ['7'],
  );
  // Nothing changed: nothing to say.
  const again = apply(next, [...renamed, { id: 'Projects', parentId: null, name: 'Projects', role: null }]);
  assert.deepEqual(again.changes, { adds: [], updates: [], deletes: [] });
});

test('ServerIds survive a full resync and are never reused', () => {
  const first = apply(emptyHierarchy(), STD).next;
  // SyncKey 0 again: the device knows nothing, the id map stays.
  const resync = apply({ ...first, folders: new Map() }, STD);
  assert.deepEqual(
    resync.changes.adds.map(([id]) => id),
    [...first.folders.keys()],
  );
  // A deleted folder's id is not handed to a new one.
  const gone = apply(
    first,
    STD.filter((f) => f.id !== 'Junk'),
  ).next;
  const back = apply(gone, [
    ...STD.filter((f) => f.id !== 'Junk'),
    { id: 'New', parentId: null, name: 'New', role: null },
  ]);
  assert.equal(back.changes.adds[0]?.[0], '7');
  assert.equal(backendFolderOf(back.next, first.ids.get('Sent') as string), 'Sent');
  assert.equal(backendFolderOf(back.next, '99'), null);
});

test('serialized state round-trips; anything else parses as null', () => {
  const d = apply(emptyHierarchy(), STD).next;
  const back = parseHierarchy(serializeHierarchy(d));
  assert.deepEqual(back, d);
  for (const bad of [null, '', '{', '[]', '{"v":2}', '{"v":1,"next":1,"ids":[[1,2]],"folders":[]}']) {
    assert.equal(parseHierarchy(bad), null, String(bad));
  }
  // Backend ids that are JavaScript property names are just ids.
  const odd = apply(emptyHierarchy(), [{ id: '__proto__', parentId: null, name: 'x', role: 'inbox' }]).next;
  assert.equal(parseHierarchy(serializeHierarchy(odd))?.ids.get('__proto__'), '1');
});
