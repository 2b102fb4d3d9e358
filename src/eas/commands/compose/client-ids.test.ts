// Resend detection by ClientId: remembered after a successful send, not after a failed one,
// concurrent duplicates wait for the first, bounded per device, separate per device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySyncStates } from '../../sync/test-support.js';
import { COMPOSE_CLIENT_IDS_STATE, MAX_CLIENT_IDS, rememberSent, sendOnce, wasSent } from './client-ids.js';

const now = () => new Date('2024-01-01T00:00:00Z');
const noLog = () => undefined;

test('sent once; a failed send is not remembered', async () => {
  const states = new MemorySyncStates();
  let sends = 0;
  const send = async () => {
    sends++;
  };
  assert.equal(await sendOnce(states, 'd1', 'A', now, send, noLog), 'sent');
  assert.equal(await sendOnce(states, 'd1', 'A', now, send, noLog), 'duplicate');
  assert.equal(await sendOnce(states, 'd2', 'A', now, send, noLog), 'sent', 'per device');
  assert.equal(sends, 2);
  await assert.rejects(
    sendOnce(states, 'd1', 'B', now, async () => Promise.reject(new Error('smtp down')), noLog),
    /smtp down/,
  );
  assert.equal(await wasSent(states, 'd1', 'B'), false);
  assert.equal(await sendOnce(states, 'd1', 'B', now, send, noLog), 'sent', 'the retry sends');
});

test('concurrent requests with one ClientId: one send, the others get duplicate', async () => {
  const states = new MemorySyncStates();
  let sends = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const send = async () => {
    sends++;
    await gate;
  };
  const all = Promise.all([1, 2, 3].map(() => sendOnce(states, 'd1', 'C', now, send, noLog)));
  await new Promise((r) => setTimeout(r, 10));
  release();
  assert.deepEqual((await all).sort(), ['duplicate', 'duplicate', 'sent']);
  assert.equal(sends, 1);
});

test('a failed first attempt lets a waiting duplicate send', async () => {
  const states = new MemorySyncStates();
  let calls = 0;
  const send = async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 5));
    if (calls === 1) throw new Error('transient');
  };
  const [a, b] = await Promise.allSettled([
    sendOnce(states, 'd1', 'D', now, send, noLog),
    sendOnce(states, 'd1', 'D', now, send, noLog),
  ]);
  assert.equal(a.status, 'rejected');
  assert.deepEqual(b, { status: 'fulfilled', value: 'sent' });
});

test('bounded memory; a corrupt row counts as empty; a record that cannot be written is reported', async () => {
  const states = new MemorySyncStates();
  for (let i = 0; i < MAX_CLIENT_IDS + 5; i++) await rememberSent(states, 'd1', `id${i}`, now());
  assert.equal(await wasSent(states, 'd1', 'id0'), false, 'the oldest are forgotten');
  assert.equal(await wasSent(states, 'd1', `id${MAX_CLIENT_IDS + 4}`), true);
  const row = await states.getSyncState('d1', COMPOSE_CLIENT_IDS_STATE);
  assert.equal((JSON.parse(row?.data ?? '{}') as { ids: unknown[] }).ids.length, MAX_CLIENT_IDS);
  states.rows.set(`d1\n${COMPOSE_CLIENT_IDS_STATE}`, {
    ...(row as NonNullable<typeof row>),
    data: 'not json',
  });
  assert.equal(await wasSent(states, 'd1', 'id7'), false);
  const stuck = new MemorySyncStates();
  stuck.putSyncState = async () => false;
  const errors: unknown[] = [];
  assert.equal(
    await sendOnce(
      stuck,
      'd1',
      'E',
      now,
      async () => undefined,
      (e) => errors.push(e),
    ),
    'sent',
  );
  assert.equal(errors.length, 1);
});
