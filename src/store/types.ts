// State-store interfaces, one per concern; every backend implements `Store` and passes the
// one conformance suite in test/store/conformance. Contracts are written on each method.
import type { Device, DeviceAccessState, DeviceKey } from '../devices/types.js';
import type { Policy } from '../policy/types.js';

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
}

export interface Store extends UserStore, AdminStore, PolicyStore, DeviceStore {
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
