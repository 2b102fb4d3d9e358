// SQLite-specific behaviour the conformance suite cannot express: migrations on re-open,
// connection settings, two processes' worth of connections on one file, schema-version guard.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { loadMigrations } from '../../src/store/sql/migrations.js';
import { makeDevice, makeUser } from './conformance/fixtures.js';

describe('sqlite store: migrations and file access', () => {
  let dir = '';
  let n = 0;
  const freshPath = (): string => join(dir, `db-${++n}`, 'state.db');
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncward-sqlite-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('migrations apply once; re-opening the same file applies nothing and keeps one row per version', () => {
    const path = freshPath();
    const first = openDatabase(path);
    const applied = migrate(first);
    assert.ok(applied.length >= 1);
    assert.deepEqual(migrate(first), []);
    first.close();
    const second = openDatabase(path);
    try {
      assert.deepEqual(migrate(second), []);
      const rows = second.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        rows,
        applied.map((version) => ({ version })),
      );
    } finally {
      second.close();
    }
  });

  test('a file store runs in WAL mode with foreign keys and a busy timeout (directories are created)', async () => {
    const path = freshPath();
    const store = await createSqliteStore({ path });
    await store.close();
    const db = openDatabase(path);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.ok(Number(db.pragma('busy_timeout', { simple: true })) >= 1000);
    } finally {
      db.close();
    }
  });

  test('two stores on one file (server and CLI) see each other’s writes', async () => {
    const path = freshPath();
    const server = await createSqliteStore({ path });
    const cli = await createSqliteStore({ path });
    try {
      const user = makeUser();
      await cli.putUser(user);
      const device = await server.createDevice(makeDevice(user.id));
      await cli.patchDevice(device.id, { accessState: 'Blocked', accessReason: 'Individual' });
      assert.equal((await server.getDevice(device.id))?.accessState, 'Blocked');
      await cli.deleteUser(user.id);
      assert.equal(await server.countDevices(), 0);
    } finally {
      await server.close();
      await cli.close();
    }
  });

  test('SQLite and PostgreSQL migrations stay in step (same numbers and names)', () => {
    const names = (backend: string): string[] =>
      loadMigrations(new URL(`../../src/store/${backend}/migrations/`, import.meta.url)).map(
        (m) => `${m.version}_${m.name}`,
      );
    assert.deepEqual(names('sqlite'), names('postgres'));
  });

  test('a database migrated by a newer build is refused with a clear error', async () => {
    const path = freshPath();
    await (await createSqliteStore({ path })).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '')").run();
    db.close();
    await assert.rejects(createSqliteStore({ path }), /schema version 9999.*upgrade Syncward/);
  });
});
