// PostgreSQL UserStore and AdminStore (src/store/types.ts).
import type { AdminStore, UserStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { AdminRow, UserRow } from '../sql/users.js';
import { adminFromRow, userFromRow } from '../sql/users.js';
import { nameKey } from '../sql/values.js';
import type { Pool } from './db.js';
import { isForeignKeyViolation, isUniqueViolation } from './db.js';

// Upsert on id, so a replace keeps the row (and its devices) instead of delete-and-insert.
const PUT_USER = `INSERT INTO users (id, username, username_key, email, display_name, password_hash,
    eas_enabled, policy_id, allowed_device_ids, blocked_device_ids, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10::text[], $11, $12)
  ON CONFLICT (id) DO UPDATE SET username = excluded.username, username_key = excluded.username_key,
    email = excluded.email, display_name = excluded.display_name, password_hash = excluded.password_hash,
    eas_enabled = excluded.eas_enabled, policy_id = excluded.policy_id,
    allowed_device_ids = excluded.allowed_device_ids, blocked_device_ids = excluded.blocked_device_ids,
    created_at = excluded.created_at, updated_at = excluded.updated_at`;

const PUT_ADMIN = `INSERT INTO admins (id, username, username_key, password_hash, created_at)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (id) DO UPDATE SET username = excluded.username, username_key = excluded.username_key,
    password_hash = excluded.password_hash, created_at = excluded.created_at`;

export function postgresUserStore(pool: Pool): UserStore & AdminStore {
  return {
    async getUser(id) {
      const { rows } = await pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return rows[0] ? userFromRow(rows[0]) : null;
    },
    async getUserByName(username) {
      const { rows } = await pool.query<UserRow>('SELECT * FROM users WHERE username_key = $1', [
        nameKey(username),
      ]);
      return rows[0] ? userFromRow(rows[0]) : null;
    },
    async listUsers() {
      const { rows } = await pool.query<UserRow>('SELECT * FROM users ORDER BY username_key');
      return rows.map(userFromRow);
    },
    async putUser(user) {
      try {
        await pool.query(PUT_USER, [
          user.id,
          user.username,
          nameKey(user.username),
          user.email,
          user.displayName,
          user.passwordHash,
          user.easEnabled,
          user.policyId,
          user.allowedDeviceIds,
          user.blockedDeviceIds,
          user.createdAt,
          user.updatedAt,
        ]);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`username already in use: ${user.username}`, { cause: err });
        }
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: putUser ${user.id}: policy ${user.policyId} does not exist`, {
            cause: err,
          });
        }
        throw err;
      }
    },
    async deleteUser(id) {
      // devices.user_id cascades.
      await pool.query('DELETE FROM users WHERE id = $1', [id]);
    },

    async getAdmin(id) {
      const { rows } = await pool.query<AdminRow>('SELECT * FROM admins WHERE id = $1', [id]);
      return rows[0] ? adminFromRow(rows[0]) : null;
    },
    async getAdminByName(username) {
      const { rows } = await pool.query<AdminRow>('SELECT * FROM admins WHERE username_key = $1', [
        nameKey(username),
      ]);
      return rows[0] ? adminFromRow(rows[0]) : null;
    },
    async listAdmins() {
      const { rows } = await pool.query<AdminRow>('SELECT * FROM admins ORDER BY username_key');
      return rows.map(adminFromRow);
    },
    async putAdmin(admin) {
      try {
        await pool.query(PUT_ADMIN, [
          admin.id,
          admin.username,
          nameKey(admin.username),
          admin.passwordHash,
          admin.createdAt,
        ]);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`admin username already in use: ${admin.username}`, { cause: err });
        }
        throw err;
      }
    },
  };
}
