import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectionOptions, CollectionRequest, SyncRequest } from './sync-request.js';
import { cacheOf, loadCache, resolveRequest, saveCache } from './sync-cache.js';
import { MemorySyncStates } from './test-support.js';

const OPTS: CollectionOptions = {
  filterType: 3,
  conflict: null,
  body: { prefs: [], mimeSupport: null, mimeTruncation: null },
};
const col = (id: string, o: Partial<CollectionRequest> = {}): CollectionRequest => ({
  syncKey: 'k',
  collectionId: id,
  getChanges: null,
  deletesAsMoves: null,
  windowSize: null,
  options: null,
  commands: [],
  ...o,
});
const req = (collections: CollectionRequest[], o: Partial<SyncRequest> = {}): SyncRequest => ({
  collections,
  holdSeconds: null,
  windowSize: null,
  partial: false,
  ...o,
});

test('empty and partial requests need a cache (status 13 otherwise)', () => {
  assert.equal(resolveRequest(null, null), null);
  assert.equal(resolveRequest(req([], { partial: true }), null), null);
});

test('an empty request replays the cached collections with their current keys and no commands', () => {
  const first = req(
    [col('1', { options: OPTS, commands: [{ kind: 'delete', serverId: '1:1' }] }), col('2')],
    {
      holdSeconds: 300,
      windowSize: 50,
    },
  );
  const cached = cacheOf(first, null);
  const replay = resolveRequest(null, cached);
  assert.ok(replay);
  assert.deepEqual(
    replay.collections.map((c) => [
      c.collectionId,
      c.syncKey,
      c.commands.length,
      c.options?.filterType ?? null,
    ]),
    [
      ['1', null, 0, 3],
      ['2', null, 0, null],
    ],
  );
  assert.equal(replay.holdSeconds, 300);
  assert.equal(replay.windowSize, 50);
});

test('a partial request replaces its collections, keeps the others, inherits options and Wait', () => {
  const cached = cacheOf(req([col('1', { options: OPTS }), col('2')], { holdSeconds: 300 }), null);
  const partial = resolveRequest(req([col('1', { syncKey: 'k2' })], { partial: true }), cached);
  assert.ok(partial);
  assert.deepEqual(
    partial.collections.map((c) => c.collectionId),
    ['1', '2'],
  );
  assert.equal(partial.collections[0]?.options?.filterType, 3, 'Options inherited');
  assert.equal(partial.collections[0]?.syncKey, 'k2');
  assert.equal(partial.holdSeconds, 300);
  // A full request without Options inherits them too, and keeps only its own collections.
  const full = resolveRequest(req([col('1')]), cached);
  assert.deepEqual(
    full?.collections.map((c) => [c.collectionId, c.options?.filterType]),
    [['1', 3]],
  );
});

test('the cache is stored per device, and written only when it changes', async () => {
  const states = new MemorySyncStates();
  const now = new Date();
  let cur = await loadCache(states, 'd1');
  assert.deepEqual(cur, { cached: null, key: null });
  const cached = cacheOf(req([col('1', { options: OPTS })]), null);
  await saveCache(states, 'd1', cached, cur, now);
  cur = await loadCache(states, 'd1');
  assert.deepEqual(cur.cached, cached);
  assert.equal(cur.key, '1');
  await saveCache(states, 'd1', cached, cur, now);
  assert.equal((await loadCache(states, 'd1')).key, '1', 'unchanged: not written');
  assert.deepEqual((await loadCache(states, 'd2')).cached, null);
});
