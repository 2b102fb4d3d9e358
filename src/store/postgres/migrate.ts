// Applies src/store/postgres/migrations/NNNN_*.sql at open, in one transaction holding an
// advisory lock, so nodes starting together queue up instead of racing on the DDL.
import { assertNotNewer, loadMigrations } from '../sql/migrations.js';
import type { Pool } from './db.js';
import { withTransaction } from './db.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * First key of the two-int advisory lock taken while migrating ('SYNW' in ASCII); the second is
 * hashtext(schema name, or '' for the default search_path), so test schemas do not queue behind
 * each other. Exported for the test that holds the lock.
 */
export const MIGRATION_LOCK_CLASS = 0x53594e57;

/**
 * Bring the schema up to date; returns the versions applied now (empty when already current).
 * `upTo` stops at that version (tests build an old schema with it to check the upgrade).
 */
export async function migrate(pool: Pool, schema: string | undefined, upTo?: number): Promise<number[]> {
  const migrations = loadMigrations(MIGRATIONS_DIR);
  return withTransaction(pool, async (client) => {
    // Transaction-scoped: released by COMMIT/ROLLBACK, or by the server if this node dies.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MIGRATION_LOCK_CLASS,
      schema ?? '',
    ]);
    // The name was checked against a strict pattern; identifiers cannot be bound parameters.
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    const current = rows[0]?.v ?? 0;
    assertNotNewer(current, migrations.length, `PostgreSQL schema ${schema ?? '(search_path)'}`);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current || (upTo !== undefined && m.version > upTo)) continue;
      try {
        await client.query(m.sql);
      } catch (cause) {
        throw new Error(`store: postgres migration ${m.version}_${m.name} failed`, { cause });
      }
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}
