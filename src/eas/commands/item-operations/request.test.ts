// ItemOperations request parsing: every operation kind, per-operation statuses for malformed
// fetches, and hostile documents (wrong namespaces, repeats, opaque data, too many operations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { el } from '../../../wbxml/index.js';
import type { ElChild } from '../../../wbxml/index.js';
import type { FetchRequest } from './request.js';
import { ItemOpsStatus, MAX_OPERATIONS, parseItemOperations, parseRange } from './request.js';

const io = (tag: string, ...c: ElChild[]) => el('ItemOperations', tag, ...c);
const root = (...c: ElChild[]) => io('ItemOperations', ...c);
const fetchOf = (...c: ElChild[]) => {
  const ops = parseItemOperations(root(io('Fetch', ...c)));
  assert.ok(ops && ops[0]?.kind === 'fetch');
  return ops[0] as FetchRequest;
};

test('parseRange: m-n, zero-based, m <= n, within uint32', () => {
  assert.deepEqual(parseRange('0-99'), { start: 0, end: 99 });
  assert.deepEqual(parseRange(' 5-5 '), { start: 5, end: 5 });
  for (const bad of ['', '5', '9-1', '-1-4', '1-', 'a-b', '0-99999999999', '0-4294967296', '1-2-3']) {
    assert.equal(parseRange(bad), null, bad);
  }
});

test('a FileReference fetch, with a Range; a mail item fetch with body preferences', () => {
  const a = fetchOf(
    io('Store', 'Mailbox'),
    el('AirSyncBase', 'FileReference', '5:1:2'),
    io('Options', io('Range', '0-9')),
  );
  assert.deepEqual([a.status, a.fileReference, a.range], [null, '5:1:2', { start: 0, end: 9 }]);
  const b = fetchOf(
    io('Store', 'mailbox'),
    el('AirSync', 'CollectionId', '5'),
    el('AirSync', 'ServerId', '5:1'),
    io(
      'Options',
      el('AirSync', 'MIMESupport', 2),
      el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 4)),
    ),
  );
  assert.equal(b.status, null);
  assert.deepEqual(
    [b.collectionId, b.serverId, b.body.mimeSupport, b.body.prefs[0]?.type],
    ['5', '5:1', 2, 4],
  );
});

test('a Search result fetched by LongId keeps its body preferences', () => {
  const f = fetchOf(
    io('Store', 'Mailbox'),
    el('Search', 'LongId', 'MQ.NDI.AAAAAAAAAAAAAAAA'),
    io('Options', el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 2))),
  );
  assert.deepEqual(
    [f.status, f.longId, f.serverId, f.body.prefs[0]?.type],
    [null, 'MQ.NDI.AAAAAAAAAAAAAAAA', null, 2],
  );
  assert.equal(fetchOf(el('Search', 'LongId', 'x'.repeat(257))).status, ItemOpsStatus.ProtocolError);
  assert.equal(
    fetchOf(
      el('Search', 'LongId', 'a'),
      io('Options', el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 0))),
    ).status,
    ItemOpsStatus.ProtocolError,
  );
});

test('malformed fetches get their own status; the request goes on', () => {
  const statusOf = (...c: ElChild[]) => fetchOf(...c).status;
  const ref = (v: string) => el('AirSyncBase', 'FileReference', v);
  // [MS-ASCMD] 2.2.3.8: one FileReference per Fetch.
  assert.equal(statusOf(ref('a'), ref('b')), ItemOpsStatus.ProtocolError);
  // Nothing to fetch, or two things at once.
  assert.equal(statusOf(io('Store', 'Mailbox')), ItemOpsStatus.ProtocolError);
  assert.equal(statusOf(ref('a'), el('AirSync', 'ServerId', '1:1')), ItemOpsStatus.ProtocolError);
  // Document libraries are not served.
  assert.equal(
    statusOf(io('Store', 'Document Library'), el('DocumentLibrary', 'LinkId', 'x')),
    ItemOpsStatus.StoreUnknown,
  );
  assert.equal(statusOf(el('DocumentLibrary', 'LinkId', 'x')), ItemOpsStatus.StoreUnknown);
  // Bad ranges and body options.
  assert.equal(statusOf(ref('a'), io('Options', io('Range', '9-1'))), ItemOpsStatus.ByteRangeInvalid);
  assert.equal(
    statusOf(
      el('AirSync', 'ServerId', '1:1'),
      io('Options', el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 9))),
    ),
    ItemOpsStatus.ProtocolError,
  );
  // Opaque where text belongs, over-long ids.
  assert.equal(
    statusOf(el('AirSyncBase', 'FileReference', new Uint8Array([1, 2]))),
    ItemOpsStatus.ProtocolError,
  );
  assert.equal(statusOf(el('AirSync', 'ServerId', 'x'.repeat(65))), ItemOpsStatus.ProtocolError);
  assert.equal(statusOf(ref('')), ItemOpsStatus.AttachmentInvalid);
  const two = parseItemOperations(root(io('Fetch', ref('a'), ref('b')), io('Fetch', ref('5:1:2'))));
  assert.deepEqual(
    two?.map((o) => (o as FetchRequest).status),
    [ItemOpsStatus.ProtocolError, null],
  );
});

test('EmptyFolderContents and the conversation Move', () => {
  const ops = parseItemOperations(
    root(
      io('EmptyFolderContents', el('AirSync', 'CollectionId', '4'), io('Options', io('DeleteSubFolders'))),
      io('EmptyFolderContents', el('AirSync', 'CollectionId', '4')),
      io('EmptyFolderContents'),
      io('Move', io('ConversationId', 'abc'), io('DstFldId', '5')),
    ),
  );
  assert.deepEqual(ops, [
    { kind: 'empty', status: null, collectionId: '4', deleteSubFolders: true },
    { kind: 'empty', status: null, collectionId: '4', deleteSubFolders: false },
    { kind: 'empty', status: ItemOpsStatus.ProtocolError, collectionId: '', deleteSubFolders: false },
    { kind: 'move', conversationId: 'abc' },
  ]);
});

test('documents that are not an ItemOperations request: null (global Status 2)', () => {
  assert.equal(parseItemOperations(null), null);
  assert.equal(parseItemOperations(el('Settings', 'Settings')), null);
  assert.equal(parseItemOperations(root()), null);
  assert.equal(parseItemOperations(root(io('Bogus'))), null);
  assert.equal(parseItemOperations(root(el('AirSync', 'Fetch'))), null);
  const many = Array.from({ length: MAX_OPERATIONS + 1 }, () =>
    io('Fetch', el('AirSyncBase', 'FileReference', 'a')),
  );
  assert.equal(parseItemOperations(root(many)), null);
  assert.equal(parseItemOperations(root(many.slice(1)))?.length, MAX_OPERATIONS);
});
