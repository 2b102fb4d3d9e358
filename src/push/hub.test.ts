import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PUSH_LIMITS, PushHub } from './hub.js';

test('wakes exactly the waiters of that user and folder', async () => {
  const hub = new PushHub();
  const a = hub.wait({ userId: 'u1', deviceKey: 'd1', folderIds: ['inbox'], timeoutMs: 5000 });
  const b = hub.wait({ userId: 'u1', deviceKey: 'd2', folderIds: ['other'], timeoutMs: 50 });
  const c = hub.wait({ userId: 'u2', deviceKey: 'd3', folderIds: ['inbox'], timeoutMs: 50 });
  hub.publish({ userId: 'u1', folderId: 'inbox', kind: 'add' });
  assert.deepEqual(await a, { kind: 'changed', folderIds: ['inbox'] });
  assert.deepEqual(await b, { kind: 'timeout' });
  assert.deepEqual(await c, { kind: 'timeout' });
  assert.equal(hub.size, 0);
});

test('Ping ignores flag changes; Sync+Wait (anyChange) does not', async () => {
  const hub = new PushHub();
  const ping = hub.wait({ userId: 'u', deviceKey: 'p', folderIds: ['f'], timeoutMs: 50 });
  const sync = hub.wait({ userId: 'u', deviceKey: 's', folderIds: ['f'], timeoutMs: 5000, anyChange: true });
  hub.publish({ userId: 'u', folderId: 'f', kind: 'change' });
  assert.deepEqual(await sync, { kind: 'changed', folderIds: ['f'] });
  assert.deepEqual(await ping, { kind: 'timeout' });
});

test('a new wait from the same device supersedes the held one', async () => {
  const hub = new PushHub();
  const first = hub.wait({ userId: 'u', deviceKey: 'd', folderIds: ['f'], timeoutMs: 5000 });
  const second = hub.wait({ userId: 'u', deviceKey: 'd', folderIds: ['f'], timeoutMs: 5000 });
  assert.deepEqual(await first, { kind: 'superseded' });
  assert.equal(hub.size, 1);
  hub.close();
  assert.deepEqual(await second, { kind: 'closed' });
});

test('holds thousands of waits and wakes one in a crowd quickly', async () => {
  const hub = new PushHub();
  const waits = Array.from({ length: 5000 }, (_, i) =>
    hub.wait({ userId: `u${i}`, deviceKey: `d${i}`, folderIds: ['inbox'], timeoutMs: 60_000 }),
  );
  assert.equal(hub.size, 5000);
  hub.publish({ userId: 'u4321', folderId: 'inbox', kind: 'add' });
  assert.deepEqual(await waits[4321], { kind: 'changed', folderIds: ['inbox'] });
  assert.equal(hub.size, 4999);
  hub.close();
  await Promise.all(waits);
  assert.equal(hub.size, 0);
});

test('a watch keeps what arrived before its wait, and keeps watching after a wake', async () => {
  const hub = new PushHub();
  const w = hub.watch({ userId: 'u', deviceKey: 'd', folderIds: ['inbox', 'work'] });
  hub.publish({ userId: 'u', folderId: 'inbox', kind: 'add' });
  hub.publish({ userId: 'u', folderId: 'work', kind: 'add' });
  assert.equal(w.pending, true);
  assert.deepEqual(await w.wait(5000), { kind: 'changed', folderIds: ['inbox', 'work'] });
  assert.equal(w.pending, false);
  setTimeout(() => hub.publish({ userId: 'u', folderId: 'work', kind: 'add' }), 10);
  assert.deepEqual(await w.wait(5000), { kind: 'changed', folderIds: ['work'] });
  assert.deepEqual(await w.wait(20), { kind: 'timeout' });
  w.close();
  assert.equal(hub.size, 0);
  assert.deepEqual(await w.wait(5000), { kind: 'closed' }, 'final results repeat');
});

test('a hierarchy change wakes every watch of the user, flagged as such', async () => {
  const hub = new PushHub();
  const w = hub.watch({ userId: 'u', deviceKey: 'd', folderIds: [] });
  hub.publish({ userId: 'u', folderId: '', kind: 'folders' });
  assert.deepEqual(await w.wait(5000), { kind: 'changed', folderIds: [], hierarchy: true });
  w.close();
});

test('superseding ends the held wait at once and every later one', async () => {
  const hub = new PushHub();
  const first = hub.watch({ userId: 'u', deviceKey: 'ping:d', folderIds: ['f'] });
  const held = first.wait(60_000);
  const sync = hub.watch({ userId: 'u', deviceKey: 'sync:d', folderIds: ['f'], anyChange: true });
  const second = hub.watch({ userId: 'u', deviceKey: 'ping:d', folderIds: ['f'] });
  assert.deepEqual(await held, { kind: 'superseded' });
  assert.deepEqual(await first.wait(10), { kind: 'superseded' });
  hub.publish({ userId: 'u', folderId: 'f', kind: 'add' });
  assert.equal(second.pending, true, 'the newer watch of the key still watches');
  assert.equal(sync.pending, true, 'another key of the same device is left alone');
  assert.equal(hub.size, 2);
  hub.close();
  assert.deepEqual(await second.wait(10), { kind: 'closed' });
  assert.deepEqual(hub.watch({ userId: 'u', deviceKey: 'x', folderIds: [] }).pending, false);
  assert.deepEqual(await hub.wait({ userId: 'u', deviceKey: 'x', folderIds: [], timeoutMs: 10 }), {
    kind: 'closed',
  });
  assert.equal(hub.size, 0);
});

test('limits: Exchange defaults, configurable, nonsense refused', () => {
  assert.deepEqual(new PushHub().limits, DEFAULT_PUSH_LIMITS);
  assert.equal(
    new PushHub({ limits: { minHeartbeatSeconds: 1, maxHeartbeatSeconds: 5 } }).limits.maxHeartbeatSeconds,
    5,
  );
  assert.throws(() => new PushHub({ limits: { minHeartbeatSeconds: 0 } }), RangeError);
  assert.throws(
    () => new PushHub({ limits: { minHeartbeatSeconds: 100, maxHeartbeatSeconds: 50 } }),
    RangeError,
  );
  assert.throws(() => new PushHub({ limits: { maxHeartbeatSeconds: 3541 } }), RangeError);
  assert.throws(() => new PushHub({ limits: { maxFolders: 1.5 } }), RangeError);
});
