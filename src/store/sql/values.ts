// Value helpers shared by the SQL backends: case-folded name keys, JSON and date decoding.
// Pure functions; no driver imports.

/**
 * The key that makes usernames, policy names and domains unique case-insensitively. Computed in
 * JS rather than with SQL lower(), which folds only ASCII in SQLite but all of Unicode in
 * PostgreSQL: one rule keeps both backends (and a memory store) in agreement.
 */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Parse a stored JSON column (text in SQLite, already-parsed jsonb in PostgreSQL) into an object. */
export function jsonObject<T extends object>(value: unknown, what: string): T {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw new Error(`store: ${what}: stored JSON does not parse`, { cause });
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`store: ${what}: stored JSON is not an object`);
  }
  return parsed as T;
}

/** A stored timestamp (ISO string or Date) as a valid Date; throws on garbage instead of returning Invalid Date. */
export function toDate(value: unknown, what: string): Date {
  if (typeof value !== 'string' && !(value instanceof Date)) {
    throw new Error(`store: ${what}: expected a timestamp, got ${typeof value}`);
  }
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`store: ${what}: invalid timestamp`);
  return date;
}

export function toDateOrNull(value: unknown, what: string): Date | null {
  return value === null || value === undefined ? null : toDate(value, what);
}

/** ISO-8601 with milliseconds in UTC: sorts as text and round-trips a JS Date exactly. */
export function isoString(date: Date): string {
  return date.toISOString();
}
