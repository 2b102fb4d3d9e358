// The Sync hold loop over the PushHub, fed by the mail backend as src/http/server.ts wires it.
// The hub's own behaviour (wakes, supersession, deadlines) is tested in src/push.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryMailBackend } from '../../mail/memory/index.js';
import { PushHub } from '../../push/hub.js';
import { watchSyncChanges } from '../../push/long-poll.js';
import { lookUntilChange } from './long-poll.js';
import { TEST_USER, message } from './test-support.js';

test('a hold answers when a look finds something, keeps waiting past changes that give nothing, ends empty', async () => {
  const backend = createMemoryMailBackend();
  const hub = new PushHub();
  const off = backend.onChange((e) => hub.publish(e));
  const watch = watchSyncChanges(hub, { userId: TEST_USER.id, deviceId: 'dev1', folderIds: ['inbox'] });
  try {
    let looks = 0;
    let ready = false;
    setTimeout(() => void backend.deliver(TEST_USER, message('nothing to send')), 30);
    setTimeout(() => {
      ready = true;
      void backend.deliver(TEST_USER, message('news'));
    }, 120);
    const started = Date.now();
    const found = await lookUntilChange(
      async () => {
        looks++;
        return ready ? ['news'] : [];
      },
      watch,
      5000,
    );
    assert.deepEqual(found, ['news']);
    assert.equal(looks, 3, 'first look, a wake with nothing, a wake with news');
    assert.ok(Date.now() - started < 2000);
    const quiet = Date.now();
    assert.deepEqual(await lookUntilChange(async () => [], watch, 150), []);
    assert.ok(Date.now() - quiet >= 140, 'held to the deadline');
    assert.deepEqual(await lookUntilChange(async () => [], null, 10_000), [], 'no hold: at once');
  } finally {
    watch.close();
    off();
  }
});
