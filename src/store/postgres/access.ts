// PostgreSQL AccessRuleStore and OrgSettingsStore (src/store/types.ts).
import type { OrgSettings } from '../../access/types.js';
import type { AccessRuleStore, OrgSettingsStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { RuleRow } from '../sql/access.js';
import { ruleFromRow } from '../sql/access.js';
import { jsonObject, nameKey, ruleMatchKey } from '../sql/values.js';
import type { Pool } from './db.js';
import { isUniqueViolation } from './db.js';

const PUT_RULE = `INSERT INTO access_rules (id, name, name_key, characteristic, query_string, version_range,
    match_key, access_level, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
    characteristic = excluded.characteristic, query_string = excluded.query_string,
    version_range = excluded.version_range, match_key = excluded.match_key,
    access_level = excluded.access_level, created_at = excluded.created_at, updated_at = excluded.updated_at`;

export function postgresAccessStore(pool: Pool): AccessRuleStore & OrgSettingsStore {
  return {
    async getRule(id) {
      const { rows } = await pool.query<RuleRow>('SELECT * FROM access_rules WHERE id = $1', [id]);
      return rows[0] ? ruleFromRow(rows[0]) : null;
    },
    async listRules() {
      const { rows } = await pool.query<RuleRow>('SELECT * FROM access_rules ORDER BY name_key, id');
      return rows.map(ruleFromRow);
    },
    async putRule(rule) {
      try {
        await pool.query(PUT_RULE, [
          rule.id,
          rule.name,
          nameKey(rule.name),
          rule.characteristic,
          rule.queryString,
          rule.versionRange,
          ruleMatchKey(rule),
          rule.accessLevel,
          rule.createdAt,
          rule.updatedAt,
        ]);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(
            `a rule for ${rule.characteristic} '${rule.queryString}'${rule.versionRange === null ? '' : ` ${rule.versionRange}`} already exists`,
            { cause: err },
          );
        }
        throw err;
      }
    },
    async deleteRule(id) {
      await pool.query('DELETE FROM access_rules WHERE id = $1', [id]);
    },

    async getOrgSettings() {
      const { rows } = await pool.query<{ settings: unknown }>(
        'SELECT settings FROM org_settings WHERE id = 1',
      );
      return rows[0] ? jsonObject<OrgSettings>(rows[0].settings, 'org_settings.settings') : null;
    },
    async putOrgSettings(settings) {
      await pool.query(
        `INSERT INTO org_settings (id, settings) VALUES (1, $1::jsonb)
         ON CONFLICT (id) DO UPDATE SET settings = excluded.settings`,
        [JSON.stringify(settings)],
      );
    },
  };
}
