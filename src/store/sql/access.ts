// The access_rules row shared by the SQL backends (timestamps: ISO text in SQLite, Date in PostgreSQL).
import type { AccessRule } from '../../access/types.js';
import type { StoredDate } from './values.js';
import { toDate } from './values.js';

export interface RuleRow {
  id: string;
  name: string;
  characteristic: AccessRule['characteristic'];
  query_string: string;
  version_range: string | null;
  access_level: AccessRule['accessLevel'];
  created_at: StoredDate;
  updated_at: StoredDate;
}

export function ruleFromRow(r: RuleRow): AccessRule {
  return {
    id: r.id,
    name: r.name,
    characteristic: r.characteristic,
    queryString: r.query_string,
    versionRange: r.version_range,
    accessLevel: r.access_level,
    createdAt: toDate(r.created_at, 'access_rules.created_at'),
    updatedAt: toDate(r.updated_at, 'access_rules.updated_at'),
  };
}
