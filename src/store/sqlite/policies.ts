// SQLite PolicyStore (src/store/types.ts): policies and domain -> policy assignments.
import type { PolicyStore } from '../types.js';
import { StoreConflictError } from '../types.js';
import type { PolicyRow } from '../sql/policies.js';
import { policyFromRow } from '../sql/policies.js';
import { isoString, nameKey } from '../sql/values.js';
import type { Db } from './db.js';
import { bool, isForeignKeyViolation, isUniqueViolation, writeTransaction } from './db.js';

export function sqlitePolicyStore(db: Db): PolicyStore {
  const getPolicy = db.prepare<[string], PolicyRow>('SELECT * FROM policies WHERE id = ?');
  const getByKey = db.prepare<[string], PolicyRow>('SELECT * FROM policies WHERE name_key = ?');
  const getDefault = db.prepare<[], PolicyRow>('SELECT * FROM policies WHERE is_default = 1');
  const listPolicies = db.prepare<[], PolicyRow>('SELECT * FROM policies ORDER BY name_key');
  const clearDefault = db.prepare<[string]>(
    'UPDATE policies SET is_default = 0 WHERE is_default = 1 AND id <> ?',
  );
  // Upsert, not INSERT OR REPLACE: REPLACE would delete the row and null every user's assignment.
  const putPolicy = db.prepare(
    `INSERT INTO policies (id, name, name_key, is_default, settings, options, revision, created_at, updated_at)
     VALUES (@id, @name, @nameKey, @isDefault, @settings, @options, @revision, @createdAt, @updatedAt)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
       is_default = excluded.is_default, settings = excluded.settings, options = excluded.options,
       revision = excluded.revision, created_at = excluded.created_at, updated_at = excluded.updated_at`,
  );
  const deletePolicy = db.prepare<[string]>('DELETE FROM policies WHERE id = ?');
  const setDomain = db.prepare<[string, string]>(
    'INSERT INTO domain_policies (domain, policy_id) VALUES (?, ?) ON CONFLICT (domain) DO UPDATE SET policy_id = excluded.policy_id',
  );
  const clearDomain = db.prepare<[string]>('DELETE FROM domain_policies WHERE domain = ?');
  const getDomain = db.prepare<[string], { policy_id: string }>(
    'SELECT policy_id FROM domain_policies WHERE domain = ?',
  );
  const listDomains = db.prepare<[], { domain: string; policy_id: string }>(
    'SELECT domain, policy_id FROM domain_policies ORDER BY domain',
  );

  return {
    async getPolicy(id) {
      const row = getPolicy.get(id);
      return row ? policyFromRow(row) : null;
    },
    async getPolicyByName(name) {
      const row = getByKey.get(nameKey(name));
      return row ? policyFromRow(row) : null;
    },
    async getDefaultPolicy() {
      const row = getDefault.get();
      return row ? policyFromRow(row) : null;
    },
    async listPolicies() {
      return listPolicies.all().map(policyFromRow);
    },
    async putPolicy(policy) {
      const params = {
        id: policy.id,
        name: policy.name,
        nameKey: nameKey(policy.name),
        isDefault: bool(policy.isDefault),
        settings: JSON.stringify(policy.settings),
        options: JSON.stringify(policy.options),
        revision: policy.revision,
        createdAt: isoString(policy.createdAt),
        updatedAt: isoString(policy.updatedAt),
      };
      try {
        writeTransaction(db, () => {
          if (policy.isDefault) clearDefault.run(policy.id);
          putPolicy.run(params);
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreConflictError(`policy name already in use: ${policy.name}`, { cause: err });
        }
        throw err;
      }
    },
    async deletePolicy(id) {
      // Cascades: users.policy_id is set to NULL, domain assignments are removed.
      deletePolicy.run(id);
    },
    async setDomainPolicy(domain, policyId) {
      const key = nameKey(domain);
      if (policyId === null) {
        clearDomain.run(key);
        return;
      }
      try {
        setDomain.run(key, policyId);
      } catch (err) {
        if (isForeignKeyViolation(err)) {
          throw new Error(`store: setDomainPolicy ${key}: policy ${policyId} does not exist`, { cause: err });
        }
        throw err;
      }
    },
    async getDomainPolicy(domain) {
      return getDomain.get(nameKey(domain))?.policy_id ?? null;
    },
    async listDomainPolicies() {
      return listDomains.all().map((r) => ({ domain: r.domain, policyId: r.policy_id }));
    },
  };
}
