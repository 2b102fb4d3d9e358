import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PushHub } from './hub.js';
import { watchSyncChanges } from './long-poll.js';

test('Sync+Wait on the hub: flag changes wake it, a change before the wait is kept', async () => {
  const hub = new PushHub();
  const w = watchSyncChanges(hub, { userId: 'u', deviceId: 'd', folderIds: ['inbox'] });
  hub.publish({ userId: 'u', folderId: 'inbox', kind: 'change' });
  assert.equal(w.changed, true);
  assert.equal(await w.wait(5000), true);
  assert.equal(w.changed, false);
  assert.equal(await w.wait(20), false, 'the deadline answers false');
  w.close();
  assert.equal(hub.size, 0);
});

test("a newer Sync+Wait of the device ends the held one; the device's Ping is not touched", async () => {
  const hub = new PushHub();
  const ping = hub.watch({ userId: 'u', deviceKey: 'ping:d', folderIds: ['inbox'] });
  const first = watchSyncChanges(hub, { userId: 'u', deviceId: 'd', folderIds: ['inbox'] });
  const held = first.wait(60_000);
  const second = watchSyncChanges(hub, { userId: 'u', deviceId: 'd', folderIds: ['inbox'] });
  assert.equal(await held, false);
  hub.publish({ userId: 'u', folderId: 'inbox', kind: 'add' });
  assert.equal(second.changed, true);
  assert.equal(ping.pending, true);
  second.close();
  ping.close();
});
