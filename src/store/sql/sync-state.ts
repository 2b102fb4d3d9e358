// The sync_states row shared by the SQL backends (updated_at: ISO text in SQLite, Date in PostgreSQL).
import type { SyncState } from '../sync-state.js';
import type { StoredDate } from './values.js';
import { toDate } from './values.js';

export interface SyncStateRow {
  device_id: string;
  collection_id: string;
  sync_key: string;
  data: string;
  previous_sync_key: string | null;
  previous_data: string | null;
  updated_at: StoredDate;
}

export function syncStateFromRow(r: SyncStateRow): SyncState {
  return {
    deviceId: r.device_id,
    collectionId: r.collection_id,
    syncKey: r.sync_key,
    data: r.data,
    previousSyncKey: r.previous_sync_key,
    previousData: r.previous_data,
    updatedAt: toDate(r.updated_at, 'sync_states.updated_at'),
  };
}
