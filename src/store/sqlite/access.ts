// SQLite AccessRuleStore and OrgSettingsStore (src/store/types.ts).
import type { OrgSettings } from '../../access/types.js';
import type { AccessRuleStore, OrgSettingsStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { RuleRow } from '../sql/access.js';
import { ruleFromRow } from '../sql/access.js';
import { isoString, jsonObject, nameKey, ruleMatchKey } from '../sql/values.js';
import type { Db } from './db.js';
import { isUniqueViolation } from './db.js';

export function sqliteAccessStore(db: Db): AccessRuleStore & OrgSettingsStore {
  const getRule = db.prepare<[string], RuleRow>('SELECT * FROM access_rules WHERE id = ?');
  const listRules = db.prepare<[], RuleRow>('SELECT * FROM access_rules ORDER BY name_key, id');
  const putRule = db.prepare(
    `INSERT INTO access_rules (id, name, name_key, characteristic, query_string, version_range, match_key,
       access_level, created_at, updated_at)
     VALUES (@id, @name, @nameKey, @characteristic, @queryString, @versionRange, @matchKey,
       @accessLevel, @createdAt, @updatedAt)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
       characteristic = excluded.characteristic, query_string = excluded.query_string,
       version_range = excluded.version_range, match_key = excluded.match_key,
       access_level = excluded.access_level, created_at = excluded.created_at, updated_at = excluded.updated_at`,
  );
  const deleteRule = db.prepare<[string]>('DELETE FROM access_rules WHERE id = ?');
  const getSettings = db.prepare<[], { settings: string }>('SELECT settings FROM org_settings WHERE id = 1');
  const putSettings = db.prepare<[string]>(
    'INSERT INTO org_settings (id, settings) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET settings = excluded.settings',
  );

  return {
    async getRule(id) {
      const row = getRule.get(id);
      return row ? ruleFromRow(row) : null;
    },
    async listRules() {
      return listRules.all().map(ruleFromRow);
    },
    async putRule(rule) {
      try {
        putRule.run({
          id: rule.id,
          name: rule.name,
          nameKey: nameKey(rule.name),
          characteristic: rule.characteristic,
          queryString: rule.queryString,
          versionRange: rule.versionRange,
          matchKey: ruleMatchKey(rule),
          accessLevel: rule.accessLevel,
          createdAt: isoString(rule.createdAt),
          updatedAt: isoString(rule.updatedAt),
        });
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
      deleteRule.run(id);
    },

    async getOrgSettings() {
      const row = getSettings.get();
      return row ? jsonObject<OrgSettings>(row.settings, 'org_settings.settings') : null;
    },
    async putOrgSettings(settings) {
      putSettings.run(JSON.stringify(settings));
    },
  };
}
