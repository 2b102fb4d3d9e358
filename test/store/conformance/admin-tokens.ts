// Conformance group: AdminTokenStore (API tokens, looked up by hash).
import assert from 'node:assert/strict';
import type { Store } from '../../../src/store/types.js';
import { StoreConflictError } from '../../../src/store/types.js';
import type { StoreTest } from './index.js';
import { makeAdmin, makeAdminToken, T0, T1, T2 } from './fixtures.js';

async function withAdmin(store: Store): Promise<string> {
  const admin = makeAdmin();
  await store.putAdmin(admin);
  return admin.id;
}

export function adminTokenTests(storeTest: StoreTest): void {
  storeTest('missing tokens are null, lists are empty, delete and touch are no-ops', async (store) => {
    assert.equal(await store.getAdminTokenByHash('00'.repeat(32)), null);
    assert.deepEqual(await store.listAdminTokens('no-such-admin'), []);
    await store.deleteAdminToken('no-such-token');
    await store.touchAdminToken('no-such-token', T1);
  });

  storeTest(
    'putAdminToken round-trips (all-null and all-set dates); lookup by hash is exact',
    async (store) => {
      const adminId = await withAdmin(store);
      const plain = makeAdminToken(adminId, { tokenHash: 'ab'.repeat(32) });
      const full = makeAdminToken(adminId, {
        name: 'CI deploy 🚀',
        expiresAt: T2,
        lastUsedAt: T1,
        tokenHash: 'cd'.repeat(32),
      });
      await store.putAdminToken(plain);
      await store.putAdminToken(full);
      assert.deepEqual(await store.getAdminTokenByHash(plain.tokenHash), plain);
      assert.deepEqual(await store.getAdminTokenByHash(full.tokenHash), full);
      assert.equal(await store.getAdminTokenByHash('AB'.repeat(32)), null, 'hash lookup is case-sensitive');
      assert.equal(await store.getAdminTokenByHash('ab'.repeat(31)), null);
    },
  );

  storeTest('expired tokens are still returned (the caller checks expiresAt)', async (store) => {
    const token = makeAdminToken(await withAdmin(store), { expiresAt: T2 });
    await store.putAdminToken(token);
    assert.deepEqual(await store.getAdminTokenByHash(token.tokenHash), token);
  });

  storeTest('listAdminTokens: only that admin’s tokens, ordered by createdAt then id', async (store) => {
    const a = await withAdmin(store);
    const b = await withAdmin(store);
    const tokens = [
      makeAdminToken(a, { id: 't-3', createdAt: T1 }),
      makeAdminToken(a, { id: 't-2', createdAt: T0 }),
      makeAdminToken(b, { id: 't-0', createdAt: T2 }),
      makeAdminToken(a, { id: 't-1', createdAt: T0 }),
      makeAdminToken(a, { id: 't-4', createdAt: T2 }),
    ];
    for (const t of tokens) await store.putAdminToken(t);
    assert.deepEqual(
      (await store.listAdminTokens(a)).map((t) => t.id),
      ['t-4', 't-1', 't-2', 't-3'],
    );
    assert.deepEqual(await store.listAdminTokens(b), [tokens[2]]);
  });

  storeTest(
    'putAdminToken replaces by id; a hash held by another token is a StoreConflictError',
    async (store) => {
      const adminId = await withAdmin(store);
      const token = makeAdminToken(adminId);
      await store.putAdminToken(token);
      const renamed = { ...token, name: 'renamed', expiresAt: T2 };
      await store.putAdminToken(renamed);
      assert.deepEqual(await store.listAdminTokens(adminId), [renamed]);
      const clash = makeAdminToken(adminId, { tokenHash: token.tokenHash });
      await assert.rejects(store.putAdminToken(clash), StoreConflictError);
      assert.deepEqual(await store.listAdminTokens(adminId), [renamed]);
    },
  );

  storeTest('a token for an unknown admin is rejected', async (store) => {
    await assert.rejects(store.putAdminToken(makeAdminToken('no-such-admin')));
    assert.deepEqual(await store.listAdminTokens('no-such-admin'), []);
  });

  storeTest('deleteAdminToken is idempotent and deletes only that token', async (store) => {
    const adminId = await withAdmin(store);
    const gone = makeAdminToken(adminId);
    const kept = makeAdminToken(adminId);
    await store.putAdminToken(gone);
    await store.putAdminToken(kept);
    await store.deleteAdminToken(gone.id);
    await store.deleteAdminToken(gone.id);
    assert.equal(await store.getAdminTokenByHash(gone.tokenHash), null);
    assert.deepEqual(await store.listAdminTokens(adminId), [kept]);
  });

  storeTest('touchAdminToken sets lastUsedAt and never moves it backwards', async (store) => {
    const token = makeAdminToken(await withAdmin(store));
    await store.putAdminToken(token);
    await store.touchAdminToken(token.id, T1);
    assert.deepEqual((await store.getAdminTokenByHash(token.tokenHash))?.lastUsedAt, T1);
    await store.touchAdminToken(token.id, T0);
    assert.deepEqual((await store.getAdminTokenByHash(token.tokenHash))?.lastUsedAt, T1);
    const later = new Date(T1.getTime() + 1);
    await store.touchAdminToken(token.id, later);
    const stored = await store.getAdminTokenByHash(token.tokenHash);
    assert.deepEqual(stored, { ...token, lastUsedAt: later });
  });
}
