// PostgreSQL SyncStateStore (src/store/sync-state.ts). Each compare-and-set is one statement: a
// concurrent UPDATE on the same row waits for the first to commit and then re-checks sync_key
// (READ COMMITTED re-evaluates the WHERE on the new row version), so exactly one of them wins.
import type { SyncStateStore } from '../sync-state.js';
import type { SyncStateRow } from '../sql/sync-state.js';
import { syncStateFromRow } from '../sql/sync-state.js';
import type { Pool } from './db.js';
import { isForeignKeyViolation } from './db.js';

// expectedSyncKey null: only when no row exists (a clash on the key is "someone was first").
const INSERT = `INSERT INTO sync_states (device_id, collection_id, sync_key, data, previous_sync_key,
    previous_data, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (device_id, collection_id) DO NOTHING`;

const UPDATE = `UPDATE sync_states SET sync_key = $3, data = $4, previous_sync_key = $5, previous_data = $6,
    updated_at = $7
  WHERE device_id = $1 AND collection_id = $2 AND sync_key = $8`;

export function postgresSyncStateStore(pool: Pool): SyncStateStore {
  return {
    async getSyncState(deviceId, collectionId) {
      const { rows } = await pool.query<SyncStateRow>(
        'SELECT * FROM sync_states WHERE device_id = $1 AND collection_id = $2',
        [deviceId, collectionId],
      );
      return rows[0] ? syncStateFromRow(rows[0]) : null;
    },
    async putSyncState(state, expectedSyncKey) {
      const params: unknown[] = [
        state.deviceId,
        state.collectionId,
        state.syncKey,
        state.data,
        state.previousSyncKey,
        state.previousData,
        state.updatedAt,
      ];
      try {
        const result =
          expectedSyncKey === null
            ? await pool.query(INSERT, params)
            : await pool.query(UPDATE, [...params, expectedSyncKey]);
        return result.rowCount === 1;
      } catch (err) {
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: putSyncState: device ${state.deviceId} does not exist`, { cause: err });
        }
        throw err;
      }
    },
    async deleteSyncStates(deviceId, collectionId) {
      if (collectionId === undefined) {
        await pool.query('DELETE FROM sync_states WHERE device_id = $1', [deviceId]);
      } else {
        await pool.query('DELETE FROM sync_states WHERE device_id = $1 AND collection_id = $2', [
          deviceId,
          collectionId,
        ]);
      }
    },
    async listSyncCollections(deviceId) {
      const { rows } = await pool.query<{ collection_id: string }>(
        'SELECT collection_id FROM sync_states WHERE device_id = $1 ORDER BY collection_id',
        [deviceId],
      );
      return rows.map((r) => r.collection_id);
    },
  };
}
