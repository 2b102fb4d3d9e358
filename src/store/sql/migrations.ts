// Loads a backend's numbered migration files (NNNN_name.sql) from its migrations/ folder.
// Applying them is the backend's job; this only reads and checks the sequence.
import { readdirSync, readFileSync } from 'node:fs';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Read every `.sql` file in `dir`, ordered by version. Throws on a misnamed file, a duplicate
 * or a gap, so a typo cannot silently skip a step. Files are read from beside the source,
 * which works under tsx from a fresh clone (there is no build step to copy them).
 */
export function loadMigrations(dir: URL): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE.exec(file);
    if (!match) throw new Error(`store: migration file name must be NNNN_name.sql: ${file}`);
    const version = Number(match[1]);
    const expected = migrations.length + 1;
    if (version !== expected) {
      throw new Error(`store: migration ${file}: expected version ${expected} (duplicate or gap)`);
    }
    migrations.push({ version, name: match[2] ?? '', sql: readFileSync(new URL(file, dir), 'utf8') });
  }
  if (migrations.length === 0) throw new Error(`store: no migrations found in ${dir.pathname}`);
  return migrations;
}

/** Refuse a database migrated by a newer build: its schema may not match our queries. */
export function assertNotNewer(applied: number, known: number, where: string): void {
  if (applied > known) {
    throw new Error(
      `store: ${where} is at schema version ${applied} but this build knows only up to ${known}; upgrade Syncward`,
    );
  }
}
