// better-sqlite3 plumbing for the SQLite backend: connection setup, value codec, error
// classification. No queries on the store's tables here.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ColumnKind } from '../sql/device-columns.js';
import { isoString, jsonObject, toDateOrNull } from '../sql/values.js';

export type Db = Database.Database;

/**
 * How long a writer waits for another connection's lock before SQLITE_BUSY. The file is shared
 * by the server and CLI processes; their transactions are short, so 5 s only bites on a real hang.
 */
const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string): Db {
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // busy_timeout first: switching to WAL itself needs a lock another process may hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL lets the CLI read while the server writes (':memory:' stays 'memory', which is fine).
    if (!memory) db.pragma('journal_mode = WAL');
    // NORMAL is durable against crashes in WAL mode; only a power cut can lose the last commits.
    db.pragma('synchronous = NORMAL');
    // Per connection and off by default; the cascades in the schema depend on it.
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Run `fn` in a BEGIN IMMEDIATE transaction: take the write lock up front, so a concurrent
 * writer in another process makes us wait (busy_timeout) rather than fail with BUSY_SNAPSHOT. */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Prepared statements by SQL text; callers build SQL only from fixed column whitelists. */
export function statementCache(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      // Bounded: patch statements vary with the set of patched fields.
      if (cache.size >= 256) cache.clear();
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}

export function encode(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'bool') return value ? 1 : 0;
  if (kind === 'date') return isoString(value as Date);
  if (kind === 'json') return JSON.stringify(value);
  return value;
}

export function decode(kind: ColumnKind, value: unknown, column: string): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'bool') return value === 1;
  if (kind === 'date') return toDateOrNull(value, column);
  if (kind === 'json') return jsonObject(value, column);
  return value;
}

export function bool(value: boolean): number {
  return value ? 1 : 0;
}

function sqliteCode(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
