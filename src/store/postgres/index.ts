// PostgreSQL backend of the state store (node-postgres Pool). Several nodes may share one
// database: migrations run under an advisory lock, and every write is a single statement or one transaction.
import { withNulGuard } from '../sql/nul-guard.js';
import type { Store } from '../types.js';
import { postgresAccessStore } from './access.js';
import { postgresAuditStore } from './audit.js';
import { checkSchemaName, createPool } from './db.js';
import { postgresDeviceStore } from './devices.js';
import { postgresMailStore } from './mail.js';
import { migrate } from './migrate.js';
import { postgresPolicyStore } from './policies.js';
import { postgresSyncStateStore } from './sync-state.js';
import { postgresUserStore } from './users.js';

export { MIGRATION_LOCK_CLASS } from './migrate.js';

export interface PostgresStoreOptions {
  /** libpq-style connection URL, e.g. postgres://user:pass@host:5432/db (no `schema` parameter). */
  url: string;
  /** Schema to create (if missing) and use on every connection; default: the server's search_path. */
  schema?: string;
  /** Pool size; default 10. */
  maxConnections?: number;
  /** Called when an idle pooled connection fails (the pool drops it); default: ignore. */
  onError?: (err: Error) => void;
}

/** Connect, migrate and return a PostgreSQL store. Rejects if the server is unreachable. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
  const pool = createPool({
    url: options.url,
    schema,
    max: options.maxConnections,
    onError: options.onError,
  });
  try {
    await migrate(pool, schema);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  let closed = false;
  return withNulGuard({
    kind: 'postgres',
    ...postgresUserStore(pool),
    ...postgresPolicyStore(pool),
    ...postgresDeviceStore(pool),
    ...postgresAccessStore(pool),
    ...postgresAuditStore(pool),
    ...postgresSyncStateStore(pool),
    ...postgresMailStore(pool),
    async close() {
      // Idempotent: pool.end() throws when called twice.
      if (closed) return;
      closed = true;
      await pool.end();
    },
  });
}
