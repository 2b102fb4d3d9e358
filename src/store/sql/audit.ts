// The audit listing's WHERE clause and limit, shared by the SQL backends. Column names are fixed
// here; every value goes through `bind`, which returns the backend's placeholder.
import type { AuditFilter } from '../types.js';

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
