// SQLite UserStore and AdminStore (src/store/types.ts).
import type { AdminStore, UserStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { AdminRow, UserRow } from '../sql/users.js';
import { adminFromRow, userFromRow } from '../sql/users.js';
import { isoString, nameKey } from '../sql/values.js';
import type { Db } from './db.js';
import { bool, isForeignKeyViolation, isUniqueViolation } from './db.js';

export function sqliteUserStore(db: Db): UserStore & AdminStore {
  const getUser = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const getUserByKey = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username_key = ?');
  const listUsers = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username_key');
  // Upsert, not INSERT OR REPLACE: REPLACE deletes the old row first, which would cascade to devices.
  const putUser = db.prepare(
    `INSERT INTO users (id, username, username_key, email, display_name, password_hash, eas_enabled,
       policy_id, allowed_device_ids, blocked_device_ids, created_at, updated_at)
     VALUES (@id, @username, @usernameKey, @email, @displayName, @passwordHash, @easEnabled,
       @policyId, @allowedDeviceIds, @blockedDeviceIds, @createdAt, @updatedAt)
     ON CONFLICT (id) DO UPDATE SET username = excluded.username, username_key = excluded.username_key,
       email = excluded.email, display_name = excluded.display_name, password_hash = excluded.password_hash,
       eas_enabled = excluded.eas_enabled, policy_id = excluded.policy_id,
       allowed_device_ids = excluded.allowed_device_ids, blocked_device_ids = excluded.blocked_device_ids,
       created_at = excluded.created_at, updated_at = excluded.updated_at`,
  );
  const deleteUser = db.prepare<[string]>('DELETE FROM users WHERE id = ?');

  const getAdmin = db.prepare<[string], AdminRow>('SELECT * FROM admins WHERE id = ?');
  const getAdminByKey = db.prepare<[string], AdminRow>('SELECT * FROM admins WHERE username_key = ?');
  const listAdmins = db.prepare<[], AdminRow>('SELECT * FROM admins ORDER BY username_key');
  const putAdmin = db.prepare(
    `INSERT INTO admins (id, username, username_key, password_hash, created_at)
     VALUES (@id, @username, @usernameKey, @passwordHash, @createdAt)
     ON CONFLICT (id) DO UPDATE SET username = excluded.username, username_key = excluded.username_key,
       password_hash = excluded.password_hash, created_at = excluded.created_at`,
  );

  return {
    async getUser(id) {
      const row = getUser.get(id);
      return row ? userFromRow(row) : null;
    },
    async getUserByName(username) {
      const row = getUserByKey.get(nameKey(username));
      return row ? userFromRow(row) : null;
    },
    async listUsers() {
      return listUsers.all().map(userFromRow);
    },
    async putUser(user) {
      try {
        putUser.run({
          id: user.id,
          username: user.username,
          usernameKey: nameKey(user.username),
          email: user.email,
          displayName: user.displayName,
          passwordHash: user.passwordHash,
          easEnabled: bool(user.easEnabled),
          policyId: user.policyId,
          allowedDeviceIds: JSON.stringify(user.allowedDeviceIds),
          blockedDeviceIds: JSON.stringify(user.blockedDeviceIds),
          createdAt: isoString(user.createdAt),
          updatedAt: isoString(user.updatedAt),
        });
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
      deleteUser.run(id);
    },

    async getAdmin(id) {
      const row = getAdmin.get(id);
      return row ? adminFromRow(row) : null;
    },
    async getAdminByName(username) {
      const row = getAdminByKey.get(nameKey(username));
      return row ? adminFromRow(row) : null;
    },
    async listAdmins() {
      return listAdmins.all().map(adminFromRow);
    },
    async putAdmin(admin) {
      try {
        putAdmin.run({
          id: admin.id,
          username: admin.username,
          usernameKey: nameKey(admin.username),
          passwordHash: admin.passwordHash,
          createdAt: isoString(admin.createdAt),
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`admin username already in use: ${admin.username}`, { cause: err });
        }
        throw err;
      }
    },
  };
}
