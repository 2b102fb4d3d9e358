// The one place a new directory user record is spelled out: the defaults every creation path shares
// (ActiveSync enabled, no policy assignment, empty personal device lists). Stores nothing itself.
import { randomUUID } from 'node:crypto';
import type { User } from '../store/types.js';

export interface NewUserRecord {
  username: string;
  email: string;
  /** Default: the username. */
  displayName?: string;
  /** Already hashed (see password.ts), or EXTERNAL_PASSWORD for users of a mail server. */
  passwordHash: string;
  /** Both createdAt and updatedAt. */
  now: Date;
  /** Default: a random UUID. */
  id?: string;
  /** Exchange's ActiveSyncEnabled; default true. */
  easEnabled?: boolean;
  /** Explicit policy assignment; default null (domain assignment or the default policy). */
  policyId?: string | null;
}

/** A user as first created: no allowed or blocked DeviceIds yet. */
export function newUserRecord(o: NewUserRecord): User {
  return {
    id: o.id ?? randomUUID(),
    username: o.username,
    email: o.email,
    displayName: o.displayName ?? o.username,
    passwordHash: o.passwordHash,
    easEnabled: o.easEnabled ?? true,
    policyId: o.policyId ?? null,
    allowedDeviceIds: [],
    blockedDeviceIds: [],
    createdAt: o.now,
    updatedAt: o.now,
  };
}
