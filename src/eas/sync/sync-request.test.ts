import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { el } from '../../wbxml/index.js';
import type { WbxmlElement } from '../../wbxml/types.js';
import { SyncRequestError, SyncStatus, parseSyncRequest } from './sync-request.js';

const s = (tag: string, ...c: Parameters<typeof el>[2][]) => el('AirSync', tag, ...c);
const collection = (...c: Parameters<typeof el>[2][]) =>
  s('Collection', s('SyncKey', '{abcdef01}3'), s('CollectionId', '2'), ...c);
const sync = (...c: Parameters<typeof el>[2][]) => s('Sync', ...c);

function status(body: WbxmlElement): { status: number; limit: number | null } {
  try {
    parseSyncRequest(body);
  } catch (err) {
    if (err instanceof SyncRequestError) return { status: err.status, limit: err.limit };
    throw err;
  }
  return { status: 0, limit: null };
}

test('a full request: keys, options, client commands in order', () => {
  const r = parseSyncRequest(
    sync(
      s(
        'Collections',
        collection(
          s('DeletesAsMoves', 0),
          s('GetChanges'),
          s('WindowSize', 0),
          s('Options', s('FilterType', 3), s('Conflict', 0)),
          s(
            'Commands',
            s('Change', s('ServerId', '2:1'), s('ApplicationData', el('Email', 'Read', 1))),
            s('Delete', s('ServerId', '2:2')),
            s('Fetch', s('ServerId', '2:3')),
          ),
        ),
      ),
      s('WindowSize', 25),
    ),
  );
  const c = r.collections[0];
  assert.ok(c);
  assert.equal(c.syncKey, '{abcdef01}3');
  assert.equal(c.getChanges, true);
  assert.equal(c.deletesAsMoves, false);
  assert.equal(c.windowSize, 512, 'WindowSize 0 means 512');
  assert.equal(c.options?.filterType, 3);
  assert.equal(c.options?.conflict, 0);
  assert.deepEqual(
    c.commands.map((x) => x.kind),
    ['change', 'delete', 'fetch'],
  );
  assert.equal(r.windowSize, 25);
  assert.equal(r.holdSeconds, null);
});

test('Wait and HeartbeatInterval: ranges give status 14 with the Limit, both together status 4', () => {
  assert.equal(parseSyncRequest(sync(s('Collections', collection()), s('Wait', 5))).holdSeconds, 300);
  assert.equal(
    parseSyncRequest(sync(s('Collections', collection()), s('HeartbeatInterval', 480))).holdSeconds,
    480,
  );
  assert.deepEqual(status(sync(s('Collections', collection()), s('Wait', 0))), { status: 14, limit: 1 });
  assert.deepEqual(status(sync(s('Collections', collection()), s('Wait', 60))), { status: 14, limit: 59 });
  assert.deepEqual(status(sync(s('Collections', collection()), s('HeartbeatInterval', 30))), {
    status: 14,
    limit: 60,
  });
  assert.deepEqual(status(sync(s('Collections', collection()), s('HeartbeatInterval', 4000))), {
    status: 14,
    limit: 3540,
  });
  assert.equal(
    status(sync(s('Collections', collection()), s('Wait', 5), s('HeartbeatInterval', 300))).status,
    4,
  );
});

test('malformed requests are status 4; too many collections 15', () => {
  const bad: WbxmlElement[] = [
    el('FolderHierarchy', 'FolderSync'),
    sync(),
    sync(s('Collections')),
    sync(s('Collections', s('Collection', s('CollectionId', '2')))),
    sync(s('Collections', s('Collection', s('SyncKey', '0')))),
    sync(s('Collections', collection(), collection())),
    sync(s('Collections', collection(s('WindowSize', 'many')))),
    sync(s('Collections', collection(s('GetChanges', 'yes')))),
    sync(s('Collections', collection(s('Options', s('FilterType', 9))))),
    sync(s('Collections', collection(s('Options', s('Conflict', 2))))),
    sync(s('Collections', collection(s('Commands', s('Change'))))),
    sync(s('Collections', collection(s('Commands', s('Bogus'))))),
    sync(s('Collections', s('Collection', s('SyncKey', 'k'.repeat(65)), s('CollectionId', '2')))),
    sync(s('Collections', collection(s('Class', 'Contacts')))),
    sync(
      s(
        'Collections',
        collection(s('Commands', ...Array.from({ length: 1100 }, () => s('Delete', s('ServerId', '2:1'))))),
      ),
    ),
  ];
  for (const b of bad)
    assert.equal(status(b).status, SyncStatus.ProtocolError, JSON.stringify(b).slice(0, 120));
  const many = sync(
    s(
      'Collections',
      ...Array.from({ length: 301 }, (_, i) =>
        s('Collection', s('SyncKey', '0'), s('CollectionId', String(i))),
      ),
    ),
  );
  assert.equal(status(many).status, SyncStatus.TooManyCollections);
});

test('random element soup never throws anything but a SyncRequestError', () => {
  const tags = [
    'Sync',
    'Collections',
    'Collection',
    'SyncKey',
    'CollectionId',
    'Options',
    'Commands',
    'Add',
    'Change',
    'Delete',
    'Fetch',
    'Wait',
    'WindowSize',
    'Partial',
    'ApplicationData',
    'ServerId',
    'ClientId',
    'FilterType',
    'GetChanges',
  ];
  const rnd = (n: number) => randomBytes(1)[0]! % n;
  const soup = (depth: number): WbxmlElement =>
    s(
      tags[rnd(tags.length)]!,
      ...Array.from({ length: depth > 0 ? rnd(4) : 0 }, () =>
        rnd(3) === 0 ? String(rnd(1000)) : soup(depth - 1),
      ),
    );
  for (let i = 0; i < 2000; i++) {
    const body = s('Sync', soup(4), soup(4));
    try {
      parseSyncRequest(body);
    } catch (err) {
      assert.ok(err instanceof SyncRequestError, String(err));
    }
  }
});

test('a Partial request may leave out SyncKeys and even every collection', () => {
  const r = parseSyncRequest(sync(s('Collections', s('Collection', s('CollectionId', '5'))), s('Partial')));
  assert.equal(r.partial, true);
  assert.equal(r.collections[0]?.syncKey, null);
  assert.equal(parseSyncRequest(sync(s('Partial'))).collections.length, 0);
});
