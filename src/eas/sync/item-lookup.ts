// Item ServerIds and attachment FileReferences as the device holds them, resolved to backend ids
// through the device's own states (folder-map.ts, item-state.ts), and the one write outside Sync:
// the ServerId a moved message gets in its destination (MoveItems DstMsgId). Not a cache: every
// lookup reads the stored state, so an id the device was never given resolves to nothing.
import type { SyncStateStore } from '../../store/sync-state.js';
import type { HierarchyData } from './folder-map.js';
import { backendFolderOf, parseHierarchy } from './folder-map.js';
import type { CollectionData } from './item-state.js';
import {
  deviceKeyOf,
  emptyCollection,
  numberFor,
  parseCollection,
  parseServerId,
  serializeCollection,
} from './item-state.js';
import { HIERARCHY_STATE, MAX_ID_LENGTH, nextSyncKey } from './state-store.js';

/** A message as the device names it: collection ServerId + item number, and the backend's ids. */
export interface ItemRef {
  collectionId: string;
  folderId: string;
  messageId: string;
}

/** The collection part of an item ServerId "<collection>:<n>" (item-state.ts serverIdOf), or null. */
export function collectionOfServerId(serverId: string): string | null {
  const i = serverId.lastIndexOf(':');
  if (i <= 0 || serverId.length > MAX_ID_LENGTH) return null;
  return parseServerId(serverId.slice(0, i), serverId) === null ? null : serverId.slice(0, i);
}

/**
 * A FileReference as email-data.ts writes it: "<item ServerId>:<MIME part id>", the part id being
 * dotted decimals ("2", "1.2"). Null for anything else, including over-long input.
 */
export function parseFileReference(
  ref: string,
): { serverId: string; collectionId: string; partId: string } | null {
  // [MS-ASAIRS] FileReference is a string; ours are short, 256 leaves room without inviting abuse.
  if (ref.length > 256) return null;
  const m = /^(.+):([0-9]{1,9}(?:\.[0-9]{1,9}){0,15})$/.exec(ref);
  if (!m) return null;
  const serverId = m[1] as string;
  const collectionId = collectionOfServerId(serverId);
  return collectionId === null ? null : { serverId, collectionId, partId: m[2] as string };
}

/** The device's hierarchy (null before its first FolderSync). */
export async function loadHierarchy(states: SyncStateStore, deviceId: string): Promise<HierarchyData | null> {
  return parseHierarchy((await states.getSyncState(deviceId, HIERARCHY_STATE))?.data ?? null);
}

/** The backend folder of a collection ServerId the device was given, or null. */
export function folderOfCollection(hierarchy: HierarchyData | null, collectionId: string): string | null {
  if (!hierarchy || collectionId.length > MAX_ID_LENGTH) return null;
  return backendFolderOf(hierarchy, collectionId);
}

function messageIn(d: CollectionData, n: number): string | null {
  for (const [id, k] of d.ids) if (k === n) return id;
  return null;
}

/**
 * The message behind an item ServerId, or null. `collectionId`, when the request names one, must be
 * the ServerId's own. Looks in the current state and then in the previous one (a device that lost
 * our last Sync answer still holds the ids of the one before); allocations count too, so the
 * DstMsgId of a move resolves before the destination is synced.
 */
export async function resolveItem(
  states: SyncStateStore,
  deviceId: string,
  hierarchy: HierarchyData | null,
  serverId: string,
  collectionId: string | null = null,
): Promise<ItemRef | null> {
  const own = collectionOfServerId(serverId);
  if (own === null || (collectionId !== null && collectionId !== own)) return null;
  const folderId = folderOfCollection(hierarchy, own);
  if (folderId === null) return null;
  const n = parseServerId(own, serverId) as number;
  const row = await states.getSyncState(deviceId, own);
  if (!row) return null;
  for (const json of [row.data, row.previousData]) {
    const d = parseCollection(json);
    if (!d || d.folderId !== folderId) continue;
    const messageId = messageIn(d, n);
    if (messageId !== null) return { collectionId: own, folderId, messageId };
  }
  return null;
}

/**
 * Gives a message that has just arrived in a collection (moved there) its item number now, so the
 * MoveItems answer can name it and the destination's next Sync Adds it under the same ServerId.
 * The number is reserved (CollectionData.moved): no Sync window that does not reach the message
 * drops it, and a retry with the previous key keeps it (retryBase). A collection never primed gets
 * a primed-only state holding the reservation, which the device's SyncKey 0 then adopts
 * (collection.ts prime()). Returns the item number; idempotent.
 *
 * The row's key changes with the write, the device's does not (CollectionData.heldKey): a Sync of
 * this collection that read the row before, and may list the moved message already, then fails its
 * compare-and-set and answers again from this state, instead of Adding the message under a second
 * number and writing over the reservation.
 */
export async function allocateItem(
  states: SyncStateStore,
  deviceId: string,
  collectionId: string,
  folderId: string,
  messageId: string,
  now: Date,
): Promise<number> {
  // A concurrent Sync of the same collection may move the key between our read and our write.
  for (let attempt = 0; ; attempt++) {
    const row = await states.getSyncState(deviceId, collectionId);
    const parsed = row ? parseCollection(row.data) : null;
    const d = parsed && parsed.folderId === folderId ? parsed : emptyCollection(folderId);
    const n = numberFor(d, messageId);
    // Added already (a Sync listed it first), or reserved by an earlier answer to this move.
    if (d.items.has(messageId) || d.moved.has(messageId)) return n;
    d.moved.add(messageId);
    const kept = row !== null && d === parsed ? row : null;
    if (kept) d.heldKey = deviceKeyOf(kept, parsed);
    const ok = await states.putSyncState(
      {
        deviceId,
        collectionId,
        syncKey: nextSyncKey(row?.syncKey ?? null),
        data: serializeCollection(d),
        previousSyncKey: kept?.previousSyncKey ?? null,
        previousData: kept?.previousData ?? null,
        updatedAt: now,
      },
      row?.syncKey ?? null,
    );
    if (ok) return n;
    if (attempt >= 4) throw new Error(`item-lookup: state of ${collectionId} keeps changing`);
  }
}
