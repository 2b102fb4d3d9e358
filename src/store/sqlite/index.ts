// SQLite backend of the state store (better-sqlite3): one connection per Store, WAL, schema
// migrated at open. Safe to open the same file from the server and a CLI process at once.
import { withNulGuard } from '../sql/nul-guard.js';
import type { Store } from '../types.js';
import { sqliteAccessStore } from './access.js';
import { sqliteAuditStore } from './audit.js';
import { openDatabase } from './db.js';
import { sqliteDeviceStore } from './devices.js';
import { sqliteMailStore } from './mail.js';
import { migrate } from './migrate.js';
import { sqlitePolicyStore } from './policies.js';
import { sqliteSyncStateStore } from './sync-state.js';
import { sqliteUserStore } from './users.js';

export interface SqliteStoreOptions {
  /** Database file path (parent directories are created), or ':memory:' for a private throwaway store. */
  path: string;
}

/** Open (creating if needed) and migrate a SQLite store. */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const db = openDatabase(options.path);
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return withNulGuard({
    kind: 'sqlite',
    ...sqliteUserStore(db),
    ...sqlitePolicyStore(db),
    ...sqliteDeviceStore(db),
    ...sqliteAccessStore(db),
    ...sqliteAuditStore(db),
    ...sqliteSyncStateStore(db),
    ...sqliteMailStore(db),
    async close() {
      // Idempotent, so shutdown paths need not track whether it already ran.
      if (db.open) db.close();
    },
  });
}
