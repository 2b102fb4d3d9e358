// Makes U+0000 behave the same on every backend: PostgreSQL text and jsonb cannot hold it (the
// query fails), SQLite would store it. Lookups carrying one find nothing; writes are refused.
import type { Store } from '../types.js';

/** True if `value` is, or contains (arrays, plain objects), a string with U+0000. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).some(([k, v]) => containsNul(k) || containsNul(v));
  }
  return false;
}

function refuse(method: string): never {
  throw new TypeError(`store: ${method}: text contains U+0000, which no backend stores`);
}

/**
 * Wrap a backend. Matters for attacker-chosen strings (a Basic-auth username, a DeviceId from the
 * query): on PostgreSQL they would otherwise turn a "not found" into a driver error.
 */
export function withNulGuard(store: Store): Store {
  const lookup =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>, missing: R) =>
    async (...args: A): Promise<R> =>
      containsNul(args) ? missing : fn(...args);
  const write =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>, method: string) =>
    async (...args: A): Promise<R> =>
      containsNul(args) ? refuse(method) : fn(...args);

  return {
    ...store,
    getUser: lookup(store.getUser, null),
    getUserByName: lookup(store.getUserByName, null),
    listUsers: store.listUsers,
    putUser: write(store.putUser, 'putUser'),
    deleteUser: lookup(store.deleteUser, undefined),
    getAdminByName: lookup(store.getAdminByName, null),
    putAdmin: write(store.putAdmin, 'putAdmin'),
    getPolicy: lookup(store.getPolicy, null),
    getPolicyByName: lookup(store.getPolicyByName, null),
    putPolicy: write(store.putPolicy, 'putPolicy'),
    deletePolicy: lookup(store.deletePolicy, undefined),
    setDomainPolicy: write(store.setDomainPolicy, 'setDomainPolicy'),
    getDomainPolicy: lookup(store.getDomainPolicy, null),
    getDevice: lookup(store.getDevice, null),
    findDevice: lookup(store.findDevice, null),
    listDevices: lookup(store.listDevices, []),
    countDevices: lookup(store.countDevices, 0),
    createDevice: write(store.createDevice, 'createDevice'),
    async patchDevice(id, patch) {
      if (containsNul(id)) return null;
      if (containsNul(patch)) refuse('patchDevice');
      return store.patchDevice(id, patch);
    },
    deleteDevice: lookup(store.deleteDevice, undefined),
  };
}
