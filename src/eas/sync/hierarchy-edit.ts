// The device's hierarchy state after a folder command of its own ([MS-ASCMD] 2.2.1.3 FolderCreate,
// 2.2.1.6 FolderUpdate, 2.2.1.4 FolderDelete): the change is recorded as known to the device and
// the FolderSync key moves on ([MS-ASCMD] 2.2.3.181.1), so the next FolderSync does not echo it.
// Changes made elsewhere since the device's last FolderSync stay unknown and are still sent.
import type { SyncState, SyncStateStore } from '../../store/sync-state.js';
import type { DeviceFolder, HierarchyData } from './folder-map.js';
import { ROOT_PARENT, parseHierarchy, serializeHierarchy } from './folder-map.js';
import { HIERARCHY_STATE, nextSyncKey } from './state-store.js';

/** The stored hierarchy the device's key names, or why there is none. */
export type HierarchyCheck =
  { ok: true; row: SyncState; data: HierarchyData } | { ok: false; reason: 'noState' | 'keyMismatch' };

/**
 * Folder commands carry the FolderSync key the device holds; only the current one is accepted
 * (anything else is Status 9, and the device goes back to FolderSync).
 */
export async function checkHierarchyKey(
  states: SyncStateStore,
  deviceId: string,
  syncKey: string,
): Promise<HierarchyCheck> {
  const row = await states.getSyncState(deviceId, HIERARCHY_STATE);
  const data = row ? parseHierarchy(row.data) : null;
  if (!row || !data) return { ok: false, reason: 'noState' };
  if (row.syncKey !== syncKey) return { ok: false, reason: 'keyMismatch' };
  return { ok: true, row, data };
}

/** The ServerId of a backend folder, handing out the next one for a folder seen for the first time. */
export function serverIdFor(d: HierarchyData, backendFolderId: string): string {
  let id = d.ids.get(backendFolderId);
  if (id === undefined) {
    id = String(d.next++);
    d.ids.set(backendFolderId, id);
  }
  return id;
}

/** Records a folder as the device now has it (created or updated by the device itself). */
export function setKnownFolder(d: HierarchyData, serverId: string, f: DeviceFolder): void {
  d.folders.set(serverId, { ...f });
}

/** Forgets a folder and everything below it in the device's view; returns the ServerIds removed. */
export function removeKnownFolder(d: HierarchyData, serverId: string): string[] {
  const removed: string[] = [];
  const queue = [serverId];
  while (queue.length) {
    const id = queue.shift() as string;
    if (!d.folders.delete(id)) continue;
    removed.push(id);
    for (const [child, f] of d.folders) if (f.parentId === id) queue.push(child);
  }
  return removed;
}

/** True when `candidate` is `folder` or below it in the device's view (a move there makes a cycle). */
export function isSelfOrBelow(d: HierarchyData, folder: string, candidate: string): boolean {
  for (let cur: string | undefined = candidate, n = 0; cur && cur !== ROOT_PARENT && n < 64; n++) {
    if (cur === folder) return true;
    cur = d.folders.get(cur)?.parentId;
  }
  return false;
}

/**
 * Stores the edited hierarchy under the next key (the old one kept as previous, as FolderSync
 * does). Returns the new key, or null when another request moved the state first.
 */
export async function commitHierarchy(
  states: SyncStateStore,
  deviceId: string,
  row: SyncState,
  data: HierarchyData,
  now: Date,
): Promise<string | null> {
  const key = nextSyncKey(row.syncKey);
  const ok = await states.putSyncState(
    {
      deviceId,
      collectionId: HIERARCHY_STATE,
      syncKey: key,
      data: serializeHierarchy(data),
      previousSyncKey: row.syncKey,
      previousData: row.data,
      updatedAt: now,
    },
    row.syncKey,
  );
  return ok ? key : null;
}
