// The cached Sync request per device ([MS-ASCMD] 2.2.1.21 Sync: empty requests and Partial): a
// 14.x client may send an empty body (replay the last request) or a Partial one (only what
// changed). We keep the last full request's collections and options, never its keys or commands:
// a replay always uses the collection's current key and applies no client change twice.
import type { SyncStateStore } from '../../store/sync-state.js';
import type { CollectionOptions, CollectionRequest, SyncRequest } from './sync-request.js';
import { SYNC_REQUEST_STATE } from './state-store.js';

export interface CachedCollection {
  collectionId: string;
  getChanges: boolean | null;
  deletesAsMoves: boolean | null;
  windowSize: number | null;
  options: CollectionOptions | null;
}

export interface CachedSync {
  holdSeconds: number | null;
  windowSize: number | null;
  collections: CachedCollection[];
}

function cachedOf(c: CollectionRequest, before: CachedCollection | undefined): CachedCollection {
  return {
    collectionId: c.collectionId,
    getChanges: c.getChanges,
    deletesAsMoves: c.deletesAsMoves ?? before?.deletesAsMoves ?? null,
    windowSize: c.windowSize ?? before?.windowSize ?? null,
    // A request without Options keeps the ones last sent for the collection.
    options: c.options ?? before?.options ?? null,
  };
}

function requestOf(c: CachedCollection): CollectionRequest {
  return { ...c, syncKey: null, commands: [] };
}

/**
 * The request to process: an empty body replays the cache, a Partial one is merged into it
 * (its collections replace the cached ones), a full one inherits missing Options from it.
 * Returns null when an empty or partial request has nothing cached (status 13).
 */
export function resolveRequest(req: SyncRequest | null, cached: CachedSync | null): SyncRequest | null {
  if (req === null) {
    if (!cached) return null;
    return {
      collections: cached.collections.map(requestOf),
      holdSeconds: cached.holdSeconds,
      windowSize: cached.windowSize,
      partial: false,
    };
  }
  const before = new Map((cached?.collections ?? []).map((c) => [c.collectionId, c]));
  const withOptions = req.collections.map((c) => ({
    ...c,
    options: c.options ?? before.get(c.collectionId)?.options ?? null,
    deletesAsMoves: c.deletesAsMoves ?? before.get(c.collectionId)?.deletesAsMoves ?? null,
    windowSize: c.windowSize ?? before.get(c.collectionId)?.windowSize ?? null,
  }));
  if (!req.partial) return { ...req, collections: withOptions };
  if (!cached) return null;
  const given = new Set(req.collections.map((c) => c.collectionId));
  return {
    collections: [
      ...withOptions,
      ...cached.collections.filter((c) => !given.has(c.collectionId)).map(requestOf),
    ],
    holdSeconds: req.holdSeconds ?? cached.holdSeconds,
    windowSize: req.windowSize ?? cached.windowSize,
    partial: true,
  };
}

/** What to cache after answering `req` (already resolved). */
export function cacheOf(req: SyncRequest, cached: CachedSync | null): CachedSync {
  const before = new Map((cached?.collections ?? []).map((c) => [c.collectionId, c]));
  return {
    holdSeconds: req.holdSeconds,
    windowSize: req.windowSize,
    collections: req.collections.map((c) => cachedOf(c, before.get(c.collectionId))),
  };
}

function parseCache(json: string): CachedSync | null {
  try {
    const c = JSON.parse(json) as CachedSync;
    return c && Array.isArray(c.collections) ? c : null;
  } catch {
    return null;
  }
}

export async function loadCache(
  states: SyncStateStore,
  deviceId: string,
): Promise<{ cached: CachedSync | null; key: string | null }> {
  const row = await states.getSyncState(deviceId, SYNC_REQUEST_STATE);
  return { cached: row ? parseCache(row.data) : null, key: row?.syncKey ?? null };
}

/** Stores the cache when it changed; a lost race is harmless (the other request cached its own). */
export async function saveCache(
  states: SyncStateStore,
  deviceId: string,
  next: CachedSync,
  current: { cached: CachedSync | null; key: string | null },
  now: Date,
): Promise<void> {
  const data = JSON.stringify(next);
  if (current.cached && JSON.stringify(current.cached) === data) return;
  const key = String((Number(current.key) || 0) + 1);
  await states.putSyncState(
    {
      deviceId,
      collectionId: SYNC_REQUEST_STATE,
      syncKey: key,
      data,
      previousSyncKey: null,
      previousData: null,
      updatedAt: now,
    },
    current.key,
  );
}
