// State-store interfaces, one per concern; every backend implements `Store` and passes the
// one conformance suite in test/store/conformance. Contracts are written on each method.
import type { AccessRule, OrgSettings } from '../access/types.js';
import type { Device, DeviceAccessState, DeviceKey } from '../devices/types.js';
import type { Policy } from '../policy/types.js';
import type { MailStore } from './mail-store.js';
import type { SyncStateStore } from './sync-state.js';

export type { SyncState, SyncStateStore } from './sync-state.js';

export interface User {
  id: string;
  /** Login name as given at creation; lookups are case-insensitive. */
  username: string;
  email: string;
  displayName: string;
  /** scrypt hash string (see src/auth/password.ts); never the password itself. */
  passwordHash: string;
  /** Exchange's ActiveSyncEnabled. */
  easEnabled: boolean;
  /** Explicit policy assignment; null = domain assignment or the default policy. */
  policyId: string | null;
  /**
   * Set-CASMailbox -ActiveSyncAllowedDeviceIDs: DeviceIds always allowed for this user. Stored as
   * given (order, duplicates and case kept); empty for users created before these lists existed.
   */
  allowedDeviceIds: string[];
  /** Set-CASMailbox -ActiveSyncBlockedDeviceIDs: DeviceIds always blocked for this user. Stored as given. */
  blockedDeviceIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface UserStore {
  /** null if missing. */
  getUser(id: string): Promise<User | null>;
  /** Case-insensitive; null if missing. */
  getUserByName(username: string): Promise<User | null>;
  /** Ordered by username. */
  listUsers(): Promise<User[]>;
  /** Insert or replace by id. Throws StoreConflictError if another user has the same username. */
  putUser(user: User): Promise<void>;
  /** Idempotent; also deletes the user's devices. */
  deleteUser(id: string): Promise<void>;
}

/** Administrators of the admin API/console: separate from mail users by design. */
export interface Admin {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

export interface AdminStore {
  /** null if missing. */
  getAdmin(id: string): Promise<Admin | null>;
  /** Case-insensitive; null if missing. */
  getAdminByName(username: string): Promise<Admin | null>;
  listAdmins(): Promise<Admin[]>;
  putAdmin(admin: Admin): Promise<void>;
}

export interface PolicyStore {
  getPolicy(id: string): Promise<Policy | null>;
  /** Case-insensitive; null if missing. */
  getPolicyByName(name: string): Promise<Policy | null>;
  /** The policy with isDefault = true; null only before the first start seeds one. */
  getDefaultPolicy(): Promise<Policy | null>;
  /** Ordered by name. */
  listPolicies(): Promise<Policy[]>;
  /**
   * Insert or replace by id. Setting isDefault = true clears it on every other policy in the
   * same transaction. Throws StoreConflictError on a duplicate name.
   */
  putPolicy(policy: Policy): Promise<void>;
  /** Idempotent. Users and domains assigned to it fall back to the default policy. */
  deletePolicy(id: string): Promise<void>;
  /** Domain (lower-case, e.g. "example.com") -> policy id, or null to clear. */
  setDomainPolicy(domain: string, policyId: string | null): Promise<void>;
  /** null if the domain has no assignment. */
  getDomainPolicy(domain: string): Promise<string | null>;
  /** Ordered by domain. */
  listDomainPolicies(): Promise<Array<{ domain: string; policyId: string }>>;
}

export interface DeviceFilter {
  userId?: string;
  accessState?: DeviceAccessState;
  deviceType?: string;
  brokerId?: string;
}

/** Fields a patch may change: everything but the identity and bookkeeping. */
export type DevicePatch = Partial<Omit<Device, 'id' | 'userId' | 'brokerId' | 'deviceId' | 'createdAt'>>;

export interface DeviceStore {
  /** null if missing. */
  getDevice(id: string): Promise<Device | null>;
  /** Exact match on (userId, brokerId, deviceId); DeviceId comparison is case-sensitive. null if missing. */
  findDevice(key: DeviceKey): Promise<Device | null>;
  /** Ordered by userId, then brokerId, then deviceId. */
  listDevices(filter?: DeviceFilter): Promise<Device[]>;
  countDevices(filter?: DeviceFilter): Promise<number>;
  /**
   * Insert a new association. Returns the stored record; if one with the same key already
   * exists (a concurrent first request), returns that one unchanged instead.
   */
  createDevice(device: Device): Promise<Device>;
  /**
   * Change only the given fields (updatedAt is set by the store) and return the new record;
   * null if the device does not exist. Concurrent patches of different fields never lose each other.
   */
  patchDevice(id: string, patch: DevicePatch): Promise<Device | null>;
  /** Idempotent. */
  deleteDevice(id: string): Promise<void>;
  /**
   * Apply many patches in one transaction (re-evaluating every association after a rule change).
   * Missing ids are skipped; returns how many devices were updated. Several patches for one id
   * apply in order (the later value of a field wins). All or nothing: if any patch fails (a bad
   * field, a constraint), none is applied. updatedAt is set by the store, as in patchDevice.
   */
  patchDevices(patches: Array<{ id: string; patch: DevicePatch }>): Promise<number>;
}

export interface AccessRuleStore {
  getRule(id: string): Promise<AccessRule | null>;
  /** Ordered by name (case-insensitive), then id. */
  listRules(): Promise<AccessRule[]>;
  /**
   * Insert or replace by id. Throws StoreConflictError when another rule has the same
   * (characteristic, queryString, versionRange) — Exchange allows one rule per characteristic value.
   * queryString is compared case-insensitively (as the matcher in src/access/rules.ts compares it,
   * so "iPhone" and "iphone" are one rule); versionRange exactly, null being its own value.
   */
  putRule(rule: AccessRule): Promise<void>;
  /** Idempotent. */
  deleteRule(id: string): Promise<void>;
}

export interface OrgSettingsStore {
  /** The stored settings; null before anything was saved (callers fall back to defaults). */
  getOrgSettings(): Promise<OrgSettings | null>;
  /** Replaces the whole settings document. */
  putOrgSettings(settings: OrgSettings): Promise<void>;
}

/** One audited event: decision changes, admin actions, wipes, provisioning, authentication failures. */
export interface AuditEntry {
  id: string;
  at: Date;
  /** Who: 'admin:<name>', 'cli:<os user>', 'device:<association id>', 'user:<name>', 'system'. */
  actor: string;
  /** What, dotted: 'device.access.changed', 'device.wipe.requested', 'provision.acknowledged', 'auth.failed', 'rule.created', ... */
  action: string;
  targetType: 'device' | 'user' | 'policy' | 'rule' | 'org' | 'admin' | null;
  targetId: string | null;
  /**
   * State before and after (JSON-serialisable), when the event changed something. Read back as
   * JSON.parse(JSON.stringify(value)); undefined and null are both read back as null.
   */
  before: unknown;
  after: unknown;
  /** Why: the decision's explanation, the admin's comment, the protocol status. */
  reason: string | null;
  /** Remote address or request id, when the event came from a request. */
  source: string | null;
}

export interface AuditFilter {
  targetType?: AuditEntry['targetType'];
  targetId?: string;
  /** Exact action, or a prefix ending in '.' ('device.' = every device action). */
  action?: string;
  actor?: string;
  /** Inclusive: at >= since. */
  since?: Date;
  /** Exclusive: at < until. */
  until?: Date;
  /** Default 100; larger values are capped at 1000. A non-integer or a value below 1 throws RangeError. */
  limit?: number;
  /**
   * Keyset paging: entries strictly older (by at, then id) than the entry with this id; pass the last
   * id of the previous page. An id that does not exist (pruned) gives an empty page.
   */
  beforeId?: string;
}

export interface AuditStore {
  /** Append-only; entries are never updated: a second entry with the same id is a StoreConflictError. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first (by at, then id). */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;
  /** Delete entries older than the date (at < olderThan; retention); returns how many. */
  pruneAudit(olderThan: Date): Promise<number>;
}

/** Admin API tokens; only a SHA-256 of the token is stored. */
export interface AdminToken {
  id: string;
  adminId: string;
  name: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface AdminTokenStore {
  /**
   * Insert or replace by id. Throws StoreConflictError if another token has the same tokenHash;
   * an unknown adminId is rejected (tokens are deleted with their admin).
   */
  putAdminToken(token: AdminToken): Promise<void>;
  /** Exact (case-sensitive) match; null if missing. Expired tokens are returned too: the caller checks expiresAt. */
  getAdminTokenByHash(tokenHash: string): Promise<AdminToken | null>;
  /** Ordered by createdAt, then id. */
  listAdminTokens(adminId: string): Promise<AdminToken[]>;
  /** Idempotent. */
  deleteAdminToken(id: string): Promise<void>;
  /** Sets lastUsedAt, never moving it backwards (concurrent requests); a missing id is a no-op. */
  touchAdminToken(id: string, at: Date): Promise<void>;
}

export interface Store
  extends
    UserStore,
    AdminStore,
    PolicyStore,
    DeviceStore,
    AccessRuleStore,
    OrgSettingsStore,
    AuditStore,
    AdminTokenStore,
    SyncStateStore,
    MailStore {
  /** Backend name for logs: 'sqlite' | 'postgres'. */
  readonly kind: string;
  close(): Promise<void>;
}

/** A unique constraint was violated (duplicate username, policy name, ...). */
export class StoreConflictError extends Error {
  readonly code = 'EAS_ERR_STORE_CONFLICT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}
