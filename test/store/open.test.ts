// openStore/parseStoreUrl: which URL forms pick which backend, and the errors for the rest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore, parseStoreUrl } from '../../src/store/open.js';

describe('store URL', () => {
  test('SQLite forms', () => {
    const cases: Array<[string, string]> = [
      ['sqlite::memory:', ':memory:'],
      [':memory:', ':memory:'],
      ['sqlite:data/syncward.db', 'data/syncward.db'],
      ['sqlite:/var/lib/syncward/state.db', '/var/lib/syncward/state.db'],
      ['sqlite:///var/lib/syncward/state.db', '/var/lib/syncward/state.db'],
      ['sqlite://data/syncward.db', 'data/syncward.db'],
      ['SQLite:data.db', 'data.db'],
      ['./data/syncward.db', './data/syncward.db'],
      ['/var/lib/syncward/state.db', '/var/lib/syncward/state.db'],
      ['state.db', 'state.db'],
      ['C:\\data\\syncward.db', 'C:\\data\\syncward.db'],
    ];
    for (const [url, path] of cases) assert.deepEqual(parseStoreUrl(url), { kind: 'sqlite', path }, url);
  });

  test('PostgreSQL forms; ?schema= is taken out of the URL handed to pg, other parameters stay', () => {
    assert.deepEqual(parseStoreUrl('postgres://u:p%40ss@db:5432/eas'), {
      kind: 'postgres',
      url: 'postgres://u:p%40ss@db:5432/eas',
    });
    assert.deepEqual(parseStoreUrl('postgresql://db/eas?schema=syncward'), {
      kind: 'postgres',
      url: 'postgresql://db/eas',
      schema: 'syncward',
    });
    assert.deepEqual(parseStoreUrl('postgres://db/eas?sslmode=require&schema=tenant_1&application_name=x'), {
      kind: 'postgres',
      url: 'postgres://db/eas?sslmode=require&application_name=x',
      schema: 'tenant_1',
    });
  });

  test('unknown schemes and empty paths are clear errors', () => {
    assert.throws(() => parseStoreUrl('mysql://db/eas'), /unsupported store URL scheme "mysql:"/);
    assert.throws(
      () => parseStoreUrl('redis://localhost'),
      /expected sqlite:<path>, postgres:\/\/ or postgresql:\/\//,
    );
    assert.throws(() => parseStoreUrl(''), /empty store URL/);
    assert.throws(() => parseStoreUrl('sqlite:'), /no path/);
  });

  test('openStore opens the chosen backend', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      assert.equal(store.kind, 'sqlite');
      assert.deepEqual(await store.listUsers(), []);
    } finally {
      await store.close();
    }
    await assert.rejects(openStore('mongodb://x'), /unsupported store URL scheme/);
  });
});
