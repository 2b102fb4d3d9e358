// The Mailbox store against the memory backend: scope (CollectionId, DeepTraversal, the whole
// hierarchy), statuses 11 and 12, results shaped as Sync shows a message with a capped body, and
// their LongIds and attachment FileReferences fetched back with ItemOperations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { child, childText, children } from '../../../wbxml/index.js';
import type { WbxmlElement } from '../../../wbxml/types.js';
import { currentHierarchy } from '../../sync/folder-map.js';
import type { HierarchyData } from '../../sync/folder-map.js';
import type { SyncFixture } from '../../sync/test-support.js';
import { syncFixture } from '../../sync/test-support.js';
import { fetchAttachment, fetchItem } from '../item-operations/fetch.js';
import type { FetchEnv } from '../item-operations/fetch.js';
import type { FetchRequest } from '../item-operations/request.js';
import { SEARCH_BODY_MAX, searchMailbox, searchScope } from './mailbox.js';
import type { MailboxSearchEnv } from './mailbox.js';
import type { MailboxSearch } from './request.js';
import { SearchStatus } from './request.js';
import { searchDocument } from './response.js';

const USER = { id: 'u1', username: 'ana', email: 'ana@example.com', displayName: 'Ana' };

function req(o: Partial<MailboxSearch> = {}): MailboxSearch {
  return {
    kind: 'mailbox',
    terms: [],
    collectionIds: [],
    classes: [],
    conversationId: false,
    receivedAfter: null,
    receivedBefore: null,
    range: { start: 0, end: 99 },
    deepTraversal: false,
    rebuildResults: false,
    body: { prefs: [], mimeSupport: null, mimeTruncation: null },
    ...o,
  };
}

async function fixture(): Promise<{ f: SyncFixture; env: MailboxSearchEnv; sub: string; subsub: string }> {
  const f = await syncFixture();
  const box = f.backend.mailbox(USER);
  const sub = box.createFolder(f.folderIdOf('inbox'), 'Projects');
  const subsub = box.createFolder(sub.id, 'Old');
  // The device's hierarchy after a FolderSync that saw the new folders.
  const cur = currentHierarchy(f.hierarchy, await f.session.listFolders());
  const hierarchy: HierarchyData = { next: cur.next, ids: cur.ids, folders: cur.folders };
  f.hierarchy.ids = hierarchy.ids;
  f.hierarchy.folders = hierarchy.folders;
  f.hierarchy.next = hierarchy.next;
  const env: MailboxSearchEnv = { mailbox: f.session, hierarchy, deviceId: 'dev1', policy: f.env.policy };
  return { f, env, sub: sub.id, subsub: subsub.id };
}

function withAttachment(subject: string): Buffer {
  return Buffer.from(
    [
      'From: "Bob" <bob@example.net>',
      'To: ana@example.com',
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Attached as promised.',
      '--b',
      'Content-Type: text/plain; name="notes.txt"',
      'Content-Disposition: attachment; filename="notes.txt"',
      '',
      'the notes',
      '--b--',
      '',
    ].join('\r\n'),
  );
}

const subjectsOf = (results: WbxmlElement[]) =>
  results.map((r) => childText(child(r, 'Properties', 'Search'), 'Subject', 'Email'));

test('scope: the named folder, its subfolders with DeepTraversal, every held folder without CollectionId', async () => {
  const { f, env, sub, subsub } = await fixture();
  const h = env.hierarchy as HierarchyData;
  const inbox = f.collectionOf('inbox');
  assert.deepEqual(searchScope(h, { collectionIds: [inbox], deepTraversal: false }), [f.folderIdOf('inbox')]);
  assert.deepEqual(
    (searchScope(h, { collectionIds: [inbox], deepTraversal: true }) ?? []).sort(),
    [f.folderIdOf('inbox'), sub, subsub].sort(),
  );
  assert.equal(searchScope(h, { collectionIds: [], deepTraversal: false })?.length, h.folders.size);
  assert.equal(searchScope(h, { collectionIds: [inbox, '999'], deepTraversal: false }), null);
});

test('results look like Sync ApplicationData under a LongId, newest first, with Range and Total', async () => {
  const { f, env, sub } = await fixture();
  await f.deliver('Budget first', { receivedAt: new Date('2024-03-01T09:00:00Z'), body: 'numbers inside' });
  await f.backend.mailbox(USER).append(sub, withAttachment('Budget second'), {
    receivedAt: new Date('2024-03-01T10:00:00Z'),
  });
  await f.deliver('Unrelated', { body: 'nothing' });
  const inbox = f.collectionOf('inbox');
  const a = await searchMailbox(env, req({ terms: ['budget'], collectionIds: [inbox], deepTraversal: true }));
  assert.equal(a.status, SearchStatus.Success);
  assert.deepEqual([a.range, a.total], ['0-1', 2]);
  assert.deepEqual(subjectsOf(a.results), ['Budget second', 'Budget first']);
  const [first, second] = a.results as [WbxmlElement, WbxmlElement];
  assert.equal(childText(first, 'Class', 'AirSync'), 'Email');
  assert.equal(childText(first, 'CollectionId', 'AirSync'), env.hierarchy?.ids.get(sub));
  assert.equal(childText(second, 'CollectionId', 'AirSync'), inbox);
  const props = child(second, 'Properties', 'Search');
  assert.equal(childText(props, 'From', 'Email'), '"Bob Sender" <bob@example.net>');
  assert.equal(
    childText(child(props, 'Body', 'AirSyncBase'), 'Data', 'AirSyncBase')?.trim(),
    'numbers inside',
  );
  assert.equal(childText(props, 'Read', 'Email'), '0');
  // Element order of the document: Status, Result..., Range, Total.
  const store = child(child(searchDocument(a), 'Response', 'Search'), 'Store', 'Search') as WbxmlElement;
  assert.deepEqual(
    children(store).map((e) => e.tag),
    ['Status', 'Result', 'Result', 'Range', 'Total'],
  );

  // The LongId fetches the message, and its attachment's FileReference the attachment.
  const fetchEnv: FetchEnv = {
    mailbox: f.session,
    states: f.states,
    deviceId: 'dev1',
    hierarchy: env.hierarchy,
    policy: f.env.policy,
    multipart: false,
    parts: [],
    budget: { inline: 1 << 24, parts: 1 << 24 },
  };
  const fetchReq = (o: Partial<FetchRequest>): FetchRequest => ({
    kind: 'fetch',
    status: null,
    fileReference: null,
    collectionId: null,
    serverId: null,
    longId: null,
    range: null,
    body: { prefs: [], mimeSupport: null, mimeTruncation: null },
    ...o,
  });
  const longId = childText(first, 'LongId', 'Search') as string;
  const fetched = await fetchItem(fetchEnv, fetchReq({ longId }));
  assert.equal(childText(fetched, 'Status', 'ItemOperations'), '1');
  assert.equal(childText(fetched, 'LongId', 'Search'), longId);
  const fetchedProps = child(fetched, 'Properties', 'ItemOperations');
  assert.equal(childText(fetchedProps, 'Subject', 'Email'), 'Budget second');
  const ref = childText(
    child(
      child(child(first, 'Properties', 'Search'), 'Attachments', 'AirSyncBase'),
      'Attachment',
      'AirSyncBase',
    ),
    'FileReference',
    'AirSyncBase',
  ) as string;
  assert.ok(ref.startsWith(`${longId}:`));
  const att = await fetchAttachment(fetchEnv, fetchReq({ fileReference: ref }));
  assert.equal(childText(att, 'Status', 'ItemOperations'), '1');
  assert.equal(
    Buffer.from(
      childText(child(att, 'Properties', 'ItemOperations'), 'Data', 'ItemOperations') ?? '',
      'base64',
    ).toString(),
    'the notes',
  );
  // Another device's view of the same LongId, and an edited one: not found.
  assert.equal(
    childText(
      await fetchItem({ ...fetchEnv, deviceId: 'dev2' }, fetchReq({ longId })),
      'Status',
      'ItemOperations',
    ),
    '6',
  );
  assert.equal(
    childText(await fetchItem(fetchEnv, fetchReq({ longId: `${longId}x` })), 'Status', 'ItemOperations'),
    '6',
  );
  assert.equal(
    childText(
      await fetchAttachment({ ...fetchEnv, deviceId: 'dev2' }, fetchReq({ fileReference: ref })),
      'Status',
      'ItemOperations',
    ),
    '15',
  );
});

test('paging: at most 100 per response, 12 past the last result and past the retrievable window', async () => {
  const { f, env } = await fixture();
  for (let i = 0; i < 105; i++)
    await f.deliver(`bulk ${i}`, { receivedAt: new Date(Date.UTC(2024, 0, 1, 0, i)) });
  const page = await searchMailbox(env, req({ terms: ['bulk'], range: { start: 0, end: 199 } }));
  assert.deepEqual([page.status, page.range, page.total, page.results.length], [1, '0-99', 105, 100]);
  assert.equal(subjectsOf(page.results)[0], 'bulk 104');
  const rest = await searchMailbox(env, req({ terms: ['bulk'], range: { start: 100, end: 149 } }));
  assert.deepEqual([rest.range, rest.total, subjectsOf(rest.results).at(-1)], ['100-104', 105, 'bulk 0']);
  const past = await searchMailbox(env, req({ terms: ['bulk'], range: { start: 105, end: 110 } }));
  assert.deepEqual(
    [past.status, past.total, past.results.length],
    [SearchStatus.EndOfRetrievableRange, 105, 0],
  );
  const far = await searchMailbox(env, req({ range: { start: 1000, end: 1001 } }));
  assert.equal(far.status, SearchStatus.EndOfRetrievableRange);
});

test('no match: Status 1, one empty Result, Total 0; other classes and conversations match nothing', async () => {
  const { f, env } = await fixture();
  await f.deliver('Hello');
  for (const r of [
    req({ terms: ['absent'] }),
    req({ classes: ['Calendar', 'Contacts'] }),
    req({ conversationId: true }),
  ]) {
    const a = await searchMailbox(env, r);
    assert.deepEqual([a.status, a.results.length, a.total], [1, 0, 0]);
  }
  const doc = searchDocument(await searchMailbox(env, req({ terms: ['absent'] })));
  const store = child(child(doc, 'Response', 'Search'), 'Store', 'Search');
  assert.deepEqual(
    children(store).map((e) => [e.tag, e.children.length]),
    [
      ['Status', 1],
      ['Result', 0],
      ['Total', 1],
    ],
  );
  assert.equal((await searchMailbox(env, req({ classes: ['Email', 'SMS'] }))).total, 1);
});

test('11: no FolderSync yet, a CollectionId the device does not hold, a folder gone from the backend', async () => {
  const { f, env, subsub } = await fixture();
  assert.equal(
    (await searchMailbox({ ...env, hierarchy: null }, req())).status,
    SearchStatus.FolderSyncRequired,
  );
  assert.equal(
    (await searchMailbox(env, req({ collectionIds: ['77'] }))).status,
    SearchStatus.FolderSyncRequired,
  );
  const oldId = env.hierarchy?.ids.get(subsub) as string;
  await f.session.deleteFolder(subsub);
  assert.equal(
    (await searchMailbox(env, req({ collectionIds: [oldId] }))).status,
    SearchStatus.FolderSyncRequired,
  );
});

test('bodies follow BodyPreference and are capped at SEARCH_BODY_MAX', async () => {
  const { f, env } = await fixture();
  await f.deliver('Long one', { body: 'w'.repeat(SEARCH_BODY_MAX * 2) });
  const body = async (o: Partial<MailboxSearch>) => {
    const [r] = (await searchMailbox(env, req({ terms: ['long'], ...o }))).results;
    return child(child(r, 'Properties', 'Search'), 'Body', 'AirSyncBase');
  };
  const capped = await body({});
  assert.equal(childText(capped, 'Type', 'AirSyncBase'), '1');
  assert.equal(childText(capped, 'Truncated', 'AirSyncBase'), '1');
  assert.equal(childText(capped, 'Data', 'AirSyncBase')?.length, SEARCH_BODY_MAX);
  assert.ok(Number(childText(capped, 'EstimatedDataSize', 'AirSyncBase')) >= SEARCH_BODY_MAX * 2);
  const small = await body({
    body: {
      prefs: [{ type: 2, truncationSize: 100, allOrNone: false, preview: null }],
      mimeSupport: null,
      mimeTruncation: null,
    },
  });
  assert.equal(childText(small, 'Type', 'AirSyncBase'), '2');
  assert.ok((childText(small, 'Data', 'AirSyncBase') ?? '').length <= 100);
});
