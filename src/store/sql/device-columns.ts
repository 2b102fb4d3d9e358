// The devices table shared by the SQL backends: field -> column and value kind. It is the only
// source of column names in device SQL (patches and filters are checked against it, never spliced in).
import type { Device } from '../../devices/types.js';
import type { DeviceFilter } from '../types.js';

/** json: an object stored as JSON text (SQLite) or jsonb (PostgreSQL); null stays SQL NULL. */
export type ColumnKind = 'text' | 'int' | 'bool' | 'date' | 'json';

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
  accessExplanation: { column: 'access_explanation', kind: 'text' },
  accessDecidedAt: { column: 'access_decided_at', kind: 'date' },
  quarantinedAt: { column: 'quarantined_at', kind: 'date' },
  releaseCondition: { column: 'release_condition', kind: 'json' },
  autoblockReason: { column: 'autoblock_reason', kind: 'text' },
  autoblockUntil: { column: 'autoblock_until', kind: 'date' },
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

/** Fields a patch may carry (updatedAt too: it is dropped, the store sets it). */
const PATCHABLE: ReadonlySet<string> = new Set(DEVICE_FIELDS.filter((f) => !NOT_PATCHABLE.has(f)));

/** The patch's keys with a defined value, in the patch's own order, minus updatedAt; checked. */
function setKeys(patch: object): DeviceField[] {
  const keys: DeviceField[] = [];
  for (const key of Object.keys(patch)) {
    if (key === 'updatedAt' || (patch as Record<string, unknown>)[key] === undefined) continue;
    if (!PATCHABLE.has(key)) throw new TypeError(`store: patchDevice: field "${key}" cannot be patched`);
    keys.push(key as DeviceField);
  }
  return keys;
}

/**
 * The patch's fields in a stable order (it keys the statement cache). Undefined values are
 * dropped (Partial allows them) and so is updatedAt, which the store sets itself. Throws on
 * an identity or unknown field, so a stray key from an untyped caller can neither reach the
 * SQL nor be silently dropped.
 */
export function patchFields(patch: object): DeviceField[] {
  return setKeys(patch).sort();
}

/** Patches for devices sharing one set of patched fields: one statement serves them all. */
export interface PatchGroup {
  /** Sorted, as patchFields returns them; may be empty (the patch only bumps updatedAt). */
  fields: DeviceField[];
  /** One row per id; read only `fields` from `patch` (it may hold other, undefined keys). */
  rows: Array<{ id: string; patch: Readonly<Record<string, unknown>> }>;
}

interface PendingPatch {
  fields: DeviceField[];
  patch: Record<string, unknown>;
  /** True once `patch` is our own copy (several patches for one id), safe to write into. */
  merged: boolean;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * patchDevices' input checked and folded: every patch is validated first (throwing before anything
 * is written), patches for one id are merged in order (a later defined value wins, as applying them
 * one after another would), and the ids are grouped by their set of patched fields. One row per id
 * also keeps a PostgreSQL UPDATE ... FROM from seeing an id twice (it would apply an arbitrary one
 * of them). Callers' patch objects are never modified. Linear, and cheap for the usual input (one
 * patch per id, all built by the same code, so with the same keys in the same order).
 */
export function groupPatches(patches: ReadonlyArray<{ id: string; patch: object }>): PatchGroup[] {
  const byId = new Map<string, PendingPatch>();
  let lastKeys: DeviceField[] = [];
  let lastFields: DeviceField[] = [];
  for (const { id, patch } of patches) {
    const keys = setKeys(patch);
    // Same keys in the same order as the previous patch: reuse its sorted list (and its group below).
    if (!sameKeys(keys, lastKeys)) {
      lastKeys = keys;
      lastFields = [...keys].sort();
    }
    const values = patch as Record<string, unknown>;
    const seen = byId.get(id);
    if (!seen) {
      byId.set(id, { fields: lastFields, patch: values, merged: false });
      continue;
    }
    if (!seen.merged) {
      const copy: Record<string, unknown> = {};
      for (const f of seen.fields) copy[f] = seen.patch[f];
      seen.patch = copy;
      seen.merged = true;
    }
    for (const f of keys) seen.patch[f] = values[f];
    seen.fields = (Object.keys(seen.patch) as DeviceField[]).sort();
  }
  const byFieldList = new Map<DeviceField[], PatchGroup>();
  const byKey = new Map<string, PatchGroup>();
  for (const [id, { fields, patch }] of byId) {
    let group = byFieldList.get(fields);
    if (!group) {
      const key = fields.join(',');
      group = byKey.get(key);
      if (!group) byKey.set(key, (group = { fields, rows: [] }));
      byFieldList.set(fields, group);
    }
    group.rows.push({ id, patch });
  }
  return [...byKey.values()];
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
