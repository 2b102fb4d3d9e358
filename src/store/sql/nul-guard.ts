// Makes U+0000 behave the same on every backend: PostgreSQL text and jsonb cannot hold it (the
// query fails), SQLite would store it. Lookups carrying one find nothing; writes are refused.
import type { Store } from '../types.js';

/** True if `value` is, or contains (arrays, plain objects), a string with U+0000. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (containsNul(item)) return true;
    return false;
  }
  // for-in over own keys rather than Object.entries: patchDevices checks 100,000 patches at a time.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes('\u0000') || containsNul((value as Record<string, unknown>)[key])) return true;
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
    getAdmin: lookup(store.getAdmin, null),
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
    async patchDevices(patches) {
      // An id with U+0000 names no device: skipped, as missing ids are. A value with one is refused.
      if (patches.some((p) => containsNul(p.patch))) refuse('patchDevices');
      return store.patchDevices(
        patches.some((p) => containsNul(p.id)) ? patches.filter((p) => !containsNul(p.id)) : patches,
      );
    },
    getRule: lookup(store.getRule, null),
    putRule: write(store.putRule, 'putRule'),
    deleteRule: lookup(store.deleteRule, undefined),
    putOrgSettings: write(store.putOrgSettings, 'putOrgSettings'),
    // Callers auditing attacker-chosen text (a failed login's username) must escape U+0000 first.
    appendAudit: write(store.appendAudit, 'appendAudit'),
    listAudit: lookup(store.listAudit, []),
    putAdminToken: write(store.putAdminToken, 'putAdminToken'),
    getAdminTokenByHash: lookup(store.getAdminTokenByHash, null),
    listAdminTokens: lookup(store.listAdminTokens, []),
    deleteAdminToken: lookup(store.deleteAdminToken, undefined),
    touchAdminToken: lookup(store.touchAdminToken, undefined),
    getSyncState: lookup(store.getSyncState, null),
    async putSyncState(state, expectedSyncKey) {
      if (containsNul(state)) refuse('putSyncState');
      // The expected key is the device's SyncKey: one with U+0000 matches no stored key.
      if (expectedSyncKey !== null && containsNul(expectedSyncKey)) return false;
      return store.putSyncState(state, expectedSyncKey);
    },
    deleteSyncStates: lookup(store.deleteSyncStates, undefined),
    listSyncCollections: lookup(store.listSyncCollections, []),
    listMailFolders: lookup(store.listMailFolders, []),
    getMailFolder: lookup(store.getMailFolder, null),
    createMailFolder: write(store.createMailFolder, 'createMailFolder'),
    ensureMailFolders: write(store.ensureMailFolders, 'ensureMailFolders'),
    async updateMailFolder(userId, folderId, change) {
      if (containsNul([userId, folderId])) return null;
      if (containsNul(change)) refuse('updateMailFolder');
      return store.updateMailFolder(userId, folderId, change);
    },
    deleteMailFolder: lookup(store.deleteMailFolder, false),
    async writeMailContent(userId, source, opts) {
      // Only the id: the source is a stream of bytes, not text.
      if (containsNul(userId)) refuse('writeMailContent');
      return store.writeMailContent(userId, source, opts);
    },
    deleteMailContent: lookup(store.deleteMailContent, undefined),
    async addMailMessage(message) {
      // bodyText is mail text too: the store drops U+0000 from it (mailSearchKey).
      const { summary, bodyText: _bodyText, bodies, ...ids } = message;
      if (containsNul(ids)) return null;
      // Mail is attacker-written: the backend replaces U+0000 in header and body text before it gets here.
      if (containsNul(summary) || containsNul(bodies)) refuse('addMailMessage');
      return store.addMailMessage(message);
    },
    listMailMessages: lookup(store.listMailMessages, null),
    getMailMessages: lookup(store.getMailMessages, null),
    setMailFlags: lookup(store.setMailFlags, null),
    deleteMailMessages: lookup(store.deleteMailMessages, null),
    moveMailMessages: lookup(store.moveMailMessages, null),
    openMailContent: lookup(store.openMailContent, null),
    getMailBodies: lookup(store.getMailBodies, null),
    async putMailBodies(userId, folderId, id, bodies) {
      if (containsNul([userId, folderId])) return false;
      if (containsNul(bodies)) refuse('putMailBodies');
      return store.putMailBodies(userId, folderId, id, bodies);
    },
    // A folder id or term with U+0000 can match nothing (no stored text holds one).
    searchMailMessages: lookup(store.searchMailMessages, { total: 0, hits: [] }),
    findUserIdByEmail: lookup(store.findUserIdByEmail, null),
  };
}
