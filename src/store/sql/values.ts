// Value helpers shared by the SQL backends: case-folded name keys, JSON and date decoding.
// Pure functions; no driver imports.
import type { AccessRule } from '../../access/types.js';

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

/** A timestamp column as read back: ISO text in SQLite, a Date (timestamptz) in PostgreSQL. */
export type StoredDate = string | Date;

/** A boolean column as read back: 0/1 in SQLite, a boolean in PostgreSQL. Anything else is false. */
export type StoredBool = number | boolean;

export function toBool(value: StoredBool): boolean {
  return value === true || value === 1;
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

/**
 * A JSON-serialisable value as JSON text for a nullable column; undefined and null (and values
 * JSON cannot express at the top level, such as a function) become SQL NULL.
 */
export function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined || text === 'null' ? null : text;
}

/** A stored JSON column of any JSON type (text in SQLite, parsed jsonb in PostgreSQL); SQL NULL is null. */
export function jsonAny(value: unknown, what: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (cause) {
    throw new Error(`store: ${what}: stored JSON does not parse`, { cause });
  }
}

/** A stored list of strings: JSON text (SQLite) or a text[] (PostgreSQL). */
export function stringArray(value: unknown, what: string): string[] {
  const parsed = typeof value === 'string' ? jsonAny(value, what) : value;
  if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === 'string')) {
    throw new Error(`store: ${what}: expected a list of strings`);
  }
  return parsed;
}

/**
 * What makes two access rules the same rule: characteristic, query string case-folded (the matcher
 * in src/access/rules.ts compares it with toLowerCase too) and version range as written (null being
 * distinct from every string). Computed here, like nameKey, so both backends agree.
 */
export function ruleMatchKey(
  rule: Pick<AccessRule, 'characteristic' | 'queryString' | 'versionRange'>,
): string {
  return JSON.stringify([rule.characteristic, rule.queryString.toLowerCase(), rule.versionRange ?? null]);
}
