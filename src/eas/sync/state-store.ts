// Names and formats of the per-device sync states (SyncStateStore rows, migration 0003): the
// reserved collection ids and the sync key format. Pure.
import { randomBytes } from 'node:crypto';

/** Collection ids of the rows that are not folders. */
export const HIERARCHY_STATE = 'hierarchy';
export const SYNC_REQUEST_STATE = 'sync-request';

/** [MS-ASCMD] 2.2.3.181.4: SyncKey (and ServerId, CollectionId) are opaque strings of at most 64 characters. */
export const MAX_ID_LENGTH = 64;

const KEY = /^\{([0-9a-f]{8})\}([1-9][0-9]{0,12})$/;

/**
 * The key after `current`: "{gen}n" with n + 1. A fresh generation is drawn when there is no state,
 * so a key a device kept from before its state was dropped never matches a new state's key.
 * Always derived from the stored current key, so a retry never re-issues the key it replaces.
 */
export function nextSyncKey(current: string | null): string {
  const m = current ? KEY.exec(current) : null;
  if (!m) return `{${randomBytes(4).toString('hex')}}1`;
  return `{${m[1]}}${Number(m[2]) + 1}`;
}
