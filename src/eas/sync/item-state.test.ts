import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageEntry } from '../../mail/types.js';
import {
  FLAGGED,
  READ,
  applyOp,
  diffItems,
  emptyCollection,
  itemIndex,
  orderOps,
  parseCollection,
  parseServerId,
  pruneIds,
  retryBase,
  serializeCollection,
  serverIdOf,
} from './item-state.js';

const entry = (id: string, read = false, flagged = false): MessageEntry => ({
  id,
  receivedAt: new Date(Number(id) * 1000),
  flags: { read, flagged, answered: false, forwarded: false },
});

test('diff: adds newest first as listed, flag changes, missing items', () => {
  const items = new Map([
    ['1', 0],
    ['2', READ],
    ['3', 0],
  ]);
  const d = diffItems(items, [entry('5'), entry('4'), entry('2', true, true), entry('1')]);
  assert.deepEqual(
    d.adds.map((e) => e.id),
    ['5', '4'],
  );
  assert.deepEqual(d.changes, [{ id: '2', bits: READ | FLAGGED }]);
  assert.deepEqual(d.missing, ['3']);
  const ops = orderOps(['3'], [], d);
  assert.deepEqual(
    ops.map((o) => o.kind),
    ['delete', 'change', 'add', 'add'],
  );
});

test('ServerIds: "<collection>:<n>", n allocated once per message, parsed strictly', () => {
  const d = emptyCollection('INBOX');
  assert.equal(applyOp(d, { kind: 'add', entry: entry('10') }), 1);
  assert.equal(applyOp(d, { kind: 'add', entry: entry('11', true) }), 2);
  assert.equal(d.items.get('11'), READ);
  assert.equal(applyOp(d, { kind: 'delete', id: '10' }), 1);
  assert.equal(applyOp(d, { kind: 'add', entry: entry('10') }), 1, 'the same message gets its number back');
  assert.equal(serverIdOf('7', 2), '7:2');
  assert.equal(parseServerId('7', '7:2'), 2);
  for (const bad of ['8:2', '7:', '7:0', '7:x', '7:2:1', ':2', '72'])
    assert.equal(parseServerId('7', bad), null, bad);
  assert.deepEqual(
    [...itemIndex(d)],
    [
      [2, '11'],
      [1, '10'],
    ],
  );
});

test('a retry keeps the device view of the old state and the newest id allocations', () => {
  const old = emptyCollection('F');
  applyOp(old, { kind: 'add', entry: entry('1') });
  const newer = parseCollection(serializeCollection(old));
  assert.ok(newer);
  applyOp(newer, { kind: 'add', entry: entry('2') });
  newer.clients.push({ clientId: 'c1', n: 2, backendId: '2' });
  const base = retryBase(old, newer);
  assert.deepEqual([...base.items.keys()], ['1'], 'the device never got message 2');
  assert.equal(base.ids.get('2'), 2, 'but message 2 keeps number 2 when sent again');
  assert.equal(base.next, 3);
  assert.deepEqual(
    base.clients.map((c) => c.clientId),
    ['c1'],
  );
});

test('pruning drops allocations of items the device no longer has', () => {
  const d = emptyCollection('F');
  applyOp(d, { kind: 'add', entry: entry('1') });
  applyOp(d, { kind: 'add', entry: entry('2') });
  applyOp(d, { kind: 'delete', id: '1' });
  pruneIds(d, new Set());
  assert.deepEqual([...d.ids.keys()], ['2']);
});

test('state round-trips; corrupt state parses as null', () => {
  const d = emptyCollection('F');
  applyOp(d, { kind: 'add', entry: entry('1', true) });
  d.clients.push({ clientId: 'x', n: 1, backendId: '1' });
  assert.deepEqual(parseCollection(serializeCollection(d)), d);
  for (const bad of [
    null,
    '',
    'null',
    '{"v":1}',
    '{"v":1,"folder":"F","next":1,"ids":[["a","b"]],"items":[],"clients":[]}',
  ]) {
    assert.equal(parseCollection(bad), null, String(bad));
  }
});

test('MoveItems reservations: kept through pruning until Added, SoftDeleted or Deleted', () => {
  const d = emptyCollection('F');
  d.ids.set('9', 4);
  d.moved.add('9');
  d.next = 5;
  // 1. A window that did not reach message 9: its number stays.
  pruneIds(d, new Set());
  assert.equal(d.ids.get('9'), 4);
  // 2. In the window it is an Add; Added, the reservation ends and the item keeps the number.
  assert.deepEqual(
    diffItems(d.items, [entry('9')], d.moved).adds.map((e) => e.id),
    ['9'],
  );
  assert.equal(applyOp(d, { kind: 'add', entry: entry('9') }), 4);
  assert.equal(d.moved.size, 0);
  // 3. Reserved, then not in the window (gone, or too old): missing, as an item the device has.
  d.ids.set('10', 5);
  d.moved.add('10');
  assert.deepEqual(diffItems(d.items, [entry('9')], d.moved).missing, ['10']);
  assert.equal(applyOp(d, { kind: 'delete', id: '10' }), 5);
  pruneIds(d, new Set());
  assert.equal(d.ids.has('10'), false);
  assert.equal(d.moved.size, 0);
});

test('a retry keeps reservations of either state that the device was not sent', () => {
  const known = emptyCollection('F');
  known.ids.set('1', 1);
  known.moved.add('1');
  known.next = 2;
  const newest = parseCollection(serializeCollection(known));
  assert.ok(newest);
  // The lost answer Added 1; a move after it reserved 2.
  applyOp(newest, { kind: 'add', entry: entry('1') });
  newest.ids.set('2', 2);
  newest.moved.add('2');
  newest.next = 3;
  newest.heldKey = '{00000000}4';
  const base = retryBase(known, newest);
  assert.deepEqual([...base.moved].sort(), ['1', '2']);
  assert.equal(base.ids.get('2'), 2);
  assert.equal(base.heldKey, null);
});

test('reservations and the held key round-trip; states written before them read as none', () => {
  const d = emptyCollection('F');
  d.ids.set('7', 1);
  d.moved.add('7');
  d.heldKey = '{0000abcd}3';
  assert.deepEqual(parseCollection(serializeCollection(d)), d);
  const old = '{"v":1,"folder":"F","next":2,"ids":[["7",1]],"items":[["7",0]],"clients":[]}';
  const parsed = parseCollection(old);
  assert.deepEqual([parsed?.moved.size, parsed?.heldKey], [0, null]);
  // Without them the stored form is the one older code reads.
  assert.doesNotMatch(serializeCollection(emptyCollection('F')), /moved|key/);
  assert.equal(
    parseCollection('{"v":1,"folder":"F","next":1,"ids":[],"items":[],"clients":[],"moved":[1]}'),
    null,
  );
  assert.equal(
    parseCollection('{"v":1,"folder":"F","next":1,"ids":[],"items":[],"clients":[],"key":5}'),
    null,
  );
});
