// PostgreSQL DeviceStore (src/store/types.ts). Column names come only from DEVICE_COLUMNS and
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
import { isoString } from '../sql/values.js';
import type { Pool } from './db.js';
import {
  ARRAY_TYPE,
  decode,
  encode,
  isForeignKeyViolation,
  isUniqueViolation,
  withTransaction,
} from './db.js';

type Row = Record<string, unknown>;

const ORDER = 'ORDER BY user_id, broker_id, device_id';
const COLUMNS = DEVICE_FIELDS.map((f) => DEVICE_COLUMNS[f].column);
const SELECT_BY_KEY = 'SELECT * FROM devices WHERE user_id = $1 AND broker_id = $2 AND device_id = $3';
// DO NOTHING on the association key only: a clash on the surrogate id is a real conflict.
const INSERT = `INSERT INTO devices (${COLUMNS.join(', ')})
  VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (user_id, broker_id, device_id) DO NOTHING
  RETURNING *`;

/**
 * Rows per UPDATE in patchDevices. Each column travels as one array parameter, so the statement
 * size does not grow with the chunk; the chunk only bounds the memory of one round trip.
 */
const PATCH_CHUNK = 10_000;

function where(filter: DeviceFilter | undefined): { clause: string; values: string[] } {
  const pairs = filterColumns(filter);
  if (pairs.length === 0) return { clause: '', values: [] };
  return {
    clause: `WHERE ${pairs.map(([column], i) => `${column} = $${i + 1}`).join(' AND ')}`,
    values: pairs.map(([, value]) => value),
  };
}

export function postgresDeviceStore(pool: Pool): DeviceStore {
  const fromRow = (row: Row): Device => deviceFromRow(row, decode);

  return {
    async getDevice(id) {
      const { rows } = await pool.query<Row>('SELECT * FROM devices WHERE id = $1', [id]);
      return rows[0] ? fromRow(rows[0]) : null;
    },
    async findDevice(key) {
      const { rows } = await pool.query<Row>(SELECT_BY_KEY, [key.userId, key.brokerId, key.deviceId]);
      return rows[0] ? fromRow(rows[0]) : null;
    },
    async listDevices(filter) {
      const { clause, values } = where(filter);
      const { rows } = await pool.query<Row>(`SELECT * FROM devices ${clause} ${ORDER}`, values);
      return rows.map(fromRow);
    },
    async countDevices(filter) {
      const { clause, values } = where(filter);
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM devices ${clause}`,
        values,
      );
      return rows[0]?.n ?? 0;
    },
    async createDevice(device) {
      const values = DEVICE_FIELDS.map((f) => encode(DEVICE_COLUMNS[f].kind, device[f]));
      // Our insert returns our row (one round trip). On a key clash it returns nothing and a separate
      // SELECT, not a CTE, reads the other row: after ON CONFLICT waits on a concurrent insert, only
      // a new statement's snapshot can see that row. Retry if it is deleted in between.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const inserted = await pool.query<Row>(INSERT, values);
          if (inserted.rows[0]) return fromRow(inserted.rows[0]);
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new StoreConflictError(`device id already in use: ${device.id}`, { cause: err });
          }
          if (isForeignKeyViolation(err)) {
            throw new Error(`store: createDevice: user ${device.userId} does not exist`, { cause: err });
          }
          throw err;
        }
        const { rows } = await pool.query<Row>(SELECT_BY_KEY, [
          device.userId,
          device.brokerId,
          device.deviceId,
        ]);
        if (rows[0]) return fromRow(rows[0]);
      }
      throw new Error(`store: createDevice: device ${device.id} keeps vanishing after insert`);
    },
    async patchDevice(id, patch) {
      const fields = patchFields(patch);
      const sets = fields.map((f, i) => `${DEVICE_COLUMNS[f].column} = $${i + 1}`);
      const values = fields.map((f) => encode(DEVICE_COLUMNS[f].kind, patch[f as keyof typeof patch]));
      sets.push(`updated_at = $${values.length + 1}`);
      values.push(new Date(), id);
      // One statement touching only the patched columns: a concurrent patch of other fields survives.
      const { rows } = await pool.query<Row>(
        `UPDATE devices SET ${sets.join(', ')} WHERE id = $${values.length} RETURNING *`,
        values,
      );
      return rows[0] ? fromRow(rows[0]) : null;
    },
    async deleteDevice(id) {
      await pool.query('DELETE FROM devices WHERE id = $1', [id]);
    },
    async patchDevices(patches) {
      // Validated and merged before the transaction: a bad field throws with nothing written.
      const groups = groupPatches(patches);
      if (groups.length === 0) return 0;
      const now = new Date();
      return withTransaction(pool, async (client) => {
        let updated = 0;
        for (const { fields, rows } of groups) {
          // One UPDATE ... FROM unnest(...) per chunk: the patched columns and the ids arrive as
          // parallel arrays ($2 = ids, $3.. = one array per field), joined on id.
          const sets = fields.map((f, i) => `${DEVICE_COLUMNS[f].column} = v.c${i}`);
          sets.push('updated_at = $1');
          const arrays = [
            `$2::text[]`,
            ...fields.map((f, i) => `$${i + 3}::${ARRAY_TYPE[DEVICE_COLUMNS[f].kind]}`),
          ];
          const names = ['id', ...fields.map((_, i) => `c${i}`)];
          const sql = `UPDATE devices AS d SET ${sets.join(', ')}
            FROM unnest(${arrays.join(', ')}) AS v(${names.join(', ')}) WHERE d.id = v.id`;
          // Ids in order, so concurrent batches take their row locks in the same order.
          rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          for (let start = 0; start < rows.length; start += PATCH_CHUNK) {
            const chunk = rows.slice(start, start + PATCH_CHUNK);
            const params: unknown[] = [now, chunk.map((r) => r.id)];
            for (const f of fields) {
              const kind = DEVICE_COLUMNS[f].kind;
              // Dates as ISO text: exact to the ms whatever the session time zone.
              params.push(
                chunk.map((r) => {
                  const value = encode(kind, r.patch[f]);
                  return kind === 'date' && value instanceof Date ? isoString(value) : value;
                }),
              );
            }
            const result = await client.query(sql, params);
            updated += result.rowCount ?? 0;
          }
        }
        return updated;
      });
    },
  };
}
