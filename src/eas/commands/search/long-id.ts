// LongIds of mailbox Search results ([MS-ASCMD] 2.2.3.102.x LongId): what names a result for
// ItemOperations Fetch (search:LongId, and attachment FileReferences "<LongId>:<part>") and for
// SmartReply/SmartForward (composemail:LongId, or the LongId query parameter in 12.1).
//
// Format: base64url(collection ServerId) "." base64url(backend message id) "." base64url(MAC), the
// MAC an HMAC-SHA256 (first 12 bytes) over both ids, keyed by the device association id. Nothing
// is stored: a LongId is checked whole on the way back in (length, alphabet, MAC) and the
// collection must be one the device holds in its folder hierarchy, so a LongId of another device
// or user, an edited one or a stale one names nothing (not found). The key is not a secret (the
// association id is an admin-visible UUID): the MAC binds a LongId to its device and catches
// corruption; it is not what keeps a device out of other mailboxes. A LongId names a message of
// the device's own user, in a folder of that device's hierarchy, which the device may already sync.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HierarchyData } from '../../sync/folder-map.js';
import type { ItemRef } from '../../sync/item-lookup.js';
import { folderOfCollection } from '../../sync/item-lookup.js';
import { MAX_ID_LENGTH } from '../../sync/state-store.js';

/** [MS-ASCMD] LongId: a string of at most 256 characters (ours stay well below). */
export const MAX_LONG_ID_LENGTH = 256;

/** Longest id (UTF-8 bytes) a LongId carries: a collection ServerId ([MS-ASCMD] allows 64) or a backend message id (IMAP UIDs and store ids are a few digits). */
export const MAX_CARRIED_ID_BYTES = MAX_ID_LENGTH;

const MAC_BYTES = 12;
const B64 = '[A-Za-z0-9_-]';
const FORMAT = new RegExp(`^(${B64}{1,88})\\.(${B64}{1,88})\\.(${B64}{16})$`);

function mac(deviceId: string, collectionId: string, messageId: string): Buffer {
  return createHmac('sha256', `syncward/search-long-id/v1\0${deviceId}`)
    .update(collectionId)
    .update('\0')
    .update(messageId)
    .digest()
    .subarray(0, MAC_BYTES);
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

const carried = (id: string): boolean => id !== '' && Buffer.byteLength(id, 'utf8') <= MAX_CARRIED_ID_BYTES;

/** Decodes base64url text that is exactly what toString('base64url') would give (no other spelling). */
function unb64(s: string): string | null {
  const bytes = Buffer.from(s, 'base64url');
  if (bytes.toString('base64url') !== s) return null;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : null;
}

/** The LongId of a message for one device; null when an id is too long to carry. */
export function encodeLongId(deviceId: string, collectionId: string, messageId: string): string | null {
  if (!carried(collectionId) || !carried(messageId)) return null;
  return `${b64(collectionId)}.${b64(messageId)}.${b64(mac(deviceId, collectionId, messageId))}`;
}

/** The ids in a LongId this device was given, or null for anything else. */
export function decodeLongId(
  deviceId: string,
  longId: string,
): { collectionId: string; messageId: string } | null {
  if (longId.length > MAX_LONG_ID_LENGTH) return null;
  const m = FORMAT.exec(longId);
  if (!m) return null;
  const collectionId = unb64(m[1] as string);
  const messageId = unb64(m[2] as string);
  const given = Buffer.from(m[3] as string, 'base64url');
  if (collectionId === null || messageId === null || given.length !== MAC_BYTES) return null;
  if (!carried(collectionId) || !carried(messageId)) return null;
  return timingSafeEqual(given, mac(deviceId, collectionId, messageId)) ? { collectionId, messageId } : null;
}

/**
 * The message a LongId names, or null: not one of this device's LongIds, or its collection is no
 * longer in the device's hierarchy. The message itself may still be gone (the caller's lookup says).
 */
export function resolveLongId(
  deviceId: string,
  hierarchy: HierarchyData | null,
  longId: string,
): ItemRef | null {
  const ids = decodeLongId(deviceId, longId);
  if (!ids || !hierarchy?.folders.has(ids.collectionId)) return null;
  const folderId = folderOfCollection(hierarchy, ids.collectionId);
  return folderId === null ? null : { collectionId: ids.collectionId, folderId, messageId: ids.messageId };
}

/** The FileReference of an attachment of a search result, as its Attachments list it. */
export function longIdFileReference(longId: string, partId: string): string {
  return `${longId}:${partId}`;
}

/** A FileReference "<LongId>:<MIME part id>" split, or null when it is not one (the caller tries ServerIds). */
export function parseLongIdFileReference(ref: string): { longId: string; partId: string } | null {
  if (ref.length > MAX_LONG_ID_LENGTH) return null;
  const m = /^([A-Za-z0-9_.-]+):([0-9]{1,9}(?:\.[0-9]{1,9}){0,15})$/.exec(ref);
  if (!m || !FORMAT.test(m[1] as string)) return null;
  return { longId: m[1] as string, partId: m[2] as string };
}
