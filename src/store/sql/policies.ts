// The policies row shared by the SQL backends. As read back, is_default is 0/1 (SQLite) or boolean
// (PostgreSQL), settings/options JSON text or parsed jsonb, timestamps ISO text or Date.
import type { Policy, PolicyServerOptions, PolicySettings } from '../../policy/types.js';
import type { StoredBool, StoredDate } from './values.js';
import { jsonObject, toBool, toDate } from './values.js';

export interface PolicyRow {
  id: string;
  name: string;
  is_default: StoredBool;
  settings: unknown;
  options: unknown;
  revision: number;
  created_at: StoredDate;
  updated_at: StoredDate;
}

export function policyFromRow(r: PolicyRow): Policy {
  return {
    id: r.id,
    name: r.name,
    isDefault: toBool(r.is_default),
    settings: jsonObject<PolicySettings>(r.settings, `policy ${r.id} settings`),
    options: jsonObject<PolicyServerOptions>(r.options, `policy ${r.id} options`),
    revision: r.revision,
    createdAt: toDate(r.created_at, 'policies.created_at'),
    updatedAt: toDate(r.updated_at, 'policies.updated_at'),
  };
}
