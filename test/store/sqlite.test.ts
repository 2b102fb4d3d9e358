// Runs the store conformance suite on SQLite: in memory, and on a temp file (adds reopen).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { describeStoreConformance } from './conformance/index.js';

describeStoreConformance('sqlite :memory:', async () => {
  const store = await createSqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describeStoreConformance('sqlite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'syncward-store-'));
  const path = join(dir, 'state.db');
  const store = await createSqliteStore({ path });
  const cleanup = async (): Promise<void> => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { store, cleanup, reopen: () => createSqliteStore({ path }) };
});
