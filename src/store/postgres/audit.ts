// PostgreSQL AuditStore and AdminTokenStore (src/store/types.ts).
import type { AdminTokenStore, AuditStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { AuditRow, TokenRow } from '../sql/audit.js';
import { auditFromRow, auditLimit, auditWhere, tokenFromRow } from '../sql/audit.js';
import { jsonText } from '../sql/values.js';
import type { Pool } from './db.js';
import { isForeignKeyViolation, isUniqueViolation } from './db.js';

function jsonbValue(value: unknown): unknown {
  return value ?? null;
}

const APPEND = `INSERT INTO audit_log (id, at, actor, action, target_type, target_id, before_state, after_state,
    reason, source)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)`;

const PUT_TOKEN = `INSERT INTO admin_tokens (id, admin_id, name, token_hash, created_at, expires_at, last_used_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (id) DO UPDATE SET admin_id = excluded.admin_id, name = excluded.name,
    token_hash = excluded.token_hash, created_at = excluded.created_at,
    expires_at = excluded.expires_at, last_used_at = excluded.last_used_at`;

export function postgresAuditStore(pool: Pool): AuditStore & AdminTokenStore {
  return {
    async appendAudit(entry) {
      try {
        await pool.query(APPEND, [
          entry.id,
          entry.at,
          entry.actor,
          entry.action,
          entry.targetType,
          entry.targetId,
          jsonText(entry.before),
          jsonText(entry.after),
          entry.reason,
          entry.source,
        ]);
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
        values.push(value);
        return `$${values.length}`;
      });
      values.push(limit);
      const { rows } = await pool.query<AuditRow>(
        `SELECT * FROM audit_log ${where} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
        values,
      );
      // pg has parsed the jsonb already (a JSON string arrives as a JS string): no second parse.
      return rows.map((r) => auditFromRow(r, jsonbValue));
    },
    async pruneAudit(olderThan) {
      const result = await pool.query('DELETE FROM audit_log WHERE at < $1', [olderThan]);
      return result.rowCount ?? 0;
    },

    async putAdminToken(token) {
      try {
        await pool.query(PUT_TOKEN, [
          token.id,
          token.adminId,
          token.name,
          token.tokenHash,
          token.createdAt,
          token.expiresAt,
          token.lastUsedAt,
        ]);
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
      const { rows } = await pool.query<TokenRow>('SELECT * FROM admin_tokens WHERE token_hash = $1', [
        tokenHash,
      ]);
      return rows[0] ? tokenFromRow(rows[0]) : null;
    },
    async listAdminTokens(adminId) {
      const { rows } = await pool.query<TokenRow>(
        'SELECT * FROM admin_tokens WHERE admin_id = $1 ORDER BY created_at, id',
        [adminId],
      );
      return rows.map(tokenFromRow);
    },
    async deleteAdminToken(id) {
      await pool.query('DELETE FROM admin_tokens WHERE id = $1', [id]);
    },
    async touchAdminToken(id, at) {
      await pool.query(
        `UPDATE admin_tokens SET last_used_at = $2
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
        [id, at],
      );
    },
  };
}
