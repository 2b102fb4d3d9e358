// Picks and opens a state-store backend from a URL. The composition root (http/cli) calls this;
// nothing else should know which backend is in use.
import { createPostgresStore } from './postgres/index.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export type StoreLocation =
  { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Parse a store URL without opening anything:
 * - `sqlite:<path>`, `sqlite::memory:`, `sqlite://<path>` (so `sqlite:///abs/path` is absolute),
 *   or a bare path (`./data/syncward.db`, `/var/lib/syncward.db`, `:memory:`) -> SQLite;
 * - `postgres://...` or `postgresql://...`, optionally with `?schema=name` -> PostgreSQL; the
 *   `schema` parameter is removed from the URL handed to pg, other parameters are kept.
 */
export function parseStoreUrl(url: string): StoreLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw new Error('store: empty store URL');
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  // One letter before ':' is a Windows drive ("C:\data\syncward.db"), not a scheme.
  if (scheme === undefined || scheme.length === 1) return { kind: 'sqlite', path: trimmed };
  if (scheme === 'sqlite') {
    let path = trimmed.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new Error('store: sqlite: URL has no path (use sqlite:<file> or sqlite::memory:)');
    return { kind: 'sqlite', path };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch (cause) {
      // Not echoing the URL: it may carry a password.
      throw new Error('store: malformed PostgreSQL URL', { cause });
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return schema === undefined
      ? { kind: 'postgres', url: parsed.href }
      : { kind: 'postgres', url: parsed.href, schema };
  }
  throw new Error(
    `store: unsupported store URL scheme "${scheme}:" (expected sqlite:<path>, postgres:// or postgresql://, or a file path)`,
  );
}

/** Open the backend named by `url` (see parseStoreUrl), migrating its schema. */
export async function openStore(url: string): Promise<Store> {
  const location = parseStoreUrl(url);
  if (location.kind === 'sqlite') return createSqliteStore({ path: location.path });
  return createPostgresStore(
    location.schema === undefined ? { url: location.url } : { url: location.url, schema: location.schema },
  );
}
