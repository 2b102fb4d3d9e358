// PostgreSQL-specific behaviour the conformance suite cannot express: idempotent and concurrent
// migrations (advisory lock), schema isolation, schema-name checking.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { createPool, encode } from '../../src/store/postgres/db.js';
import { MIGRATION_LOCK_CLASS, createPostgresStore } from '../../src/store/postgres/index.js';
import { migrate } from '../../src/store/postgres/migrate.js';
import { DEVICE_COLUMNS } from '../../src/store/sql/device-columns.js';
import { loadMigrations } from '../../src/store/sql/migrations.js';
import { makeUser } from './conformance/fixtures.js';
import {
  V4_MESSAGES,
  assertV1DataUpgraded,
  assertV4MessagesSearchable,
  v1Data,
  v1DeviceFields,
} from './migration-upgrades.js';
import { PG_URL, adminPool, dropSchema, endAdmin, requirePostgres, uniqueSchema } from './pg-helpers.js';

const KNOWN_VERSIONS = loadMigrations(new URL('../../src/store/postgres/migrations/', import.meta.url)).map(
  (m) => m.version,
);

async function appliedVersions(schema: string): Promise<number[]> {
  const { rows } = await adminPool().query<{ version: number }>(
    `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
  );
  return rows.map((r) => r.version);
}

if (await requirePostgres('postgres store: migrations')) {
  after(endAdmin);

  describe('postgres store: migrations and schemas', () => {
    test('opening the same schema twice migrates once', async () => {
      const schema = uniqueSchema();
      try {
        await (await createPostgresStore({ url: PG_URL, schema })).close();
        assert.deepEqual(await appliedVersions(schema), KNOWN_VERSIONS);
        const again = await createPostgresStore({ url: PG_URL, schema });
        await again.close();
        assert.deepEqual(await appliedVersions(schema), KNOWN_VERSIONS);
      } finally {
        await dropSchema(schema);
      }
    });

    test('nodes starting at once on a fresh schema all succeed, migrating once', async () => {
      const schema = uniqueSchema();
      try {
        const stores = await Promise.all(
          Array.from({ length: 4 }, () => createPostgresStore({ url: PG_URL, schema, maxConnections: 2 })),
        );
        await Promise.all(stores.map((s) => s.close()));
        const versions = await appliedVersions(schema);
        assert.deepEqual(
          versions,
          [...new Set(versions)].sort((a, b) => a - b),
        );
      } finally {
        await dropSchema(schema);
      }
    });

    test('a migration waits on the advisory lock held by another node instead of failing', async () => {
      const schema = uniqueSchema();
      const holder = await adminPool().connect();
      try {
        // 1. Another "node" holds the migration lock for this schema.
        await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
        // 2. Our open must block on it, not fail or go ahead.
        let settled = false;
        const opening = createPostgresStore({ url: PG_URL, schema }).finally(() => {
          settled = true;
        });
        await sleep(300);
        assert.equal(settled, false, 'open finished while the lock was held');
        const { rows } = await adminPool().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND datname = current_database()`,
        );
        assert.ok((rows[0]?.n ?? 0) >= 1, 'someone waits on an advisory lock');
        // 3. Released, the open completes and the schema works.
        await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
        const store = await opening;
        await store.putUser(makeUser());
        assert.equal((await store.listUsers()).length, 1);
        await store.close();
      } finally {
        holder.release();
        await dropSchema(schema);
      }
    });

    test('stores in different schemas do not see each other', async () => {
      const [s1, s2] = [uniqueSchema(), uniqueSchema()];
      const a = await createPostgresStore({ url: PG_URL, schema: s1 });
      const b = await createPostgresStore({ url: PG_URL, schema: s2 });
      try {
        await a.putUser(makeUser({ username: 'only-in-a' }));
        assert.equal(await b.getUserByName('only-in-a'), null);
        assert.equal((await a.listUsers()).length, 1);
      } finally {
        await a.close();
        await b.close();
        await dropSchema(s1);
        await dropSchema(s2);
      }
    });

    test('an unsafe schema name is refused before connecting', async () => {
      for (const schema of ['Upper', 'semi;colon', 'a"b', '', 'x'.repeat(64), '1abc']) {
        await assert.rejects(
          createPostgresStore({ url: PG_URL, schema }),
          /invalid PostgreSQL schema name/,
          schema,
        );
      }
    });

    test('a schema at version 1 holding data upgrades to 2: users and devices are kept, new fields empty', async () => {
      const schema = uniqueSchema();
      const old = createPool({ url: PG_URL, schema, max: 1 });
      const data = v1Data();
      const { policy, user, devices } = data;
      try {
        assert.deepEqual(await migrate(old, schema, 1), [1]);
        // Written as a build that knew only 0001 wrote them: its columns, nothing else.
        await old.query(
          `INSERT INTO policies (id, name, name_key, is_default, settings, options, revision, created_at, updated_at)
           VALUES ($1, $2, $3, true, $4, $5, $6, $7, $8)`,
          [
            policy.id,
            policy.name,
            policy.name.toLowerCase(),
            JSON.stringify(policy.settings),
            JSON.stringify(policy.options),
            policy.revision,
            policy.createdAt,
            policy.updatedAt,
          ],
        );
        await old.query(
          `INSERT INTO users (id, username, username_key, email, display_name, password_hash, eas_enabled,
             policy_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, false, $7, $8, $9)`,
          [
            user.id,
            user.username,
            'legacy.user',
            user.email,
            user.displayName,
            user.passwordHash,
            user.policyId,
            user.createdAt,
            user.updatedAt,
          ],
        );
        const { rows } = await old.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'devices'`,
          [schema],
        );
        const v1Fields = v1DeviceFields(rows.map((r) => r.column_name));
        for (const d of devices) {
          await old.query(
            `INSERT INTO devices (${v1Fields.map((f) => DEVICE_COLUMNS[f].column).join(', ')})
             VALUES (${v1Fields.map((_, i) => `$${i + 1}`).join(', ')})`,
            v1Fields.map((f) => encode(DEVICE_COLUMNS[f].kind, d[f])),
          );
        }
      } finally {
        await old.end();
      }

      const store = await createPostgresStore({ url: PG_URL, schema });
      try {
        assert.deepEqual(await appliedVersions(schema), KNOWN_VERSIONS);
        await assertV1DataUpgraded(store, data);
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    test('a schema at version 4 holding mail upgrades: old messages are searchable by subject, names and addresses', async () => {
      const schema = uniqueSchema();
      const old = createPool({ url: PG_URL, schema, max: 1 });
      const user = makeUser();
      const at = new Date('2024-05-01T10:00:00.000Z');
      try {
        assert.deepEqual(await migrate(old, schema, 4), [1, 2, 3, 4]);
        await old.query(
          `INSERT INTO users (id, username, username_key, email, display_name, password_hash, eas_enabled,
             policy_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, true, NULL, $7, $7)`,
          [
            user.id,
            user.username,
            user.username.toLowerCase(),
            user.email,
            user.displayName,
            user.passwordHash,
            at,
          ],
        );
        await old.query(
          `INSERT INTO mail_folders (id, user_id, parent_id, name, name_key, role, next_uid, created_at)
           VALUES ('f1', $1, NULL, 'Inbox', 'inbox', 'inbox', 3, $2)`,
          [user.id, at],
        );
        for (const [uid, content, s] of V4_MESSAGES) {
          await old.query(
            'INSERT INTO mail_contents (id, user_id, size, created_at) VALUES ($1, $2, 5, $3)',
            [content, user.id, at],
          );
          await old.query(
            `INSERT INTO mail_messages (folder_id, uid, user_id, content_id, received_at, flag_read, flag_flagged,
               flag_answered, flag_forwarded, size, summary) VALUES ('f1', $1, $2, $3, $4, false, false, false, false, 5, $5::jsonb)`,
            [uid, user.id, content, at, s],
          );
        }
      } finally {
        await old.end();
      }
      const store = await createPostgresStore({ url: PG_URL, schema });
      try {
        await assertV4MessagesSearchable(store, user.id);
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    test('an unreachable server rejects createPostgresStore', async () => {
      const url = 'postgres://postgres@127.0.0.1:1/none?connect_timeout=2';
      await assert.rejects(createPostgresStore({ url }));
    });
  });
}
