// The audit listing's WHERE clause and limit, and the audit_log / admin_tokens rows, shared by the
// SQL backends. Column names are fixed here; every value goes through `bind`, which returns the
// backend's placeholder.
import type { AdminToken, AuditEntry, AuditFilter } from '../types.js';
import type { StoredDate } from './values.js';
import { toDate, toDateOrNull } from './values.js';

/** An audit_log row: before/after are JSON text in SQLite, already-parsed jsonb in PostgreSQL. */
export interface AuditRow {
  id: string;
  at: StoredDate;
  actor: string;
  action: string;
  target_type: AuditEntry['targetType'];
  target_id: string | null;
  before_state: unknown;
  after_state: unknown;
  reason: string | null;
  source: string | null;
}

export interface TokenRow {
  id: string;
  admin_id: string;
  name: string;
  token_hash: string;
  created_at: StoredDate;
  expires_at: StoredDate | null;
  last_used_at: StoredDate | null;
}

/**
 * Rebuild an AuditEntry; `decodeJson` turns a stored before/after value into its JS value (SQLite:
 * parse the text; PostgreSQL: take it as is, since a jsonb string arrives as a JS string already).
 */
export function auditFromRow(r: AuditRow, decodeJson: (value: unknown, what: string) => unknown): AuditEntry {
  return {
    id: r.id,
    at: toDate(r.at, 'audit_log.at'),
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    before: decodeJson(r.before_state, `audit ${r.id} before`),
    after: decodeJson(r.after_state, `audit ${r.id} after`),
    reason: r.reason,
    source: r.source,
  };
}

export function tokenFromRow(r: TokenRow): AdminToken {
  return {
    id: r.id,
    adminId: r.admin_id,
    name: r.name,
    tokenHash: r.token_hash,
    createdAt: toDate(r.created_at, 'admin_tokens.created_at'),
    expiresAt: toDateOrNull(r.expires_at, 'admin_tokens.expires_at'),
    lastUsedAt: toDateOrNull(r.last_used_at, 'admin_tokens.last_used_at'),
  };
}

export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;

/** The filter's limit: default 100, capped at 1000; RangeError for a non-integer or < 1. */
export function auditLimit(limit: number | undefined): number {
  if (limit === undefined) return AUDIT_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`store: listAudit: limit must be an integer >= 1, got ${String(limit)}`);
  }
  return Math.min(limit, AUDIT_MAX_LIMIT);
}

function validDate(date: Date, what: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RangeError(`store: listAudit: ${what} is not a valid Date`);
  }
  return date;
}

/**
 * WHERE clause (or '') for listAudit. An action ending in '.' is a prefix, matched as the range
 * [prefix, prefix with its final '.' replaced by '/') — '/' follows '.' in code-point order, and
 * both backends compare action by code point — so it needs no LIKE escaping and can use an index.
 */
export function auditWhere(filter: AuditFilter | undefined, bind: (value: string | Date) => string): string {
  if (!filter) return '';
  const conditions: string[] = [];
  if (filter.targetType === null) conditions.push('target_type IS NULL');
  else if (filter.targetType !== undefined) conditions.push(`target_type = ${bind(filter.targetType)}`);
  if (filter.targetId !== undefined) conditions.push(`target_id = ${bind(filter.targetId)}`);
  if (filter.action !== undefined) {
    const action = filter.action;
    if (action.endsWith('.')) {
      const upper = `${action.slice(0, -1)}/`;
      conditions.push(`action >= ${bind(action)} AND action < ${bind(upper)}`);
    } else {
      conditions.push(`action = ${bind(action)}`);
    }
  }
  if (filter.actor !== undefined) conditions.push(`actor = ${bind(filter.actor)}`);
  if (filter.since !== undefined) conditions.push(`at >= ${bind(validDate(filter.since, 'since'))}`);
  if (filter.until !== undefined) conditions.push(`at < ${bind(validDate(filter.until, 'until'))}`);
  if (filter.beforeId !== undefined) {
    // No such entry: the subquery is empty, the comparison NULL, the page empty.
    conditions.push(
      `(at, id) < (SELECT b.at, b.id FROM audit_log AS b WHERE b.id = ${bind(filter.beforeId)})`,
    );
  }
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
