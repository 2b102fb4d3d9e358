// SQLite DeviceStore (src/store/types.ts). Column names come only from DEVICE_COLUMNS and
// FILTER_COLUMNS; every value is a bound parameter.
import type { Device } from '../../devices/types.js';
import type { DeviceFilter, DeviceStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import {
  DEVICE_COLUMNS,
  DEVICE_FIELDS,
  deviceFromRow,
  filterColumns,
  groupPatches,
  patchFields,
} from '../sql/device-columns.js';
import type { Db } from './db.js';
import {
  decode,
  encode,
  isForeignKeyViolation,
  isUniqueViolation,
  statementCache,
  writeTransaction,
} from './db.js';

type Row = Record<string, unknown>;

const ORDER = 'ORDER BY user_id, broker_id, device_id';
const COLUMNS = DEVICE_FIELDS.map((f) => DEVICE_COLUMNS[f].column);

function where(filter: DeviceFilter | undefined): { clause: string; values: string[] } {
  const pairs = filterColumns(filter);
  if (pairs.length === 0) return { clause: '', values: [] };
  return {
    clause: `WHERE ${pairs.map(([column]) => `${column} = ?`).join(' AND ')}`,
    values: pairs.map(([, value]) => value),
  };
}

export function sqliteDeviceStore(db: Db): DeviceStore {
  const stmt = statementCache(db);
  const fromRow = (row: Row): Device => deviceFromRow(row, decode);
  const getDevice = db.prepare<[string], Row>('SELECT * FROM devices WHERE id = ?');
  const findDevice = db.prepare<[string, string, string], Row>(
    'SELECT * FROM devices WHERE user_id = ? AND broker_id = ? AND device_id = ?',
  );
  // DO NOTHING on the association key only: a clash on the surrogate id is a real conflict.
  const insertDevice = db.prepare<unknown[], Row>(
    `INSERT INTO devices (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (user_id, broker_id, device_id) DO NOTHING RETURNING *`,
  );
  const deleteDevice = db.prepare<[string]>('DELETE FROM devices WHERE id = ?');

  return {
    async getDevice(id) {
      const row = getDevice.get(id);
      return row ? fromRow(row) : null;
    },
    async findDevice(key) {
      const row = findDevice.get(key.userId, key.brokerId, key.deviceId);
      return row ? fromRow(row) : null;
    },
    async listDevices(filter) {
      const { clause, values } = where(filter);
      return (stmt(`SELECT * FROM devices ${clause} ${ORDER}`).all(...values) as Row[]).map(fromRow);
    },
    async countDevices(filter) {
      const { clause, values } = where(filter);
      return (stmt(`SELECT count(*) AS n FROM devices ${clause}`).get(...values) as { n: number }).n;
    },
    async createDevice(device) {
      const values = DEVICE_FIELDS.map((f) => encode(DEVICE_COLUMNS[f].kind, device[f]));
      // One statement, its own transaction: our insert returns our row. On a key clash it returns
      // nothing and we read the row the concurrent first request inserted (both are "the" device);
      // retry if another process deletes it in between.
      for (let attempt = 0; attempt < 3; attempt++) {
        let inserted: Row | undefined;
        try {
          inserted = insertDevice.get(...values);
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new StoreConflictError(`device id already in use: ${device.id}`, { cause: err });
          }
          if (isForeignKeyViolation(err)) {
            throw new Error(`store: createDevice: user ${device.userId} does not exist`, { cause: err });
          }
          throw err;
        }
        const row = inserted ?? findDevice.get(device.userId, device.brokerId, device.deviceId);
        if (row) return fromRow(row);
      }
      throw new Error(`store: createDevice: device ${device.id} keeps vanishing after insert`);
    },
    async patchDevice(id, patch) {
      const fields = patchFields(patch);
      const sets = fields.map((f) => `${DEVICE_COLUMNS[f].column} = ?`);
      sets.push('updated_at = ?');
      const values = fields.map((f) => encode(DEVICE_COLUMNS[f].kind, patch[f as keyof typeof patch]));
      values.push(encode('date', new Date()), id);
      // One statement touching only the patched columns: a concurrent patch of other fields survives.
      const row = stmt(`UPDATE devices SET ${sets.join(', ')} WHERE id = ? RETURNING *`).get(...values) as
        Row | undefined;
      return row ? fromRow(row) : null;
    },
    async deleteDevice(id) {
      deleteDevice.run(id);
    },
    async patchDevices(patches) {
      // Validated and merged before the transaction: a bad field throws with nothing written.
      const groups = groupPatches(patches);
      if (groups.length === 0) return 0;
      const now = encode('date', new Date());
      // One IMMEDIATE transaction, one prepared statement per set of patched fields, reused for
      // every row; a throw anywhere (a constraint) rolls the whole batch back.
      return writeTransaction(db, () => {
        let updated = 0;
        for (const { fields, rows } of groups) {
          const sets = fields.map((f) => `${DEVICE_COLUMNS[f].column} = ?`);
          sets.push('updated_at = ?');
          const update = stmt(`UPDATE devices SET ${sets.join(', ')} WHERE id = ?`);
          for (const { id, patch } of rows) {
            const values = fields.map((f) => encode(DEVICE_COLUMNS[f].kind, patch[f]));
            values.push(now, id);
            updated += update.run(...values).changes;
          }
        }
        return updated;
      });
    },
  };
}
