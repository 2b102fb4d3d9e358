// Applies src/store/sqlite/migrations/NNNN_*.sql at open, in one IMMEDIATE transaction so a
// second process opening the same file waits and then finds nothing left to do.
import { assertNotNewer, loadMigrations } from '../sql/migrations.js';
import type { Db } from './db.js';
import { writeTransaction } from './db.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * Bring the schema up to date; returns the versions applied now (empty when already current).
 * `upTo` stops at that version (tests build an old database with it to check the upgrade).
 */
export function migrate(db: Db, upTo?: number): number[] {
  const migrations = loadMigrations(MIGRATIONS_DIR);
  return writeTransaction(db, () => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    assertNotNewer(current, migrations.length, 'the SQLite database');
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current || (upTo !== undefined && m.version > upTo)) continue;
      try {
        db.exec(m.sql);
      } catch (cause) {
        throw new Error(`store: sqlite migration ${m.version}_${m.name} failed`, { cause });
      }
      record.run(m.version, m.name, new Date().toISOString());
      applied.push(m.version);
    }
    return applied;
  });
}
