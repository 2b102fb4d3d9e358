// node-postgres plumbing for the PostgreSQL backend: pool setup (per-connection search_path),
// transactions, value codec, error classification. No queries on the store's tables here.
import pg from 'pg';
import type { ColumnKind } from '../sql/device-columns.js';
import { jsonObject, toDateOrNull } from '../sql/values.js';

export type Pool = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

/** Unquoted, lower-case identifiers only: the name goes into DDL and a startup option. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`store: invalid PostgreSQL schema name "${schema}" (use [a-z_][a-z0-9_]*, at most 63)`);
  }
  return schema;
}

export interface PoolOptions {
  url: string;
  schema?: string | undefined;
  max?: number | undefined;
  onError?: ((err: Error) => void) | undefined;
}

export function createPool(options: PoolOptions): pg.Pool {
  const config: pg.PoolConfig = { connectionString: options.url, max: options.max ?? 10 };
  if (options.schema !== undefined) {
    // Sent in the startup packet, so every pooled connection has it before its first query
    // (a 'connect' handler would race the first checkout). An `options=` in the URL would
    // override ours, so it is moved out of the URL and kept in front.
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      // No cause: the TypeError carries the input, password included.
      throw new Error('store: malformed PostgreSQL URL');
    }
    const fromUrl = url.searchParams.get('options');
    url.searchParams.delete('options');
    config.connectionString = url.href;
    config.options = `${fromUrl ? `${fromUrl} ` : ''}-c search_path=${checkSchemaName(options.schema)}`;
  }
  const pool = new pg.Pool(config);
  // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the
  // process. The pool has already discarded the client, so reporting it is all there is to do.
  pool.on('error', (err) => options.onError?.(err));
  return pool;
}

export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      // The connection is unusable; release(err) destroys it instead of returning it to the pool.
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

export function encode(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // Stringified by us: pg would turn a top-level array into a PostgreSQL array literal.
  if (kind === 'json') return JSON.stringify(value);
  return value;
}

/** PostgreSQL array type of a column kind, for UNNEST-ed batch parameters. */
export const ARRAY_TYPE: Record<ColumnKind, string> = {
  text: 'text[]',
  int: 'integer[]',
  bool: 'boolean[]',
  date: 'timestamptz[]',
  json: 'jsonb[]',
};

export function decode(kind: ColumnKind, value: unknown, column: string): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'date') return toDateOrNull(value, column);
  if (kind === 'json') return jsonObject(value, column);
  return value;
}

function pgCode(err: unknown): unknown {
  return err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  return pgCode(err) === '23505';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return pgCode(err) === '23503';
}
