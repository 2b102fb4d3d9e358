// SQLite SyncStateStore (src/store/sync-state.ts). One connection, synchronous statements: each
// compare-and-set is a single statement, so it is atomic against other requests of this process
// and, through SQLite's write lock, against other processes on the same file.
import type { SyncStateStore } from '../sync-state.js';
import type { SyncStateRow } from '../sql/sync-state.js';
import { syncStateFromRow } from '../sql/sync-state.js';
import { isoString } from '../sql/values.js';
import type { Db } from './db.js';
import { isForeignKeyViolation } from './db.js';

export function sqliteSyncStateStore(db: Db): SyncStateStore {
  const get = db.prepare<[string, string], SyncStateRow>(
    'SELECT * FROM sync_states WHERE device_id = ? AND collection_id = ?',
  );
  // expectedSyncKey null: only when no row exists (a clash on the key is "someone was first").
  const insert = db.prepare(
    `INSERT INTO sync_states (device_id, collection_id, sync_key, data, previous_sync_key, previous_data,
       updated_at)
     VALUES (@deviceId, @collectionId, @syncKey, @data, @previousSyncKey, @previousData, @updatedAt)
     ON CONFLICT (device_id, collection_id) DO NOTHING`,
  );
  const update = db.prepare(
    `UPDATE sync_states SET sync_key = @syncKey, data = @data, previous_sync_key = @previousSyncKey,
       previous_data = @previousData, updated_at = @updatedAt
     WHERE device_id = @deviceId AND collection_id = @collectionId AND sync_key = @expected`,
  );
  const deleteOne = db.prepare<[string, string]>(
    'DELETE FROM sync_states WHERE device_id = ? AND collection_id = ?',
  );
  const deleteAll = db.prepare<[string]>('DELETE FROM sync_states WHERE device_id = ?');
  const list = db.prepare<[string], { collection_id: string }>(
    'SELECT collection_id FROM sync_states WHERE device_id = ? ORDER BY collection_id',
  );

  return {
    async getSyncState(deviceId, collectionId) {
      const row = get.get(deviceId, collectionId);
      return row ? syncStateFromRow(row) : null;
    },
    async putSyncState(state, expectedSyncKey) {
      const params = {
        deviceId: state.deviceId,
        collectionId: state.collectionId,
        syncKey: state.syncKey,
        data: state.data,
        previousSyncKey: state.previousSyncKey,
        previousData: state.previousData,
        updatedAt: isoString(state.updatedAt),
      };
      try {
        const result =
          expectedSyncKey === null
            ? insert.run(params)
            : update.run({ ...params, expected: expectedSyncKey });
        return result.changes === 1;
      } catch (err) {
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: putSyncState: device ${state.deviceId} does not exist`, { cause: err });
        }
        throw err;
      }
    },
    async deleteSyncStates(deviceId, collectionId) {
      if (collectionId === undefined) deleteAll.run(deviceId);
      else deleteOne.run(deviceId, collectionId);
    },
    async listSyncCollections(deviceId) {
      return list.all(deviceId).map((r) => r.collection_id);
    },
  };
}
