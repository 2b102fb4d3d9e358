// Runs the store conformance suite on PostgreSQL, each store in its own throwaway schema.
// URL: EAS_TEST_PG_URL; unreachable fails the run under CI and skips locally.
import { after } from 'node:test';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { describeStoreConformance } from './conformance/index.js';
import { dropSchema, endAdmin, fastTestUrl, requirePostgres, uniqueSchema } from './pg-helpers.js';

if (await requirePostgres('store conformance: postgres')) {
  after(endAdmin);
  const url = fastTestUrl();
  describeStoreConformance('postgres', async () => {
    const schema = uniqueSchema();
    const store = await createPostgresStore({ url, schema, maxConnections: 4 });
    const cleanup = async (): Promise<void> => {
      await store.close();
      await dropSchema(schema);
    };
    return { store, cleanup, reopen: () => createPostgresStore({ url, schema }) };
  });
}
