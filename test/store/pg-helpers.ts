// Shared by the PostgreSQL test files: test URL, reachability gate (fails in CI, skips locally),
// and throwaway schemas that isolate each store.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';

export const PG_URL = process.env.EAS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * PG_URL for throwaway test stores: commits do not wait for the WAL flush (synchronous_commit=off).
 * Visibility and locking are unchanged, only durability after a server crash is given up, which a
 * test schema does not need; it makes the many small commits of the suite several times cheaper.
 */
export function fastTestUrl(): string {
  const url = new URL(PG_URL);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c synchronous_commit=off`);
  return url.href;
}

let admin: pg.Pool | undefined;

/** A small pool for test bookkeeping (dropping schemas, holding locks); end it with endAdmin(). */
export function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: PG_URL, max: 3 });
  return admin;
}

export async function endAdmin(): Promise<void> {
  const pool = admin;
  admin = undefined;
  await pool?.end();
}

export function uniqueSchema(): string {
  return `syncward_test_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  // The name comes from uniqueSchema(), never from input.
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * True when PostgreSQL answers. Otherwise registers a test named `what` that fails under CI (a
 * skipped Postgres suite must never pass CI) or is skipped locally with the reason, and returns false.
 */
export async function requirePostgres(what: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    const where = new URL(PG_URL).host;
    const reason = `PostgreSQL at ${where} is unreachable (${(err as Error).message}); set EAS_TEST_PG_URL`;
    if (process.env.CI) {
      test(what, () => {
        throw new Error(`${reason}. CI must run the PostgreSQL store tests.`, { cause: err });
      });
    } else {
      test(what, { skip: reason }, () => undefined);
    }
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
