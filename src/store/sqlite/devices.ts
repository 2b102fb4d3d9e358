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
  const insertDevice = db.prepare(
    `INSERT INTO devices (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (user_id, broker_id, device_id) DO NOTHING`,
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
      try {
        // One transaction: the row we read back cannot be deleted by another process in between.
        const row = writeTransaction(db, () => {
          insertDevice.run(...values);
          // Either our row or the one a concurrent first request inserted; both are "the" device.
          return findDevice.get(device.userId, device.brokerId, device.deviceId);
        });
        if (!row) throw new Error(`store: createDevice: device ${device.id} not found after insert`);
        return fromRow(row);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`device id already in use: ${device.id}`, { cause: err });
        }
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: createDevice: user ${device.userId} does not exist`, { cause: err });
        }
        throw err;
      }
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
  };
}
