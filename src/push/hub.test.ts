import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PushHub } from './hub.js';

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
