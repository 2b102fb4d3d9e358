// The devices table shared by the SQL backends: field -> column and value kind. It is the only
// source of column names in device SQL (patches and filters are checked against it, never spliced in).
import type { Device } from '../../devices/types.js';
import type { DeviceFilter } from '../types.js';

export type ColumnKind = 'text' | 'int' | 'bool' | 'date';

/** `satisfies` makes the compiler reject a Device field without a column (or a stray one). */
export const DEVICE_COLUMNS = {
  id: { column: 'id', kind: 'text' },
  userId: { column: 'user_id', kind: 'text' },
  brokerId: { column: 'broker_id', kind: 'text' },
  deviceId: { column: 'device_id', kind: 'text' },
  deviceType: { column: 'device_type', kind: 'text' },
  userAgent: { column: 'user_agent', kind: 'text' },
  model: { column: 'model', kind: 'text' },
  imei: { column: 'imei', kind: 'text' },
  friendlyName: { column: 'friendly_name', kind: 'text' },
  os: { column: 'os', kind: 'text' },
  osLanguage: { column: 'os_language', kind: 'text' },
  phoneNumber: { column: 'phone_number', kind: 'text' },
  mobileOperator: { column: 'mobile_operator', kind: 'text' },
  enableOutboundSms: { column: 'enable_outbound_sms', kind: 'bool' },
  protocolVersion: { column: 'protocol_version', kind: 'text' },
  appFamily: { column: 'app_family', kind: 'text' },
  appVersion: { column: 'app_version', kind: 'text' },
  firstSyncAt: { column: 'first_sync_at', kind: 'date' },
  lastSyncAttemptAt: { column: 'last_sync_attempt_at', kind: 'date' },
  lastSuccessSyncAt: { column: 'last_success_sync_at', kind: 'date' },
  lastPolicyUpdateAt: { column: 'last_policy_update_at', kind: 'date' },
  lastPingHeartbeat: { column: 'last_ping_heartbeat', kind: 'int' },
  policyId: { column: 'policy_id', kind: 'text' },
  policyName: { column: 'policy_name', kind: 'text' },
  policyRevision: { column: 'policy_revision', kind: 'int' },
  policyStatus: { column: 'policy_status', kind: 'text' },
  policyKey: { column: 'policy_key', kind: 'text' },
  pendingPolicyKey: { column: 'pending_policy_key', kind: 'text' },
  accessState: { column: 'access_state', kind: 'text' },
  accessReason: { column: 'access_reason', kind: 'text' },
  accessRule: { column: 'access_rule', kind: 'text' },
  wipeRequestedAt: { column: 'wipe_requested_at', kind: 'date' },
  wipeRequestedBy: { column: 'wipe_requested_by', kind: 'text' },
  wipeSentAt: { column: 'wipe_sent_at', kind: 'date' },
  wipeAckAt: { column: 'wipe_ack_at', kind: 'date' },
  wipeAckStatus: { column: 'wipe_ack_status', kind: 'text' },
  accountOnlyWipeRequestedAt: { column: 'account_only_wipe_requested_at', kind: 'date' },
  accountOnlyWipeRequestedBy: { column: 'account_only_wipe_requested_by', kind: 'text' },
  accountOnlyWipeSentAt: { column: 'account_only_wipe_sent_at', kind: 'date' },
  accountOnlyWipeAckAt: { column: 'account_only_wipe_ack_at', kind: 'date' },
  accountOnlyWipeAckStatus: { column: 'account_only_wipe_ack_status', kind: 'text' },
  createdAt: { column: 'created_at', kind: 'date' },
  updatedAt: { column: 'updated_at', kind: 'date' },
} as const satisfies Record<keyof Device, { column: string; kind: ColumnKind }>;

export type DeviceField = keyof typeof DEVICE_COLUMNS;

export const DEVICE_FIELDS = Object.keys(DEVICE_COLUMNS) as DeviceField[];

/** Identity fields: a patch carrying one is refused. */
const NOT_PATCHABLE: ReadonlySet<string> = new Set(['id', 'userId', 'brokerId', 'deviceId', 'createdAt']);

/**
 * The patch's fields in a stable order (it keys the statement cache). Undefined values are
 * dropped (Partial allows them) and so is updatedAt, which the store sets itself. Throws on
 * an identity or unknown field, so a stray key from an untyped caller can neither reach the
 * SQL nor be silently dropped.
 */
export function patchFields(patch: object): DeviceField[] {
  const fields: DeviceField[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'updatedAt') continue;
    if (!Object.hasOwn(DEVICE_COLUMNS, key) || NOT_PATCHABLE.has(key)) {
      throw new TypeError(`store: patchDevice: field "${key}" cannot be patched`);
    }
    fields.push(key as DeviceField);
  }
  return fields.sort();
}

/** Filter field -> column; the WHERE clause is built only from these. */
export const FILTER_COLUMNS = {
  userId: 'user_id',
  accessState: 'access_state',
  deviceType: 'device_type',
  brokerId: 'broker_id',
} as const satisfies Record<keyof DeviceFilter, string>;

/** The filter's set fields, as [column, value] pairs in a stable order. */
export function filterColumns(filter: DeviceFilter | undefined): Array<[column: string, value: string]> {
  const out: Array<[string, string]> = [];
  if (!filter) return out;
  for (const [field, column] of Object.entries(FILTER_COLUMNS)) {
    const value = filter[field as keyof DeviceFilter];
    if (value !== undefined) out.push([column, value]);
  }
  return out;
}

/** Rebuild a Device from a row, with `decode` turning each stored value into its TS value. */
export function deviceFromRow(
  row: Record<string, unknown>,
  decode: (kind: ColumnKind, value: unknown, column: string) => unknown,
): Device {
  const out: Record<string, unknown> = {};
  for (const field of DEVICE_FIELDS) {
    const { column, kind } = DEVICE_COLUMNS[field];
    out[field] = decode(kind, row[column], column);
  }
  // Complete by construction: DEVICE_COLUMNS covers every Device field (checked above).
  return out as unknown as Device;
}
