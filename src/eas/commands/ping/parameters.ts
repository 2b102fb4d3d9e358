// A Ping's parameters: the request completed from the device's cached HeartbeatInterval and
// Folders ([MS-ASCMD] 3.1.5.8: the server MUST cache both and reuse them), checked against the
// hub's limits, and the cache itself (sync state 'ping'). No mailbox, no waiting.
import type { PushLimits } from '../../../push/hub.js';
import type { SyncStateStore } from '../../../store/sync-state.js';
import type { PingClass, PingFolder, PingRequest } from './request.js';
import { CLASSES } from './request.js';

/** Sync-state collection id of the cached Ping parameters (folder ServerIds are numeric, so no clash). */
export const PING_STATE = 'ping';

/** The cached parameters ([MS-ASCMD] 3.1.5.8: the server MUST cache both and reuse them). */
export interface CachedPing {
  heartbeatInterval: number | null;
  folders: PingFolder[] | null;
}

export function serializeCachedPing(c: CachedPing): string {
  return JSON.stringify({
    v: 1,
    hb: c.heartbeatInterval,
    folders: c.folders?.map((f) => [f.id, f.class]) ?? null,
  });
}

/** null for anything we did not write (a corrupt cache counts as none: the device gets Status 3). */
export function parseCachedPing(json: string | null): CachedPing | null {
  if (json === null) return null;
  try {
    const s = JSON.parse(json) as { v?: unknown; hb?: unknown; folders?: unknown };
    if (s?.v !== 1) return null;
    const hb = s.hb === null ? null : Number.isSafeInteger(s.hb) ? (s.hb as number) : undefined;
    if (hb === undefined) return null;
    if (s.folders === null) return { heartbeatInterval: hb, folders: null };
    if (!Array.isArray(s.folders)) return null;
    const folders: PingFolder[] = [];
    for (const f of s.folders as unknown[]) {
      if (!Array.isArray(f) || typeof f[0] !== 'string' || !CLASSES.includes(f[1] as PingClass)) return null;
      folders.push({ id: f[0], class: f[1] as PingClass });
    }
    return { heartbeatInterval: hb, folders };
  } catch {
    return null;
  }
}

/** The request completed from the cache and checked against the limits, or the status to answer. */
export type PingPlan =
  | { ok: true; heartbeatSeconds: number; folders: PingFolder[]; fromCache: boolean }
  | { ok: false; status: 3 }
  | { ok: false; status: 5; heartbeatInterval: number }
  | { ok: false; status: 6; maxFolders: number };

export function planPing(req: PingRequest, cached: CachedPing | null, limits: PushLimits): PingPlan {
  const heartbeat = req.heartbeatInterval ?? cached?.heartbeatInterval ?? null;
  const folders = req.folders ?? cached?.folders ?? null;
  if (heartbeat === null || folders === null) return { ok: false, status: 3 };
  // [MS-ASCMD] 2.2.3.88.1: Status 5 carries the minimum or the maximum allowed, whichever was crossed.
  if (heartbeat < limits.minHeartbeatSeconds)
    return { ok: false, status: 5, heartbeatInterval: limits.minHeartbeatSeconds };
  if (heartbeat > limits.maxHeartbeatSeconds)
    return { ok: false, status: 5, heartbeatInterval: limits.maxHeartbeatSeconds };
  // [MS-ASCMD] 2.2.3.102: Status 6 carries MaxFolders.
  if (folders.length > limits.maxFolders) return { ok: false, status: 6, maxFolders: limits.maxFolders };
  return { ok: true, heartbeatSeconds: heartbeat, folders, fromCache: req.folders === null };
}

/** Stores the parameters for the device's next Pings; `row` is the cached row as read (or null). */
export async function saveCache(
  states: SyncStateStore,
  deviceId: string,
  row: { syncKey: string; data: string } | null,
  next: CachedPing,
  now: Date,
): Promise<void> {
  const data = serializeCachedPing(next);
  if (row?.data === data) return;
  // A lost race is harmless: the other Ping of this device cached its own parameters.
  await states.putSyncState(
    {
      deviceId,
      collectionId: PING_STATE,
      syncKey: String((Number(row?.syncKey) || 0) + 1),
      data,
      previousSyncKey: null,
      previousData: null,
      updatedAt: now,
    },
    row?.syncKey ?? null,
  );
}
