// The hierarchy state after the device's own folder commands: key check, ServerIds, subtree
// removal, cycle detection, and the commit that moves the FolderSync key on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHierarchy, parseHierarchy, serializeHierarchy } from './folder-map.js';
import {
  checkHierarchyKey,
  commitHierarchy,
  isSelfOrBelow,
  removeKnownFolder,
  serverIdFor,
  setKnownFolder,
} from './hierarchy-edit.js';
import { HIERARCHY_STATE } from './state-store.js';
import { MemorySyncStates } from './test-support.js';

function tree() {
  const d = emptyHierarchy();
  const a = serverIdFor(d, 'A');
  const b = serverIdFor(d, 'B');
  const c = serverIdFor(d, 'C');
  setKnownFolder(d, a, { parentId: '0', name: 'a', type: 12 });
  setKnownFolder(d, b, { parentId: a, name: 'b', type: 12 });
  setKnownFolder(d, c, { parentId: b, name: 'c', type: 12 });
  return { d, a, b, c };
}

test('serverIdFor hands out the next id once per backend folder', () => {
  const d = emptyHierarchy();
  assert.equal(serverIdFor(d, 'x'), '1');
  assert.equal(serverIdFor(d, 'y'), '2');
  assert.equal(serverIdFor(d, 'x'), '1');
  assert.equal(d.next, 3);
});

test('removeKnownFolder takes the subtree; isSelfOrBelow finds cycles', () => {
  const { d, a, b, c } = tree();
  assert.equal(isSelfOrBelow(d, a, c), true);
  assert.equal(isSelfOrBelow(d, a, a), true);
  assert.equal(isSelfOrBelow(d, c, a), false);
  assert.equal(isSelfOrBelow(d, a, '0'), false);
  assert.deepEqual(removeKnownFolder(d, b).sort(), [b, c].sort());
  assert.deepEqual([...d.folders.keys()], [a]);
  assert.deepEqual(removeKnownFolder(d, '99'), []);
  // A corrupt parent chain (a cycle) ends.
  setKnownFolder(d, 'p', { parentId: 'q', name: 'p', type: 12 });
  setKnownFolder(d, 'q', { parentId: 'p', name: 'q', type: 12 });
  assert.equal(isSelfOrBelow(d, 'z', 'p'), false);
});

test('checkHierarchyKey and commitHierarchy: only the current key; the new key keeps the old as previous', async () => {
  const states = new MemorySyncStates();
  assert.deepEqual(await checkHierarchyKey(states, 'dev', 'k'), { ok: false, reason: 'noState' });
  const { d } = tree();
  await states.putSyncState(
    {
      deviceId: 'dev',
      collectionId: HIERARCHY_STATE,
      syncKey: '{0000000a}3',
      data: serializeHierarchy(d),
      previousSyncKey: '{0000000a}2',
      previousData: null,
      updatedAt: new Date(),
    },
    null,
  );
  assert.deepEqual(await checkHierarchyKey(states, 'dev', '{0000000a}2'), {
    ok: false,
    reason: 'keyMismatch',
  });
  const ok = await checkHierarchyKey(states, 'dev', '{0000000a}3');
  assert.ok(ok.ok);
  setKnownFolder(ok.data, '9', { parentId: '0', name: 'new', type: 12 });
  const key = await commitHierarchy(states, 'dev', ok.row, ok.data, new Date());
  assert.equal(key, '{0000000a}4');
  const row = await states.getSyncState('dev', HIERARCHY_STATE);
  assert.equal(row?.previousSyncKey, '{0000000a}3');
  assert.equal(parseHierarchy(row?.data ?? null)?.folders.get('9')?.name, 'new');
  // The same stale row again: another request moved the key first.
  assert.equal(await commitHierarchy(states, 'dev', ok.row, ok.data, new Date()), null);
});
