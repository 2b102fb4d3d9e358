import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryMailBackend } from '../../mail/memory/index.js';
import { lookUntilChange, watchChanges } from './long-poll.js';
import { TEST_USER, message } from './test-support.js';

test('a held request wakes on new mail in a watched folder of its user, and only then', async () => {
  const backend = createMemoryMailBackend();
  const other = { ...TEST_USER, id: 'u2', email: 'other@example.com' };
  const watch = watchChanges(backend, TEST_USER.id, new Set(['inbox']));
  try {
    const started = Date.now();
    const woke = watch.wait(5000);
    await backend.deliver(other, message('not yours'));
    const s = await backend.open(TEST_USER, { username: 'a', password: 'b' });
    await s.appendMessage('drafts', message('not watched'));
    setTimeout(() => void backend.deliver(TEST_USER, message('yours')), 50);
    assert.equal(await woke, true);
    assert.ok(Date.now() - started < 2000);
  } finally {
    watch.close();
  }
});

test('a change before the wait is not lost; the deadline answers false', async () => {
  const backend = createMemoryMailBackend();
  const watch = watchChanges(backend, TEST_USER.id, new Set(['inbox']));
  await backend.deliver(TEST_USER, message('early'));
  assert.equal(watch.changed, true);
  assert.equal(await watch.wait(10_000), true, 'at once');
  const started = Date.now();
  assert.equal(await watch.wait(100), false);
  assert.ok(Date.now() - started >= 90);
  watch.close();
});

test('closing a held watch ends the wait and unsubscribes', async () => {
  const backend = createMemoryMailBackend();
  const watch = watchChanges(backend, TEST_USER.id, new Set(['inbox']));
  const pending = watch.wait(60_000);
  watch.close();
  assert.equal(await pending, false);
  await backend.deliver(TEST_USER, message('after'));
  assert.equal(watch.changed, false);
});

test('a hold answers when a look finds something, keeps waiting past changes that give nothing, ends empty', async () => {
  const backend = createMemoryMailBackend();
  const watch = watchChanges(backend, TEST_USER.id, new Set(['inbox']));
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
  }
});
