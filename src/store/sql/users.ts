// The users and admins rows shared by the SQL backends. As read back, timestamps are ISO text
// (SQLite) or Date (PostgreSQL), booleans 0/1 or boolean, device-id lists JSON text or text[].
import type { Admin, User } from '../types.js';
import type { StoredBool, StoredDate } from './values.js';
import { stringArray, toBool, toDate } from './values.js';

export interface UserRow {
  id: string;
  username: string;
  email: string;
  display_name: string;
  password_hash: string;
  eas_enabled: StoredBool;
  policy_id: string | null;
  allowed_device_ids: string | string[];
  blocked_device_ids: string | string[];
  created_at: StoredDate;
  updated_at: StoredDate;
}

export interface AdminRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: StoredDate;
}

export function userFromRow(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    displayName: r.display_name,
    passwordHash: r.password_hash,
    easEnabled: toBool(r.eas_enabled),
    policyId: r.policy_id,
    allowedDeviceIds: stringArray(r.allowed_device_ids, 'users.allowed_device_ids'),
    blockedDeviceIds: stringArray(r.blocked_device_ids, 'users.blocked_device_ids'),
    createdAt: toDate(r.created_at, 'users.created_at'),
    updatedAt: toDate(r.updated_at, 'users.updated_at'),
  };
}

export function adminFromRow(r: AdminRow): Admin {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    createdAt: toDate(r.created_at, 'admins.created_at'),
  };
}
