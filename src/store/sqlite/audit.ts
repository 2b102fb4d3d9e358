// SQLite AuditStore and AdminTokenStore (src/store/types.ts).
import type { AdminTokenStore, AuditStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { AuditRow, TokenRow } from '../sql/audit.js';
import { auditFromRow, auditLimit, auditWhere, tokenFromRow } from '../sql/audit.js';
import { isoString, jsonAny, jsonText } from '../sql/values.js';
import type { Db } from './db.js';
import { isForeignKeyViolation, isUniqueViolation, statementCache } from './db.js';

export function sqliteAuditStore(db: Db): AuditStore & AdminTokenStore {
  const stmt = statementCache(db);
  const append = db.prepare(
    `INSERT INTO audit_log (id, at, actor, action, target_type, target_id, before_state, after_state, reason, source)
     VALUES (@id, @at, @actor, @action, @targetType, @targetId, @before, @after, @reason, @source)`,
  );
  const prune = db.prepare<[string]>('DELETE FROM audit_log WHERE at < ?');

  const putToken = db.prepare(
    `INSERT INTO admin_tokens (id, admin_id, name, token_hash, created_at, expires_at, last_used_at)
     VALUES (@id, @adminId, @name, @tokenHash, @createdAt, @expiresAt, @lastUsedAt)
     ON CONFLICT (id) DO UPDATE SET admin_id = excluded.admin_id, name = excluded.name,
       token_hash = excluded.token_hash, created_at = excluded.created_at,
       expires_at = excluded.expires_at, last_used_at = excluded.last_used_at`,
  );
  const getTokenByHash = db.prepare<[string], TokenRow>('SELECT * FROM admin_tokens WHERE token_hash = ?');
  const listTokens = db.prepare<[string], TokenRow>(
    'SELECT * FROM admin_tokens WHERE admin_id = ? ORDER BY created_at, id',
  );
  const deleteToken = db.prepare<[string]>('DELETE FROM admin_tokens WHERE id = ?');
  // ISO text compares as time, so the max() is a plain comparison.
  const touchToken = db.prepare<[string, string, string]>(
    'UPDATE admin_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
  );

  return {
    async appendAudit(entry) {
      try {
        append.run({
          id: entry.id,
          at: isoString(entry.at),
          actor: entry.actor,
          action: entry.action,
          targetType: entry.targetType,
          targetId: entry.targetId,
          before: jsonText(entry.before),
          after: jsonText(entry.after),
          reason: entry.reason,
          source: entry.source,
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`audit entry id already in use: ${entry.id}`, { cause: err });
        }
        throw err;
      }
    },
    async listAudit(filter) {
      const limit = auditLimit(filter?.limit);
      const values: unknown[] = [];
      const where = auditWhere(filter, (value) => {
        values.push(value instanceof Date ? isoString(value) : value);
        return '?';
      });
      values.push(limit);
      const rows = stmt(`SELECT * FROM audit_log ${where} ORDER BY at DESC, id DESC LIMIT ?`).all(
        ...values,
      ) as AuditRow[];
      return rows.map((r) => auditFromRow(r, jsonAny));
    },
    async pruneAudit(olderThan) {
      return prune.run(isoString(olderThan)).changes;
    },

    async putAdminToken(token) {
      try {
        putToken.run({
          id: token.id,
          adminId: token.adminId,
          name: token.name,
          tokenHash: token.tokenHash,
          createdAt: isoString(token.createdAt),
          expiresAt: token.expiresAt === null ? null : isoString(token.expiresAt),
          lastUsedAt: token.lastUsedAt === null ? null : isoString(token.lastUsedAt),
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`admin token hash already in use (token ${token.id})`, { cause: err });
        }
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: putAdminToken ${token.id}: admin ${token.adminId} does not exist`, {
            cause: err,
          });
        }
        throw err;
      }
    },
    async getAdminTokenByHash(tokenHash) {
      const row = getTokenByHash.get(tokenHash);
      return row ? tokenFromRow(row) : null;
    },
    async listAdminTokens(adminId) {
      return listTokens.all(adminId).map(tokenFromRow);
    },
    async deleteAdminToken(id) {
      deleteToken.run(id);
    },
    async touchAdminToken(id, at) {
      const iso = isoString(at);
      touchToken.run(iso, id, iso);
    },
  };
}
