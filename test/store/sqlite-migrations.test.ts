// SQLite-specific behaviour the conformance suite cannot express: migrations on re-open,
// connection settings, two processes' worth of connections on one file, schema-version guard.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { encode, openDatabase } from '../../src/store/sqlite/db.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { DEVICE_COLUMNS } from '../../src/store/sql/device-columns.js';
import { loadMigrations } from '../../src/store/sql/migrations.js';
import { makeDevice, makeUser } from './conformance/fixtures.js';
import {
  V4_MESSAGES,
  assertV1DataUpgraded,
  assertV4MessagesSearchable,
  v1Data,
  v1DeviceFields,
} from './migration-upgrades.js';

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

  test('a database at version 1 holding data upgrades to the latest version: users and devices are kept, new fields empty', async () => {
    const path = freshPath();
    const old = openDatabase(path);
    assert.deepEqual(migrate(old, 1), [1]);
    // Written as a build that knew only 0001 wrote them: its columns, nothing else.
    const data = v1Data();
    const { policy, user, devices } = data;
    old
      .prepare(
        `INSERT INTO policies (id, name, name_key, is_default, settings, options, revision, created_at, updated_at)
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`,
      )
      .run(
        policy.id,
        policy.name,
        policy.name.toLowerCase(),
        JSON.stringify(policy.settings),
        JSON.stringify(policy.options),
        policy.revision,
        policy.createdAt.toISOString(),
        policy.updatedAt.toISOString(),
      );
    old
      .prepare(
        `INSERT INTO users (id, username, username_key, email, display_name, password_hash, eas_enabled,
           policy_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      )
      .run(
        user.id,
        user.username,
        'legacy.user',
        user.email,
        user.displayName,
        user.passwordHash,
        user.policyId,
        user.createdAt.toISOString(),
        user.updatedAt.toISOString(),
      );
    const v1Columns = (old.prepare('PRAGMA table_info(devices)').all() as Array<{ name: string }>).map(
      (c) => c.name,
    );
    const v1Fields = v1DeviceFields(v1Columns);
    const insert = old.prepare(
      `INSERT INTO devices (${v1Fields.map((f) => DEVICE_COLUMNS[f].column).join(', ')})
       VALUES (${v1Fields.map(() => '?').join(', ')})`,
    );
    for (const d of devices) insert.run(...v1Fields.map((f) => encode(DEVICE_COLUMNS[f].kind, d[f])));
    old.close();

    const store = await createSqliteStore({ path });
    try {
      await assertV1DataUpgraded(store, data);
    } finally {
      await store.close();
    }
    const db = openDatabase(path);
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      const known = loadMigrations(new URL('../../src/store/sqlite/migrations/', import.meta.url));
      assert.deepEqual(
        versions,
        known.map((m) => ({ version: m.version })),
      );
    } finally {
      db.close();
    }
  });
  test('a database at version 4 holding mail upgrades: old messages are searchable by subject, names and addresses', async () => {
    const path = freshPath();
    const old = openDatabase(path);
    assert.deepEqual(migrate(old, 4), [1, 2, 3, 4]);
    const user = makeUser();
    const at = new Date('2024-05-01T10:00:00.000Z').toISOString();
    old
      .prepare(
        `INSERT INTO users (id, username, username_key, email, display_name, password_hash, eas_enabled,
           policy_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?, ?)`,
      )
      .run(
        user.id,
        user.username,
        user.username.toLowerCase(),
        user.email,
        user.displayName,
        user.passwordHash,
        at,
        at,
      );
    old
      .prepare(
        `INSERT INTO mail_folders (id, user_id, parent_id, name, name_key, role, next_uid, created_at)
         VALUES ('f1', ?, NULL, 'Inbox', 'inbox', 'inbox', 3, ?)`,
      )
      .run(user.id, at);
    for (const [uid, content, s] of V4_MESSAGES) {
      old
        .prepare('INSERT INTO mail_contents (id, user_id, size, created_at) VALUES (?, ?, 5, ?)')
        .run(content, user.id, at);
      old
        .prepare(
          `INSERT INTO mail_messages (folder_id, uid, user_id, content_id, received_at, flag_read, flag_flagged,
             flag_answered, flag_forwarded, size, summary) VALUES ('f1', ?, ?, ?, ?, 0, 0, 0, 0, 5, ?)`,
        )
        .run(uid, user.id, content, at, s);
    }
    old.close();

    const store = await createSqliteStore({ path });
    try {
      await assertV4MessagesSearchable(store, user.id);
    } finally {
      await store.close();
    }
  });
});
