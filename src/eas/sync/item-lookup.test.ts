// ServerId / FileReference parsing, resolution through the device's states (current, previous,
// allocations), and the MoveItems reservation that the destination's Syncs keep and then adopt,
// whatever their windows, filters and timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childText, children, el, isElement } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import type { MailSession } from '../../mail/types.js';
import { estimateCollection, newBudget, syncCollection } from './collection.js';
import { deviceKeyOf, emptyCollection, parseCollection, serializeCollection } from './item-state.js';
import {
  allocateItem,
  collectionOfServerId,
  folderOfCollection,
  parseFileReference,
  resolveItem,
} from './item-lookup.js';
import type { ClientCommand, CollectionOptions, CollectionRequest } from './sync-request.js';
import { message, syncFixture } from './test-support.js';
import type { SyncFixture } from './test-support.js';

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
  assert.ok(row);
  assert.equal(deviceKeyOf(row, parseCollection(row.data)), key1, "the device's key stays valid");
  assert.equal(parseCollection(row.data)?.ids.get(moved), n);
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

/** A collection request as the Sync engine gets it. */
const request = (collectionId: string, syncKey: string, o: Partial<CollectionRequest> = {}) => ({
  collectionId,
  syncKey,
  getChanges: null,
  deletesAsMoves: null,
  windowSize: null,
  options: null,
  commands: [],
  ...o,
});

const keyOf = (e: WbxmlElement | null) => childText(e, 'SyncKey', 'AirSync') as string;

/** Moves a message from the Inbox to `role` in the backend and reserves it there, as MoveItems does. */
async function moveIn(f: SyncFixture, id: string, role: string): Promise<{ id: string; n: number }> {
  const moved = (await f.session.moveMessages(f.folderIdOf('inbox'), [id], f.folderIdOf(role))).get(id);
  assert.ok(moved);
  const n = await allocateItem(f.states, 'dev1', f.collectionOf(role), f.folderIdOf(role), moved, new Date());
  return { id: moved, n };
}

/** A Drafts folder with `count` messages newer than anything else, synced by the device. */
async function syncedDrafts(f: SyncFixture, count: number): Promise<string> {
  const drafts = f.collectionOf('drafts');
  for (let i = 1; i <= count; i++) {
    await f.session.appendMessage(f.folderIdOf('drafts'), message(`draft ${i}`));
  }
  let key = keyOf(await syncCollection(f.env, request(drafts, '0'), newBudget(null)));
  key = keyOf(await syncCollection(f.env, request(drafts, key), newBudget(null)));
  return key;
}

test('a reservation outlives Sync windows that do not reach it; the row key moves, the device key does not', async () => {
  const f = await syncFixture();
  const drafts = f.collectionOf('drafts');
  let key = await syncedDrafts(f, 1);
  const old = await f.deliver('old', { receivedAt: new Date('2023-06-01T00:00:00Z') });
  for (let i = 2; i <= 4; i++) await f.session.appendMessage(f.folderIdOf('drafts'), message(`draft ${i}`));
  const { n } = await moveIn(f, old, 'drafts');
  // 1. The device's key is still the current one, though the row's changed.
  const row = await f.states.getSyncState('dev1', drafts);
  assert.notEqual(row?.syncKey, key);
  assert.equal(parseCollection(row?.data ?? null)?.heldKey, key);
  assert.deepEqual(await estimateCollection(f.env, drafts, key, null), { estimate: 4 });
  // 2. Window 1, four pages: the moved (oldest) message comes last, under its reserved number.
  const seen: string[] = [];
  for (let page = 0; page < 4; page++) {
    const out = await syncCollection(f.env, request(drafts, key, { windowSize: 1 }), newBudget(null));
    seen.push(...adds(out));
    key = keyOf(out);
  }
  assert.equal(seen.length, 4);
  assert.equal(seen[3], `${drafts}:${n}`);
  assert.equal(new Set(seen).size, 4);
  assert.equal(await syncCollection(f.env, request(drafts, key), newBudget(null)), null);
  const d = parseCollection((await f.states.getSyncState('dev1', drafts))?.data ?? null);
  assert.deepEqual([d?.moved.size, d?.heldKey], [0, null], 'Added: nothing left reserved');
});

test('a Sync that read the state before the reservation answers again instead of Adding a second id', async () => {
  const f = await syncFixture();
  const drafts = f.collectionOf('drafts');
  const key = await syncedDrafts(f, 1);
  // New in the destination too, and listed before the moved message: a Sync unaware of the
  // reservation would number it first.
  await f.session.appendMessage(f.folderIdOf('drafts'), message('draft 2'));
  const id = await f.deliver('moving', { receivedAt: new Date('2024-02-01T00:00:00Z') });
  let reserved: number | null = null;
  // 1. The Sync has read the state; the move lands before it lists the folder (a Sync+Wait woken
  // by the move itself, or one the phone sent alongside its MoveItems).
  const mailbox = Object.create(f.session) as MailSession;
  mailbox.listMessages = async (folderId, o) => {
    if (reserved === null && folderId === f.folderIdOf('drafts'))
      reserved = (await moveIn(f, id, 'drafts')).n;
    return f.session.listMessages(folderId, o);
  };
  const out = await syncCollection({ ...f.env, mailbox }, request(drafts, key), newBudget(null));
  // 2. The moved message is Added under the DstMsgId MoveItems answered, the new draft under
  // another id; the reservation is not overwritten.
  assert.ok(reserved !== null);
  assert.deepEqual(adds(out), [`${drafts}:${reserved + 1}`, `${drafts}:${reserved}`]);
  assert.equal(childText(out, 'Status', 'AirSync'), '1');
  const next = await syncCollection(f.env, request(drafts, keyOf(out)), newBudget(null));
  assert.equal(next, null);
});

test('with client commands the Sync is not run twice: Status 16, and the reservation survives', async () => {
  const f = await syncFixture();
  const drafts = f.collectionOf('drafts');
  const key = await syncedDrafts(f, 1);
  const id = await f.deliver('moving');
  let reserved: number | null = null;
  const mailbox = Object.create(f.session) as MailSession;
  mailbox.listMessages = async (folderId, o) => {
    if (reserved === null && folderId === f.folderIdOf('drafts'))
      reserved = (await moveIn(f, id, 'drafts')).n;
    return f.session.listMessages(folderId, o);
  };
  // The device marks its one draft read.
  const commands: ClientCommand[] = [
    {
      kind: 'change',
      serverId: `${drafts}:1`,
      data: el('AirSync', 'ApplicationData', el('Email', 'Read', '1')),
    },
  ];
  const out = await syncCollection(
    { ...f.env, mailbox },
    request(drafts, key, { commands }),
    newBudget(null),
  );
  assert.equal(childText(out, 'Status', 'AirSync'), '16');
  // The device retries with its key: the moved message comes under its reserved number.
  const retry = await syncCollection(f.env, request(drafts, key), newBudget(null));
  assert.deepEqual(adds(retry), [`${drafts}:${reserved}`]);
});

test('a reservation outside the FilterType window is a SoftDelete, one gone from the folder a Delete', async () => {
  const f = await syncFixture();
  const drafts = f.collectionOf('drafts');
  const options: CollectionOptions = {
    filterType: 1, // one day
    conflict: null,
    body: { prefs: [], mimeSupport: null, mimeTruncation: null },
  };
  const key = await syncedDrafts(f, 1);
  const old = await moveIn(
    f,
    await f.deliver('old', { receivedAt: new Date('2023-06-01T00:00:00Z') }),
    'drafts',
  );
  const moved = await moveIn(f, await f.deliver('new'), 'drafts');
  const kept = await moveIn(f, await f.deliver('kept'), 'drafts');
  // 1. One moves on (the device moved it again, or another client deleted it) before the
  // destination synced.
  await f.session.moveMessages(f.folderIdOf('drafts'), [moved.id], f.folderIdOf('inbox'));
  // 2. The device shows all three under their DstMsgIds: the one in the window is Added, the one
  // outside it SoftDeleted, the one gone Deleted, each under its reserved id; one per page.
  const seen: string[] = [];
  let k = key;
  for (let page = 0; page < 3; page++) {
    const out = await syncCollection(f.env, request(drafts, k, { options, windowSize: 1 }), newBudget(null));
    const cmds = children(children(out, 'Commands', 'AirSync')[0] ?? null)
      .filter(isElement)
      .map((c) => `${c.tag} ${childText(c, 'ServerId', 'AirSync')}`);
    seen.push(...cmds);
    k = keyOf(out);
  }
  assert.deepEqual(seen.sort(), [
    `Add ${drafts}:${kept.n}`,
    `Delete ${drafts}:${moved.n}`,
    `SoftDelete ${drafts}:${old.n}`,
  ]);
  const d = parseCollection((await f.states.getSyncState('dev1', drafts))?.data ?? null);
  assert.equal(d?.moved.size, 0);
  assert.deepEqual([...(d?.ids.keys() ?? [])].sort(), [...(d?.items.keys() ?? [])].sort());
  assert.equal(await syncCollection(f.env, request(drafts, k, { options }), newBudget(null)), null);
});

test('SyncKey 0 again on a state MoveItems reserved in answers the key the device holds', async () => {
  const f = await syncFixture();
  const sent = f.collectionOf('sent');
  const key = keyOf(await syncCollection(f.env, request(sent, '0'), newBudget(null)));
  const { n } = await moveIn(f, await f.deliver('moving'), 'sent');
  assert.equal(keyOf(await syncCollection(f.env, request(sent, '0'), newBudget(null))), key);
  assert.deepEqual(adds(await syncCollection(f.env, request(sent, key), newBudget(null))), [`${sent}:${n}`]);
});

test('a move between a lost Sync answer and its retry: the retry Adds the moved message under DstMsgId', async () => {
  const f = await syncFixture();
  const drafts = f.collectionOf('drafts');
  const key1 = await syncedDrafts(f, 1);
  // 1. New mail in the destination; the answer that sends it is lost.
  await f.session.appendMessage(f.folderIdOf('drafts'), message('draft 2'));
  const lost = await syncCollection(f.env, request(drafts, key1), newBudget(null));
  assert.equal(adds(lost).length, 1);
  // 2. The phone moves a message in, then repeats its Sync with the key it still holds.
  const { n } = await moveIn(
    f,
    await f.deliver('moving', { receivedAt: new Date('2024-02-01T00:00:00Z') }),
    'drafts',
  );
  const retry = await syncCollection(f.env, request(drafts, key1), newBudget(null));
  assert.deepEqual(adds(retry), [...adds(lost), `${drafts}:${n}`]);
  // 3. And once more (that answer lost too): the same ids again.
  const again = await syncCollection(f.env, request(drafts, key1), newBudget(null));
  assert.deepEqual(adds(again), adds(retry));
  assert.equal(await syncCollection(f.env, request(drafts, keyOf(again)), newBudget(null)), null);
});
