// ServerId / FileReference parsing, resolution through the device's states (current, previous,
// allocations), and the MoveItems allocation that the destination's next Sync adopts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childText, children, isElement } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import { newBudget, syncCollection } from './collection.js';
import { emptyCollection, parseCollection, serializeCollection } from './item-state.js';
import {
  allocateItem,
  collectionOfServerId,
  folderOfCollection,
  parseFileReference,
  resolveItem,
} from './item-lookup.js';
import { syncFixture } from './test-support.js';

test('collectionOfServerId and parseFileReference accept what the server writes, nothing else', () => {
  assert.equal(collectionOfServerId('5:12'), '5');
  assert.equal(collectionOfServerId('12:1'), '12');
  for (const bad of [
    '5',
    ':1',
    '5:',
    '5:0',
    '5:01',
    '5:x',
    '5:1:',
    'x'.repeat(70) + ':1',
    '5:12345678901234',
  ]) {
    assert.equal(collectionOfServerId(bad), null, bad);
  }
  assert.deepEqual(parseFileReference('5:12:2'), { serverId: '5:12', collectionId: '5', partId: '2' });
  assert.deepEqual(parseFileReference('5:12:1.2.3'), {
    serverId: '5:12',
    collectionId: '5',
    partId: '1.2.3',
  });
  for (const bad of [
    '',
    '5:12',
    '5:12:',
    '5:12:a',
    '5:12:1..2',
    ':1:2',
    '5:0:2',
    'x'.repeat(300),
    '5:12:2\n',
  ]) {
    assert.equal(parseFileReference(bad), null, JSON.stringify(bad));
  }
});

function adds(e: WbxmlElement | null): string[] {
  const cmds = children(e, 'Commands', 'AirSync')[0];
  return (cmds?.children ?? [])
    .filter((c): c is WbxmlElement => isElement(c) && c.tag === 'Add')
    .map((c) => childText(c, 'ServerId', 'AirSync') ?? '');
}

test('resolveItem finds items the device was given, in the current or the previous state', async () => {
  const f = await syncFixture();
  const inbox = f.collectionOf('inbox');
  const id = await f.deliver('one');
  const col = {
    collectionId: inbox,
    getChanges: null,
    deletesAsMoves: null,
    windowSize: null,
    options: null,
    commands: [],
  };
  const primed = await syncCollection(f.env, { ...col, syncKey: '0' }, newBudget(null));
  const key1 = childText(primed, 'SyncKey', 'AirSync') as string;
  const first = await syncCollection(f.env, { ...col, syncKey: key1 }, newBudget(null));
  const [sid] = adds(first);
  assert.ok(sid);
  const ref = await resolveItem(f.states, 'dev1', f.hierarchy, sid, inbox);
  assert.deepEqual(ref, { collectionId: inbox, folderId: f.folderIdOf('inbox'), messageId: id });
  // Wrong collection, unknown number, unknown device: nothing.
  assert.equal(await resolveItem(f.states, 'dev1', f.hierarchy, sid, f.collectionOf('sent')), null);
  assert.equal(await resolveItem(f.states, 'dev1', f.hierarchy, `${inbox}:99`), null);
  assert.equal(await resolveItem(f.states, 'dev2', f.hierarchy, sid), null);
  assert.equal(await resolveItem(f.states, 'dev1', null, sid), null);
  assert.equal(folderOfCollection(f.hierarchy, '999'), null);
  // Only the previous state knows it (the device retries with its previous key): still found.
  const row = await f.states.getSyncState('dev1', inbox);
  assert.ok(row);
  f.states.rows.set(`dev1\n${inbox}`, {
    ...row,
    data: serializeCollection(emptyCollection(f.folderIdOf('inbox'))),
    previousData: row.data,
  });
  assert.equal((await resolveItem(f.states, 'dev1', f.hierarchy, sid))?.messageId, id);
});

test('allocateItem: the destination Adds the moved message under the allocated ServerId', async () => {
  const f = await syncFixture();
  const inbox = f.collectionOf('inbox');
  const col = {
    collectionId: inbox,
    getChanges: null,
    deletesAsMoves: null,
    windowSize: null,
    options: null,
    commands: [],
  };
  const primed = await syncCollection(f.env, { ...col, syncKey: '0' }, newBudget(null));
  const key1 = childText(primed, 'SyncKey', 'AirSync') as string;
  await f.deliver('new mail');
  // A message arrives by a move; the allocation keeps the device's key valid.
  const moved = await f.backend.deliver(
    { id: 'u1', username: 'ana', email: 'ana@example.com', displayName: 'Ana' },
    Buffer.from('Subject: moved\r\nTo: a@b\r\n\r\nx'),
    {
      receivedAt: new Date('2024-01-01T00:00:00Z'),
    },
  );
  const n = await allocateItem(f.states, 'dev1', inbox, f.folderIdOf('inbox'), moved, new Date());
  assert.equal(
    await allocateItem(f.states, 'dev1', inbox, f.folderIdOf('inbox'), moved, new Date()),
    n,
    'idempotent',
  );
  const row = await f.states.getSyncState('dev1', inbox);
  assert.equal(row?.syncKey, key1);
  assert.equal(parseCollection(row?.data ?? null)?.ids.get(moved), n);
  const next = await syncCollection(f.env, { ...col, syncKey: key1 }, newBudget(null));
  const sids = adds(next);
  assert.equal(sids.length, 2);
  assert.ok(sids.includes(`${inbox}:${n}`));
  assert.equal(new Set(sids).size, 2);
});

test("allocateItem on a never-primed collection: the device's SyncKey 0 adopts the allocation", async () => {
  const f = await syncFixture();
  const sent = f.collectionOf('sent');
  const folderId = f.folderIdOf('sent');
  const id = await f.session.appendMessage(folderId, Buffer.from('Subject: s\r\nTo: a@b\r\n\r\nx'));
  const n = await allocateItem(f.states, 'dev1', sent, folderId, id, new Date());
  const col = {
    collectionId: sent,
    getChanges: null,
    deletesAsMoves: null,
    windowSize: null,
    options: null,
    commands: [],
  };
  const primed = await syncCollection(f.env, { ...col, syncKey: '0' }, newBudget(null));
  const key = childText(primed, 'SyncKey', 'AirSync') as string;
  const first = await syncCollection(f.env, { ...col, syncKey: key }, newBudget(null));
  assert.deepEqual(adds(first), [`${sent}:${n}`]);
});

test('allocateItem retries over a concurrent writer', async () => {
  const f = await syncFixture();
  const inbox = f.collectionOf('inbox');
  let fails = 2;
  const put = f.states.putSyncState.bind(f.states);
  f.states.putSyncState = async (s, k) => (fails-- > 0 ? false : put(s, k));
  const n = await allocateItem(f.states, 'dev1', inbox, f.folderIdOf('inbox'), '42', new Date());
  assert.equal(n, 1);
  f.states.putSyncState = async () => false;
  await assert.rejects(allocateItem(f.states, 'dev1', inbox, f.folderIdOf('inbox'), '43', new Date()));
});
