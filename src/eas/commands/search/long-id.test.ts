// LongIds: round trip, bound to the device, every edit or foreign id refused, resolved only
// through the device's hierarchy; FileReferences of search results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HierarchyData } from '../../sync/folder-map.js';
import {
  MAX_LONG_ID_LENGTH,
  decodeLongId,
  encodeLongId,
  longIdFileReference,
  parseLongIdFileReference,
  resolveLongId,
} from './long-id.js';

const hierarchy: HierarchyData = {
  next: 3,
  ids: new Map([
    ['backend-inbox', '1'],
    ['backend/gone:folder', '2'],
  ]),
  // '2' was deleted on the device: its id stays in `ids` but the device no longer holds it.
  folders: new Map([['1', { parentId: '0', name: 'Inbox', type: 2 }]]),
};

test('a LongId decodes back to its ids, for its own device only', () => {
  const id = encodeLongId('device-a', '1', '4711');
  assert.ok(id);
  assert.match(id, /^[A-Za-z0-9_.-]+$/);
  assert.ok(id.length < MAX_LONG_ID_LENGTH);
  assert.deepEqual(decodeLongId('device-a', id), { collectionId: '1', messageId: '4711' });
  assert.equal(decodeLongId('device-b', id), null, "another device's LongId");
  // Ids with separators and non-ASCII characters travel intact.
  const odd = encodeLongId('device-a', '1:2.3', 'ü/é:9') as string;
  assert.deepEqual(decodeLongId('device-a', odd), { collectionId: '1:2.3', messageId: 'ü/é:9' });
});

test('edited, truncated, padded or re-spelled LongIds are refused', () => {
  const id = encodeLongId('dev', '1', '42') as string;
  const [c, m, mac] = id.split('.') as [string, string, string];
  const swap = (s: string) => (s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`);
  const cases = [
    `${c}.${Buffer.from('43').toString('base64url')}.${mac}`,
    `${swap(c)}.${m}.${mac}`,
    `${c}.${m}.${swap(mac)}`,
    `${c}.${m}`,
    `${c}.${m}.${mac}.`,
    `${c}.${m}.${mac}=`,
    `${c}=.${m}.${mac}`,
    `${c}.${m}.${mac.slice(0, -1)}`,
    ` ${id}`,
    id.replace(/\./g, ':'),
    '',
    'RgAAAA',
    'x'.repeat(MAX_LONG_ID_LENGTH + 1),
    `${c}.${m}.${mac}${'A'.repeat(300)}`,
  ];
  for (const bad of cases) assert.equal(decodeLongId('dev', bad), null, bad);
});

test('ids too long to carry give no LongId', () => {
  assert.equal(encodeLongId('dev', '1', '9'.repeat(65)), null);
  assert.equal(encodeLongId('dev', 'c'.repeat(65), '1'), null);
  assert.equal(encodeLongId('dev', '1', ''), null);
  assert.equal(encodeLongId('dev', '1', 'é'.repeat(33)), null, '66 bytes of UTF-8');
  assert.ok(encodeLongId('dev', 'c'.repeat(64), '9'.repeat(64)));
});

test('a LongId resolves only to a folder the device holds now', () => {
  const inbox = encodeLongId('dev', '1', '7') as string;
  assert.deepEqual(resolveLongId('dev', hierarchy, inbox), {
    collectionId: '1',
    folderId: 'backend-inbox',
    messageId: '7',
  });
  assert.equal(resolveLongId('dev', null, inbox), null, 'no FolderSync yet');
  assert.equal(
    resolveLongId('dev', hierarchy, encodeLongId('dev', '2', '7') as string),
    null,
    'deleted folder',
  );
  assert.equal(
    resolveLongId('dev', hierarchy, encodeLongId('dev', '99', '7') as string),
    null,
    'unknown folder',
  );
  assert.equal(resolveLongId('other', hierarchy, inbox), null);
});

test('search-result FileReferences: "<LongId>:<part>"; anything else is not one', () => {
  const id = encodeLongId('dev', '1', '7') as string;
  const ref = longIdFileReference(id, '1.2');
  assert.deepEqual(parseLongIdFileReference(ref), { longId: id, partId: '1.2' });
  for (const bad of [
    '1:7:2',
    `${id}`,
    `${id}:`,
    `${id}:x`,
    `${id}:1..2`,
    `a.b:2`,
    `${'A'.repeat(300)}.b.c:2`,
  ]) {
    assert.equal(parseLongIdFileReference(bad), null, bad);
  }
});
